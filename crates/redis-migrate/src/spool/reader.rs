//! The reading side of a spool.

use super::{End, Shared, SpoolProbe, State, with_path};
use bytes::Bytes;
use std::fs::File;
use std::io::{self, Read};
use std::sync::Arc;

/// What the reader may do next.
enum Next {
    /// Read up to `len` bytes of segment `seq` at `position`.
    Read {
        seq: u64,
        len: u64,
    },
    Eof,
    Failed(String),
    Wait,
}

/// The reading side: `std::io::Read` for a blocking thread, [`SpoolReader::read_chunk`] for
/// async code. Never block on `Read` inside an async task: the writer may need that thread.
#[derive(Debug)]
pub struct SpoolReader {
    pub(super) shared: Arc<Shared>,
    file: Option<File>,
    open_seq: Option<u64>,
    /// Bytes read of the front segment.
    position: u64,
    at_end: bool,
}

impl SpoolReader {
    pub(super) fn new(shared: Arc<Shared>) -> Self {
        Self {
            shared,
            file: None,
            open_seq: None,
            position: 0,
            at_end: false,
        }
    }

    /// Decides the next step under the lock, deleting segments read to their end.
    fn next_step(&mut self, st: &mut State) -> Next {
        if let End::Failed(reason) = &st.end {
            return Next::Failed(reason.clone());
        }
        loop {
            let sealed = st.segments.len() > 1 || st.end != End::Open;
            let Some(front) = st.segments.front() else {
                return if st.end == End::Finished {
                    Next::Eof
                } else {
                    Next::Wait
                };
            };
            if self.position < front.len {
                return Next::Read {
                    seq: front.seq,
                    len: front.len - self.position,
                };
            }
            if !sealed {
                return Next::Wait;
            }
            let seq = front.seq;
            st.segments.pop_front();
            if self.open_seq == Some(seq) {
                self.file = None;
                self.open_seq = None;
            }
            self.position = 0;
            let _ = std::fs::remove_file(self.shared.segment_path(seq));
        }
    }

    /// Opens segment `seq` when it is not the one open.
    fn open(&mut self, seq: u64) -> io::Result<File> {
        match self.file.take() {
            Some(f) if self.open_seq == Some(seq) => Ok(f),
            _ => {
                let path = self.shared.segment_path(seq);
                let f = File::open(&path).map_err(|e| with_path(e, "open", &path))?;
                self.open_seq = Some(seq);
                Ok(f)
            }
        }
    }

    /// Records `n` bytes read.
    fn consumed(&mut self, n: usize) {
        self.position += n as u64;
        self.shared.lock().consumed += n as u64;
        self.shared.space_ready.notify_all();
    }

    /// Reads up to `max` bytes; `None` at the end of data. Waits for the writer without
    /// blocking the thread; the file is read on the blocking pool.
    pub async fn read_chunk(&mut self, max: usize) -> io::Result<Option<Bytes>> {
        if self.at_end {
            return Ok(None);
        }
        let max = max.max(1);
        let (seq, len) = loop {
            let step = {
                let shared = self.shared.clone();
                let mut st = shared.lock();
                self.next_step(&mut st)
            };
            match step {
                Next::Read { seq, len } => break (seq, len),
                Next::Eof => {
                    self.at_end = true;
                    return Ok(None);
                }
                Next::Failed(reason) => return Err(io::Error::other(reason)),
                Next::Wait => self.shared.data_notify.notified().await,
            }
        };
        let mut file = self.open(seq)?;
        let n = (len.min(max as u64)) as usize;
        let path = self.shared.segment_path(seq);
        let (file, buf) = tokio::task::spawn_blocking(move || {
            let mut buf = vec![0; n];
            file.read_exact(&mut buf)
                .map(|()| (file, buf))
                .map_err(|e| with_path(e, "read", &path))
        })
        .await
        .map_err(io::Error::other)??;
        self.file = Some(file);
        self.consumed(n);
        Ok(Some(Bytes::from(buf)))
    }

    /// A probe on this spool.
    pub fn probe(&self) -> SpoolProbe {
        SpoolProbe {
            shared: self.shared.clone(),
        }
    }
}

impl Read for SpoolReader {
    /// Blocks until data, the end or a failure.
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if out.is_empty() || self.at_end {
            return Ok(0);
        }
        let (seq, len) = {
            let shared = self.shared.clone();
            let mut st = shared.lock();
            loop {
                match self.next_step(&mut st) {
                    Next::Read { seq, len } => break (seq, len),
                    Next::Eof => {
                        self.at_end = true;
                        return Ok(0);
                    }
                    Next::Failed(reason) => return Err(io::Error::other(reason)),
                    // The writer wakes us on every append, finish, fail and drop.
                    Next::Wait => {
                        st = shared
                            .data_ready
                            .wait(st)
                            .unwrap_or_else(|e| e.into_inner());
                    }
                }
            }
        };
        let mut file = self.open(seq)?;
        let n = (len.min(out.len() as u64)) as usize;
        let r = file.read_exact(&mut out[..n]);
        self.file = Some(file);
        r.map_err(|e| with_path(e, "read", &self.shared.segment_path(seq)))?;
        self.consumed(n);
        Ok(n)
    }
}

impl Drop for SpoolReader {
    fn drop(&mut self) {
        self.file = None;
        let mut st = self.shared.lock();
        st.reader_gone = true;
        self.shared.side_gone(&st);
        drop(st);
        self.shared.space_ready.notify_all();
    }
}
