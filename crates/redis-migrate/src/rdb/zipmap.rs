//! Zipmaps (RDB type 9, hashes written by Redis before 2.6): `<count u8>` then
//! `<len><field><len><free u8><value><free bytes>` pairs and `0xFF`. A length is one byte
//! below 254, or 254 followed by a little-endian u32.

use super::RdbError;
use super::source::Source;
use bytes::BytesMut;

pub(crate) struct Zipmap;

impl Zipmap {
    pub(crate) fn open<S: Source>(src: &mut S) -> Result<Self, RdbError> {
        src.byte()?; // count: only a hint (254 means "count it")
        Ok(Zipmap)
    }

    /// Appends the next field then value to `out` and returns their lengths, or `None` at
    /// the end marker.
    pub(crate) fn next<S: Source>(
        &mut self,
        src: &mut S,
        out: &mut BytesMut,
    ) -> Result<Option<(usize, usize)>, RdbError> {
        let Some(flen) = length(src)? else {
            if src.remaining() != 0 {
                return Err(src.bad(format_args!(
                    "end marker with {} bytes still in the blob",
                    src.remaining()
                )));
            }
            return Ok(None);
        };
        src.append(flen, out)?;
        let Some(vlen) = length(src)? else {
            return Err(src.bad(format_args!("end marker where a value length belongs")));
        };
        let free = src.byte()? as u64;
        src.append(vlen, out)?;
        src.skip(free)?;
        Ok(Some((flen as usize, vlen as usize)))
    }
}

/// A length, or `None` for the end marker.
fn length<S: Source>(src: &mut S) -> Result<Option<u64>, RdbError> {
    match src.byte()? {
        0xff => Ok(None),
        0xfe => Ok(Some(u32::from_le_bytes(src.le()?) as u64)),
        b => Ok(Some(b as u64)),
    }
}

#[cfg(test)]
mod tests {
    use crate::rdb::codec::zipmap_pairs;

    #[test]
    fn reads_the_documented_example_and_long_lengths() {
        let zm = b"\x02\x03foo\x03\x00bar\x05hello\x05\x00world\xff";
        let got = zipmap_pairs(zm).unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!((&got[0].0[..], &got[0].1[..]), (&b"foo"[..], &b"bar"[..]));
        assert_eq!(
            (&got[1].0[..], &got[1].1[..]),
            (&b"hello"[..], &b"world"[..])
        );
        // A 300-byte value with 2 free bytes after it.
        let mut zm = vec![1, 1, b'k', 0xfe];
        zm.extend_from_slice(&300u32.to_le_bytes());
        zm.push(2);
        zm.extend_from_slice(&[b'v'; 300]);
        zm.extend_from_slice(&[0, 0, 0xff]);
        let got = zipmap_pairs(&zm).unwrap();
        assert_eq!(got[0].1.len(), 300);
    }

    #[test]
    fn truncation_and_trailing_bytes_are_errors() {
        let zm = b"\x01\x03foo\x03\x00bar\xff";
        assert!(zipmap_pairs(&zm[..zm.len() - 1]).is_err());
        assert!(zipmap_pairs(b"\x01\x03foo\x03\x00bar\xff\x00").is_err());
        assert!(zipmap_pairs(b"\x01\x03foo\xff").is_err());
    }
}
