//! One replication session: probe the target, open the pipeline, start the replica, then
//! write each snapshot and apply the stream until done, stopped or broken. The policy loop in
//! [`super::run`] decides what a broken session leads to.

use super::db_track::DbTrack;
use super::snapshot_phase::{self, PhaseError, wait_for_stop};
use super::{Checkpoint, EngineError, MigrateOptions, ResumePolicy, Shared, Summary, SyncMode};
use crate::apply::{Applier, ApplyOptions, Step};
use crate::conn::Connection;
use crate::metrics::{Level, Metrics, Phase};
use crate::rdb::RdbError;
use crate::replica::{
    AppliedHandle, ReplError, Replication, ResumeMode, ResumePoint, SourceOptions, StreamItem,
};
use crate::snapshot::{Mode, SnapshotOptions};
use crate::target::{Ack, BatchBuilder, Pipeline, PipelineConfig, PipelineError, Refusal, Replay};
use crate::target::{TargetInfo, probe};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;

/// How long a clean stop waits for the target to acknowledge what it was sent.
const STOP_DRAIN: Duration = Duration::from_secs(30);

/// How a session ended.
pub(super) enum SessionEnd {
    Done(Summary),
    Fatal(EngineError),
    /// Worth another session (auto policy); `raw: false` asks for the rewrite path.
    Restart {
        reason: EngineError,
        resume_from: Option<Checkpoint>,
        raw: bool,
    },
}

/// Reports acknowledged offsets to the source and keeps the checkpoint current.
fn spawn_ack_forwarder(
    pipeline: &Pipeline,
    applied: AppliedHandle,
    track: Arc<Mutex<DbTrack>>,
    shared: Arc<Shared>,
) -> tokio::task::JoinHandle<()> {
    let mut acked = pipeline.acked();
    tokio::spawn(async move {
        let mut last = None;
        while acked.changed().await.is_ok() {
            let Some(offset) = acked.borrow_and_update().offset else {
                continue;
            };
            if last == Some(offset) {
                continue;
            }
            last = Some(offset);
            applied.set_applied(offset);
            let cp = track
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .checkpoint_at(offset);
            shared.set_checkpoint(Some(cp));
        }
    })
}

fn source_options(opts: &MigrateOptions) -> SourceOptions {
    let mut s = SourceOptions::new(opts.source.clone(), opts.work_dir.clone());
    s.spool_limit_bytes = opts.spool_limit_bytes;
    s.connect_timeout = opts.connect_timeout;
    s.resume = match opts.resume {
        ResumePolicy::Auto { max_backoff } => ResumeMode::Auto { max_backoff },
        ResumePolicy::Manual => ResumeMode::Manual,
    };
    s
}

/// A broken target: refusals are final, a lost connection is worth a new session. After an
/// unconfirmed command the stream position is unknown, so the restart is a full sync.
fn target_end(e: PipelineError) -> SessionEnd {
    match &e {
        PipelineError::Refused {
            refusal: Refusal::PayloadRejected,
            ..
        } => SessionEnd::Restart {
            reason: e.into(),
            resume_from: None,
            raw: false,
        },
        PipelineError::Refused { .. } => SessionEnd::Fatal(e.into()),
        _ => SessionEnd::Restart {
            reason: e.into(),
            resume_from: None,
            raw: true,
        },
    }
}

/// Connects to the target and probes it; a transient failure keeps `resume`, since nothing
/// was written yet.
async fn connect_target(
    opts: &MigrateOptions,
    resume: &Option<Checkpoint>,
) -> Result<TargetInfo, SessionEnd> {
    let mut conn = Connection::connect(&opts.target, opts.connect_timeout)
        .await
        .map_err(|e| match e.is_transient() {
            true => SessionEnd::Restart {
                reason: EngineError::TargetConnect(e),
                resume_from: resume.clone(),
                raw: true,
            },
            false => SessionEnd::Fatal(EngineError::TargetConnect(e)),
        })?;
    probe(&mut conn, opts.connect_timeout)
        .await
        .map_err(|e| SessionEnd::Fatal(EngineError::TargetConnect(e)))
}

