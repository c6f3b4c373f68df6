//! Shared by the `rdb_*` tests: a visitor that records everything, a model of decoded
//! values, and the oracle — what a real server answers for the same key.
#![allow(dead_code)]

pub mod build;
pub mod dataset;
pub mod oracle;

use bytes::Bytes;
use redis_migrate::rdb::{
    self, KeyMeta, ParseOptions, ParseSummary, RdbError, StreamGroup, StreamMeta, ValueChunk,
    Visitor,
};
use std::collections::{BTreeMap, BTreeSet};

/// A value assembled from chunks, in a form comparable with server replies.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    String(Vec<u8>),
    List(Vec<Vec<u8>>),
    Set(BTreeSet<Vec<u8>>),
    /// Member → score, compared exactly.
    ZSet(BTreeMap<Vec<u8>, f64>),
    /// Field → (value, expire).
    Hash(BTreeMap<Vec<u8>, (Vec<u8>, Option<i64>)>),
    Stream(Stream),
    Module(String),
}

/// Field and value pairs of one stream entry.
pub type Fields = Vec<(Vec<u8>, Vec<u8>)>;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Stream {
    pub entries: Vec<(rdb::StreamId, Fields)>,
    pub meta: Option<StreamMeta>,
    pub groups: Vec<StreamGroup>,
}

/// One key as the parser reported it.
#[derive(Debug, Clone)]
pub struct Key {
    pub meta: KeyMeta,
    pub raw: Option<Bytes>,
    pub chunks: Vec<ValueChunk>,
    /// What `module_value` reported.
    pub module: Option<rdb::ModuleValue>,
}

impl Key {
    /// Assembles the chunks (panics on a chunk of the wrong kind: that is a parser bug).
    pub fn value(&self) -> Value {
        let kind = rdb::kind_of(self.meta.rdb_type).expect("known type");
        let mut v = match kind {
            rdb::ValueKind::String => Value::String(Vec::new()),
            rdb::ValueKind::List => Value::List(Vec::new()),
            rdb::ValueKind::Set => Value::Set(BTreeSet::new()),
            rdb::ValueKind::ZSet => Value::ZSet(BTreeMap::new()),
            rdb::ValueKind::Hash => Value::Hash(BTreeMap::new()),
            rdb::ValueKind::Stream => Value::Stream(Stream::default()),
            rdb::ValueKind::Module => Value::Module(
                self.module
                    .as_ref()
                    .map(|m| m.name.clone())
                    .unwrap_or_default(),
            ),
        };
        for c in &self.chunks {
            match (&mut v, c) {
                (Value::String(s), ValueChunk::String(b)) => s.extend_from_slice(b),
                (Value::List(l), ValueChunk::ListItems(items)) => {
                    l.extend(items.iter().map(|b| b.to_vec()))
                }
                (Value::Set(s), ValueChunk::SetMembers(items)) => {
                    for m in items {
                        assert!(s.insert(m.to_vec()), "duplicate set member");
                    }
                }
                (Value::ZSet(z), ValueChunk::ZSetMembers(items)) => {
                    for (m, sc) in items {
                        assert!(z.insert(m.to_vec(), *sc).is_none(), "duplicate member");
                    }
                }
                (Value::Hash(h), ValueChunk::HashFields(fields)) => {
                    for f in fields {
                        let old = h.insert(f.field.to_vec(), (f.value.to_vec(), f.expire_at_ms));
                        assert!(old.is_none(), "duplicate field");
                    }
                }
                (Value::Stream(s), ValueChunk::StreamEntries(es)) => {
                    assert!(s.meta.is_none(), "entries after the metadata");
                    for e in es {
                        let fields = e
                            .fields
                            .iter()
                            .map(|(f, v)| (f.to_vec(), v.to_vec()))
                            .collect();
                        s.entries.push((e.id, fields));
                    }
                }
                (Value::Stream(s), ValueChunk::StreamMeta(m)) => s.meta = Some(m.clone()),
                (Value::Stream(s), ValueChunk::StreamGroup(g)) => {
                    assert!(s.meta.is_some(), "a group before the metadata");
                    s.groups.push(g.clone())
                }
                (v, c) => panic!("chunk {c:?} does not belong to {v:?}"),
            }
        }
        v
    }
}

/// Records everything; optionally asks for raw values.
#[derive(Default)]
pub struct Collect {
    pub want_raw: bool,
    pub version: u32,
    pub aux: Vec<(Vec<u8>, Vec<u8>)>,
    pub functions: Vec<Bytes>,
    pub keys: Vec<Key>,
    pub eof: Option<bool>,
    pub dbs: Vec<u32>,
    /// Largest chunk seen: (items, payload bytes).
    pub largest_chunk: (usize, usize),
}

impl Collect {
    pub fn raw() -> Self {
        Collect {
            want_raw: true,
            ..Default::default()
        }
    }

    pub fn by_key(&self) -> BTreeMap<(u32, Vec<u8>), &Key> {
        self.keys
            .iter()
            .map(|k| ((k.meta.db, k.meta.key.to_vec()), k))
            .collect()
    }
}

