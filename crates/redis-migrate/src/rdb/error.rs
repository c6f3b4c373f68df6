//! Why a parse failed. Every variant names the byte offset in the file (or, for a `DUMP`
//! payload, in the payload) so that a corrupt file can be inspected with `xxd -s OFFSET`.

use super::{MAX_RDB_VERSION, VALKEY_RDB_VERSION};

/// An RDB file (or `DUMP` payload) that cannot be read to its end.
#[derive(Debug, thiserror::Error)]
pub enum RdbError {
    /// The first bytes are not `REDIS` + 4 digits or `VALKEY` + 3 digits.
    #[error(
        "RDB: not an RDB file: expected `REDIS0001`…`REDIS0012` or `VALKEY080` at offset 0, found {found:?}"
    )]
    NotRdb { found: String },
    /// The header names a format this parser does not know.
    #[error(
        "RDB: format version {version} at offset 0 is not supported: {written_by}; \
         this parser reads RDB 1–{MAX_RDB_VERSION} (Redis 2.x–8.0, Valkey 7.2/8.x write 11) \
         and Valkey's {VALKEY_RDB_VERSION} (Valkey 9)"
    )]
    VersionTooNew {
        version: u16,
        written_by: &'static str,
    },
    /// A value type byte that no known server writes (or one from a newer server).
    #[error(
        "RDB: unknown value type {byte} ({byte:#04x}) at offset {offset}: written by a newer \
         server or a fork; known types are 0–7 and 9–25 (22 means HASH_2 in Valkey 9 files)"
    )]
    UnknownType { byte: u8, offset: u64 },
    /// An opcode byte (240–255) that this parser does not know.
    #[error("RDB: unknown opcode {byte} ({byte:#04x}) at offset {offset}{hint}")]
    UnknownOpcode {
        byte: u8,
        offset: u64,
        hint: &'static str,
    },
    /// The input ended inside a structure.
    #[error("RDB: truncated at offset {offset} while reading {reading}")]
    Truncated { offset: u64, reading: &'static str },
    /// The trailing CRC-64 does not match the bytes before it.
    #[error(
        "RDB: checksum mismatch at offset {offset}: the file says {expected:#018x}, its bytes \
         give {computed:#018x} (the file is corrupt)"
    )]
    Checksum {
        expected: u64,
        computed: u64,
        offset: u64,
    },
    /// A structure whose bytes contradict each other.
    #[error("RDB: bad {what} at offset {offset}: {detail}")]
    BadEncoding {
        what: &'static str,
        offset: u64,
        detail: String,
    },
    /// A length over a configured limit (see `ParseOptions::max_string`).
    #[error("RDB: {what} of {len} bytes at offset {offset} is over the limit of {limit}")]
    TooLarge {
        what: &'static str,
        len: u64,
        limit: u64,
        offset: u64,
    },
    /// The visitor returned `Stop`.
    #[error("RDB: stopped by the consumer at offset {offset}")]
    Stopped { offset: u64 },
    /// The reader failed (not an end of file: that is `Truncated`).
    #[error("RDB: read error at offset {offset}: {source}")]
    Io {
        offset: u64,
        #[source]
        source: std::io::Error,
    },
}

impl RdbError {
    /// The byte offset the error is about, when it has one.
    pub fn offset(&self) -> Option<u64> {
        match self {
            RdbError::NotRdb { .. } | RdbError::VersionTooNew { .. } => Some(0),
            RdbError::UnknownType { offset, .. }
            | RdbError::UnknownOpcode { offset, .. }
            | RdbError::Truncated { offset, .. }
            | RdbError::Checksum { offset, .. }
            | RdbError::BadEncoding { offset, .. }
            | RdbError::TooLarge { offset, .. }
            | RdbError::Stopped { offset }
            | RdbError::Io { offset, .. } => Some(*offset),
        }
    }

    pub(crate) fn bad(what: &'static str, offset: u64, detail: impl Into<String>) -> Self {
        RdbError::BadEncoding {
            what,
            offset,
            detail: detail.into(),
        }
    }
}