/// Runs one session.
pub(super) async fn run(
    opts: &MigrateOptions,
    shared: &Arc<Shared>,
    resume: Option<Checkpoint>,
    raw_allowed: bool,
    stop: &mut watch::Receiver<bool>,
) -> SessionEnd {
    let metrics = shared.metrics.clone();
    metrics.set_phase(Phase::Connecting);
    let info = match connect_target(opts, &resume).await {
        Ok(i) => i,
        Err(end) => return end,
    };
    let pipeline = match Pipeline::connect(
        opts.target.clone(),
        PipelineConfig {
            connect_timeout: opts.connect_timeout,
            ..PipelineConfig::default()
        },
        shared.rate.clone(),
        metrics.clone(),
    )
    .await
    {
        Ok(p) => p,
        Err(e) => {
            return SessionEnd::Restart {
                reason: EngineError::TargetConnect(e),
                resume_from: resume,
                raw: true,
            };
        }
    };
    let mut repl = match Replication::start(
        source_options(opts),
        resume.as_ref().map(ResumePoint::from),
        metrics.clone(),
    )
    .await
    {
        Ok(r) => r,
        Err(e) if e.is_transient() => {
            return SessionEnd::Restart {
                reason: e.into(),
                resume_from: resume,
                raw: true,
            };
        }
        Err(e) => return SessionEnd::Fatal(e.into()),
    };
    let track = Arc::new(Mutex::new(match &resume {
        Some(cp) => DbTrack::resuming(cp),
        None => DbTrack::default(),
    }));
    let mut applier = Applier::new(apply_options(opts));
    if let Some(cp) = &resume {
        metrics.event(
            Level::Info,
            format!("resuming at offset {} in db {}", cp.offset + 1, cp.db),
        );
        applier = Applier::starting_in(apply_options(opts), cp.db);
        let mut b = BatchBuilder::new();
        b.push(&[&b"SELECT"[..], cp.db.to_string().as_bytes()], None);
        if let Err(e) = pipeline
            .submit(b.finish(Ack::None, Replay::Idempotent))
            .await
        {
            return target_end(e);
        }
        metrics.set_phase(Phase::Incremental);
    }
    let forwarder = spawn_ack_forwarder(
        &pipeline,
        repl.applied_handle(),
        track.clone(),
        shared.clone(),
    );
    let mut stream = Stream {
        opts,
        info: &info,
        raw_allowed,
        pipeline: &pipeline,
        metrics: &metrics,
        track: &track,
        shared,
    };
    let end = stream.run(&mut repl, &mut applier, stop).await;
    forwarder.abort();
    repl.stop().await;
    let _ = tokio::time::timeout(STOP_DRAIN, pipeline.close()).await;
    end
}

fn apply_options(opts: &MigrateOptions) -> ApplyOptions {
    ApplyOptions {
        keep_flush: opts.keep_flush,
        ..ApplyOptions::default()
    }
}

/// How writing one snapshot ended.
enum Written {
    /// Every key acknowledged by the target.
    Whole,
    /// The snapshot's link was cut: part of it was written, none of it counts.
    Interrupted,
    /// The session ends here.
    End(SessionEnd),
}

/// The item loop of one session.
struct Stream<'a> {
    opts: &'a MigrateOptions,
    info: &'a TargetInfo,
    raw_allowed: bool,
    pipeline: &'a Pipeline,
    metrics: &'a Arc<Metrics>,
    track: &'a Arc<Mutex<DbTrack>>,
    shared: &'a Arc<Shared>,
}

