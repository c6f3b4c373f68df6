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
