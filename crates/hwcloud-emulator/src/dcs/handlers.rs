//! One function per DCS operation: parse → validate → transaction → render.

use std::sync::Arc;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use hwcloud_dcs::operations as ops;
use hwcloud_dcs::types as t;
use hwcloud_dcs::types::MigrationTaskStatus as Status;

use super::model::{DcsTask, Endpoint, Job, OnlineConfig, Refused, TaskKind};
use super::views;
use crate::app::App;
use crate::error::ApiError;
use crate::ids::{IdRule, hex_id, uuid};
use crate::profile::{self, Profile, codes};
use crate::request::{Ctx, count, page, parse_body, validated, window};
use crate::response::json;
use crate::store::Db;

const SVC: &Profile = &profile::DCS;

/// `{job_id}` in a path.
const JOB_ID: IdRule = IdRule {
    param: "job_id",
    max: 64,
    code: codes::DCS_INVALID,
    head: "Invalid request parameter",
};

/// Default page size of the list operations.
const PAGE: usize = 10;

/// A refused transition: 400 DCS.4026.
impl From<Refused> for ApiError {
    fn from(r: Refused) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, codes::DCS_BAD_STATE, r.0)
    }
}

/// The DCS "task does not exist" answer (also another project's task, and after delete).
fn no_task(task_id: &str) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        codes::DCS_NO_TASK,
        format!("The migration task {task_id} does not exist."),
    )
}

/// The task `id` of `project`, or the "does not exist" answer.
pub(super) fn load(db: &Db<'_>, project: &str, id: &str) -> Result<DcsTask, ApiError> {
    DcsTask::load(db, project, id)?.ok_or_else(|| no_task(id))
}

fn ok<T: serde::Serialize>(body: &T) -> Result<Response, ApiError> {
    Ok(json(StatusCode::OK, body))
}

/// CreateMigrationTask: a backup import, or (older documents) an online migration.
pub async fn create_migration_task(app: &Arc<App>, ctx: Ctx) -> Result<Response, ApiError> {
    let mut body = validated(
        SVC,
        ops::CreateMigrationTaskInput {
            body: parse_body(SVC, &ctx.body)?,
        },
    )?
    .body;
    let project = ctx.caller.project_id;
    if body.migration_type == t::MigrationType::OnlineMigration {
        return create_legacy_online(app, project, body).await;
    }
    let files = body.backup_files.take().map(backup_files);
    let timings = app.timings;
    let resp = app
        .tx(SVC, move |db, now| {
            let mut task = new_task(project, TaskKind::BackupImport, body, now);
            task.backup_files = files;
            task.import_backup(now, &timings);
            task.save(db)?;
            Ok(views::created(task, Status::Migrating))
        })
        .await?;
    ok(&resp)
}

/// A new task of `kind` from CreateMigrationTask's body: name, description, method, target.
fn new_task(
    project: String,
    kind: TaskKind,
    body: t::CreateMigrationTaskBody,
    now: i64,
) -> DcsTask {
    let mut task = DcsTask::new(uuid(), project, kind, body.task_name, now);
    task.description = body.description;
    task.migration_method = Some(body.migration_method);
    task.target = Some(Endpoint {
        id: Some(body.target_instance.id),
        name: body.target_instance.name,
        addrs: None,
    });
    task
}

/// The backup files of a create request as a task stores them.
fn backup_files(b: t::BackupFilesBody) -> t::MigrationTaskBackupFiles {
    t::MigrationTaskBackupFiles {
        file_source: b.file_source,
        bucket_name: b.bucket_name,
        backup_id: b.backup_id,
        files: b.files.map(|fs| {
            fs.into_iter()
                .map(|f| t::BackupFileInfo {
                    file_name: Some(f.file_name),
                    size: f.size,
                    update_at: f.update_at,
                    ..Default::default()
                })
                .collect()
        }),
        ..Default::default()
    }
}

