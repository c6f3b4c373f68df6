//! Decoding one value into bounded chunks (the rewrite path). Blob encodings are read from
//! memory when small and streamed from the input (through LZF when compressed) when large,
//! with the same decoders either way.

use super::batch::{ChunkKind, Sink};
use super::elements::{elements, intset_members, pairs, parse_score, scored, zipmap};
use super::input::Input;
use super::listpack::Listpack;
use super::lzf::LzfStream;
use super::source::put_int;
use super::string::{StrHeader, read_len, read_string, str_header};
use super::types::*;
use super::visit::{ModuleValue, Visitor};
use super::walk::{Walk, Walked, unsupported_type};
use super::ziplist::Ziplist;
use super::{ParseOptions, RdbError, module_type_name};
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
        let module = ModuleValue {
            module_id,
            name: module_type_name(module_id),
            encoding_version: (module_id & 1023) as u16,
            encoded_len: self.input.offset() - start,
        };
        let offset = self.input.offset();
        self.sink
            .visitor
            .module_value(self.sink.meta, &module)
            .map_err(|_| RdbError::Stopped { offset })
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
