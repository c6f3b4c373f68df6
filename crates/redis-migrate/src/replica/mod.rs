//! The source side of replication: the engine connects to the source as a replica, receives
//! the snapshot and the command stream, drains both at line rate into disk spools, and
//! reports the offset the target has applied with `REPLCONF ACK`.
//!
//! ```text
//! Replication::start ─► Session task: connect, handshake (PSYNC), transfer ─► spools ─► next()
//!                               ▲  ACK task: REPLCONF ACK <applied> every second, on GETACK
//!                               └─ after a cut: PSYNC <replid> <offset+1> (auto: backoff, forever)
//! ```
//!
//! Pure parts: [`handshake`] (the command sequence and the meaning of each reply) and
//! [`transfer`] (the snapshot preamble and its end mark). The drivers (`session`, `link`,
//! `ack`) only move bytes between the socket, those parsers and the [`crate::spool`].
//!
//! Consumer contract ([`Replication::next`]):
//! - [`StreamItem::FullSync`] comes first after every full resync. Its [`RdbStream`] is a
//!   blocking `std::io::Read`: read it on a blocking thread (`spawn_blocking`), never in an
//!   async task, and read it to its end before asking for the next item. A cut in the middle
//!   of the snapshot makes it fail (never a short, clean end of file).
//! - [`StreamItem::Command`] items follow in order, each with the replication offset just
//!   after it; every command is passed on (`PING`, `REPLCONF GETACK`, `SELECT` included): the
//!   consumer filters them and keeps the selected database across resumes.
//! - [`Replication::set_applied`] tells the source how far the target is (what `WAIT` on the
//!   source and a later resume rely on).

mod ack;
pub mod handshake;
mod link;
mod replication;
mod session;
pub mod transfer;

pub use replication::{AppliedHandle, RdbStream, Replication, StreamItem};

use crate::conn::ConnError;
use crate::endpoint::Endpoint;
use crate::resp::RespError;
use handshake::HandshakeError;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;
use transfer::TransferError;

/// What to do when the link to the source is cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResumeMode {
    /// Reconnect with exponential backoff (up to `max_backoff` between attempts) until
    /// stopped, with `PSYNC <replid> <offset+1>` (DCS `resume_mode=auto`).
    Auto { max_backoff: Duration },
    /// Stop: after what is spooled has been consumed, [`Replication::next`] returns
    /// [`ReplError::LinkLost`] with the point to resume from on an explicit restart.
    Manual,
}

/// Where a stream stands: the source's replication id and the offset of the last byte had.
/// A resume asks for `offset + 1` (Redis's `PSYNC` takes the next byte wanted).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ResumePoint {
    pub replid: String,
    pub offset: u64,
}

impl fmt::Display for ResumePoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.replid, self.offset)
    }
}

/// How to reach the source and where to spool.
#[derive(Debug, Clone)]
pub struct SourceOptions {
    /// The source; its `user` and `password` log the replica in.
    pub endpoint: Endpoint,
    /// Directory for the spools (a subdirectory per spool, removed when consumed).
    pub spool_dir: PathBuf,
    /// Most unconsumed bytes in one spool (the snapshot and the command stream each have
    /// one). Larger than the snapshot means the source is never slowed by the target.
    pub spool_limit_bytes: u64,
    /// Limit for connecting and for each handshake reply.
    pub connect_timeout: Duration,
    /// A link silent this long is dead (the source pings every 10 s and sends `\n` while it
    /// prepares a snapshot); like Redis's `repl-timeout`.
    pub idle_timeout: Duration,
    pub resume: ResumeMode,
    /// Port announced with `REPLCONF listening-port` (shown in the source's `INFO
    /// replication`); `None` announces the local port of the connection.
    pub listening_port: Option<u16>,
}

impl SourceOptions {
    /// Defaults: 4 GiB spools, 10 s to connect, 60 s idle, auto resume with at most 30 s
    /// between attempts.
    pub fn new(endpoint: Endpoint, spool_dir: impl Into<PathBuf>) -> Self {
        Self {
            endpoint,
            spool_dir: spool_dir.into(),
            spool_limit_bytes: 4 << 30,
            connect_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            resume: ResumeMode::Auto {
                max_backoff: Duration::from_secs(30),
            },
            listening_port: None,
        }
    }
}

/// Why replication stopped or could not start. Never contains a password.
#[derive(Debug, thiserror::Error)]
pub enum ReplError {
    #[error(transparent)]
    Conn(#[from] ConnError),
    #[error("source {addr}: {source}")]
    Handshake {
        addr: String,
        #[source]
        source: HandshakeError,
    },
    #[error("source {addr} is not ready: {reason}")]
    NotReady {
        addr: String,
        reason: String,
        /// The shortest sensible wait before trying again.
        after: Duration,
    },
    #[error("source {addr}: {source}")]
    Transfer {
        addr: String,
        #[source]
        source: TransferError,
    },
    #[error("source {addr}: the command stream is not valid RESP at offset {offset}: {source}")]
    Stream {
        addr: String,
        offset: u64,
        #[source]
        source: RespError,
    },
    #[error("spool: {0}")]
    Spool(#[source] std::io::Error),
    #[error("the replication link was lost ({reason}); {}", resume_hint(.resume))]
    LinkLost {
        reason: String,
        resume: Option<ResumePoint>,
    },
    #[error("the snapshot of the last FullSync item must be read to its end before the next item")]
    SnapshotUnread,
}

fn resume_hint(resume: &Option<ResumePoint>) -> String {
    match resume {
        Some(p) => format!(
            "restart to resume at offset {} of replication id {}",
            p.offset + 1,
            p.replid
        ),
        None => "restart for a new full sync (the snapshot was incomplete)".into(),
    }
}

impl ReplError {
    /// Whether trying again later may work: a cut, a timeout, a source not ready or whose
    /// snapshot failed. Refused credentials or commands and protocol violations are not.
    pub fn is_transient(&self) -> bool {
        match self {
            ReplError::Conn(e) => e.is_transient(),
            ReplError::NotReady { .. } => true,
            ReplError::Transfer { source, .. } => matches!(source, TransferError::Source(_)),
            _ => false,
        }
    }
}