/// CreateMigrationTask with `migration_type=online_migration`: the older documents allow it
/// and their example uses it; newer ones steer callers to CreateOnlineMigrationTask +
/// SetOnlineMigrationTask (the `deprecated` note of CreateMigrationTask in `spec/dcs.yaml`).
/// The emulator accepts it, so seed-era clients work: the task is configured at creation and
/// syncs at once.
async fn create_legacy_online(
    app: &Arc<App>,
    project: String,
    mut body: t::CreateMigrationTaskBody,
) -> Result<Response, ApiError> {
    let Some(source) = body.source_instance.take() else {
        return Err(SVC.invalid_param(
            "source_instance",
            "Invalid request parameter: source_instance: required when migration_type is online_migration.",
        ));
    };
    let timings = app.timings;
    let resp = app
        .tx(SVC, move |db, now| {
            let mut task = new_task(project, TaskKind::Online, body, now);
            task.resume_mode = Some(t::ResumeMode::Auto);
            task.source = Some(Endpoint {
                id: None,
                name: None,
                addrs: Some(source.addrs),
            });
            task.start_sync(
                now,
                &timings,
                "Created with CreateMigrationTask (online_migration, the older API); full synchronisation started.",
            );
            task.save(db)?;
            let status = task.status(now);
            Ok(views::created(task, status))
        })
        .await?;
    ok(&resp)
}

/// CreateOnlineMigrationTask: the task and the job that creates its migration machine.
pub async fn create_online_migration_task(app: &Arc<App>, ctx: Ctx) -> Result<Response, ApiError> {
    let body = validated(
        SVC,
        ops::CreateOnlineMigrationTaskInput {
            body: parse_body(SVC, &ctx.body)?,
        },
    )?
    .body;
    let project = ctx.caller.project_id;
    let timings = app.timings;
    let resp = app
        .tx(SVC, move |db, now| {
            let mut task = DcsTask::new(uuid(), project, TaskKind::Online, body.name, now);
            task.description = body.description;
            task.vpc_id = Some(body.vpc_id);
            task.subnet_id = Some(body.subnet_id);
            task.security_group_id = Some(body.security_group_id);
            let job = task.create_machine(hex_id(32), now, &timings);
            task.save(db)?;
            job.save(db, &task.project_id)?;
            Ok(views::online_created(task, job))
        })
        .await?;
    ok(&resp)
}

/// SetOnlineMigrationTask: configures a ready online task and starts its synchronisation.
pub async fn set_online_migration_task(app: &Arc<App>, ctx: Ctx) -> Result<Response, ApiError> {
    let input = validated(
        SVC,
        ops::SetOnlineMigrationTaskInput {
            task_id: ctx.param("task_id").to_owned(),
            body: parse_body(SVC, &ctx.body)?,
        },
    )?;
    SVC.task_id.check(&input.task_id)?;
    let project = ctx.caller.project_id;
    let timings = app.timings;
    let b = input.body;
    let config = OnlineConfig {
        migration_method: b.migration_method,
        resume_mode: b.resume_mode,
        bandwidth_limit_mb: b.bandwidth_limit_mb,
        source: Endpoint {
            id: b.source_instance.id,
            name: None,
            addrs: b.source_instance.addrs,
        },
        target: Endpoint {
            id: b.target_instance.id,
            name: None,
            addrs: b.target_instance.addrs,
        },
    };
    let resp = app
        .tx(SVC, move |db, now| {
            let mut task = load(db, &project, &input.task_id)?;
            task.configure(config, now, &timings)?;
            task.save(db)?;
            Ok(views::configured(task, now))
        })
        .await?;
    ok(&resp)
}

/// ShowMigrationTask.
pub async fn show_migration_task(app: &Arc<App>, ctx: Ctx) -> Result<Response, ApiError> {
    let input = validated(
        SVC,
        ops::ShowMigrationTaskInput {
            task_id: ctx.param("task_id").to_owned(),
        },
    )?;
    SVC.task_id.check(&input.task_id)?;
    let project = ctx.caller.project_id;
    let resp = app
        .tx(SVC, move |db, now| {
            Ok(views::show(&load(db, &project, &input.task_id)?, now))
        })
        .await?;
    ok(&resp)
}

/// ShowMigrationTaskStats.
pub async fn show_migration_task_stats(app: &Arc<App>, ctx: Ctx) -> Result<Response, ApiError> {
    let input = validated(
        SVC,
        ops::ShowMigrationTaskStatsInput {
            task_id: ctx.param("task_id").to_owned(),
        },
    )?;
    SVC.task_id.check(&input.task_id)?;
    let project = ctx.caller.project_id;
    let resp = app
        .tx(SVC, move |db, now| {
            Ok(views::stats(&load(db, &project, &input.task_id)?, now))
        })
        .await?;
    ok(&resp)
}

