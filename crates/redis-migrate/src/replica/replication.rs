//! The consumer's handle: start, take items in order, report the applied offset, stop.

use super::ack::AckState;
use super::session::{Msg, Session};
use super::{ReplError, ResumePoint, SourceOptions};
use crate::metrics::{Metrics, Phase};
use crate::resp::{self, Command, Limits};
use crate::spool::{SpoolProbe, SpoolReader};
use bytes::BytesMut;
use std::fmt;
use std::io::{self, Read};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use tokio::sync::{mpsc, watch};

/// Largest read from the stream spool at once.
const STREAM_CHUNK: usize = 256 * 1024;

/// One thing the source sent, in order.
#[derive(Debug)]
pub enum StreamItem {
    /// A full resync: load `rdb` (the snapshot as the source wrote it, read to its end on a
    /// blocking thread), then apply the commands that follow from `offset + 1`. After a
    /// resync the target is not flushed by this crate: that is the consumer's choice.
    FullSync {
        replid: String,
        offset: u64,
        rdb: RdbStream,
        /// The snapshot's size; `None` for diskless transfers (not known in advance).
        rdb_size: Option<u64>,
    },
    /// A command of the stream and the replication offset just after it.
    Command { cmd: Command, end_offset: u64 },
}

/// The snapshot bytes: a blocking reader fed by the link. Fails (never a clean end of file)
/// when the link is cut before the snapshot's end.
pub struct RdbStream {
    reader: SpoolReader,
}

impl Read for RdbStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.reader.read(buf)
    }
}

impl fmt::Debug for RdbStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RdbStream")
            .field("buffered", &self.reader.probe().unconsumed())
            .finish()
    }
}

/// The stream of the current phase, read back from its spool.
#[derive(Debug)]
struct Current {
    stream: SpoolReader,
    buf: BytesMut,
    /// Offset of the last byte handed out.
    offset: u64,
    /// The snapshot that came with this stream, if any.
    rdb: Option<SpoolProbe>,
}

impl Current {
    async fn next_command(&mut self) -> Result<Option<StreamItem>, ReplError> {
        // Bounded by the data: every turn either returns or reads a non-empty chunk.
        loop {
            let parsed = resp::parse_command(&mut self.buf, &Limits::default());
            match parsed {
                Ok(Some(cmd)) => {
                    self.offset += cmd.wire_len() as u64;
                    return Ok(Some(StreamItem::Command {
                        cmd,
                        end_offset: self.offset,
                    }));
                }
                Ok(None) => {}
                Err(e) => return Err(ReplError::Spool(io::Error::other(e))),
            }
            match self.stream.read_chunk(STREAM_CHUNK).await {
                Ok(Some(chunk)) => self.buf.extend_from_slice(&chunk),
                Ok(None) if self.buf.is_empty() => return Ok(None),
                Ok(None) => {
                    return Err(ReplError::Spool(io::Error::other(format!(
                        "the stream spool ended inside a command after offset {}",
                        self.offset
                    ))));
                }
                Err(e) => return Err(ReplError::Spool(e)),
            }
        }
    }

    /// The snapshot is still being read (or not yet received): the stream cannot start.
    fn snapshot_pending(&self) -> bool {
        self.rdb
            .as_ref()
            .is_some_and(|p| p.reader_alive() && !p.is_drained() && !p.is_failed())
    }

    fn snapshot_failed(&self) -> bool {
        self.rdb.as_ref().is_some_and(SpoolProbe::is_failed)
    }
}

/// A running replication from one source.
#[derive(Debug)]
pub struct Replication {
    rx: mpsc::Receiver<Msg>,
    current: Option<Current>,
    ack: Arc<AckState>,
    metrics: Arc<Metrics>,
    stop: watch::Sender<bool>,
    task: Option<tokio::task::JoinHandle<()>>,
    stopped: bool,
}

