//! A bounded byte pipe on disk between the replication link and the consumer.
//!
//! The link must be drained at line rate: a replica that stops reading makes the source grow
//! its output buffer until `client-output-buffer-limit` drops the link. The consumer (a target
//! that may be slow) reads at its own pace from segment files in a directory of its own, so
//! the source never waits on the target. The pipe is bounded: [`SpoolWriter::append`] waits
//! while `limit_bytes` of unconsumed data are on disk.
//!
//! - One writer (async) and one reader; the reader offers both `std::io::Read` (the RDB parser
//!   runs on a blocking thread) and [`SpoolReader::read_chunk`] (async).
//! - The writer hands data to a thread of its own that writes the files, so appending costs
//!   a copy into a bounded memory budget (`memory_bytes`), not a disk write: the link keeps
//!   being read while the disk catches up.
//! - [`SpoolWriter::finish`] marks the end of data: the reader gets end-of-file after the last
//!   byte. [`SpoolWriter::fail`] (or dropping the writer without `finish`) makes the next read
//!   fail with the reason, so a cut in the middle of a snapshot is never mistaken for its end.
//! - Segment files are deleted as soon as they are consumed, the directory when both sides
//!   are gone. On disk at most `limit_bytes + segment_bytes` (the consumed part of the segment
//!   being read is deleted with it).
//! - Memory: at most `memory_bytes` on their way to disk, plus the caller's buffers.

use std::collections::VecDeque;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use tokio::sync::Notify;

/// Size bounds of one spool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpoolOptions {
    /// Most unconsumed bytes on disk; the writer waits beyond this.
    pub limit_bytes: u64,
    /// Size of one segment file (deleted once read).
    pub segment_bytes: u64,
    /// Most bytes appended and not yet written to disk (at most 1 GiB).
    pub memory_bytes: usize,
}

impl SpoolOptions {
    /// A limit with segments of 1/8 of it (64 KiB to 64 MiB) and up to 16 MiB in memory.
    pub fn with_limit(limit_bytes: u64) -> Self {
        Self {
            limit_bytes: limit_bytes.max(1),
            segment_bytes: (limit_bytes / 8).clamp(64 * 1024, 64 * 1024 * 1024),
            memory_bytes: (limit_bytes / 4).clamp(64 * 1024, 16 * 1024 * 1024) as usize,
        }
    }
}

/// How the data ends, as set by the writer.
#[derive(Debug, Clone, PartialEq, Eq)]
enum End {
    Open,
    Finished,
    Failed(String),
}

#[derive(Debug)]
struct Segment {
    seq: u64,
    len: u64,
}

#[derive(Debug)]
struct State {
    /// Oldest first; only the last one grows, and only while `end` is `Open`.
    segments: VecDeque<Segment>,
    written: u64,
    consumed: u64,
    end: End,
    reader_gone: bool,
    writer_gone: bool,
}

#[derive(Debug)]
struct Shared {
    dir: PathBuf,
    options: SpoolOptions,
    state: Mutex<State>,
    /// Wakes a blocking reader.
    data_ready: Condvar,
    /// Wakes an async reader.
    data_notify: Notify,
    /// Wakes the disk thread waiting for room.
    space_ready: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn segment_path(&self, seq: u64) -> PathBuf {
        self.dir.join(format!("{seq:08}.seg"))
    }

    fn wake_reader(&self) {
        self.data_ready.notify_all();
        self.data_notify.notify_one();
    }

    /// Sets how the data ends, unless it already ended.
    fn close(&self, end: End) {
        let mut st = self.lock();
        if st.end == End::Open {
            st.end = end;
        }
        drop(st);
        self.wake_reader();
        self.space_ready.notify_all();
    }

    /// Called by each side when it goes; the last one removes the files (probes do not keep
    /// them: nothing will ever read what is left).
    fn side_gone(&self, st: &State) {
        if st.reader_gone && st.writer_gone {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// Creates a spool in a new directory under `parent` (created if missing), named after
/// `label` (e.g. `rdb`, `stream`).
pub fn spool(
    parent: &Path,
    label: &str,
    options: SpoolOptions,
) -> io::Result<(SpoolWriter, SpoolReader)> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    std::fs::create_dir_all(parent)
        .map_err(|e| with_path(e, "create the spool directory", parent))?;
    let mut attempts = 0;
    let dir = loop {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = parent.join(format!("{label}-{}-{n}", std::process::id()));
        attempts += 1;
        match std::fs::create_dir(&dir) {
            Ok(()) => break dir,
            // A leftover of an earlier process with the same id: take the next name.
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempts < 1000 => continue,
            Err(e) => return Err(with_path(e, "create the spool directory", &dir)),
        }
    };
    let options = SpoolOptions {
        limit_bytes: options.limit_bytes.max(1),
        segment_bytes: options.segment_bytes.max(1),
        memory_bytes: options.memory_bytes.clamp(1, 1 << 30),
    };
    let shared = Arc::new(Shared {
        dir,
        options,
        state: Mutex::new(State {
            segments: VecDeque::new(),
            written: 0,
            consumed: 0,
            end: End::Open,
            reader_gone: false,
            writer_gone: false,
        }),
        data_ready: Condvar::new(),
        data_notify: Notify::new(),
        space_ready: Condvar::new(),
    });
    Ok((
        SpoolWriter::start(shared.clone())?,
        SpoolReader::new(shared),
    ))
}

fn with_path(e: io::Error, what: &str, path: &Path) -> io::Error {
    io::Error::new(e.kind(), format!("cannot {what} {}: {e}", path.display()))
}

/// A view of a spool's state (cheap to clone; keeps no file alive).
#[derive(Debug, Clone)]
pub struct SpoolProbe {
    shared: Arc<Shared>,
}

impl SpoolProbe {
    /// The writer failed (or went away before `finish`).
    pub fn is_failed(&self) -> bool {
        matches!(self.shared.lock().end, End::Failed(_))
    }

    /// Finished and every byte consumed.
    pub fn is_drained(&self) -> bool {
        let st = self.shared.lock();
        st.end == End::Finished && st.consumed == st.written
    }

    /// The reader still exists.
    pub fn reader_alive(&self) -> bool {
        !self.shared.lock().reader_gone
    }

    /// Bytes written and not yet read.
    pub fn unconsumed(&self) -> u64 {
        let st = self.shared.lock();
        st.written - st.consumed
    }
}

mod reader;
mod writer;

pub use reader::SpoolReader;
pub use writer::SpoolWriter;

#[cfg(test)]
mod tests;
