//! Backup import, the reading side: RDB files, AOFs (plain, with an RDB preamble, Redis 7
//! multi-part with a manifest) and zip, tar and gzip archives of them, turned into an ordered
//! list of parts for the writer — RDB streams for the snapshot visitor and command streams
//! for the pipeline.
//!
//! Formats are recognised by content ([`detect`]), never by file name. Archives are read as
//! streams, one member after the other, and never unpacked to disk, with one exception: a
//! member of a multi-part AOF that comes before its manifest, or before the part that must be
//! loaded ahead of it, is spilled to a temporary file until its turn (see [`plan`]). Every
//! damaged input — unknown format, corrupt or truncated command, manifest error, truncated or
//! corrupt archive, preamble without its checksum — ends in an [`ImportError`] naming the
//! file (`archive!member` inside archives) and the byte offset or line.

pub mod aof;
mod archive;
pub mod detect;
pub mod manifest;
mod order;
mod plan;
pub mod preamble;

pub use aof::{AofReader, Truncation};
pub use detect::Format;
pub use plan::{ImportSource, ImportSummary, Part, PartBody, PartKind, PartSummary, open};

use crate::resp::{Limits, RespError};
use std::io;
use std::path::PathBuf;

/// Choices for one import.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ImportOptions {
    /// Load an AOF whose last command is cut off (or that ends inside `MULTI`) up to its last
    /// complete command, with a warning, like Redis's `aof-load-truncated yes`. Only the last
    /// file of a source may be truncated; anywhere else it is an error as in Redis.
    pub accept_truncated_tail: bool,
    /// Bounds on each command read from an AOF.
    pub limits: Limits,
    /// Where members of a multi-part AOF that arrive out of order in an archive wait; the
    /// system temporary directory when `None`.
    pub spill_dir: Option<PathBuf>,
}

/// Why an import cannot go on. `file` is the path, or `archive!member` for an archive member.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{file}: {source}")]
    Io {
        file: String,
        #[source]
        source: io::Error,
    },
    /// Empty, or no known format; the message shows the first bytes in hex.
    #[error("{file}: {reason}")]
    Format {
        file: String,
        reason: detect::SniffError,
    },
    /// Bytes that are not RESP where a command must be; the offset counts from the file start.
    #[error("{file}: {source}")]
    Resp {
        file: String,
        #[source]
        source: RespError,
    },
    /// A damaged AOF: truncated command, unfinished transaction, empty command.
    #[error("{file}: byte offset {offset}: {message}")]
    Aof {
        file: String,
        offset: u64,
        message: String,
    },
    #[error("{file}: {error}")]
    Manifest {
        file: String,
        error: manifest::ManifestError,
    },
    /// Anything else about the layout: a missing part, a nested archive, an unusable member.
    #[error("{file}: {message}")]
    Invalid { file: String, message: String },
}

impl ImportError {
    pub(crate) fn io(file: &str, source: io::Error) -> Self {
        ImportError::Io {
            file: file.to_owned(),
            source,
        }
    }

    pub(crate) fn invalid(file: &str, message: impl Into<String>) -> Self {
        ImportError::Invalid {
            file: file.to_owned(),
            message: message.into(),
        }
    }
}
