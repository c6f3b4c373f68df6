//! What the RDB parser reports, in file order, to a [`Visitor`].
//!
//! The parser pushes; the visitor decides what to do (write to a target, count, compare).
//! A key arrives as [`Visitor::key_start`], then either one [`Visitor::value_raw`] (the value's
//! exact RDB bytes, for `RESTORE`) or any number of [`Visitor::value_chunk`]s (decoded pieces,
//! bounded in size, for the rewrite path), then [`Visitor::key_end`]. No call ever carries a
//! whole large value: strings come in pieces and collections in batches.

use bytes::Bytes;

/// Returned by a visitor to make the parser stop (the consumer has gone away or failed).
/// The parser then returns [`super::RdbError::Stopped`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stop;

/// What a visitor returns from each call.
pub type Flow = Result<(), Stop>;

/// Everything the parser knows about a key before its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyMeta {
    /// Database number from the last `SELECTDB` (0 when the file has none).
    pub db: u32,
    /// The key, binary-safe.
    pub key: Bytes,
    /// The RDB type byte of the value (`RDB_TYPE_*`), as in the file. Type 22 is a Redis
    /// 7.4 release-candidate hash in files up to RDB 12 and Valkey 9's `HASH_2` in RDB 80.
    pub rdb_type: u8,
    /// Absolute expire time in Unix milliseconds (`EXPIRETIME` converted, `EXPIRETIME_MS`).
    pub expire_at_ms: Option<i64>,
    /// LRU idle time in seconds (`IDLE` opcode).
    pub idle_secs: Option<u64>,
    /// LFU counter (`FREQ` opcode).
    pub lfu_freq: Option<u8>,
    /// Offset of the key's first opcode byte in the file, for error messages.
    pub offset: u64,
}

/// The logical kind of a value, whatever its encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValueKind {
    String,
    List,
    Set,
    ZSet,
    Hash,
    Stream,
    Module,
}

/// One hash field, with its own expire time on servers that have field expiry
/// (Redis 7.4+ `HPEXPIREAT`).
#[derive(Debug, Clone, PartialEq)]
pub struct HashField {
    pub field: Bytes,
    pub value: Bytes,
    pub expire_at_ms: Option<i64>,
}

/// A stream entry id, `ms-seq`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct StreamId {
    pub ms: u64,
    pub seq: u64,
}

/// One stream entry.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamEntry {
    pub id: StreamId,
    pub fields: Vec<(Bytes, Bytes)>,
}

/// A stream's own metadata, reported after its entries.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StreamMeta {
    /// Number of entries (`XLEN`).
    pub length: u64,
    pub last_id: StreamId,
    /// RDB type 19+ only (`None` before).
    pub first_id: Option<StreamId>,
    pub max_deleted_id: Option<StreamId>,
    pub entries_added: Option<u64>,
}

/// A pending entry of a consumer group (`XPENDING`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingEntry {
    pub id: StreamId,
    /// Last delivery, Unix milliseconds.
    pub delivery_time_ms: u64,
    pub delivery_count: u64,
    /// The owning consumer's name (resolved from the consumer section).
    pub consumer: Bytes,
}

/// A consumer of a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consumer {
    pub name: Bytes,
    /// Unix milliseconds of the last attempted interaction (`seen-time`).
    pub seen_time_ms: u64,
    /// Unix milliseconds of the last successful interaction (RDB type 21+, else `None`).
    pub active_time_ms: Option<u64>,
}

/// A consumer group with its pending entries and consumers.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamGroup {
    pub name: Bytes,
    pub last_id: StreamId,
    /// `ENTRIESREAD` (RDB type 19+; `None` before, or when the server did not know it).
    pub entries_read: Option<u64>,
    pub pending: Vec<PendingEntry>,
    pub consumers: Vec<Consumer>,
}

/// A decoded piece of a value, for the rewrite path. Batches are bounded by
/// [`super::ParseOptions::batch_items`] and [`super::ParseOptions::batch_bytes`].
#[derive(Debug, Clone, PartialEq)]
pub enum ValueChunk {
    /// Consecutive bytes of a string value (the first chunk starts the value). A string
    /// always produces at least one chunk: the empty string is one empty chunk.
    String(Bytes),
    /// List elements, head to tail.
    ListItems(Vec<Bytes>),
    SetMembers(Vec<Bytes>),
    /// Members with their scores (`inf` and `-inf` possible).
    ZSetMembers(Vec<(Bytes, f64)>),
    HashFields(Vec<HashField>),
    StreamEntries(Vec<StreamEntry>),
    /// After all entries of a stream.
    StreamMeta(StreamMeta),
    /// After the stream's metadata, one per group.
    StreamGroup(StreamGroup),
}

