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
//! - [`SpoolWriter::finish`] marks the end of data: the reader gets end-of-file after the last
//!   byte. [`SpoolWriter::fail`] (or dropping the writer without `finish`) makes the next read
//!   fail with the reason, so a cut in the middle of a snapshot is never mistaken for its end.
//! - Segment files are deleted as soon as they are consumed, the directory when both sides
//!   are gone. On disk at most `limit_bytes + segment_bytes` (the consumed part of the segment
//!   being read is deleted with it).
//! - Memory: the caller's buffers only; file I/O of the async side runs on tokio's blocking
//!   pool.

use bytes::Bytes;
use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, Write};
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
}

impl SpoolOptions {
    /// A limit with segments of 1/8 of it, between 64 KiB and 64 MiB.
    pub fn with_limit(limit_bytes: u64) -> Self {
        Self {
            limit_bytes: limit_bytes.max(1),
            segment_bytes: (limit_bytes / 8).clamp(64 * 1024, 64 * 1024 * 1024),
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
    /// Wakes the writer waiting for room.
    space_notify: Notify,
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
        space_notify: Notify::new(),
    });
    Ok((
        SpoolWriter {
            shared: shared.clone(),
            file: None,
            seq: 0,
            segment_len: 0,
        },
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

/// The writing side. Dropping it without [`SpoolWriter::finish`] fails the spool.
#[derive(Debug)]
pub struct SpoolWriter {
    shared: Arc<Shared>,
    file: Option<File>,
    seq: u64,
    segment_len: u64,
}

impl SpoolWriter {
    /// Appends `data`, waiting while the spool is full. When the reader is gone the bytes
    /// are dropped (nobody will read them; the link must keep draining).
    pub async fn append(&mut self, mut data: Bytes) -> io::Result<()> {
        while !data.is_empty() {
            let Some(room) = self.wait_for_room().await? else {
                return Ok(());
            };
            if self.file.is_none() || self.segment_len >= self.shared.options.segment_bytes {
                self.roll().await?;
            }
            let segment_room = self.shared.options.segment_bytes - self.segment_len;
            let n = (data.len() as u64).min(room).min(segment_room) as usize;
            let piece = data.split_to(n);
            let mut file = self
                .file
                .take()
                .ok_or_else(|| io::Error::other("no segment"))?;
            let path = self.shared.segment_path(self.seq);
            let file = tokio::task::spawn_blocking(move || {
                file.write_all(&piece)
                    .map(|()| file)
                    .map_err(|e| with_path(e, "write", &path))
            })
            .await
            .map_err(io::Error::other)??;
            self.file = Some(file);
            self.segment_len += n as u64;
            let mut st = self.shared.lock();
            if let Some(last) = st.segments.back_mut() {
                last.len += n as u64;
            }
            st.written += n as u64;
            drop(st);
            self.shared.wake_reader();
        }
        Ok(())
    }

    /// Room left, after waiting for some; `None` when the reader is gone.
    async fn wait_for_room(&self) -> io::Result<Option<u64>> {
        loop {
            {
                let st = self.shared.lock();
                if st.reader_gone {
                    return Ok(None);
                }
                if st.end != End::Open {
                    return Err(io::Error::other("append after the spool was closed"));
                }
                let unconsumed = st.written - st.consumed;
                if unconsumed < self.shared.options.limit_bytes {
                    return Ok(Some(self.shared.options.limit_bytes - unconsumed));
                }
            }
            // A single waiter: a wake-up between the check and here leaves a permit.
            self.shared.space_notify.notified().await;
        }
    }

    /// Starts a new segment file.
    async fn roll(&mut self) -> io::Result<()> {
        let seq = if self.file.is_some() {
            self.seq + 1
        } else {
            self.seq
        };
        let path = self.shared.segment_path(seq);
        let file = tokio::task::spawn_blocking(move || {
            File::create(&path).map_err(|e| with_path(e, "create", &path))
        })
        .await
        .map_err(io::Error::other)??;
        self.file = Some(file);
        self.seq = seq;
        self.segment_len = 0;
        self.shared
            .lock()
            .segments
            .push_back(Segment { seq, len: 0 });
        Ok(())
    }

    /// Marks the end of data: the reader gets end-of-file after the last byte.
    pub fn finish(self) {
        self.close(End::Finished);
    }

    /// Makes the reader fail with `reason` (data not yet read is dropped).
    pub fn fail(self, reason: impl Into<String>) {
        self.close(End::Failed(reason.into()));
    }

    fn close(&self, end: End) {
        let mut st = self.shared.lock();
        if st.end == End::Open {
            st.end = end;
        }
        drop(st);
        self.shared.wake_reader();
    }

    /// A probe on this spool.
    pub fn probe(&self) -> SpoolProbe {
        SpoolProbe {
            shared: self.shared.clone(),
        }
    }
}

impl Drop for SpoolWriter {
    fn drop(&mut self) {
        self.close(End::Failed(
            "the writer stopped before the end of the data".into(),
        ));
        self.file = None;
        let mut st = self.shared.lock();
        st.writer_gone = true;
        self.shared.side_gone(&st);
    }
}

mod reader;

pub use reader::SpoolReader;

#[cfg(test)]
mod tests;
