//! Engine runs cut by a restart of the emulator (with `--data-dir`): before the emulator
//! serves, every task whose engine was running gets a new run — an incremental migration
//! resumes from its stored checkpoint (a partial resync when the source still has the
//! backlog, else a new full sync), a snapshot or an import starts over — and a task that was
//! stopping is recorded as stopped. So a status never says "migrating" for an engine that is
//! not running.

use std::sync::Arc;

use hwcloud_dcs::types::MigrationTaskStatus as Status;

use super::hooks;
use super::record::EngineLog;
use crate::app::App;
use crate::dcs::model::DcsTask;
use crate::error::ApiError;
use crate::profile::{self, Profile};

const SVC: &Profile = &profile::DCS;

/// Resumes every cut run of every configured project; answers how many runs started.
pub async fn resume_all(app: &Arc<App>) -> Result<usize, ApiError> {
    let projects = app.projects();
    let a = Arc::clone(app);
    let tasks = app
        .tx(SVC, move |db, now| {
            let mut resumed = Vec::new();
            for p in &projects {
                for mut task in DcsTask::list(db, p)? {
                    if task.engine.is_none() {
                        continue;
                    }
                    match task.status(now) {
                        Status::Terminating => {
                            task.timeline.cut(now);
                            task.timeline.push(
                                now,
                                Status::Terminated,
                                "The migration task has stopped (the emulator restarted while it was stopping).",
                            );
                            task.save(db)?;
                        }
                        Status::FullMigrating | Status::IncrMigrating(_) | Status::Migrating => {
                            hooks::restarted(&a, &mut task);
                            let message = match task.engine.as_ref().and_then(|e| e.checkpoint.as_ref()) {
                                Some(c) => format!(
                                    "The emulator restarted; the engine resumes at offset {} of replication id {} (a new full synchronisation if the source no longer has it).",
                                    c.offset + 1,
                                    c.replid
                                ),
                                None => "The emulator restarted; the engine starts over.".to_owned(),
                            };
                            if let Some(e) = task.engine.as_mut() {
                                e.log([EngineLog {
                                    at_ms: now,
                                    level: "INFO".to_owned(),
                                    message,
                                }]);
                            }
                            task.save(db)?;
                            resumed.push(task);
                        }
                        _ => {}
                    }
                }
            }
            Ok(resumed)
        })
        .await?;
    for task in &tasks {
        hooks::start(app, task);
    }
    Ok(tasks.len())
}
