//! Listpacks (Redis 7+ small lists, hashes, sorted sets and sets; quicklist nodes; stream
//! nodes): `<total-bytes u32><count u16><entry>…<0xFF>`, each entry an encoding byte, its
//! data and a back-length of 1–5 bytes. Read entry by entry from a [`Source`], so a listpack
//! of any size streams; every length is checked against the blob before it is used.

use super::RdbError;
use super::source::{Entry, Source};
use bytes::BytesMut;

/// A listpack being read.
pub(crate) struct Listpack {
    declared: u16,
    seen: u64,
}

/// The `count` value meaning "too many to count in 16 bits".
const COUNT_UNKNOWN: u16 = u16::MAX;

impl Listpack {
    /// Reads and checks the header; the source must hold exactly the listpack.
    pub(crate) fn open<S: Source>(src: &mut S) -> Result<Self, RdbError> {
        let blob_len = src.remaining();
        if blob_len < 7 {
            return Err(src.bad(format_args!(
                "{blob_len} bytes is shorter than an empty listpack (7)"
            )));
        }
        let h: [u8; 6] = src.le()?;
        let total = u32::from_le_bytes([h[0], h[1], h[2], h[3]]) as u64;
        if total != blob_len {
            return Err(src.bad(format_args!(
                "header says {total} bytes, the blob has {blob_len}"
            )));
        }
        Ok(Listpack {
            declared: u16::from_le_bytes([h[4], h[5]]),
            seen: 0,
        })
    }

    /// The next element (string bytes appended to `out`), or `None` at the end marker.
    #[inline]
    pub(crate) fn next<S: Source>(
        &mut self,
        src: &mut S,
        out: &mut BytesMut,
    ) -> Result<Option<Entry>, RdbError> {
        let b = src.byte()?;
        let (entry, size) = match b {
            0x00..=0x7f => (Entry::Int(b as i64), 1),
            0x80..=0xbf => {
                let n = (b & 0x3f) as u64;
                src.append(n, out)?;
                (Entry::Str, 1 + n)
            }
            0xc0..=0xdf => {
                let u = ((b as u64 & 0x1f) << 8) | src.byte()? as u64;
                (Entry::Int(signed(u, 13)), 2)
            }
            0xe0..=0xef => {
                let n = ((b as u64 & 0x0f) << 8) | src.byte()? as u64;
                src.append(n, out)?;
                (Entry::Str, 2 + n)
            }
            0xf0 => {
                let n = u32::from_le_bytes(src.le()?) as u64;
                src.append(n, out)?;
                (Entry::Str, 5 + n)
            }
            0xf1 => (Entry::Int(signed(uint(src, 2)?, 16)), 3),
            0xf2 => (Entry::Int(signed(uint(src, 3)?, 24)), 4),
            0xf3 => (Entry::Int(signed(uint(src, 4)?, 32)), 5),
            0xf4 => (Entry::Int(uint(src, 8)? as i64), 9),
            0xff => {
                if src.remaining() != 0 {
                    return Err(src.bad(format_args!(
                        "end marker with {} bytes still in the blob",
                        src.remaining()
                    )));
                }
                if self.declared != COUNT_UNKNOWN && self.seen != self.declared as u64 {
                    return Err(src.bad(format_args!(
                        "header counts {} elements, found {}",
                        self.declared, self.seen
                    )));
                }
                return Ok(None);
            }
            _ => return Err(src.bad(format_args!("unknown entry encoding {b:#04x}"))),
        };
        let mut want = [0u8; 5];
        let bl = encode_backlen(size, &mut want);
        let mut got = [0u8; 5];
        src.fill(&mut got[..bl])?;
        if got[..bl] != want[..bl] {
            return Err(src.bad(format_args!(
                "back-length {:02x?} does not match the entry size {size}",
                &got[..bl]
            )));
        }
        self.seen += 1;
        Ok(Some(entry))
    }

    /// Like [`Listpack::next`], with integers appended to `out` in decimal.
    #[inline]
    pub(crate) fn next_bytes<S: Source>(
        &mut self,
        src: &mut S,
        out: &mut BytesMut,
    ) -> Result<bool, RdbError> {
        match self.next(src, out)? {
            None => Ok(false),
            Some(Entry::Str) => Ok(true),
            Some(Entry::Int(v)) => {
                super::source::put_int(out, v);
                Ok(true)
            }
        }
    }
}

/// Reads an `n`-byte little-endian unsigned integer.
fn uint<S: Source>(src: &mut S, n: usize) -> Result<u64, RdbError> {
    let mut b = [0u8; 8];
    src.fill(&mut b[..n])?;
    Ok(u64::from_le_bytes(b))
}

/// Two's complement of a `bits`-wide value.
pub(crate) fn signed(u: u64, bits: u32) -> i64 {
    if bits >= 64 {
        return u as i64;
    }
    if u >= 1 << (bits - 1) {
        u as i64 - (1i64 << bits)
    } else {
        u as i64
    }
}

