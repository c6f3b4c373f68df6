//! A streaming reader of RDB files (versions 1–12, and the formats Valkey writes).
//!
//! `parse(reader, &options, &mut visitor)` reads from any `std::io::Read` (a file, a spool
//! fed by the replication link, a member of a zip or tar archive) and reports to a
//! [`Visitor`]. Memory is bounded by [`ParseOptions`], whatever the file holds: a 512 MB
//! string arrives in pieces, a 1M-element list in batches. Every length is checked before
//! anything is allocated; an unknown type or opcode, a truncated file and a checksum mismatch
//! are errors naming the byte and its offset — the parser never reports a partial file as
//! complete.

mod visit;

pub use visit::{
    Consumer, Flow, HashField, KeyMeta, PendingEntry, Stop, StreamEntry, StreamGroup, StreamId,
    StreamMeta, ValueChunk, ValueKind, Visitor,
};

/// Limits and choices for one parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParseOptions {
    /// Largest value (type byte + encoded bytes) delivered raw to a visitor that
    /// [`Visitor::wants_raw`]; larger values are decoded into chunks instead.
    pub raw_limit: usize,
    /// Most elements in one [`ValueChunk`].
    pub batch_items: usize,
    /// Most payload bytes in one [`ValueChunk`] (and the size of string pieces).
    pub batch_bytes: usize,
    /// Longest single string (key, element, field) accepted: Redis's `proto-max-bulk-len`.
    pub max_string: u64,
    /// Verify the trailing CRC-64 (always, unless the file carries a zero checksum).
    pub verify_checksum: bool,
}

impl Default for ParseOptions {
    fn default() -> Self {
        Self {
            raw_limit: 8 * 1024 * 1024,
            batch_items: 512,
            batch_bytes: 1024 * 1024,
            max_string: 512 * 1024 * 1024,
            verify_checksum: true,
        }
    }
}