/// ListMigrationTask: the caller's tasks, oldest first, optionally by name, one page.
pub async fn list_migration_task(app: &Arc<App>, ctx: Ctx) -> Result<Response, ApiError> {
    let input = validated(
        SVC,
        ops::ListMigrationTaskInput {
            offset: ctx.query_i32(SVC, "offset")?,
            limit: ctx.query_i32(SVC, "limit")?,
            name: ctx.query("name").map(str::to_owned),
        },
    )?;
    let project = ctx.caller.project_id;
    let resp = app
        .tx(SVC, move |db, now| {
            if input.name.is_none() {
                // No filter: one page read through the store's index.
                let (offset, limit) = window(input.offset, input.limit, PAGE);
                let (total, shown) = DcsTask::page(db, &project, offset, limit)?;
                return Ok(views::task_page(count(total), shown.iter().collect(), now));
            }
            let all = DcsTask::list(db, &project)?;
            let matching: Vec<&DcsTask> = all
                .iter()
                .filter(|t| input.name.as_deref().is_none_or(|n| t.name.contains(n)))
                .collect();
            let (count, shown) = page(matching, input.offset, input.limit, PAGE);
            Ok(views::task_page(count, shown, now))
        })
        .await?;
    ok(&resp)
}

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
    app.tx(SVC, move |db, now| {
        let mut task = load(db, &project, &task_id)?;
        task.stop(now, &timings, sync)?;
        task.save(db)?;
        Ok(views::show(&task, now))
    })
    .await
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
    batch(app, ctx.caller.project_id, ids, move |task, now| {
        task.stop(now, &timings, false)
    })
    .await
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
    batch(app, ctx.caller.project_id, ids, move |task, now| {
        task.restart(now, &timings)
    })
    .await
}

/// Applies `action` to each task of `ids` in one transaction: a refusal becomes the item's
/// result, a storage failure aborts the whole batch.
async fn batch<F>(
    app: &Arc<App>,
    project: String,
    ids: Vec<String>,
    action: F,
) -> Result<Response, ApiError>
where
    F: Fn(&mut DcsTask, i64) -> Result<(), Refused> + Send + 'static,
{
    let resp = app
        .tx(SVC, move |db, now| {
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
                            }
                            r.map_err(ApiError::from)
                        }
                    },
                };
                results.push(views::batch_item(id, outcome));
            }
            Ok(views::batch(results))
        })
        .await?;
    ok(&resp)
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
    ok(&resp)
}

/// ListMigrationTaskLogs: one line per status change so far, one page.
pub async fn list_migration_task_logs(app: &Arc<App>, ctx: Ctx) -> Result<Response, ApiError> {
    let input = validated(
        SVC,
        ops::ListMigrationTaskLogsInput {
            task_id: ctx.param("task_id").to_owned(),
            offset: ctx.query_i32(SVC, "offset")?,
            limit: ctx.query_i32(SVC, "limit")?,
            log_level: ctx.query("log_level").map(t::LogLevel::from_wire),
        },
    )?;
    SVC.task_id.check(&input.task_id)?;
    let project = ctx.caller.project_id;
    let resp = app
        .tx(SVC, move |db, now| {
            let task = load(db, &project, &input.task_id)?;
            let logs = views::logs(&task, now, input.log_level.as_ref());
            let (log_num, shown) = page(logs, input.offset, input.limit, PAGE);
            Ok(views::log_page(log_num, shown))
        })
        .await?;
    ok(&resp)
}

/// ShowJobInfo.
pub async fn show_job_info(app: &Arc<App>, ctx: Ctx) -> Result<Response, ApiError> {
    let input = validated(
        SVC,
        ops::ShowJobInfoInput {
            job_id: ctx.param("job_id").to_owned(),
        },
    )?;
    JOB_ID.check(&input.job_id)?;
    let project = ctx.caller.project_id;
    let resp = app
        .tx(SVC, move |db, now| {
            let job = Job::load(db, &project, &input.job_id)?.ok_or_else(|| {
                ApiError::invalid_param(
                    codes::DCS_NO_JOB,
                    "job_id",
                    format!(
                        "Invalid job_id parameter in the request: no job {}.",
                        input.job_id
                    ),
                )
            })?;
            Ok(views::job(job, now))
        })
        .await?;
    ok(&resp)
}
