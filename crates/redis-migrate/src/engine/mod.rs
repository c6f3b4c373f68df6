//! The migration itself: the replica, the snapshot writer, the stream applier and the target
//! pipeline wired together, with the resume and restart policy.
//!
//! [`Migration::start`] runs in a background task and returns a handle that reads live
//! [`Metrics`], changes the byte-rate limit, stops cleanly and hands back a [`Checkpoint`]
//! (replication id, applied offset and selected database) from which a later start resumes
//! with `PSYNC` instead of a new full sync. [`import_files`] runs backup files through the
//! same writer.

mod db_track;
mod import_run;
mod sampler;
mod session;
mod snapshot_phase;

pub use import_run::{ImportOutcome, ImportRunOptions, import_files};
pub use sampler::keys_in as keyspace_keys;

use crate::endpoint::Endpoint;
use crate::metrics::{Level, Metrics, Phase};
use crate::ratelimit::RateLimit;
use crate::replica::{ReplError, ResumePoint};
use crate::target::PipelineError;
use session::SessionEnd;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// What to migrate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncMode {
    /// The snapshot only; done once the target has acknowledged every key.
    Full,
    /// The snapshot, then the command stream until stopped.
    Incremental,
}

/// What happens when a link is cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResumePolicy {
    /// Reconnect with backoff (at most `max_backoff` between attempts) and go on, forever
    /// (DCS `resume_mode=auto`).
    Auto { max_backoff: Duration },
    /// Stop in the failed phase with the reason and a [`Checkpoint`]; an explicit restart
    /// with that checkpoint resumes (DCS `resume_mode=manual`).
    Manual,
}

/// Where an incremental migration stands, to resume from: the source's replication id, the
/// last stream byte the target has applied, and the database selected at that point.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Checkpoint {
    pub replid: String,
    pub offset: u64,
    pub db: u32,
}

/// Everything a migration needs.
#[derive(Debug, Clone)]
pub struct MigrateOptions {
    pub source: Endpoint,
    pub target: Endpoint,
    pub mode: SyncMode,
    pub resume: ResumePolicy,
    /// Bytes per second written to the target; `None` for no limit.
    pub bandwidth: Option<u64>,
    /// Directory for the spools (the snapshot and the stream, removed as consumed).
    pub work_dir: PathBuf,
    /// Most unconsumed bytes on disk per spool.
    pub spool_limit_bytes: u64,
    /// Incremental mode: keys expiring sooner than this are written with now + grace.
    pub expire_grace: Duration,
    /// Forward `FLUSHALL`/`FLUSHDB` from the stream (dropped by default, as DCS does).
    pub keep_flush: bool,
    /// Resume from here instead of starting with a full sync.
    pub resume_from: Option<Checkpoint>,
    /// Limit for connecting to either server.
    pub connect_timeout: Duration,
}

impl MigrateOptions {
    /// Full sync, auto resume, no rate limit, 4 GiB spools, one hour of expire grace.
    pub fn new(source: Endpoint, target: Endpoint, work_dir: impl Into<PathBuf>) -> Self {
        Self {
            source,
            target,
            mode: SyncMode::Full,
            resume: ResumePolicy::Auto {
                max_backoff: Duration::from_secs(30),
            },
            bandwidth: None,
            work_dir: work_dir.into(),
            spool_limit_bytes: 4 << 30,
            expire_grace: Duration::from_secs(3600),
            keep_flush: false,
            resume_from: None,
            connect_timeout: Duration::from_secs(10),
        }
    }
}