/// Items and payload bytes of a chunk.
pub fn chunk_size(c: &ValueChunk) -> (usize, usize) {
    match c {
        ValueChunk::String(b) => (1, b.len()),
        ValueChunk::ListItems(v) | ValueChunk::SetMembers(v) => {
            (v.len(), v.iter().map(|b| b.len()).sum())
        }
        ValueChunk::ZSetMembers(v) => (v.len(), v.iter().map(|(b, _)| b.len()).sum()),
        ValueChunk::HashFields(v) => (
            v.len(),
            v.iter().map(|f| f.field.len() + f.value.len()).sum(),
        ),
        ValueChunk::StreamEntries(v) => (
            v.len(),
            v.iter()
                .flat_map(|e| e.fields.iter())
                .map(|(f, v)| f.len() + v.len())
                .sum(),
        ),
        _ => (1, 0),
    }
}

impl Visitor for Collect {
    fn header(&mut self, v: u32) -> rdb::Flow {
        self.version = v;
        Ok(())
    }
    fn aux(&mut self, key: &[u8], value: &[u8]) -> rdb::Flow {
        self.aux.push((key.to_vec(), value.to_vec()));
        Ok(())
    }
    fn select_db(&mut self, db: u32) -> rdb::Flow {
        self.dbs.push(db);
        Ok(())
    }
    fn function(&mut self, code: Bytes) -> rdb::Flow {
        self.functions.push(code);
        Ok(())
    }
    fn wants_raw(&mut self, _meta: &KeyMeta) -> bool {
        self.want_raw
    }
    fn key_start(&mut self, meta: &KeyMeta) -> rdb::Flow {
        self.keys.push(Key {
            meta: meta.clone(),
            raw: None,
            chunks: Vec::new(),
            module: None,
        });
        Ok(())
    }
    fn value_raw(&mut self, meta: &KeyMeta, raw: Bytes) -> rdb::Flow {
        let k = self.keys.last_mut().unwrap();
        assert_eq!(&k.meta, meta);
        assert!(k.raw.is_none() && k.chunks.is_empty());
        k.raw = Some(raw);
        Ok(())
    }
    fn value_chunk(&mut self, meta: &KeyMeta, chunk: ValueChunk) -> rdb::Flow {
        let (items, bytes) = chunk_size(&chunk);
        self.largest_chunk.0 = self.largest_chunk.0.max(items);
        self.largest_chunk.1 = self.largest_chunk.1.max(bytes);
        let k = self.keys.last_mut().unwrap();
        assert_eq!(&k.meta, meta);
        assert!(k.raw.is_none());
        k.chunks.push(chunk);
        Ok(())
    }
    fn module_value(&mut self, meta: &KeyMeta, module: &rdb::ModuleValue) -> rdb::Flow {
        let k = self.keys.last_mut().unwrap();
        assert_eq!(&k.meta, meta);
        assert!(k.raw.is_none() && k.module.is_none());
        k.module = Some(module.clone());
        Ok(())
    }
    fn eof(&mut self, verified: bool) -> rdb::Flow {
        self.eof = Some(verified);
        Ok(())
    }
}

/// Parses `bytes` completely with `opts`.
pub fn parse_all(bytes: &[u8], opts: &ParseOptions, raw: bool) -> (Collect, ParseSummary) {
    let mut c = Collect {
        want_raw: raw,
        ..Default::default()
    };
    let summary = rdb::parse(bytes, opts, &mut c).unwrap_or_else(|e| panic!("parse failed: {e}"));
    (c, summary)
}

/// Parses and returns only the outcome (for corruption tests).
pub fn try_parse(bytes: &[u8], opts: &ParseOptions) -> Result<ParseSummary, RdbError> {
    let mut c = Collect::raw();
    rdb::parse(bytes, opts, &mut c)
}

/// Options that force every path: tiny raw limit, batches and in-memory blobs.
pub fn tiny_options() -> ParseOptions {
    ParseOptions {
        raw_limit: 300,
        batch_items: 3,
        batch_bytes: 7,
        ..ParseOptions::default()
    }
}

/// Parses with default, chunk-only and tiny options; all must agree. Returns the chunked run.
pub fn parse3(bytes: &[u8]) -> Collect {
    let (c, _) = parse_all(
        bytes,
        &ParseOptions {
            raw_limit: 0,
            ..ParseOptions::default()
        },
        false,
    );
    let (t, _) = parse_all(bytes, &tiny_options(), false);
    let (r, _) = parse_all(bytes, &ParseOptions::default(), true);
    assert_eq!(c.keys.len(), t.keys.len());
    for ((a, b), raw) in c.keys.iter().zip(&t.keys).zip(&r.keys) {
        assert_eq!(a.value(), b.value(), "{}", a.meta.key.escape_ascii());
        assert!(raw.raw.is_some(), "small values go raw");
    }
    c
}

pub fn one(bytes: &[u8]) -> Value {
    parse3(bytes).keys[0].value()
}
