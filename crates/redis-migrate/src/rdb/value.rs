//! Decoding one value into bounded chunks (the rewrite path). Blob encodings are read from
//! memory when small and streamed from the input (through LZF when compressed) when large,
//! with the same decoders either way.

use super::batch::{ChunkKind, Sink};
use super::input::Input;
use super::listpack::Listpack;
use super::lzf::LzfStream;
use super::source::{Entry, Source, put_int};
use super::string::{StrHeader, read_len, read_string, str_header};
use super::types::*;
use super::visit::{ModuleValue, ValueChunk, Visitor};
use super::walk::{Walk, Walked, unsupported_type};
use super::ziplist::Ziplist;
use super::zipmap::Zipmap;
use super::{ParseOptions, RdbError, intset, module_type_name};
use bytes::BytesMut;
use std::io::Read;

/// Everything one value's decoding needs.
pub(crate) struct Decoder<'a, R, V> {
    pub(crate) input: &'a mut Input<R>,
    pub(crate) sink: Sink<'a, V>,
    pub(crate) opts: &'a ParseOptions,
    /// Compressed bytes of small LZF blobs and elements.
    pub(crate) scratch: &'a mut BytesMut,
    /// Small blobs, read whole.
    pub(crate) blob: &'a mut BytesMut,
    pub(crate) version: u16,
}

/// Largest blob read into memory whole before decoding; larger ones stream.
pub(crate) fn in_memory_limit(opts: &ParseOptions) -> u64 {
    opts.batch_bytes.clamp(1, 1 << 20) as u64
}

