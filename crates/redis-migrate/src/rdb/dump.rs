//! `DUMP` payloads: a value's RDB bytes followed by the RDB version (2 bytes, little endian)
//! and a CRC-64 of everything before it (8 bytes, little endian). `RESTORE` accepts exactly
//! this, so a value read raw from an RDB file becomes a `RESTORE` argument without decoding.

use super::{RdbError, crc64};
use bytes::{BufMut, Bytes, BytesMut};

/// Builds the payload `DUMP` would return for `raw` (type byte + encoded value, as in the
/// RDB file) written by a server of RDB version `rdb_version`.
pub fn dump_payload(raw: &[u8], rdb_version: u16) -> Bytes {
    let mut out = BytesMut::with_capacity(raw.len() + 10);
    out.extend_from_slice(raw);
    out.put_u16_le(rdb_version);
    let crc = crc64(0, &out);
    out.put_u64_le(crc);
    out.freeze()
}

/// Splits a `DUMP` payload into the raw value (type byte + encoded value) and the RDB
/// version, after checking its CRC-64. Offsets in errors count from the payload's start.
pub fn split_dump_payload(payload: &[u8]) -> Result<(&[u8], u16), RdbError> {
    if payload.len() < 11 {
        return Err(RdbError::Truncated {
            offset: payload.len() as u64,
            reading: "a DUMP payload (type byte, value, 2-byte version and 8-byte CRC-64)",
        });
    }
    let (body, crc_bytes) = payload.split_at(payload.len() - 8);
    let mut crc = [0u8; 8];
    crc.copy_from_slice(crc_bytes);
    let expected = u64::from_le_bytes(crc);
    let computed = crc64(0, body);
    if expected != computed {
        return Err(RdbError::Checksum {
            expected,
            computed,
            offset: body.len() as u64,
        });
    }
    let (raw, version) = body.split_at(body.len() - 2);
    Ok((raw, u16::from_le_bytes([version[0], version[1]])))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dump_of_a_small_string_matches_redis_bytes() {
        // `SET k hello` then `DUMP k` on Redis 7.0 (RDB 10):
        // 00 05 'hello' 0a 00 + CRC-64 of the 9 bytes before it.
        let payload = dump_payload(b"\x00\x05hello", 10);
        assert_eq!(&payload[..9], b"\x00\x05hello\x0a\x00");
        assert_eq!(payload.len(), 17);
        let (raw, version) = split_dump_payload(&payload).unwrap();
        assert_eq!((raw, version), (&b"\x00\x05hello"[..], 10));
    }

    #[test]
    fn a_flipped_byte_or_short_payload_is_rejected() {
        let payload = dump_payload(b"\x00\x05hello", 11);
        for i in 0..payload.len() {
            let mut bad = payload.to_vec();
            bad[i] ^= 0x01;
            assert!(
                matches!(split_dump_payload(&bad), Err(RdbError::Checksum { .. })),
                "flip at {i}"
            );
        }
        assert!(matches!(
            split_dump_payload(&payload[..10]),
            Err(RdbError::Truncated { .. })
        ));
    }
}