impl Stream<'_> {
    async fn run(
        &mut self,
        repl: &mut Replication,
        applier: &mut Applier,
        stop: &mut watch::Receiver<bool>,
    ) -> SessionEnd {
        // A snapshot was cut: what follows must be a new one (or the error that ends it).
        let mut snapshot_owed = false;
        loop {
            let item = tokio::select! {
                biased;
                _ = wait_for_stop(stop) => return self.stop_cleanly().await,
                // A quiet source may send nothing for a long time: a failed target must end
                // the session now, not at the next command.
                e = self.pipeline.failed() => return target_end(e),
                item = repl.next() => item,
            };
            match item {
                Ok(Some(StreamItem::FullSync {
                    replid,
                    offset,
                    rdb,
                    rdb_size,
                })) => {
                    match self.snapshot(rdb, rdb_size, stop).await {
                        Written::Whole => snapshot_owed = false,
                        // Not applied: the replica reports the cut next (a new full sync in
                        // auto mode, a lost link in manual mode).
                        Written::Interrupted => {
                            snapshot_owed = true;
                            continue;
                        }
                        Written::End(end) => return end,
                    }
                    let cp = {
                        let mut t = self.track.lock().unwrap_or_else(|e| e.into_inner());
                        *t = DbTrack::new(replid);
                        t.checkpoint_at(offset)
                    };
                    repl.set_applied(offset);
                    self.shared.set_checkpoint(Some(cp));
                    *applier = Applier::new(apply_options(self.opts));
                    if self.opts.mode == SyncMode::Full {
                        return SessionEnd::Done(self.summary());
                    }
                    self.metrics.set_phase(Phase::Incremental);
                    self.metrics
                        .event(Level::Info, "snapshot written; applying the command stream");
                }
                Ok(Some(StreamItem::Command { .. })) if snapshot_owed => {
                    return SessionEnd::Restart {
                        reason: EngineError::Internal(
                            "the command stream went on after an interrupted snapshot".into(),
                        ),
                        resume_from: None,
                        raw: true,
                    };
                }
                Ok(Some(StreamItem::Command { cmd, end_offset })) => {
                    let dropped_before = applier.dropped();
                    let step = match applier.push(&cmd, end_offset) {
                        Ok(s) => s,
                        Err(e) => return SessionEnd::Fatal(e.into()),
                    };
                    self.track
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .note(end_offset, applier.current_db());
                    // Added, not stored: the applier starts from zero in every session.
                    self.metrics
                        .commands_dropped
                        .fetch_add(applier.dropped() - dropped_before, Ordering::Relaxed);
                    let batch = match step {
                        Step::Send(b) | Step::Drop(b) => b,
                        Step::Hold => continue,
                    };
                    tokio::select! {
                        r = self.pipeline.submit(batch) => if let Err(e) = r {
                            return target_end(e);
                        },
                        _ = wait_for_stop(stop) => return self.stop_cleanly().await,
                    }
                }
                Ok(None) => return self.stop_cleanly().await,
                Err(ReplError::LinkLost { reason, resume }) => {
                    // Manual policy: everything received was handed out; let the target
                    // acknowledge it so that the checkpoint is exact.
                    let _ = tokio::time::timeout(STOP_DRAIN, self.pipeline.barrier()).await;
                    let applied = self
                        .pipeline
                        .acked()
                        .borrow()
                        .offset
                        .or(self.shared.checkpoint().map(|c| c.offset));
                    let resume_from = resume.map(|p| {
                        let at = applied.map_or(p.offset, |a| a.min(p.offset));
                        self.track
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .checkpoint_at(at)
                    });
                    return SessionEnd::Restart {
                        reason: ReplError::LinkLost {
                            reason,
                            resume: resume_from.as_ref().map(ResumePoint::from),
                        }
                        .into(),
                        resume_from,
                        raw: true,
                    };
                }
                Err(e) if e.is_transient() => {
                    return SessionEnd::Restart {
                        reason: e.into(),
                        resume_from: None,
                        raw: true,
                    };
                }
                Err(e) => return SessionEnd::Fatal(e.into()),
            }
        }
    }

    /// Writes one snapshot.
    async fn snapshot(
        &mut self,
        rdb: crate::replica::RdbStream,
        rdb_size: Option<u64>,
        stop: &mut watch::Receiver<bool>,
    ) -> Written {
        let m = self.metrics;
        m.set_phase(Phase::FullSync);
        m.rdb_bytes_total
            .store(rdb_size.unwrap_or(0), Ordering::Relaxed);
        m.rdb_bytes_parsed.store(0, Ordering::Relaxed);
        m.keys_written.store(0, Ordering::Relaxed);
        m.event(
            Level::Info,
            match rdb_size {
                Some(n) => format!("full sync: receiving a snapshot of {n} bytes"),
                None => "full sync: receiving a snapshot (diskless, size unknown)".into(),
            },
        );
        let snap = SnapshotOptions {
            mode: match self.opts.mode {
                SyncMode::Full => Mode::Full,
                SyncMode::Incremental => Mode::Incremental,
            },
            expire_grace: self.opts.expire_grace,
            raw_allowed: self.raw_allowed,
            target_rdb_version: Some(self.info.rdb_version),
            features: self.info.features,
            target_has_functions: self.info.has_functions,
            ..SnapshotOptions::default()
        };
        let result = snapshot_phase::run(
            rdb,
            snap,
            crate::snapshot::parse_options(),
            self.pipeline,
            m.clone(),
            stop,
        )
        .await;
        match result {
            Ok((parsed, written)) => {
                m.event(
                    Level::Info,
                    format!(
                        "snapshot done: {} keys in the file, {} written ({} restored, {} rewritten), {} already expired, RDB version {}",
                        parsed.keys,
                        written.keys_restored + written.keys_rewritten,
                        written.keys_restored,
                        written.keys_rewritten,
                        written.keys_skipped_expired,
                        parsed.rdb_version
                    ),
                );
                if written.field_ttls_lost > 0 {
                    m.event(
                        Level::Warn,
                        format!(
                            "{} hash field TTLs could not be written: the target has no HPEXPIREAT",
                            written.field_ttls_lost
                        ),
                    );
                }
                Written::Whole
            }
            Err(PhaseError::Stopped) => Written::End(SessionEnd::Fatal(EngineError::StoppedEarly)),
            Err(PhaseError::Pipeline(e)) => Written::End(target_end(e)),
            // The link broke mid-snapshot: the replica reports it next.
            Err(PhaseError::Rdb(e @ RdbError::Io { .. })) => {
                m.event(Level::Warn, format!("snapshot interrupted: {e}"));
                Written::Interrupted
            }
            Err(PhaseError::Rdb(e)) => Written::End(SessionEnd::Fatal(e.into())),
            Err(PhaseError::Snapshot(e)) => Written::End(SessionEnd::Fatal(e.into())),
            Err(PhaseError::Internal(e)) => {
                Written::End(SessionEnd::Fatal(EngineError::Internal(e)))
            }
        }
    }

    async fn stop_cleanly(&mut self) -> SessionEnd {
        if matches!(self.metrics.phase(), Phase::FullSync | Phase::Connecting) {
            return SessionEnd::Fatal(EngineError::StoppedEarly);
        }
        match tokio::time::timeout(STOP_DRAIN, self.pipeline.barrier()).await {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => return target_end(e),
            Err(_) => self.metrics.event(
                Level::Warn,
                "the target did not acknowledge everything within 30 s; the checkpoint is the last acknowledged offset",
            ),
        }
        SessionEnd::Done(self.summary())
    }

    fn summary(&self) -> Summary {
        let s = self.metrics.snapshot();
        Summary {
            mode: self.opts.mode,
            keys_written: s.keys_written,
            keys_skipped_expired: s.keys_skipped_expired,
            commands_applied: s.commands_applied,
            commands_dropped: s.commands_dropped,
            full_syncs: s.full_syncs,
            partial_resyncs: s.partial_resyncs,
            checkpoint: match self.opts.mode {
                SyncMode::Full => None,
                SyncMode::Incremental => self.shared.checkpoint(),
            },
        }
    }
}