/// Runs `$body` with `$src` bound to a [`Source`] over the next string-encoded blob.
macro_rules! with_blob {
    ($d:ident, $what:expr, |$src:ident| $body:expr) => {{
        let at = $d.input.offset();
        let small = $crate::rdb::value::in_memory_limit($d.opts);
        match $crate::rdb::string::str_header($d.input, $what, $d.opts.max_string)? {
            $crate::rdb::string::StrHeader::Plain(n) if n <= small => {
                $d.blob.clear();
                $d.input.append(n, $d.blob, $what)?;
                let $src = &mut $crate::rdb::source::SliceSource::new(&$d.blob[..], at, $what);
                $body
            }
            $crate::rdb::string::StrHeader::Plain(n) => {
                let $src = &mut $crate::rdb::source::PlainSource::new($d.input, n, $what);
                $body
            }
            $crate::rdb::string::StrHeader::Lzf { compressed, len } if len <= small => {
                $d.scratch.clear();
                $d.input.append(compressed, $d.scratch, $what)?;
                $d.blob.clear();
                $crate::rdb::lzf::decompress_into(&$d.scratch[..], len as usize, $d.blob, at)?;
                let $src = &mut $crate::rdb::source::SliceSource::new(&$d.blob[..], at, $what);
                $body
            }
            $crate::rdb::string::StrHeader::Lzf { compressed, len } => {
                let mut s = $crate::rdb::source::LzfSource::new($d.input, compressed, len, $what);
                let r = {
                    let $src = &mut s;
                    $body
                };
                r.and_then(|v| s.finish().map(|()| v))
            }
            $crate::rdb::string::StrHeader::Int(v) => {
                $d.blob.clear();
                $crate::rdb::source::put_int($d.blob, v);
                let $src = &mut $crate::rdb::source::SliceSource::new(&$d.blob[..], at, $what);
                $body
            }
        }
    }};
}
pub(crate) use with_blob;

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
fn elements<E: Elements, S: Source, V: Visitor>(
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
fn scored<E: Elements, S: Source, V: Visitor>(
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
fn pairs<E: Elements, S: Source, V: Visitor>(
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

fn chunk_kind(t: u8) -> ChunkKind {
    match super::kind_of(t) {
        Some(super::ValueKind::List) => ChunkKind::List,
        Some(super::ValueKind::Set) => ChunkKind::Set,
        Some(super::ValueKind::ZSet) => ChunkKind::ZSet,
        _ => ChunkKind::Hash,
    }
}

impl<R: Read, V: Visitor> Decoder<'_, R, V> {
    /// Decodes a value of type `t` (type byte and key already read) into chunks.
    pub(crate) fn value(&mut self, t: u8) -> Result<(), RdbError> {
        self.sink.kind = chunk_kind(t);
        let d = self;
        match t {
            STRING => return d.string(),
            LIST | SET => d.plain_elements()?,
            ZSET | ZSET_2 => d.plain_zset(t == ZSET_2)?,
            HASH => d.plain_hash(HashTtl::None)?,
            HASH_2_OR_METADATA_PRE_GA if d.version >= VALKEY_FIRST => {
                d.plain_hash(HashTtl::Valkey)?
            }
            HASH_2_OR_METADATA_PRE_GA => d.plain_hash(HashTtl::Absolute)?,
            HASH_METADATA => {
                let min = u64::from_le_bytes(d.input.array("the hash's minimum expire time")?);
                d.plain_hash(HashTtl::Relative(min))?
            }
            MODULE_2 => return d.module(),
            HASH_ZIPMAP => with_blob!(d, "zipmap", |src| zipmap(src, &mut d.sink))?,
            LIST_ZIPLIST => with_blob!(d, "ziplist", |src| elements(
                Ziplist::open(src)?,
                src,
                &mut d.sink
            ))?,
            SET_INTSET => with_blob!(d, "intset", |src| intset_members(src, &mut d.sink))?,
            ZSET_ZIPLIST => with_blob!(d, "ziplist", |src| scored(
                Ziplist::open(src)?,
                src,
                &mut d.sink
            ))?,
            HASH_ZIPLIST => with_blob!(d, "ziplist", |src| pairs(
                Ziplist::open(src)?,
                src,
                &mut d.sink,
                false
            ))?,
            HASH_LISTPACK => with_blob!(d, "listpack", |src| pairs(
                Listpack::open(src)?,
                src,
                &mut d.sink,
                false
            ))?,
            ZSET_LISTPACK => with_blob!(d, "listpack", |src| scored(
                Listpack::open(src)?,
                src,
                &mut d.sink
            ))?,
            SET_LISTPACK => with_blob!(d, "listpack", |src| elements(
                Listpack::open(src)?,
                src,
                &mut d.sink
            ))?,
            HASH_LISTPACK_EX_PRE_GA => with_blob!(d, "listpack", |src| pairs(
                Listpack::open(src)?,
                src,
                &mut d.sink,
                true
            ))?,
            HASH_LISTPACK_EX => {
                d.input.array::<8>("the hash's minimum expire time")?;
                with_blob!(d, "listpack", |src| pairs(
                    Listpack::open(src)?,
                    src,
                    &mut d.sink,
                    true
                ))?
            }
            LIST_QUICKLIST => {
                for _ in 0..read_len(d.input, "a quicklist node count")? {
                    with_blob!(d, "ziplist", |src| elements(
                        Ziplist::open(src)?,
                        src,
                        &mut d.sink
                    ))?;
                }
            }
            LIST_QUICKLIST_2 => d.quicklist2()?,
            STREAM_LISTPACKS | STREAM_LISTPACKS_2 | STREAM_LISTPACKS_3 => {
                return super::stream::decode(d, t);
            }
            _ => return Err(unsupported_type(t, d.input.offset())),
        }
        d.sink.flush(d.input.offset())
    }

    /// A string value, in pieces of at most `batch_bytes` (one piece, possibly empty, when
    /// it is small). LZF strings are decompressed through a window.
    fn string(&mut self) -> Result<(), RdbError> {
        let piece_len = self.opts.batch_bytes.max(1);
        let arena = &mut self.sink.batch.arena;
        match str_header(self.input, "a string value", self.opts.max_string)? {
            StrHeader::Int(v) => {
                put_int(arena, v);
                let piece = arena.split().freeze();
                self.sink.string_piece(piece, self.input.offset())
            }
            StrHeader::Plain(n) => {
                let mut left = n;
                loop {
                    let k = left.min(piece_len as u64);
                    self.input
                        .append(k, &mut self.sink.batch.arena, "a string value")?;
                    left -= k;
                    let piece = self.sink.batch.arena.split().freeze();
                    self.sink.string_piece(piece, self.input.offset())?;
                    if left == 0 {
                        return Ok(());
                    }
                }
            }
            StrHeader::Lzf { compressed, len } => {
                let mut lzf = LzfStream::new(compressed, len, self.input.offset());
                loop {
                    while self.sink.batch.arena.len() < piece_len && lzf.remaining() > 0 {
                        if lzf.available().is_empty() {
                            lzf.fill(self.input)?;
                        }
                        let k = lzf
                            .available()
                            .len()
                            .min(piece_len - self.sink.batch.arena.len());
                        self.sink
                            .batch
                            .arena
                            .extend_from_slice(&lzf.available()[..k]);
                        lzf.consume(k);
                    }
                    let piece = self.sink.batch.arena.split().freeze();
                    self.sink.string_piece(piece, self.input.offset())?;
                    if lzf.remaining() == 0 {
                        return lzf.finish();
                    }
                }
            }
        }
    }

    fn plain_elements(&mut self) -> Result<(), RdbError> {
        for _ in 0..read_len(self.input, "an element count")? {
            let start = self.sink.batch.arena.len();
            read_string(
                self.input,
                &mut self.sink.batch.arena,
                self.opts.max_string,
                self.scratch,
                "an element",
            )?;
            self.sink.batch.element(start);
            self.sink.item_done(self.input.offset())?;
        }
        Ok(())
    }

    fn plain_zset(&mut self, binary: bool) -> Result<(), RdbError> {
        for _ in 0..read_len(self.input, "a sorted set size")? {
            let start = self.sink.batch.arena.len();
            read_string(
                self.input,
                &mut self.sink.batch.arena,
                self.opts.max_string,
                self.scratch,
                "a sorted set member",
            )?;
            self.sink.batch.element(start);
            let at = self.input.offset();
            let score = if binary {
                f64::from_le_bytes(self.input.array("a score")?)
            } else {
                match self.input.u8("a score")? {
                    253 => f64::NAN,
                    254 => f64::INFINITY,
                    255 => f64::NEG_INFINITY,
                    n => {
                        let mut buf = [0u8; 253];
                        self.input.read_exact(&mut buf[..n as usize], "a score")?;
                        parse_score(&buf[..n as usize]).unwrap_or(f64::NAN)
                    }
                }
            };
            if score.is_nan() {
                return Err(RdbError::bad(
                    "sorted set",
                    at,
                    "a score that is not a number (NaN)",
                ));
            }
            self.sink.batch.score(score);
            self.sink.item_done(self.input.offset())?;
        }
        Ok(())
    }

    fn plain_hash(&mut self, ttl: HashTtl) -> Result<(), RdbError> {
        for _ in 0..read_len(self.input, "a hash size")? {
            let at = self.input.offset();
            let expire = match ttl {
                HashTtl::Absolute | HashTtl::Relative(_) => {
                    let raw = read_len(self.input, "a field time to live")?;
                    let abs = match ttl {
                        HashTtl::Relative(min) if raw != 0 => raw.checked_add(min).map(|v| v - 1),
                        _ => Some(raw),
                    };
                    match abs.map(i64::try_from) {
                        Some(Ok(0)) => None,
                        Some(Ok(v)) => Some(v),
                        _ => {
                            return Err(RdbError::bad(
                                "hash",
                                at,
                                "a field expire time out of range",
                            ));
                        }
                    }
                }
                _ => None,
            };
            for what in ["a hash field", "a hash value"] {
                let start = self.sink.batch.arena.len();
                read_string(
                    self.input,
                    &mut self.sink.batch.arena,
                    self.opts.max_string,
                    self.scratch,
                    what,
                )?;
                self.sink.batch.element(start);
            }
            let expire = match ttl {
                HashTtl::Valkey => {
                    match i64::from_le_bytes(self.input.array("a field expire time")?) {
                        -1 => None,
                        v => Some(v),
                    }
                }
                _ => expire,
            };
            self.sink.batch.ttl(expire);
            self.sink.item_done(self.input.offset())?;
        }
        Ok(())
    }

    fn quicklist2(&mut self) -> Result<(), RdbError> {
        let d = self;
        for _ in 0..read_len(d.input, "a quicklist node count")? {
            let at = d.input.offset();
            match read_len(d.input, "a quicklist node container")? {
                // A plain node: one large element stored as it is.
                1 => {
                    let start = d.sink.batch.arena.len();
                    read_string(
                        d.input,
                        &mut d.sink.batch.arena,
                        d.opts.max_string,
                        d.scratch,
                        "a list element",
                    )?;
                    d.sink.batch.element(start);
                    d.sink.item_done(d.input.offset())?;
                }
                2 => with_blob!(d, "listpack", |src| elements(
                    Listpack::open(src)?,
                    src,
                    &mut d.sink
                ))?,
                c => {
                    return Err(RdbError::bad(
                        "quicklist",
                        at,
                        format!("node container {c} (known: 1 plain, 2 packed)"),
                    ));
                }
            }
        }
        Ok(())
    }

    /// A module value: passed over, reported by module name.
    fn module(&mut self) -> Result<(), RdbError> {
        let start = self.input.offset();
        let module_id = read_len(self.input, "a module id")?;
        let mut walk = Walk::new(self.input, u64::MAX, self.version);
        match walk.module_fields() {
            Ok(()) => {}
            Err(Walked::Error(e)) => return Err(e),
            Err(Walked::TooBig) => unreachable!("an unlimited walk never runs out of budget"),
        }
        let chunk = ValueChunk::Module(ModuleValue {
            module_id,
            name: module_type_name(module_id),
            encoding_version: (module_id & 1023) as u16,
            encoded_len: self.input.offset() - start,
        });
        self.sink.send(chunk, self.input.offset())
    }
}

/// Where a plain hash keeps per-field expire times.
#[derive(Debug, Clone, Copy)]
enum HashTtl {
    None,
    /// Redis 7.4 RC (type 22): absolute Unix ms before each field, 0 for none.
    Absolute,
    /// Redis 7.4+ (type 24): `ttl + min - 1` before each field, 0 for none.
    Relative(u64),
    /// Valkey 9 (type 22 in RDB 80): 8-byte Unix ms after each value, -1 for none.
    Valkey,
}

fn intset_members<S: Source, V: Visitor>(
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

fn zipmap<S: Source, V: Visitor>(src: &mut S, sink: &mut Sink<'_, V>) -> Result<(), RdbError> {
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
