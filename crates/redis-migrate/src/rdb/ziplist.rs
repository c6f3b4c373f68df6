//! Ziplists (RDB types 10, 12, 13 and quicklist v1 nodes, Redis 2.6–6.2):
//! `<zlbytes u32><zltail u32><zllen u16><entry>…<0xFF>`, each entry the previous entry's
//! size (1 or 5 bytes), an encoding and its data. Read entry by entry from a [`Source`];
//! the previous-size chain is checked as it goes.

use super::RdbError;
use super::listpack::signed;
use super::source::{Entry, Source};
use bytes::BytesMut;

pub(crate) struct Ziplist {
    declared: u16,
    seen: u64,
    prev_size: u64,
}

impl Ziplist {
    /// Reads and checks the header; the source must hold exactly the ziplist.
    pub(crate) fn open<S: Source>(src: &mut S) -> Result<Self, RdbError> {
        let blob_len = src.remaining();
        if blob_len < 11 {
            return Err(src.bad(format_args!(
                "{blob_len} bytes is shorter than an empty ziplist (11)"
            )));
        }
        let h: [u8; 10] = src.le()?;
        let total = u32::from_le_bytes([h[0], h[1], h[2], h[3]]) as u64;
        let tail = u32::from_le_bytes([h[4], h[5], h[6], h[7]]) as u64;
        if total != blob_len || tail >= total {
            return Err(src.bad(format_args!(
                "header says {total} bytes with the tail at {tail}, the blob has {blob_len}"
            )));
        }
        Ok(Ziplist {
            declared: u16::from_le_bytes([h[8], h[9]]),
            seen: 0,
            prev_size: 0,
        })
    }

    /// The next element (string bytes appended to `out`), or `None` at the end marker.
    pub(crate) fn next<S: Source>(
        &mut self,
        src: &mut S,
        out: &mut BytesMut,
    ) -> Result<Option<Entry>, RdbError> {
        let start = src.pos();
        let b = src.byte()?;
        if b == 0xff {
            if src.remaining() != 0 {
                return Err(src.bad(format_args!(
                    "end marker with {} bytes still in the blob",
                    src.remaining()
                )));
            }
            if self.declared != u16::MAX && self.seen != self.declared as u64 {
                return Err(src.bad(format_args!(
                    "header counts {} elements, found {}",
                    self.declared, self.seen
                )));
            }
            return Ok(None);
        }
        let prev = if b == 0xfe {
            u32::from_le_bytes(src.le()?) as u64
        } else {
            b as u64
        };
        if prev != self.prev_size {
            return Err(src.bad(format_args!(
                "entry says the previous one has {prev} bytes, it has {}",
                self.prev_size
            )));
        }
        let e = src.byte()?;
        let entry = match e >> 6 {
            0 => string(src, (e & 0x3f) as u64, out)?,
            1 => {
                let n = ((e as u64 & 0x3f) << 8) | src.byte()? as u64;
                string(src, n, out)?
            }
            2 => {
                let n = u32::from_be_bytes(src.le()?) as u64;
                string(src, n, out)?
            }
            _ => Entry::Int(match e {
                0xc0 => i16::from_le_bytes(src.le()?) as i64,
                0xd0 => i32::from_le_bytes(src.le()?) as i64,
                0xe0 => i64::from_le_bytes(src.le()?),
                0xf0 => {
                    let b: [u8; 3] = src.le()?;
                    signed(u32::from_le_bytes([b[0], b[1], b[2], 0]) as u64, 24)
                }
                0xfe => i8::from_le_bytes(src.le()?) as i64,
                0xf1..=0xfd => (e & 0x0f) as i64 - 1,
                _ => return Err(src.bad(format_args!("unknown entry encoding {e:#04x}"))),
            }),
        };
        self.prev_size = src.pos() - start;
        self.seen += 1;
        Ok(Some(entry))
    }

    /// Like [`Ziplist::next`], with integers appended to `out` in decimal.
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

fn string<S: Source>(src: &mut S, n: u64, out: &mut BytesMut) -> Result<Entry, RdbError> {
    src.append(n, out)?;
    Ok(Entry::Str)
}

#[cfg(test)]
pub(crate) mod tests {
    use crate::rdb::codec::ziplist_entries;

    /// A ziplist from pre-encoded entries (encoding byte(s) and data, without prevlen).
    pub(crate) fn build(entries: &[Vec<u8>]) -> Vec<u8> {
        let mut body = Vec::new();
        let mut prev = 0usize;
        for e in entries {
            let start = body.len();
            if prev < 254 {
                body.push(prev as u8);
            } else {
                body.push(0xfe);
                body.extend_from_slice(&(prev as u32).to_le_bytes());
            }
            body.extend_from_slice(e);
            prev = body.len() - start;
        }
        let total = 10 + body.len() + 1;
        let tail = if entries.is_empty() {
            10
        } else {
            10 + body.len() - prev
        };
        let mut z = Vec::new();
        z.extend_from_slice(&(total as u32).to_le_bytes());
        z.extend_from_slice(&(tail as u32).to_le_bytes());
        z.extend_from_slice(&(entries.len() as u16).to_le_bytes());
        z.extend_from_slice(&body);
        z.push(0xff);
        z
    }

    pub(crate) fn str_entry(s: &[u8]) -> Vec<u8> {
        let mut e = Vec::new();
        if s.len() < 64 {
            e.push(s.len() as u8);
        } else if s.len() < 16384 {
            e.extend_from_slice(&[0x40 | (s.len() >> 8) as u8, s.len() as u8]);
        } else {
            e.push(0x80);
            e.extend_from_slice(&(s.len() as u32).to_be_bytes());
        }
        e.extend_from_slice(s);
        e
    }

    #[test]
    fn every_encoding() {
        let big = vec![b'z'; 20000];
        let mid = vec![b'm'; 300];
        let entries = vec![
            str_entry(b"hello"),
            vec![0xf1],                         // 0
            vec![0xfd],                         // 12
            vec![0xfe, 0x80],                   // -128
            vec![0xc0, 0x00, 0x80],             // -32768
            vec![0xf0, 0xff, 0xff, 0x7f],       // 8388607
            vec![0xd0, 0x00, 0x00, 0x00, 0x80], // i32::MIN
            [vec![0xe0], i64::MAX.to_le_bytes().to_vec()].concat(),
            str_entry(&mid),
            str_entry(&big),
            str_entry(b""),
        ];
        let z = build(&entries);
        let got = ziplist_entries(&z).unwrap();
        let want: Vec<Vec<u8>> = vec![
            b"hello".to_vec(),
            b"0".to_vec(),
            b"12".to_vec(),
            b"-128".to_vec(),
            b"-32768".to_vec(),
            b"8388607".to_vec(),
            b"-2147483648".to_vec(),
            i64::MAX.to_string().into_bytes(),
            mid.clone(),
            big.clone(),
            Vec::new(),
        ];
        assert_eq!(got.iter().map(|b| b.to_vec()).collect::<Vec<_>>(), want);
    }

    #[test]
    fn corruption_is_an_error() {
        let z = build(&[str_entry(b"ab"), str_entry(b"cd")]);
        let mut bad = z.clone();
        bad[10 + 4] = 9; // prevlen of the second entry
        assert!(ziplist_entries(&bad).is_err());
        let mut bad = z.clone();
        bad[8] = 5; // zllen
        assert!(ziplist_entries(&bad).is_err());
        let mut bad = z.clone();
        bad[11] = 0xc1; // bad int encoding
        assert!(ziplist_entries(&bad).is_err());
        assert!(ziplist_entries(&z[..z.len() - 1]).is_err());
    }
}