/// Why a migration stopped without finishing. Never contains a password.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("target: {0}")]
    TargetConnect(#[source] crate::conn::ConnError),
    #[error(transparent)]
    Source(#[from] ReplError),
    #[error(transparent)]
    Target(Box<PipelineError>),
    #[error("snapshot: {0}")]
    Rdb(#[from] crate::rdb::RdbError),
    #[error("snapshot: {0}")]
    Snapshot(#[from] crate::snapshot::SnapshotError),
    #[error("stream: {0}")]
    Apply(#[from] crate::apply::ApplyError),
    #[error(transparent)]
    Import(#[from] crate::import::ImportError),
    /// An error while reading one backup file (or archive member).
    #[error("{file}: {source}")]
    File {
        file: String,
        #[source]
        source: Box<EngineError>,
    },
    #[error("stopped before the snapshot was complete")]
    StoppedEarly,
    #[error("internal: {0}")]
    Internal(String),
}

impl From<PipelineError> for EngineError {
    fn from(e: PipelineError) -> Self {
        EngineError::Target(Box::new(e))
    }
}

/// How a migration ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub mode: SyncMode,
    /// Keys of the last snapshot acknowledged by the target.
    pub keys_written: u64,
    pub keys_skipped_expired: u64,
    /// Stream commands applied.
    pub commands_applied: u64,
    pub commands_dropped: u64,
    pub full_syncs: u64,
    pub partial_resyncs: u64,
    /// Where to resume from (incremental mode).
    pub checkpoint: Option<Checkpoint>,
}

/// State shared by the handle and the running task.
#[derive(Debug)]
pub(crate) struct Shared {
    pub metrics: Arc<Metrics>,
    pub rate: Arc<RateLimit>,
    pub checkpoint: Mutex<Option<Checkpoint>>,
}

impl Shared {
    pub fn set_checkpoint(&self, cp: Option<Checkpoint>) {
        *self.checkpoint.lock().unwrap_or_else(|e| e.into_inner()) = cp;
    }

    pub fn checkpoint(&self) -> Option<Checkpoint> {
        self.checkpoint
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

/// A running migration.
#[derive(Debug)]
pub struct Migration {
    shared: Arc<Shared>,
    stop: watch::Sender<bool>,
    task: JoinHandle<Result<Summary, EngineError>>,
}

impl Migration {
    /// Starts the migration in a background task.
    pub fn start(opts: MigrateOptions) -> Migration {
        let shared = Arc::new(Shared {
            metrics: Arc::new(Metrics::new()),
            rate: Arc::new(RateLimit::new(opts.bandwidth)),
            checkpoint: Mutex::new(opts.resume_from.clone()),
        });
        let (stop, stop_rx) = watch::channel(false);
        let task = tokio::spawn(run(opts, shared.clone(), stop_rx));
        Migration { shared, stop, task }
    }

    /// The live counters and events.
    pub fn metrics(&self) -> Arc<Metrics> {
        self.shared.metrics.clone()
    }

    /// Changes the byte-rate limit while running (`None`: unlimited).
    pub fn set_bandwidth(&self, bytes_per_sec: Option<u64>) {
        self.shared.rate.set(bytes_per_sec);
        self.shared.metrics.event(
            Level::Info,
            match bytes_per_sec {
                Some(b) => format!("bandwidth limit set to {b} bytes/s"),
                None => "bandwidth limit removed".into(),
            },
        );
    }

    /// The last point the target has fully applied (incremental mode).
    pub fn checkpoint(&self) -> Option<Checkpoint> {
        self.shared.checkpoint()
    }

    /// Whether the task has ended (finished, failed or stopped).
    pub fn is_finished(&self) -> bool {
        self.task.is_finished()
    }

    /// Asks the migration to stop: what was received is acknowledged by the target first
    /// (bounded), then the links close. Returns how it ended.
    pub async fn stop(self) -> Result<Summary, EngineError> {
        let _ = self.stop.send(true);
        self.wait().await
    }

    /// Waits until the migration ends by itself (full mode: the snapshot is written; or an
    /// error).
    pub async fn wait(self) -> Result<Summary, EngineError> {
        match self.task.await {
            Ok(r) => r,
            Err(e) => Err(EngineError::Internal(format!(
                "the migration task ended: {e}"
            ))),
        }
    }
}

/// The policy loop: one replication session after another until done, stopped or failed.
async fn run(
    opts: MigrateOptions,
    shared: Arc<Shared>,
    mut stop: watch::Receiver<bool>,
) -> Result<Summary, EngineError> {
    let metrics = shared.metrics.clone();
    let sampler = tokio::spawn(sampler::run(
        opts.source.clone(),
        opts.target.clone(),
        metrics.clone(),
        stop.clone(),
    ));
    let mut raw_allowed = true;
    let mut resume = opts.resume_from.clone();
    let mut restarts: u32 = 0;
    let result = loop {
        let end = session::run(&opts, &shared, resume.take(), raw_allowed, &mut stop).await;
        match end {
            SessionEnd::Done(summary) => break Ok(summary),
            SessionEnd::Fatal(e) => break Err(e),
            SessionEnd::Restart {
                reason,
                resume_from,
                raw,
            } => {
                raw_allowed &= raw;
                restarts += 1;
                let ResumePolicy::Auto { max_backoff } = opts.resume else {
                    shared.set_checkpoint(resume_from);
                    break Err(reason);
                };
                let delay =
                    Duration::from_millis(200 * u64::from(restarts.min(8))).min(max_backoff);
                metrics.event(
                    Level::Warn,
                    format!(
                        "{reason}; {} in {delay:?}",
                        if resume_from.is_some() {
                            "resuming"
                        } else {
                            "starting a new full sync"
                        }
                    ),
                );
                resume = resume_from;
                metrics.set_phase(Phase::Reconnecting);
                tokio::select! {
                    _ = tokio::time::sleep(delay) => {}
                    _ = stop.changed() => break Err(EngineError::StoppedEarly),
                }
            }
        }
    };
    sampler.abort();
    match &result {
        Ok(s) => {
            metrics.set_phase(Phase::Stopped);
            shared.set_checkpoint(s.checkpoint.clone());
        }
        Err(e) => {
            metrics.set_phase(Phase::Failed);
            metrics.event(Level::Error, format!("migration failed: {e}"));
        }
    }
    result
}

impl From<&Checkpoint> for ResumePoint {
    fn from(c: &Checkpoint) -> Self {
        ResumePoint {
            replid: c.replid.clone(),
            offset: c.offset,
        }
    }
}
