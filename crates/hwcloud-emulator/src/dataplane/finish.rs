//! How an engine run ended, written into its task: the final status (`SUCCESS`,
//! `TERMINATED`, `FAILED` with the reason), the last engine events, the checkpoint and the
//! frozen statistics. The wording of the statuses the engine reaches lives here too.

use std::sync::{Arc, Mutex};

use hwcloud_dcs::types::MigrationTaskStatus as Status;
use redis_migrate::engine::{Checkpoint, EngineError, ImportOutcome, Summary};
use redis_migrate::metrics::{Event, Metrics};

use super::mapping::{self, RunKind};
use super::record::EngineLog;
use super::state::Live;
use crate::app::App;
use crate::dcs::model::DcsTask;
use crate::profile::{self, Profile};
use crate::sync::lock;

const SVC: &Profile = &profile::DCS;

/// Why the runner stopped following the engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    /// The engine ended by itself (done or failed).
    Done,
    /// The task was stopped or deleted.
    Stop,
    /// The emulator is stopping.
    Shutdown,
    /// The task is gone, or another run owns it.
    Abandoned,
}

/// How a run ended, as the finisher needs it.
pub enum Outcome {
    Online(Summary),
    Import(ImportOutcome),
}

/// The end of a run.
pub enum End {
    /// The run could not start: the task fails with the reason.
    Refused(String),
    /// Nothing to record (the task is gone or another run owns it).
    Abandoned,
    Finished {
        why: Why,
        kind: RunKind,
        result: Result<Outcome, EngineError>,
        checkpoint: Option<Checkpoint>,
        /// Events not yet in the task log.
        events: Vec<Event>,
        metrics: Arc<Metrics>,
    },
}

/// The log message of a status the engine reached.
pub fn running_message(status: &Status) -> String {
    match status {
        Status::FullMigrating => {
            "Full synchronisation: the engine writes the source's snapshot into the target."
        }
        Status::IncrMigrating(_) => {
            "The snapshot is written; the engine applies the source's writes as they happen (incremental synchronisation)."
        }
        Status::Migrating => "The engine imports the backup files.",
        _ => "The engine moved on.",
    }
    .to_owned()
}

/// The final status and its message.
fn verdict(
    why: Why,
    kind: RunKind,
    result: &Result<Outcome, EngineError>,
    checkpoint: Option<&Checkpoint>,
) -> Option<(Status, String)> {
    match (why, result) {
        (Why::Shutdown | Why::Abandoned, _) => None,
        (Why::Stop, Err(e)) if !matches!(e, EngineError::StoppedEarly) => Some((
            Status::Terminated,
            format!("The migration task has stopped (the engine reported: {e})."),
        )),
        (Why::Stop, _) => Some((
            Status::Terminated,
            "The migration task has stopped.".to_owned(),
        )),
        (Why::Done, Ok(Outcome::Online(s))) => Some(match kind {
            RunKind::Online { incremental: true } => (
                Status::Terminated,
                format!(
                    "The engine stopped after applying {} commands.",
                    s.commands_applied
                ),
            ),
            _ => (
                Status::Success,
                format!(
                    "Full synchronisation finished: {} keys written ({} already expired, not copied); the migration succeeded.",
                    s.keys_written, s.keys_skipped_expired
                ),
            ),
        }),
        (Why::Done, Ok(Outcome::Import(o))) => Some((
            Status::Success,
            format!(
                "The backup files were imported: {} keys and {} commands written from {} file(s); the migration succeeded.",
                o.keys_written,
                o.commands,
                o.sources.len()
            ),
        )),
        (Why::Done, Err(e)) => {
            let hint = match (kind, checkpoint) {
                (RunKind::Online { incremental: true }, Some(c)) => format!(
                    " Restart the task (BatchRestartOnlineMigrationTasks) to resume from offset {}.",
                    c.offset + 1
                ),
                (RunKind::Online { .. }, _) => {
                    " Restart the task (BatchRestartOnlineMigrationTasks) to try again.".to_owned()
                }
                (RunKind::Import, _) => String::new(),
            };
            let text = e.to_string();
            let text = text.trim_end_matches('.');
            Some((
                Status::Failed,
                format!("The migration failed: {text}.{hint}"),
            ))
        }
    }
}

