//! What the DCS handlers call so that a task whose target is backed by a Redis server is run
//! by the engine: deciding it in the configuring transaction, starting the run once the
//! transaction is committed, holding a stop until the engine has stopped, and the live
//! statistics. Tasks without an engine record stay simulated and none of this applies.

use std::sync::Arc;
use std::time::Duration;

use hwcloud_dcs::types as t;

use super::mapping;
use super::record::{EngineLog, EngineRecord};
use super::resolve;
use super::runner;
use super::state::{Control, wait_done};
use crate::app::App;
use crate::dcs::model::{DcsTask, Endpoint, TaskKind};
use crate::dcs::real_instances::redis_url;
use crate::store::{Db, StoreError};

/// How long a synchronous stop waits for the engine to stop.
const SYNC_STOP: Duration = Duration::from_secs(35);

/// Inside the transaction that configures a task: an engine record when the `target`
/// instance is backed by a Redis server (`None`: the task is simulated). `source` is `None`
/// for a backup import.
pub fn engine_for(
    app: &App,
    db: &Db<'_>,
    project: &str,
    source: Option<&Endpoint>,
    target: &Endpoint,
) -> Result<Option<EngineRecord>, StoreError> {
    let Some(id) = target.id.as_deref() else {
        return Ok(None);
    };
    let Some(url) = redis_url(db, project, id)? else {
        return Ok(None);
    };
    let source = match source {
        None => "the backup files".to_owned(),
        Some(s) => match (s.id.as_deref(), s.addrs.as_deref()) {
            (Some(sid), _) if redis_url(db, project, sid)?.is_some() => {
                format!(
                    "instance {sid} ({})",
                    redis_url(db, project, sid)?.unwrap_or_default()
                )
            }
            (_, Some(addrs)) => format!(
                "redis://{}",
                addrs.split(',').next().unwrap_or_default().trim()
            ),
            (Some(sid), None) => format!("instance {sid}"),
            (None, None) => "(no source)".to_owned(),
        },
    };
    Ok(Some(EngineRecord::new(
        app.plane.next_run(),
        source,
        format!("instance {id} ({url})"),
    )))
}

/// Keeps the passwords of a configuring request for the runs of `task` (memory only; a
/// simulated task needs none).
pub fn remember_passwords(
    app: &App,
    task: &DcsTask,
    source: Option<String>,
    target: Option<String>,
) {
    if task.engine.is_some() {
        resolve::remember(&app.plane, &task.id, "source", source);
        resolve::remember(&app.plane, &task.id, "target", target);
    }
}

/// Forgets the passwords kept for the runs of deleted tasks.
pub fn forget_passwords(app: &App, task_ids: &[String]) {
    for id in task_ids {
        for side in ["source", "target"] {
            app.plane
                .set_secret(&resolve::task_secret_key(id, side), None);
        }
    }
}

/// After the transaction: starts the engine for `task` when it has an engine record.
pub fn start(app: &Arc<App>, task: &DcsTask) {
    if let Some(e) = &task.engine {
        runner::spawn(app, task.project_id.clone(), task.id.clone(), e.run);
    }
}

/// Inside a restarting transaction: a new run for a task with an engine.
pub fn restarted(app: &App, task: &mut DcsTask) {
    if let Some(e) = task.engine.as_mut() {
        e.run = app.plane.next_run();
        e.refused = None;
    }
}

/// Inside UpdateMigrationTask's transaction: an engine keeps its reconnect policy while it
/// runs, so the log says when the new one applies.
pub fn resume_mode_changed(task: &mut DcsTask, now: i64) {
    let mode = task.resume_mode.clone();
    if let (Some(e), Some(mode)) = (task.engine.as_mut(), mode) {
        e.log([EngineLog {
            at_ms: now,
            level: "INFO".to_owned(),
            message: format!(
                "resume_mode is now {mode}; the engine uses it from its next run (a restart, or the emulator's next start)."
            ),
        }]);
    }
}

/// Whether `task`'s engine is running now: its stop then waits for the engine.
pub fn engine_running(app: &App, task: &DcsTask) -> bool {
    task.engine.is_some() && app.plane.is_running(&task.id)
}

/// After stopping (or deleting) `ids`: asks their engines to stop; with `wait`, until they
/// have (bounded).
pub async fn stop(app: &App, ids: &[String], wait: bool) {
    let waits: Vec<_> = ids
        .iter()
        .filter_map(|id| app.plane.signal(id, Control::Stop))
        .collect();
    if wait {
        for done in waits {
            wait_done(done, SYNC_STOP).await;
        }
    }
}

/// ShowMigrationTaskStats of a task with an engine: the live counters while it runs, the
/// frozen ones otherwise. `None` for a simulated task.
pub fn stats(app: &App, task: &DcsTask) -> Option<t::MigrationTaskStats> {
    let e = task.engine.as_ref()?;
    let mut stats = match app.plane.live(&task.id) {
        Some((metrics, live)) => mapping::live_stats(&metrics.snapshot(), &live),
        None => mapping::stopped_stats(e.stats.unwrap_or_default()),
    };
    if task.kind == TaskKind::BackupImport {
        // Files have no key count before they are read.
        stats.source_dbsize = None;
    }
    Some(stats)
}
