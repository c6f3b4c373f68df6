//! The blob codecs on their own, over bytes in memory: what the fuzz targets and property
//! tests drive, and a convenience for tools. The parser uses the same decoders, streaming.

use super::RdbError;
use super::intset;
use super::listpack::Listpack;
use super::source::SliceSource;
use super::ziplist::Ziplist;
use super::zipmap::Zipmap;
use bytes::{Bytes, BytesMut};

pub use super::lzf::decompress as lzf_decompress;

/// Every element of a listpack, integers in decimal.
pub fn listpack_entries(blob: &[u8]) -> Result<Vec<Bytes>, RdbError> {
    let mut src = SliceSource::new(blob, 0, "listpack");
    let mut lp = Listpack::open(&mut src)?;
    let mut out = Vec::new();
    let mut buf = BytesMut::new();
    while lp.next_bytes(&mut src, &mut buf)? {
        out.push(buf.split().freeze());
    }
    Ok(out)
}

/// Every element of a ziplist, integers in decimal.
pub fn ziplist_entries(blob: &[u8]) -> Result<Vec<Bytes>, RdbError> {
    let mut src = SliceSource::new(blob, 0, "ziplist");
    let mut zl = Ziplist::open(&mut src)?;
    let mut out = Vec::new();
    let mut buf = BytesMut::new();
    while zl.next_bytes(&mut src, &mut buf)? {
        out.push(buf.split().freeze());
    }
    Ok(out)
}

/// Every member of an intset, in order.
pub fn intset_members(blob: &[u8]) -> Result<Vec<i64>, RdbError> {
    let mut src = SliceSource::new(blob, 0, "intset");
    let mut out = Vec::new();
    intset::for_each(&mut src, |v| {
        out.push(v);
        Ok(())
    })?;
    Ok(out)
}

/// Every field and value of a zipmap.
pub fn zipmap_pairs(blob: &[u8]) -> Result<Vec<(Bytes, Bytes)>, RdbError> {
    let mut src = SliceSource::new(blob, 0, "zipmap");
    let mut zm = Zipmap::open(&mut src)?;
    let mut out = Vec::new();
    let mut buf = BytesMut::new();
    while let Some((f, _)) = zm.next(&mut src, &mut buf)? {
        let mut pair = buf.split().freeze();
        let field = pair.split_to(f);
        out.push((field, pair));
    }
    Ok(out)
}

/// The string a raw string value holds (type byte 0, then an RDB string: plain, integer or
/// LZF), as `RESTORE` would rebuild it. Integers and LZF strings are written into `scratch`
/// (cleared first); a plain string is borrowed from `raw`. Offsets in errors count from the
/// start of `raw`.
pub fn string_value<'a>(raw: &'a [u8], scratch: &'a mut Vec<u8>) -> Result<&'a [u8], RdbError> {
    let Some((0, _)) = raw.split_first() else {
        return Err(RdbError::bad(
            "string value",
            0,
            "not a string (type byte 0)",
        ));
    };
    decode_string(raw, 1, scratch)
}

/// [`string_value`] without the type byte: `encoded` is one RDB string and nothing else.
pub fn encoded_string<'a>(
    encoded: &'a [u8],
    scratch: &'a mut Vec<u8>,
) -> Result<&'a [u8], RdbError> {
    decode_string(encoded, 0, scratch)
}

/// The RDB string that starts at `start` and ends exactly at the end of `raw`.
fn decode_string<'a>(
    raw: &'a [u8],
    start: usize,
    scratch: &'a mut Vec<u8>,
) -> Result<&'a [u8], RdbError> {
    let truncated = || RdbError::Truncated {
        offset: raw.len() as u64,
        reading: "a string value",
    };
    let bad_len = |at: usize| {
        RdbError::bad(
            "string value",
            at as u64,
            "a length cut short or of an unknown form",
        )
    };
    let (n, special, mut at) = slice_len(raw, start).ok_or_else(|| bad_len(start))?;
    let exact = |end: usize| match end.cmp(&raw.len()) {
        std::cmp::Ordering::Equal => Ok(()),
        std::cmp::Ordering::Greater => Err(truncated()),
        std::cmp::Ordering::Less => Err(RdbError::bad(
            "string value",
            end as u64,
            "bytes after the end of the string",
        )),
    };
    if !special {
        let end = usize::try_from(n).ok().and_then(|n| at.checked_add(n));
        let end = end.ok_or_else(truncated)?;
        exact(end)?;
        return Ok(&raw[at..end]);
    }
    scratch.clear();
    let int = |bytes: &[u8]| -> i64 {
        match *bytes {
            [a] => i64::from(a as i8),
            [a, b] => i64::from(i16::from_le_bytes([a, b])),
            [a, b, c, d] => i64::from(i32::from_le_bytes([a, b, c, d])),
            _ => 0,
        }
    };
    match n {
        0..=2 => {
            let width = 1usize << n;
            exact(at + width)?;
            let mut out = BytesMut::new();
            super::source::put_int(&mut out, int(&raw[at..at + width]));
            scratch.extend_from_slice(&out);
        }
        3 => {
            let (compressed, _, next) = slice_len(raw, at).ok_or_else(|| bad_len(at))?;
            let (len, _, next) = slice_len(raw, next).ok_or_else(|| bad_len(next))?;
            at = next;
            let end = usize::try_from(compressed)
                .ok()
                .and_then(|c| at.checked_add(c))
                .ok_or_else(truncated)?;
            exact(end)?;
            let len = usize::try_from(len).map_err(|_| truncated())?;
            if len > raw.len().saturating_mul(132) {
                return Err(RdbError::bad(
                    "LZF string",
                    at as u64,
                    format!("claims {len} bytes from {compressed} compressed"),
                ));
            }
            super::lzf::decompress_into(&raw[at..end], len, scratch, at as u64)?;
        }
        code => {
            return Err(RdbError::bad(
                "string value",
                start as u64,
                format!("unknown string encoding {code}"),
            ));
        }
    }
    Ok(&scratch[..])
}

/// A length (or a special-encoding code, `true`) at `at`; the position after it.
fn slice_len(b: &[u8], at: usize) -> Option<(u64, bool, usize)> {
    let first = *b.get(at)?;
    Some(match first >> 6 {
        0 => (u64::from(first & 0x3f), false, at + 1),
        1 => (
            (u64::from(first & 0x3f) << 8) | u64::from(*b.get(at + 1)?),
            false,
            at + 2,
        ),
        3 => (u64::from(first & 0x3f), true, at + 1),
        _ => match first {
            0x80 => {
                let v = b.get(at + 1..at + 5)?;
                (
                    u64::from(u32::from_be_bytes(v.try_into().ok()?)),
                    false,
                    at + 5,
                )
            }
            0x81 => {
                let v = b.get(at + 1..at + 9)?;
                (u64::from_be_bytes(v.try_into().ok()?), false, at + 9)
            }
            _ => return None,
        },
    })
}
