//! The fast path: a key recreated by one `RESTORE key <abs-ms> <payload> REPLACE ABSTTL`,
//! built from the value's raw RDB bytes.
//!
//! A `DUMP` payload is the value's RDB encoding (type byte + value), then the RDB version as
//! two little-endian bytes, then a CRC-64 (Jones polynomial, reflected, as Redis computes it)
//! of everything before it, little-endian. The target refuses a payload whose version is
//! newer than its own, so the version written is the source's. The payload itself is
//! [`crate::rdb::dump_payload`].

use super::batch::BatchBuilder;
use crate::{rdb, resp};
use bytes::{Bytes, BytesMut};

/// The RDB version in a `DUMP` payload's footer, when the payload is long enough and its
/// checksum is right.
pub fn payload_version(payload: &[u8]) -> Option<u16> {
    rdb::split_dump_payload(payload).ok().map(|(_, v)| v)
}

/// Access information kept with a restored key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Access {
    /// LRU idle seconds (`IDLETIME`).
    pub idle_secs: Option<u64>,
    /// LFU counter (`FREQ`); preferred when both are known, as Redis accepts only one.
    pub lfu_freq: Option<u8>,
}

/// Appends `RESTORE key <ttl> <payload> REPLACE ABSTTL [FREQ f | IDLETIME s]`. `expire_at_ms`
/// is absolute Unix milliseconds (`None`: no expire); a time at or before the epoch is sent
/// as 1 so that it still means "expired", not "no expire" (0).
pub fn restore(
    b: &mut BatchBuilder,
    key: &Bytes,
    payload: &[u8],
    expire_at_ms: Option<i64>,
    access: Access,
) {
    push_restore(b, key, payload.len(), expire_at_ms, access, |out| {
        out.extend_from_slice(payload)
    });
}

/// A value's raw RDB bytes and the version of the file they come from.
#[derive(Debug, Clone, Copy)]
pub struct Raw<'a> {
    /// The type byte (it precedes the key in the file).
    pub rdb_type: u8,
    /// The encoded value after the key.
    pub encoded: &'a [u8],
    pub rdb_version: u16,
}

/// [`restore`] with the payload built in place from a value's raw bytes: what
/// [`rdb::dump_payload`] returns for them, without an intermediate copy.
pub fn restore_raw(
    b: &mut BatchBuilder,
    key: &Bytes,
    raw: Raw<'_>,
    expire_at_ms: Option<i64>,
    access: Access,
) {
    let len = 1 + raw.encoded.len() + 10;
    push_restore(b, key, len, expire_at_ms, access, |out| {
        let version = raw.rdb_version.to_le_bytes();
        out.extend_from_slice(&[raw.rdb_type]);
        out.extend_from_slice(raw.encoded);
        out.extend_from_slice(&version);
        let crc = rdb::crc64(rdb::crc64(0, &[raw.rdb_type]), raw.encoded);
        let crc = rdb::crc64(crc, &version);
        out.extend_from_slice(&crc.to_le_bytes());
    });
}

fn push_restore(
    b: &mut BatchBuilder,
    key: &Bytes,
    payload_len: usize,
    expire_at_ms: Option<i64>,
    access: Access,
    payload: impl FnOnce(&mut BytesMut),
) {
    let mut digits = Digits::default();
    let ttl = digits.of(expire_at_ms.map_or(0, |t| t.max(1)).unsigned_abs());
    let hint: Option<(&[u8], u64)> = match access {
        Access {
            lfu_freq: Some(f), ..
        } => Some((b"FREQ", u64::from(f))),
        Access {
            idle_secs: Some(s), ..
        } => Some((b"IDLETIME", s)),
        _ => None,
    };
    b.push_encoded(b"RESTORE", Some(key), |out| {
        out.reserve(payload_len + key.len() + 96);
        resp::encode_len(out, b'*', if hint.is_some() { 8 } else { 6 });
        resp::encode_bulk(out, b"RESTORE");
        resp::encode_bulk(out, key);
        resp::encode_bulk(out, ttl);
        resp::encode_len(out, b'$', payload_len);
        payload(out);
        out.extend_from_slice(b"\r\n");
        resp::encode_bulk(out, b"REPLACE");
        resp::encode_bulk(out, b"ABSTTL");
        if let Some((name, value)) = hint {
            resp::encode_bulk(out, name);
            let mut d = Digits::default();
            resp::encode_bulk(out, d.of(value));
        }
    });
}