/// The back-length bytes of an entry of `size` bytes (as `lpEncodeBacklen` writes them).
fn encode_backlen(l: u64, out: &mut [u8; 5]) -> usize {
    if l <= 127 {
        out[0] = l as u8;
        1
    } else if l < 16383 {
        out[0] = (l >> 7) as u8;
        out[1] = (l & 127) as u8 | 128;
        2
    } else if l < 2097151 {
        out[0] = (l >> 14) as u8;
        out[1] = ((l >> 7) & 127) as u8 | 128;
        out[2] = (l & 127) as u8 | 128;
        3
    } else if l < 268435455 {
        out[0] = (l >> 21) as u8;
        out[1] = ((l >> 14) & 127) as u8 | 128;
        out[2] = ((l >> 7) & 127) as u8 | 128;
        out[3] = (l & 127) as u8 | 128;
        4
    } else {
        out[0] = (l >> 28) as u8;
        out[1] = ((l >> 21) & 127) as u8 | 128;
        out[2] = ((l >> 14) & 127) as u8 | 128;
        out[3] = ((l >> 7) & 127) as u8 | 128;
        out[4] = (l & 127) as u8 | 128;
        5
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::rdb::codec::listpack_entries;

    /// Builds a listpack the way Redis encodes elements (integers when they fit).
    pub(crate) fn build(items: &[&[u8]]) -> Vec<u8> {
        let mut body = Vec::new();
        for it in items {
            let mut e = Vec::new();
            let as_int = std::str::from_utf8(it)
                .ok()
                .and_then(|s| s.parse::<i64>().ok())
                .filter(|v| v.to_string().as_bytes() == *it);
            match as_int {
                Some(v) if (0..=127).contains(&v) => e.push(v as u8),
                Some(v) if (-4096..4096).contains(&v) => {
                    let u = (v as u64) & 0x1fff;
                    e.extend_from_slice(&[0xc0 | (u >> 8) as u8, u as u8]);
                }
                Some(v) if (-32768..32768).contains(&v) => {
                    e.push(0xf1);
                    e.extend_from_slice(&(v as i16).to_le_bytes());
                }
                Some(v) if (-(1 << 23)..(1 << 23)).contains(&v) => {
                    e.push(0xf2);
                    e.extend_from_slice(&(v as i32).to_le_bytes()[..3]);
                }
                Some(v) if i32::try_from(v).is_ok() => {
                    e.push(0xf3);
                    e.extend_from_slice(&(v as i32).to_le_bytes());
                }
                Some(v) => {
                    e.push(0xf4);
                    e.extend_from_slice(&v.to_le_bytes());
                }
                None if it.len() < 64 => {
                    e.push(0x80 | it.len() as u8);
                    e.extend_from_slice(it);
                }
                None if it.len() < 4096 => {
                    e.extend_from_slice(&[0xe0 | (it.len() >> 8) as u8, it.len() as u8]);
                    e.extend_from_slice(it);
                }
                None => {
                    e.push(0xf0);
                    e.extend_from_slice(&(it.len() as u32).to_le_bytes());
                    e.extend_from_slice(it);
                }
            }
            let mut bl = [0u8; 5];
            let n = encode_backlen(e.len() as u64, &mut bl);
            e.extend_from_slice(&bl[..n]);
            body.extend_from_slice(&e);
        }
        let total = 6 + body.len() + 1;
        let mut lp = Vec::with_capacity(total);
        lp.extend_from_slice(&(total as u32).to_le_bytes());
        lp.extend_from_slice(&(items.len().min(65535) as u16).to_le_bytes());
        lp.extend_from_slice(&body);
        lp.push(0xff);
        lp
    }

    #[test]
    fn every_encoding_round_trips() {
        let long = vec![b'x'; 5000];
        let mid = vec![b'y'; 300];
        let items: Vec<&[u8]> = vec![
            b"0",
            b"127",
            b"128",
            b"-1",
            b"-4096",
            b"4095",
            b"-32768",
            b"32767",
            b"8388607",
            b"-8388608",
            b"2147483647",
            b"-2147483648",
            b"9223372036854775807",
            b"-9223372036854775808",
            b"",
            b"abc",
            b"007",
            &mid,
            &long,
        ];
        let lp = build(&items);
        let got = listpack_entries(&lp).unwrap();
        let got: Vec<&[u8]> = got.iter().map(|b| &b[..]).collect();
        assert_eq!(got, items);
    }

    #[test]
    fn corruption_is_an_error() {
        let lp = build(&[b"hello", b"world"]);
        let mut bad = lp.clone();
        bad[0] = bad[0].wrapping_add(1); // total bytes
        assert!(listpack_entries(&bad).is_err());
        let mut bad = lp.clone();
        bad[4] = 3; // count
        assert!(listpack_entries(&bad).is_err());
        let mut bad = lp.clone();
        bad[6 + 6] = 0x09; // back-length of "hello"
        assert!(listpack_entries(&bad).is_err());
        let mut bad = lp.clone();
        bad[6] = 0xf5; // unknown encoding
        assert!(listpack_entries(&bad).is_err());
        assert!(listpack_entries(&lp[..lp.len() - 1]).is_err());
    }

    #[test]
    fn signed_widths() {
        assert_eq!(signed(0x1fff, 13), -1);
        assert_eq!(signed(0x1000, 13), -4096);
        assert_eq!(signed(0x0fff, 13), 4095);
        assert_eq!(signed(0xff_ffff, 24), -1);
        assert_eq!(signed(u64::MAX, 64), -1);
    }
}
