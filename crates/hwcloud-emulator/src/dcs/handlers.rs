//! One function per DCS operation: parse → validate → transaction → render.

use std::sync::Arc;

use axum::http::StatusCode;
use axum::response::Response;
use hwcloud_dcs::operations as ops;
use hwcloud_dcs::types as t;
use hwcloud_dcs::types::MigrationTaskStatus as Status;

use super::model::{DcsTask, Endpoint, Job, OnlineConfig, Refused, TaskKind};
use super::views;
use crate::app::App;
use crate::dataplane::hooks;
use crate::error::ApiError;
use crate::ids::{IdRule, hex_id, uuid};
use crate::profile::{self, Profile, codes};
use crate::request::{Ctx, count, page, parse_body, validated, window};
use crate::response::json;
use crate::store::Db;

pub(super) const SVC: &Profile = &profile::DCS;

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
pub(super) fn no_task(task_id: &str) -> ApiError {
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

pub(super) fn ok<T: serde::Serialize>(body: &T) -> Result<Response, ApiError> {
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
    let target_password = body.target_instance.password.take();
    let timings = app.timings;
    let a = Arc::clone(app);
    let task = app
        .tx(SVC, move |db, now| {
            let mut task = new_task(project, TaskKind::BackupImport, body, now);
            task.backup_files = files;
            if let Some(target) = &task.target {
                task.engine = hooks::engine_for(&a, db, &task.project_id, None, target)?;
            }
            task.import_backup(now, &timings);
            task.save(db)?;
            Ok(task)
        })
        .await?;
    hooks::remember_passwords(app, &task, None, target_password);
    hooks::start(app, &task);
    ok(&views::created(task, Status::Migrating))
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
    let target_password = body.target_instance.password.take();
    let source_password = source.password;
    let a = Arc::clone(app);
    let (resp, task) = app
        .tx(SVC, move |db, now| {
            let mut task = new_task(project, TaskKind::Online, body, now);
            task.resume_mode = Some(t::ResumeMode::Auto);
            task.source = Some(Endpoint {
                id: None,
                name: None,
                addrs: Some(source.addrs),
            });
            if let Some(target) = &task.target {
                task.engine =
                    hooks::engine_for(&a, db, &task.project_id, task.source.as_ref(), target)?;
            }
            task.start_sync(
                now,
                &timings,
                "Created with CreateMigrationTask (online_migration, the older API); full synchronisation started.",
            );
            task.save(db)?;
            let status = task.status(now);
            Ok((views::created(task.clone(), status), task))
        })
        .await?;
    hooks::remember_passwords(app, &task, source_password, target_password);
    hooks::start(app, &task);
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
    let passwords = (b.source_instance.password, b.target_instance.password);
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
        engine: None,
    };
    let a = Arc::clone(app);
    let (resp, task) = app
        .tx(SVC, move |db, now| {
            let mut task = load(db, &project, &input.task_id)?;
            let mut config = config;
            config.engine =
                hooks::engine_for(&a, db, &project, Some(&config.source), &config.target)?;
            task.configure(config, now, &timings)?;
            task.save(db)?;
            Ok((views::configured(task.clone(), now), task))
        })
        .await?;
    hooks::remember_passwords(app, &task, passwords.0, passwords.1);
    hooks::start(app, &task);
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
    let (task, now) = app
        .tx(SVC, move |db, now| {
            Ok((load(db, &project, &input.task_id)?, now))
        })
        .await?;
    ok(&hooks::stats(app, &task).unwrap_or_else(|| views::stats(&task, now)))
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