/// Decimal digits of a number on the stack.
#[derive(Default)]
pub(crate) struct Digits([u8; 20]);

impl Digits {
    pub(crate) fn of(&mut self, mut n: u64) -> &[u8] {
        let mut i = self.0.len();
        loop {
            i -= 1;
            self.0[i] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        &self.0[i..]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resp::{Limits, parse_command};
    use crate::target::{Ack, Replay};
    use bytes::BytesMut;

    #[test]
    fn payloads_match_what_redis_dumps() {
        // `SET k x` then `DUMP k` on Redis 7.0 (RDB 10) and Valkey 8.1 (RDB 11).
        let redis = b"\x00\x01x\n\x00\"\x80\x86_\xbd\xe8H\xd0";
        let valkey = b"\x00\x01x\x0b\x00K_;,@w\xa1Y";
        assert_eq!(&rdb::dump_payload(b"\x00\x01x", 10)[..], redis);
        assert_eq!(&rdb::dump_payload(b"\x00\x01x", 11)[..], valkey);
        assert_eq!(payload_version(redis), Some(10));
        assert_eq!(payload_version(valkey), Some(11));
        let mut bad = valkey.to_vec();
        bad[1] ^= 1;
        assert_eq!(payload_version(&bad), None);
        assert_eq!(payload_version(b"short"), None);
    }

    fn args_of(b: BatchBuilder) -> Vec<Vec<u8>> {
        let batch = b.finish(Ack::None, Replay::Idempotent);
        let mut buf = BytesMut::from(&batch.bytes()[..]);
        let cmd = parse_command(&mut buf, &Limits::default())
            .unwrap()
            .unwrap();
        cmd.args().map(<[u8]>::to_vec).collect()
    }

    #[test]
    fn restore_carries_absolute_ttl_and_one_access_hint() {
        let key = Bytes::from_static(b"k");
        let mut b = BatchBuilder::new();
        restore(&mut b, &key, b"P", None, Access::default());
        assert_eq!(
            args_of(b),
            [&b"RESTORE"[..], b"k", b"0", b"P", b"REPLACE", b"ABSTTL"]
        );
        let mut b = BatchBuilder::new();
        let access = Access {
            idle_secs: Some(7),
            lfu_freq: Some(3),
        };
        restore(&mut b, &key, b"P", Some(1_700_000_000_123), access);
        let args = args_of(b);
        assert_eq!(&args[2][..], b"1700000000123");
        assert_eq!(&args[6..], [b"FREQ".to_vec(), b"3".to_vec()]);
        let mut b = BatchBuilder::new();
        restore(&mut b, &key, b"P", Some(-5), Access::default());
        assert_eq!(
            &args_of(b)[2][..],
            b"1",
            "a past expire must not become 'no expire'"
        );
    }

    #[test]
    fn a_payload_built_in_place_is_the_dump_payload() {
        let key = Bytes::from_static(b"k");
        let raw = b"\x00\x05hello";
        let access = Access {
            idle_secs: Some(12_345),
            lfu_freq: None,
        };
        let mut built = BatchBuilder::new();
        let parts = Raw {
            rdb_type: 0,
            encoded: &raw[1..],
            rdb_version: 10,
        };
        restore_raw(&mut built, &key, parts, Some(i64::MAX), access);
        let mut copied = BatchBuilder::new();
        let payload = rdb::dump_payload(raw, 10);
        restore(&mut copied, &key, &payload, Some(i64::MAX), access);
        let (built, copied) = (args_of(built), args_of(copied));
        assert_eq!(built, copied);
        assert_eq!(&built[3][..], &payload[..]);
        assert_eq!(&built[6..], [b"IDLETIME".to_vec(), b"12345".to_vec()]);
    }
}
