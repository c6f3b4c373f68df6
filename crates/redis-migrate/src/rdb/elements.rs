//! Reading the elements of a blob (listpack, ziplist, intset, zipmap) into the batch of a
//! key: plain elements for lists and sets, member and score pairs for sorted sets, field and
//! value pairs (with a time to live in field-expiry listpacks) for hashes.

use super::batch::Sink;
use super::listpack::Listpack;
use super::source::{Entry, Source, put_int};
use super::visit::Visitor;
use super::ziplist::Ziplist;
use super::zipmap::Zipmap;
use super::{RdbError, intset};
use bytes::BytesMut;

/// A listpack or a ziplist, read element by element.
pub(crate) trait Elements {
    fn next<S: Source>(
        &mut self,
        src: &mut S,
        out: &mut BytesMut,
    ) -> Result<Option<Entry>, RdbError>;
}

impl Elements for Listpack {
    #[inline]
    fn next<S: Source>(&mut self, s: &mut S, o: &mut BytesMut) -> Result<Option<Entry>, RdbError> {
        Listpack::next(self, s, o)
    }
}

impl Elements for Ziplist {
    #[inline]
    fn next<S: Source>(&mut self, s: &mut S, o: &mut BytesMut) -> Result<Option<Entry>, RdbError> {
        Ziplist::next(self, s, o)
    }
}

/// Reads one element into the batch arena as bytes; false at the end.
#[inline]
fn element<E: Elements, S: Source, V>(
    e: &mut E,
    src: &mut S,
    sink: &mut Sink<'_, V>,
) -> Result<bool, RdbError> {
    let start = sink.batch.arena.len();
    match e.next(src, &mut sink.batch.arena)? {
        None => return Ok(false),
        Some(Entry::Int(v)) => put_int(&mut sink.batch.arena, v),
        Some(Entry::Str) => {}
    }
    sink.batch.element(start);
    Ok(true)
}

/// Reads an element that must be there (the second or third of a tuple).
fn required<E: Elements, S: Source>(
    e: &mut E,
    src: &mut S,
    out: &mut BytesMut,
    what: &str,
) -> Result<Entry, RdbError> {
    e.next(src, out)?.ok_or_else(|| {
        src.bad(format_args!(
            "the blob ends before the {what} of its last entry"
        ))
    })
}

/// Every element, for lists and sets.
pub(crate) fn elements<E: Elements, S: Source, V: Visitor>(
    mut e: E,
    src: &mut S,
    sink: &mut Sink<'_, V>,
) -> Result<(), RdbError> {
    while element(&mut e, src, sink)? {
        sink.item_done(src.offset())?;
    }
    Ok(())
}

/// Member and score pairs, for sorted sets.
pub(crate) fn scored<E: Elements, S: Source, V: Visitor>(
    mut e: E,
    src: &mut S,
    sink: &mut Sink<'_, V>,
) -> Result<(), RdbError> {
    while element(&mut e, src, sink)? {
        let start = sink.batch.arena.len();
        let score = match required(&mut e, src, &mut sink.batch.arena, "score")? {
            Entry::Int(v) => v as f64,
            Entry::Str => parse_score(&sink.batch.arena[start..])
                .ok_or_else(|| src.bad(format_args!("a score that is not a number")))?,
        };
        sink.batch.arena.truncate(start);
        sink.batch.score(score);
        sink.item_done(src.offset())?;
    }
    Ok(())
}

/// Field and value pairs (and a time to live per field for `with_ttl`), for hashes.
pub(crate) fn pairs<E: Elements, S: Source, V: Visitor>(
    mut e: E,
    src: &mut S,
    sink: &mut Sink<'_, V>,
    with_ttl: bool,
) -> Result<(), RdbError> {
    while element(&mut e, src, sink)? {
        let start = sink.batch.arena.len();
        if let Entry::Int(v) = required(&mut e, src, &mut sink.batch.arena, "value")? {
            put_int(&mut sink.batch.arena, v);
        }
        sink.batch.element(start);
        let ttl = if with_ttl {
            let start = sink.batch.arena.len();
            let t = match required(&mut e, src, &mut sink.batch.arena, "time to live")? {
                Entry::Int(v) => Some(v),
                Entry::Str => std::str::from_utf8(&sink.batch.arena[start..])
                    .ok()
                    .and_then(|s| s.parse().ok()),
            };
            sink.batch.arena.truncate(start);
            match t {
                Some(0) => None,
                Some(v) if v > 0 => Some(v),
                _ => {
                    return Err(src.bad(format_args!(
                        "a field expire time that is not a positive integer"
                    )));
                }
            }
        } else {
            None
        };
        sink.batch.ttl(ttl);
        sink.item_done(src.offset())?;
    }
    Ok(())
}

/// A score as Redis writes it in text (`3.5`, `-inf`); NaN is refused as Redis does.
pub(crate) fn parse_score(text: &[u8]) -> Option<f64> {
    let v: f64 = std::str::from_utf8(text).ok()?.trim().parse().ok()?;
    (!v.is_nan()).then_some(v)
}

pub(crate) fn intset_members<S: Source, V: Visitor>(
    src: &mut S,
    sink: &mut Sink<'_, V>,
) -> Result<(), RdbError> {
    let offset = src.offset();
    intset::for_each(src, |v| {
        let start = sink.batch.arena.len();
        put_int(&mut sink.batch.arena, v);
        sink.batch.element(start);
        sink.item_done(offset)
    })
}

pub(crate) fn zipmap<S: Source, V: Visitor>(
    src: &mut S,
    sink: &mut Sink<'_, V>,
) -> Result<(), RdbError> {
    let mut zm = Zipmap::open(src)?;
    loop {
        let start = sink.batch.arena.len();
        let Some((flen, _)) = zm.next(src, &mut sink.batch.arena)? else {
            return Ok(());
        };
        sink.batch.range(start, start + flen);
        sink.batch.element(start + flen);
        sink.batch.ttl(None);
        sink.item_done(src.offset())?;
    }
}
