//! A streaming reader of RDB files (versions 1–12, and the formats Valkey writes).
//!
//! `parse(reader, &options, &mut visitor)` reads from any `std::io::Read` (a file, a spool
//! fed by the replication link, a member of a zip or tar archive) and reports to a
//! [`Visitor`]. Memory is bounded by [`ParseOptions`], whatever the file holds: a 512 MB
//! string arrives in pieces, a 1M-element list in batches. Every length is checked before
//! anything is allocated; an unknown type or opcode, a truncated file and a checksum mismatch
//! are errors naming the byte and its offset — the parser never reports a partial file as
//! complete.
//!
//! Values reach the visitor either raw ([`Visitor::value_raw`], the exact bytes of the file,
//! which [`dump_payload`] turns into a `RESTORE` argument) or decoded in chunks. The raw path
//! walks the value by its lengths only, keeping its bytes in the input buffer; a value that
//! turns out larger than [`ParseOptions::raw_limit`] is read again from its start and decoded.
//!
//! The parser reads ahead of the RDB's end (it buffers 64 KiB); [`ParseSummary::bytes`] says
//! where the RDB ended, for callers that continue with what follows (an AOF tail).
//!
//! Layout: `parser` (opcodes, keys, raw or decoded), `value` and `stream` (decoding into
//! chunks), `walk` (passing over a value by its lengths), `string` (lengths and strings),
//! `listpack`, `ziplist`, `intset`, `zipmap`, `lzf` (the blob codecs, over a `source`),
//! `input` (buffering, offsets, CRC, pinning), `batch` (chunks), `crc64`, `dump`.

mod batch;
pub mod codec;
mod crc64;
mod dump;
mod elements;
mod error;
mod input;
mod intset;
mod listpack;
mod lzf;
mod parser;
mod source;
mod stream;
mod string;
mod types;
mod value;
mod visit;
mod walk;
mod ziplist;
mod zipmap;

pub use crc64::crc64;
pub use dump::{dump_payload, split_dump_payload};
pub use error::RdbError;
pub use types::{kind_of, module_type_name};
pub use visit::{
    Consumer, Flow, HashField, KeyMeta, ModuleValue, PendingEntry, Stop, StreamEntry, StreamGroup,
    StreamId, StreamMeta, ValueChunk, ValueKind, Visitor,
};

/// Newest `REDIS`-header RDB version this parser reads (Redis 7.4 and 8.0 write 12).
pub const MAX_RDB_VERSION: u16 = 12;
/// The RDB version Valkey 9 writes, with a `VALKEY080` header.
pub const VALKEY_RDB_VERSION: u16 = 80;

/// Limits and choices for one parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParseOptions {
    /// Largest value (type byte + encoded bytes) delivered raw to a visitor that
    /// [`Visitor::wants_raw`]; larger values are decoded into chunks instead. 0 disables
    /// the raw path. The input buffer grows to about this size while a value is walked.
    pub raw_limit: usize,
    /// Most elements in one [`ValueChunk`].
    pub batch_items: usize,
    /// Most payload bytes in one [`ValueChunk`] (and the size of string pieces). Blobs
    /// (listpacks, ziplists, quicklist nodes…) up to this size (at most 1 MiB) are read
    /// whole before decoding; larger ones are decoded as they stream in.
    pub batch_bytes: usize,
    /// Longest single string (key, element, field, compressed or not) accepted: Redis's
    /// `proto-max-bulk-len`. An element of a collection arrives whole, so this bounds it.
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

/// What a completed parse saw.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParseSummary {
    /// The header's version (`REDIS0011` → 11, `VALKEY080` → 80).
    pub rdb_version: u16,
    /// Keys reported (expired ones included: the parser does not judge time).
    pub keys: u64,
    /// Keys delivered raw.
    pub raw_values: u64,
    /// Keys delivered as chunks.
    pub chunked_values: u64,
    /// Function libraries (`FUNCTION2`).
    pub functions: u64,
    /// Length of the RDB including its checksum: where whatever follows it starts.
    pub bytes: u64,
    /// Whether the CRC-64 was checked and matched (false for a zero checksum, a file
    /// older than RDB 5, or `verify_checksum: false`).
    pub checksum_verified: bool,
}

/// Reads a whole RDB from `reader`, reporting to `visitor` in file order. Returns only after
/// the EOF opcode and checksum were read (and verified, see [`ParseOptions`]); any other end
/// is an error, so an `Ok` means the visitor saw the complete file.
pub fn parse<R: std::io::Read>(
    reader: R,
    options: &ParseOptions,
    visitor: &mut impl Visitor,
) -> Result<ParseSummary, RdbError> {
    parser::Parser::new(reader, options, visitor).run()
}