/// Writes the end of run `run` into its task.
pub async fn record(
    app: &Arc<App>,
    project: &str,
    task_id: &str,
    run: u64,
    end: End,
    live: &Arc<Mutex<Live>>,
) {
    let (project, id) = (project.to_owned(), task_id.to_owned());
    let (verdict, events, checkpoint, stats, refused) = match end {
        End::Abandoned => {
            tracing::info!(task = %id, run, "engine run ended: the task is gone or restarted");
            return;
        }
        End::Refused(reason) => {
            tracing::warn!(task = %id, run, "engine run refused: {reason}");
            let message = format!("The migration failed: {}.", reason.trim_end_matches('.'));
            (
                Some((Status::Failed, message)),
                Vec::new(),
                None,
                None,
                Some(reason),
            )
        }
        End::Finished {
            why,
            kind,
            result,
            checkpoint,
            events,
            metrics,
        } => {
            let v = verdict(why, kind, &result, checkpoint.as_ref());
            match &v {
                Some((s, m)) => {
                    tracing::info!(task = %id, run, status = %s, "engine run ended: {m}")
                }
                None => tracing::info!(task = %id, run, "engine run paused: the emulator stops"),
            }
            let snapshot_done = lock(live).snapshot_done;
            let stats = mapping::freeze(&metrics.snapshot(), snapshot_done);
            (v, events, checkpoint, Some(stats), None)
        }
    };
    let shutdown = verdict.is_none();
    let _ = app
        .tx(SVC, move |db, now| {
            let Some(mut task) = DcsTask::load(db, &project, &id)? else {
                return Ok(());
            };
            let current = task.status(now);
            let Some(e) = task.engine.as_mut().filter(|e| e.run == run) else {
                return Ok(());
            };
            e.log(mapping::log_lines(events, now));
            if let Some(c) = checkpoint {
                e.checkpoint = Some(mapping::stored(c));
            }
            if stats.is_some() {
                e.stats = stats;
            }
            if refused.is_some() {
                e.refused = refused;
            }
            if shutdown {
                e.log([EngineLog {
                    at_ms: now,
                    level: "INFO".to_owned(),
                    message: "The emulator stopped; the migration resumes when it starts again with the same data directory.".to_owned(),
                }]);
            }
            if let Some((status, message)) = verdict.filter(|(s, _)| *s != current) {
                let failed = status == Status::Failed;
                task.timeline.cut(now);
                task.timeline.push(now, status, message);
                if let (true, Some(last)) = (failed, task.timeline.0.last_mut()) {
                    last.level = "ERROR".to_owned();
                }
            }
            task.save(db)?;
            Ok(())
        })
        .await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use redis_migrate::engine::SyncMode;

    fn summary() -> Summary {
        Summary {
            mode: SyncMode::Full,
            keys_written: 7,
            keys_skipped_expired: 1,
            commands_applied: 3,
            commands_dropped: 0,
            full_syncs: 1,
            partial_resyncs: 0,
            checkpoint: None,
        }
    }

    #[test]
    fn ends_become_statuses() {
        let full = RunKind::Online { incremental: false };
        let incr = RunKind::Online { incremental: true };
        let ok = Ok(Outcome::Online(summary()));
        let (s, m) = verdict(Why::Done, full, &ok, None).unwrap();
        assert_eq!(s, Status::Success);
        assert!(m.contains("7 keys written"), "{m}");
        let (s, _) = verdict(Why::Stop, incr, &ok, None).unwrap();
        assert_eq!(s, Status::Terminated);
        let early = Err(EngineError::StoppedEarly);
        assert_eq!(
            verdict(Why::Stop, full, &early, None).unwrap().0,
            Status::Terminated
        );
        let cp = Checkpoint {
            replid: "r".into(),
            offset: 41,
            db: 0,
        };
        let failed = Err(EngineError::Internal("link lost".into()));
        let (s, m) = verdict(Why::Done, incr, &failed, Some(&cp)).unwrap();
        assert_eq!(s, Status::Failed);
        assert!(m.contains("link lost") && m.contains("offset 42"), "{m}");
        assert!(verdict(Why::Shutdown, incr, &ok, None).is_none());
        assert!(verdict(Why::Abandoned, incr, &failed, None).is_none());
    }
}
