//! The writing side of a spool: an async front that copies into a bounded memory budget,
//! and a thread that writes segment files, waiting while the disk limit is reached.

use super::{End, Segment, Shared, SpoolProbe, with_path};
use bytes::{Buf, Bytes};
use std::fs::File;
use std::io::{self, Write};
use std::sync::Arc;
use std::sync::mpsc;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// What the front sends to the disk thread, in order.
enum Op {
    /// Bytes to write; the permit holds their share of the memory budget until written.
    Data(Bytes, OwnedSemaphorePermit),
    /// End of data, after everything sent before.
    Finish,
}

/// The writing side. Dropping it without [`SpoolWriter::finish`] fails the spool.
#[derive(Debug)]
pub struct SpoolWriter {
    shared: Arc<Shared>,
    to_disk: Option<mpsc::Sender<Op>>,
    budget: Arc<Semaphore>,
    closed: bool,
}

impl SpoolWriter {
    pub(super) fn start(shared: Arc<Shared>) -> io::Result<SpoolWriter> {
        let (tx, rx) = mpsc::channel();
        let s = shared.clone();
        std::thread::Builder::new()
            .name("spool-writer".into())
            .spawn(move || disk_loop(&s, &rx))?;
        Ok(SpoolWriter {
            budget: Arc::new(Semaphore::new(shared.options.memory_bytes)),
            shared,
            to_disk: Some(tx),
            closed: false,
        })
    }

    /// Appends `data`, waiting while the memory budget and the disk limit are both used up.
    /// When the reader is gone the bytes are dropped (nobody will read them; the link must
    /// keep draining).
    pub async fn append(&mut self, mut data: Bytes) -> io::Result<()> {
        while !data.is_empty() {
            {
                let st = self.shared.lock();
                if st.reader_gone {
                    return Ok(());
                }
                match &st.end {
                    End::Open => {}
                    End::Failed(reason) => return Err(io::Error::other(reason.clone())),
                    End::Finished => return Err(io::Error::other("append after finish")),
                }
            }
            let n = data.len().min(self.shared.options.memory_bytes);
            let permit = self
                .budget
                .clone()
                .acquire_many_owned(n as u32)
                .await
                .map_err(|_| io::Error::other("the spool is closed"))?;
            let piece = data.split_to(n);
            let sent = self
                .to_disk
                .as_ref()
                .map(|tx| tx.send(Op::Data(piece, permit)));
            if !matches!(sent, Some(Ok(()))) {
                return Err(io::Error::other("the spool's disk writer stopped"));
            }
        }
        Ok(())
    }

    /// Marks the end of data: the reader gets end-of-file after the last byte.
    pub fn finish(mut self) {
        self.closed = true;
        if let Some(tx) = self.to_disk.take() {
            let _ = tx.send(Op::Finish);
        }
    }

    /// Makes the reader fail with `reason` at once (data not yet read is dropped).
    pub fn fail(mut self, reason: impl Into<String>) {
        self.closed = true;
        self.shared.close(End::Failed(reason.into()));
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
        if !self.closed {
            self.shared.close(End::Failed(
                "the writer stopped before the end of the data".into(),
            ));
        }
        // Closing the channel ends the disk thread once it has handled what was sent.
        self.to_disk = None;
    }
}

/// The disk thread: writes what arrives, in order, then records that the writer is gone.
fn disk_loop(shared: &Shared, ops: &mpsc::Receiver<Op>) {
    let mut disk = Disk {
        file: None,
        seq: 0,
        segment_len: 0,
    };
    for op in ops.iter() {
        match op {
            Op::Finish => shared.close(End::Finished),
            Op::Data(data, permit) => {
                if let Err(e) = disk.write(shared, data) {
                    shared.close(End::Failed(e.to_string()));
                }
                drop(permit);
            }
        }
    }
    drop(disk);
    shared.close(End::Failed(
        "the writer stopped before the end of the data".into(),
    ));
    let mut st = shared.lock();
    st.writer_gone = true;
    shared.side_gone(&st);
}

/// The segment being written.
struct Disk {
    file: Option<File>,
    seq: u64,
    segment_len: u64,
}

impl Disk {
    /// Writes `data`, waiting for room; drops it when nobody will read it.
    fn write(&mut self, shared: &Shared, mut data: Bytes) -> io::Result<()> {
        while !data.is_empty() {
            let Some(room) = wait_for_room(shared) else {
                return Ok(());
            };
            if self.file.is_none() || self.segment_len >= shared.options.segment_bytes {
                self.roll(shared)?;
            }
            let segment_room = shared.options.segment_bytes - self.segment_len;
            let n = (data.len() as u64).min(room).min(segment_room) as usize;
            let file = self
                .file
                .as_mut()
                .ok_or_else(|| io::Error::other("no segment"))?;
            file.write_all(&data[..n])
                .map_err(|e| with_path(e, "write", &shared.segment_path(self.seq)))?;
            data.advance(n);
            self.segment_len += n as u64;
            let mut st = shared.lock();
            if let Some(last) = st.segments.back_mut() {
                last.len += n as u64;
            }
            st.written += n as u64;
            drop(st);
            shared.wake_reader();
        }
        Ok(())
    }

    /// Starts a new segment file.
    fn roll(&mut self, shared: &Shared) -> io::Result<()> {
        let seq = if self.file.is_some() {
            self.seq + 1
        } else {
            self.seq
        };
        let path = shared.segment_path(seq);
        self.file = Some(File::create(&path).map_err(|e| with_path(e, "create", &path))?);
        self.seq = seq;
        self.segment_len = 0;
        shared.lock().segments.push_back(Segment { seq, len: 0 });
        Ok(())
    }
}

/// Room on disk, after waiting for some; `None` when nobody will read (reader gone, or the
/// spool failed).
fn wait_for_room(shared: &Shared) -> Option<u64> {
    let mut st = shared.lock();
    loop {
        if st.reader_gone || matches!(st.end, End::Failed(_)) {
            return None;
        }
        let unconsumed = st.written - st.consumed;
        if unconsumed < shared.options.limit_bytes {
            return Some(shared.options.limit_bytes - unconsumed);
        }
        // The reader wakes us on every read and when it goes; `close` on failure.
        st = shared
            .space_ready
            .wait(st)
            .unwrap_or_else(|e| e.into_inner());
    }
}