/// What is known of a module value without its module (see [`Visitor::module_value`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleValue {
    /// The 64-bit module type id as stored.
    pub module_id: u64,
    /// The module type name encoded in the id (e.g. `ReJSON-RL`).
    pub name: String,
    /// The module's own encoding version (the id's low 10 bits).
    pub encoding_version: u16,
    /// Bytes the value took in the file (module id included).
    pub encoded_len: u64,
}

/// Receives what the parser reads, in file order. Every method has a default that ignores
/// the event, so a visitor implements only what it needs.
#[allow(unused_variables)]
pub trait Visitor {
    /// The header: `REDIS` followed by a 4-digit version.
    fn header(&mut self, rdb_version: u32) -> Flow {
        Ok(())
    }
    /// An `AUX` field (`redis-ver`, `repl-id`, `lua`, …). `lua` carries a script body.
    fn aux(&mut self, key: &[u8], value: &[u8]) -> Flow {
        Ok(())
    }
    fn select_db(&mut self, db: u32) -> Flow {
        Ok(())
    }
    /// `RESIZEDB`: sizes of the current database's main and expires tables.
    fn resize_db(&mut self, keys: u64, expires: u64) -> Flow {
        Ok(())
    }
    /// A function library (`FUNCTION2`): the code to give `FUNCTION LOAD REPLACE`.
    fn function(&mut self, code: Bytes) -> Flow {
        Ok(())
    }
    /// A module's auxiliary data, skipped (`when` and the 64-bit module id are reported).
    fn module_aux(&mut self, module_id: u64) -> Flow {
        Ok(())
    }
    /// `SLOT_INFO` (cluster slot sizes), reported for completeness.
    fn slot_info(&mut self, slot: u64, size: u64, expires_size: u64) -> Flow {
        Ok(())
    }
    /// Whether the next value may be delivered raw (see [`Visitor::value_raw`]). Called after
    /// `key_start`; the parser still delivers chunks when the value is larger than
    /// [`super::ParseOptions::raw_limit`].
    fn wants_raw(&mut self, meta: &KeyMeta) -> bool {
        false
    }
    fn key_start(&mut self, meta: &KeyMeta) -> Flow {
        Ok(())
    }
    /// The value exactly as stored: the type byte followed by the encoded value. With the
    /// RDB version and a CRC-64 appended it is a `DUMP` payload ([`super::dump_payload`]).
    fn value_raw(&mut self, meta: &KeyMeta, raw: Bytes) -> Flow {
        Ok(())
    }
    /// What the parser calls for a raw value: the type byte and the encoded value as they
    /// sit in its buffer (the type byte comes before the key in the file). The default
    /// copies them into one `Bytes` for [`Visitor::value_raw`]; a visitor that writes the
    /// value out at once implements this instead and saves the copy (a large value is held
    /// twice, not three times).
    fn value_raw_parts(&mut self, meta: &KeyMeta, rdb_type: u8, encoded: &[u8]) -> Flow {
        let mut raw = bytes::BytesMut::with_capacity(1 + encoded.len());
        raw.extend_from_slice(&[rdb_type]);
        raw.extend_from_slice(encoded);
        self.value_raw(meta, raw.freeze())
    }
    fn value_chunk(&mut self, meta: &KeyMeta, chunk: ValueChunk) -> Flow {
        Ok(())
    }
    /// A module value (RDB type 7) that was not delivered raw (the visitor did not want it
    /// raw, or it is larger than [`super::ParseOptions::raw_limit`]): only its module can
    /// decode it, so it was passed over and no chunk follows. Only the raw path (`RESTORE` on
    /// a target with the module loaded) can move such a value; implement this to count the
    /// key or to stop.
    fn module_value(&mut self, meta: &KeyMeta, module: &ModuleValue) -> Flow {
        Ok(())
    }
    fn key_end(&mut self, meta: &KeyMeta) -> Flow {
        Ok(())
    }
    /// The end of the file. `checksum_verified` is false only when the file carries a zero
    /// checksum (written with `rdbchecksum no`); a wrong checksum is an error instead.
    fn eof(&mut self, checksum_verified: bool) -> Flow {
        Ok(())
    }
}
