//! RDB lengths and strings as they appear between values: a length is 1, 2, 5 or 9 bytes
//! (6-bit, 14-bit, 32-bit and 64-bit big-endian forms); a string is a length and bytes, an
//! integer (8, 16 or 32 bits, little endian) or an LZF block (compressed and plain lengths,
//! then the compressed bytes).

use super::RdbError;
use super::input::Input;
use super::lzf;
use super::source::put_int;
use bytes::BytesMut;
use std::io::Read;

/// How a string is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StrHeader {
    Int(i64),
    Plain(u64),
    Lzf { compressed: u64, len: u64 },
}

/// Reads a length; `true` with the 6-bit code when it is a special string encoding instead.
#[inline]
pub(crate) fn read_len_or_code<R: Read>(
    input: &mut Input<R>,
    reading: &'static str,
) -> Result<(u64, bool), RdbError> {
    let b = input.u8(reading)?;
    Ok(match b >> 6 {
        0 => ((b & 0x3f) as u64, false),
        1 => (
            (((b & 0x3f) as u64) << 8) | input.u8(reading)? as u64,
            false,
        ),
        3 => ((b & 0x3f) as u64, true),
        _ => match b {
            0x80 => (u32::from_be_bytes(input.array(reading)?) as u64, false),
            0x81 => (u64::from_be_bytes(input.array(reading)?), false),
            _ => {
                return Err(RdbError::bad(
                    "length",
                    input.offset() - 1,
                    format!("unknown length encoding {b:#04x} while reading {reading}"),
                ));
            }
        },
    })
}

/// Reads a plain length (a special encoding here is corruption).
#[inline]
pub(crate) fn read_len<R: Read>(
    input: &mut Input<R>,
    reading: &'static str,
) -> Result<u64, RdbError> {
    let at = input.offset();
    match read_len_or_code(input, reading)? {
        (n, false) => Ok(n),
        (code, true) => Err(RdbError::bad(
            "length",
            at,
            format!("string encoding {code} where {reading} (a plain length) belongs"),
        )),
    }
}

/// Reads a string's header, checking plain and compressed lengths against `max`.
#[inline]
pub(crate) fn str_header<R: Read>(
    input: &mut Input<R>,
    reading: &'static str,
    max: u64,
) -> Result<StrHeader, RdbError> {
    let at = input.offset();
    let too_large = |len: u64| RdbError::TooLarge {
        what: reading,
        len,
        limit: max,
        offset: at,
    };
    match read_len_or_code(input, reading)? {
        (n, false) if n > max => Err(too_large(n)),
        (n, false) => Ok(StrHeader::Plain(n)),
        (0, true) => Ok(StrHeader::Int(
            i8::from_le_bytes(input.array(reading)?) as i64
        )),
        (1, true) => Ok(StrHeader::Int(
            i16::from_le_bytes(input.array(reading)?) as i64
        )),
        (2, true) => Ok(StrHeader::Int(
            i32::from_le_bytes(input.array(reading)?) as i64
        )),
        (3, true) => {
            let compressed = read_len(input, reading)?;
            let len = read_len(input, reading)?;
            if len > max || compressed > max {
                return Err(too_large(len.max(compressed)));
            }
            Ok(StrHeader::Lzf { compressed, len })
        }
        (code, true) => Err(RdbError::bad(
            "string",
            at,
            format!("unknown string encoding {code} while reading {reading}"),
        )),
    }
}

/// Appends a whole string (integers in decimal, LZF decompressed) to `out`; `scratch`
/// holds compressed bytes meanwhile.
pub(crate) fn read_string<R: Read>(
    input: &mut Input<R>,
    out: &mut BytesMut,
    max: u64,
    scratch: &mut BytesMut,
    reading: &'static str,
) -> Result<(), RdbError> {
    match str_header(input, reading, max)? {
        StrHeader::Int(v) => put_int(out, v),
        StrHeader::Plain(n) => input.append(n, out, reading)?,
        StrHeader::Lzf { compressed, len } => {
            let at = input.offset();
            scratch.clear();
            input.append(compressed, scratch, reading)?;
            lzf::decompress_into(&scratch[..], len as usize, out, at)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(bytes: &[u8]) -> Result<StrHeader, RdbError> {
        str_header(&mut Input::new(bytes, false), "a test string", 1 << 20)
    }

    #[test]
    fn every_length_form() {
        let mut input = Input::new(
            &b"\x05\x41\x02\x80\x00\x01\x00\x00\x81\0\0\0\x01\0\0\0\0"[..],
            false,
        );
        assert_eq!(read_len(&mut input, "t").unwrap(), 5);
        assert_eq!(read_len(&mut input, "t").unwrap(), 0x102);
        assert_eq!(read_len(&mut input, "t").unwrap(), 0x10000);
        assert_eq!(read_len(&mut input, "t").unwrap(), 1 << 32);
        assert!(read_len(&mut Input::new(&b"\x82"[..], false), "t").is_err());
        assert!(read_len(&mut Input::new(&b"\xc0"[..], false), "t").is_err());
    }

    #[test]
    fn integer_lzf_and_limits() {
        assert_eq!(header(b"\xc0\xfe").unwrap(), StrHeader::Int(-2));
        assert_eq!(header(b"\xc1\x00\x80").unwrap(), StrHeader::Int(-32768));
        assert_eq!(
            header(b"\xc2\xff\xff\xff\x7f").unwrap(),
            StrHeader::Int(i32::MAX as i64)
        );
        assert!(header(b"\xc4").is_err());
        assert!(matches!(
            header(b"\x80\x7f\xff\xff\xff"),
            Err(RdbError::TooLarge { .. })
        ));
        // LZF: "aaaa" = literal 'a' + reference len 3 at distance 1.
        let data = b"\xc3\x04\x04\x00a\x20\x00";
        let mut out = BytesMut::new();
        let mut scratch = BytesMut::new();
        read_string(
            &mut Input::new(&data[..], false),
            &mut out,
            100,
            &mut scratch,
            "t",
        )
        .unwrap();
        assert_eq!(&out[..], b"aaaa");
        assert!(
            read_string(
                &mut Input::new(&b"\xc3\x04\x05\x00a\x20\x00"[..], false),
                &mut out,
                100,
                &mut scratch,
                "t"
            )
            .is_err()
        );
    }
}
