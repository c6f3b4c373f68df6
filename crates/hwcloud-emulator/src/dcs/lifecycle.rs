//! The calls that end or repeat a task's run: stop (asynchronous, synchronous, batch),
//! batch restart and delete. For a task the migration engine runs, the engine is stopped,
//! restarted or abandoned after the transaction (`crate::dataplane::hooks`).

use std::sync::Arc;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use hwcloud_dcs::operations as ops;
use hwcloud_dcs::types as t;

use super::handlers::{SVC, load, no_task, ok};
use super::model::{DcsTask, Refused};
use super::views;
use crate::app::App;
use crate::dataplane::hooks;
use crate::error::ApiError;
use crate::request::{Ctx, parse_body, validated};
use crate::response::json;

/// StopMigrationTask: `TERMINATING`, then `TERMINATED`; answers the task.
pub async fn stop_migration_task(app: &Arc<App>, ctx: Ctx) -> Result<Response, ApiError> {
    let task_id = validated(
        SVC,
        ops::StopMigrationTaskInput {
            task_id: ctx.param("task_id").to_owned(),
        },
    )?
    .task_id;
    let shown = stop(app, ctx.caller.project_id, task_id, false).await?;
    ok(&shown)
}

/// StopMigrationTaskSync: `TERMINATED` at once; answers 204.
pub async fn stop_migration_task_sync(app: &Arc<App>, ctx: Ctx) -> Result<Response, ApiError> {
    let task_id = validated(
        SVC,
        ops::StopMigrationTaskSyncInput {
            task_id: ctx.param("task_id").to_owned(),
        },
    )?
    .task_id;
    stop(app, ctx.caller.project_id, task_id, true).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Stops one task and shows it.
async fn stop(
    app: &Arc<App>,
    project: String,
    task_id: String,
    sync: bool,
) -> Result<t::MigrationTask, ApiError> {
    SVC.task_id.check(&task_id)?;
    let timings = app.timings;
    let a = Arc::clone(app);
    let id = task_id.clone();
    let shown = app
        .tx(SVC, move |db, now| {
            let mut task = load(db, &project, &id)?;
            let running = hooks::engine_running(&a, &task);
            task.stop(now, &timings, sync, running)?;
            task.save(db)?;
            Ok(views::show(&task, now))
        })
        .await?;
    hooks::stop(app, &[task_id], sync).await;
    Ok(shown)
}

/// BatchStopMigrationTasks: stops each task; refusals are reported per item.
pub async fn batch_stop_migration_tasks(app: &Arc<App>, ctx: Ctx) -> Result<Response, ApiError> {
    let ids = validated(
        SVC,
        ops::BatchStopMigrationTasksInput {
            body: parse_body(SVC, &ctx.body)?,
        },
    )?
    .body
    .migration_tasks;
    let timings = app.timings;
    let a = Arc::clone(app);
    let (resp, done) = batch(app, ctx.caller.project_id, ids, move |task, now| {
        let running = hooks::engine_running(&a, task);
        task.stop(now, &timings, false, running)?;
        Ok(())
    })
    .await?;
    let ids: Vec<String> = done.into_iter().map(|t| t.id).collect();
    hooks::stop(app, &ids, false).await;
    Ok(resp)
}

/// BatchRestartOnlineMigrationTasks: restarts each task; refusals are reported per item.
pub async fn batch_restart_online_migration_tasks(
    app: &Arc<App>,
    ctx: Ctx,
) -> Result<Response, ApiError> {
    let ids = validated(
        SVC,
        ops::BatchRestartOnlineMigrationTasksInput {
            body: parse_body(SVC, &ctx.body)?,
        },
    )?
    .body
    .migration_tasks;
    let timings = app.timings;
    let a = Arc::clone(app);
    let (resp, done) = batch(app, ctx.caller.project_id, ids, move |task, now| {
        task.restart(now, &timings)?;
        hooks::restarted(&a, task);
        Ok(())
    })
    .await?;
    for task in &done {
        hooks::start(app, task);
    }
    Ok(resp)
}

/// Applies `action` to each task of `ids` in one transaction: a refusal becomes the item's
/// result, a storage failure aborts the whole batch. Answers the tasks it changed too.
async fn batch<F>(
    app: &Arc<App>,
    project: String,
    ids: Vec<String>,
    action: F,
) -> Result<(Response, Vec<DcsTask>), ApiError>
where
    F: Fn(&mut DcsTask, i64) -> Result<(), Refused> + Send + 'static,
{
    let (resp, changed) = app
        .tx(SVC, move |db, now| {
            let mut changed = Vec::new();
            let mut results = Vec::with_capacity(ids.len());
            for id in ids {
                let outcome = match SVC.task_id.check(&id) {
                    Err(e) => Err(e),
                    Ok(()) => match DcsTask::load(db, &project, &id)? {
                        None => Err(no_task(&id)),
                        Some(mut task) => {
                            let r = action(&mut task, now);
                            if r.is_ok() {
                                task.save(db)?;
                                changed.push(task);
                            }
                            r.map_err(ApiError::from)
                        }
                    },
                };
                results.push(views::batch_item(id, outcome));
            }
            Ok((views::batch(results), changed))
        })
        .await?;
    Ok((json(StatusCode::OK, &resp), changed))
}

/// DeleteMigrationTask: deletes the caller's tasks among the ids (unknown ones are ignored)
/// and answers the ids it deleted.
pub async fn delete_migration_task(app: &Arc<App>, ctx: Ctx) -> Result<Response, ApiError> {
    let input = validated(
        SVC,
        ops::DeleteMigrationTaskInput {
            body: parse_body(SVC, &ctx.body)?,
        },
    )?;
    let project = ctx.caller.project_id;
    let resp = app
        .tx(SVC, move |db, _now| {
            let mut deleted: Vec<String> = Vec::new();
            for id in input.body.task_id_list {
                if deleted.contains(&id) {
                    continue;
                }
                if DcsTask::delete(db, &project, &id)? {
                    deleted.push(id);
                }
            }
            Ok(views::deleted(deleted))
        })
        .await?;
    let deleted = resp.task_id_list.as_deref().unwrap_or_default();
    hooks::stop(app, deleted, false).await;
    hooks::forget_passwords(app, deleted);
    ok(&resp)
}