impl Replication {
    /// Connects, logs in and negotiates (`PSYNC ? -1`, or `PSYNC <replid> <offset+1>` with
    /// `resume_from`), then keeps the link in a background task. Errors of this first
    /// attempt are returned (a wrong address, password or a refusing source); only "not
    /// ready" answers (`-LOADING` …) are waited out, in auto mode.
    pub async fn start(
        opts: SourceOptions,
        resume_from: Option<ResumePoint>,
        metrics: Arc<Metrics>,
    ) -> Result<Replication, ReplError> {
        let applied = resume_from.as_ref().map_or(0, |r| r.offset);
        let ack = Arc::new(AckState::new(applied));
        let (tx, rx) = mpsc::channel(16);
        metrics.set_phase(Phase::Connecting);
        let session = Session::new(opts, metrics.clone(), ack.clone(), tx, resume_from);
        let first = session.establish_first().await?;
        let (stop, stop_rx) = watch::channel(false);
        let task = tokio::spawn(session.run(first, stop_rx));
        Ok(Replication {
            rx,
            current: None,
            ack,
            metrics,
            stop,
            task: Some(task),
            stopped: false,
        })
    }

    /// The next item; `Ok(None)` once stopped. In manual mode a cut ends with
    /// [`ReplError::LinkLost`] after every item received before it.
    pub async fn next(&mut self) -> Result<Option<StreamItem>, ReplError> {
        loop {
            if self.stopped {
                return Ok(None);
            }
            if let Some(cur) = self.current.as_mut() {
                if cur.snapshot_pending() {
                    return Err(ReplError::SnapshotUnread);
                }
                match cur.next_command().await {
                    Ok(Some(item)) => return Ok(Some(item)),
                    Ok(None) => self.current = None,
                    // Its snapshot was cut: the consumer saw that error; a new one follows.
                    Err(_) if cur.snapshot_failed() => self.current = None,
                    Err(e) => return Err(e),
                }
                continue;
            }
            match self.rx.recv().await {
                None => return Ok(None),
                Some(Msg::Full {
                    replid,
                    offset,
                    rdb,
                    rdb_size,
                    stream,
                }) => {
                    self.current = Some(Current {
                        stream,
                        buf: BytesMut::new(),
                        offset,
                        rdb: Some(rdb.probe()),
                    });
                    return Ok(Some(StreamItem::FullSync {
                        replid,
                        offset,
                        rdb: RdbStream { reader: rdb },
                        rdb_size,
                    }));
                }
                Some(Msg::Continue { offset, stream }) => {
                    self.current = Some(Current {
                        stream,
                        buf: BytesMut::new(),
                        offset,
                        rdb: None,
                    });
                }
                Some(Msg::Lost { reason, resume }) => {
                    return Err(ReplError::LinkLost { reason, resume });
                }
                Some(Msg::Fatal(e)) => return Err(e),
            }
        }
    }

    /// Records that the target has applied everything up to `offset` (the `end_offset` of
    /// the last command acknowledged, or a snapshot's `offset` once loaded). Reported to the
    /// source with `REPLCONF ACK` and stored in `Metrics::offset_applied`.
    pub fn set_applied(&self, offset: u64) {
        self.ack.set_applied(offset);
        self.metrics.offset_applied.store(offset, Ordering::Relaxed);
    }

    /// A handle for reporting the applied offset from another task.
    pub fn applied_handle(&self) -> AppliedHandle {
        AppliedHandle {
            ack: self.ack.clone(),
            metrics: self.metrics.clone(),
        }
    }

    /// Closes the link and drops what is spooled; `next` then returns `Ok(None)`.
    pub async fn stop(&mut self) {
        self.stopped = true;
        let _ = self.stop.send(true);
        // Closed first, so that a session waiting to send cannot hold the stop up.
        self.rx.close();
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
        self.current = None;
        self.metrics.set_phase(Phase::Stopped);
    }
}

impl Drop for Replication {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// Reports the applied offset (see [`Replication::set_applied`]); cheap to clone.
#[derive(Debug, Clone)]
pub struct AppliedHandle {
    ack: Arc<AckState>,
    metrics: Arc<Metrics>,
}

impl AppliedHandle {
    pub fn set_applied(&self, offset: u64) {
        self.ack.set_applied(offset);
        self.metrics.offset_applied.store(offset, Ordering::Relaxed);
    }
}
