//! What the store's callers and backends share: record kinds, errors, file names.

use std::path::PathBuf;

/// File name of the database inside the data directory.
pub const DB_FILE: &str = "hwcloud-emulator.sqlite3";
/// File whose lock, held for the life of the process, keeps a second emulator off the same
/// data directory (their clocks and writes would disagree).
pub const LOCK_FILE: &str = "hwcloud-emulator.lock";

/// The kind of a stored record (`dcs_task`, `sms_task`, ...), part of its key. Each service
/// names its own kinds; the store knows none of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Kind(&'static str);

impl Kind {
    /// The kind stored as `name` (the `kind` column of the durable store: never rename one).
    pub const fn new(name: &'static str) -> Self {
        Self(name)
    }

    pub(crate) fn as_str(self) -> &'static str {
        self.0
    }
}

/// A storage failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite failed.
    #[error("database error: {0}")]
    Sql(#[from] rusqlite::Error),
    /// A stored document could not be (de)serialized.
    #[error("stored document error: {0}")]
    Json(#[from] serde_json::Error),
    /// A record was read as another type than it was written with (a programming error).
    #[error("stored record has another type")]
    Type,
    /// The data directory could not be created.
    #[error("cannot create data directory {0}: {1}")]
    Dir(PathBuf, std::io::Error),
    /// Another emulator holds the data directory.
    #[error(
        "the data directory {dir} is in use by another emulator{holder} (it holds the lock on \
         {lock}); stop that emulator or choose another --data-dir",
        lock = .dir.join(LOCK_FILE).display(),
        dir = .dir.display(),
        holder = .holder.map(|p| format!(" (process {p})")).unwrap_or_default()
    )]
    Locked {
        /// The data directory.
        dir: PathBuf,
        /// The process id the holder wrote into the lock file, if readable.
        holder: Option<u32>,
    },
    /// The lock file could not be opened or locked.
    #[error("cannot lock {0}: {1}")]
    Lock(PathBuf, std::io::Error),
}
