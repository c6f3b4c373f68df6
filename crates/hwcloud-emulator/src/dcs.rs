//! DCS v2 data-migration operations.
//!
//! Lifecycles (api-facts §1.5, §2.3):
//! - online: CreateOnlineMigrationTask → `CREATING` (job RUNNING) → after `timings.job`
//!   `RUNNING` (job SUCCESS, waiting for configuration) → SetOnlineMigrationTask →
//!   `FULLMIGRATING` → after `timings.full_sync` `SUCCESS` (full) or `INCRMIGEATING`
//!   (incremental, until stopped);
//! - backup import: CreateMigrationTask → `MIGRATING` → after `timings.backup_import` `SUCCESS`;
//! - stop: `TERMINATING` → after `timings.terminate` `TERMINATED`; sync-stop: `TERMINATED` at
//!   once; batch restart of a stopped online task: `FULLMIGRATING` again.

use std::sync::Arc;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use hwcloud_dcs::operations as ops;
use hwcloud_dcs::types as t;
use hwcloud_dcs::types::MigrationTaskStatus as Status;
use serde::{Deserialize, Serialize};

use crate::app::App;
use crate::config::{Timings, ms};
use crate::error::ApiError;
use crate::ids::{check_id, hex_id, uuid};
use crate::profile::{self, Profile, codes};
use crate::request::{Ctx, page, parse_body, validated};
use crate::response::json;
use crate::store::{Db, Kind};
use crate::timefmt::iso8601_ms;
use crate::timeline::Timeline;

/// Stored kind of DCS migration tasks.
const TASK: Kind = Kind::new("dcs_task");
/// Stored kind of DCS background jobs.
const JOB: Kind = Kind::new("dcs_job");

const SVC: &Profile = &profile::DCS;

/// The DCS operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DcsOp {
    CreateMigrationTask,
    CreateOnlineMigrationTask,
    SetOnlineMigrationTask,
    ShowMigrationTask,
    ShowMigrationTaskStats,
    ListMigrationTask,
    StopMigrationTask,
    StopMigrationTaskSync,
    BatchStopMigrationTasks,
    BatchRestartOnlineMigrationTasks,
    DeleteMigrationTask,
    ListMigrationTaskLogs,
    ShowJobInfo,
}

/// Route table entries: every DCS operation's spec metadata.
pub const ROUTES: &[(&hwcloud_core::operation::OperationMeta, DcsOp)] = &[
    (
        &ops::create_migration_task::META,
        DcsOp::CreateMigrationTask,
    ),
    (
        &ops::create_online_migration_task::META,
        DcsOp::CreateOnlineMigrationTask,
    ),
    (
        &ops::set_online_migration_task::META,
        DcsOp::SetOnlineMigrationTask,
    ),
    (&ops::show_migration_task::META, DcsOp::ShowMigrationTask),
    (
        &ops::show_migration_task_stats::META,
        DcsOp::ShowMigrationTaskStats,
    ),
    (&ops::list_migration_task::META, DcsOp::ListMigrationTask),
    (&ops::stop_migration_task::META, DcsOp::StopMigrationTask),
    (
        &ops::stop_migration_task_sync::META,
        DcsOp::StopMigrationTaskSync,
    ),
    (
        &ops::batch_stop_migration_tasks::META,
        DcsOp::BatchStopMigrationTasks,
    ),
    (
        &ops::batch_restart_online_migration_tasks::META,
        DcsOp::BatchRestartOnlineMigrationTasks,
    ),
    (
        &ops::delete_migration_task::META,
        DcsOp::DeleteMigrationTask,
    ),
    (
        &ops::list_migration_task_logs::META,
        DcsOp::ListMigrationTaskLogs,
    ),
    (&ops::show_job_info::META, DcsOp::ShowJobInfo),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum TaskKind {
    Online,
    BackupImport,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Endpoint {
    id: Option<String>,
    name: Option<String>,
    addrs: Option<String>,
}

/// A stored DCS migration task. Passwords are never stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct DcsTask {
    id: String,
    project_id: String,
    kind: TaskKind,
    name: String,
    description: Option<String>,
    created_ms: i64,
    job_id: Option<String>,
    vpc_id: Option<String>,
    subnet_id: Option<String>,
    security_group_id: Option<String>,
    migration_method: Option<t::MigrationMethod>,
    resume_mode: Option<t::ResumeMode>,
    bandwidth_limit_mb: Option<String>,
    source: Option<Endpoint>,
    target: Option<Endpoint>,
    backup_files: Option<t::MigrationTaskBackupFiles>,
    ecs_ip: Option<String>,
    source_dbsize: i64,
    timeline: Timeline<Status>,
}

/// A stored background job.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Job {
    job_id: String,
    task_id: String,
    job_type: String,
    begin_ms: i64,
    end_ms: i64,
}

fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

impl DcsTask {
    fn new(id: String, project_id: String, kind: TaskKind, name: String, now: i64) -> Self {
        let source_dbsize = 10_000 + i64::try_from(fnv(&id) % 90_000).unwrap_or(0);
        Self {
            id,
            project_id,
            kind,
            name,
            description: None,
            created_ms: now,
            job_id: None,
            vpc_id: None,
            subnet_id: None,
            security_group_id: None,
            migration_method: None,
            resume_mode: None,
            bandwidth_limit_mb: None,
            source: None,
            target: None,
            backup_files: None,
            ecs_ip: None,
            source_dbsize,
            timeline: Timeline::default(),
        }
    }

    fn status(&self, now: i64) -> Status {
        self.timeline.status(now, Status::Creating)
    }

    fn updated_ms(&self, now: i64) -> i64 {
        self.timeline
            .current(now)
            .map_or(self.created_ms, |t| t.at_ms)
    }

    fn migration_type(&self) -> t::MigrationType {
        match self.kind {
            TaskKind::Online => t::MigrationType::OnlineMigration,
            TaskKind::BackupImport => t::MigrationType::BackupfileImport,
        }
    }

    fn to_show(&self, now: i64) -> t::MigrationTask {
        let online = self.kind == TaskKind::Online;
        let inst = |e: &Endpoint| t::MigrationTaskInstance {
            id: e.id.clone(),
            name: e.name.clone(),
            addrs: e.addrs.clone(),
            ..Default::default()
        };
        t::MigrationTask {
            task_id: Some(self.id.clone()),
            task_name: Some(self.name.clone()),
            description: self.description.clone(),
            status: Some(self.status(now)),
            migration_type: Some(self.migration_type()),
            migration_method: self.migration_method.clone(),
            ecs_tenant_private_ip: self.ecs_ip.clone(),
            backup_files: self.backup_files.clone(),
            network_type: online.then_some(t::NetworkType::Vpc),
            source_instance: self.source.as_ref().map(inst),
            target_instance: self.target.as_ref().map(inst),
            created_at: Some(iso8601_ms(self.created_ms)),
            updated_at: Some(iso8601_ms(self.updated_ms(now))),
            version: Some("6.0".to_owned()),
            resume_mode: self.resume_mode.clone(),
            supported_features: Some(Vec::new()),
            tenant_vpc_id: self.vpc_id.clone(),
            tenant_subnet_id: self.subnet_id.clone(),
            tenant_security_group_id: self.security_group_id.clone(),
            bandwidth_limit_mb: self.bandwidth_limit_mb.clone(),
            ..Default::default()
        }
    }

    fn to_list_item(&self, now: i64) -> t::MigrationTaskList {
        let data_source = match self.kind {
            TaskKind::Online => self
                .source
                .as_ref()
                .and_then(|s| s.addrs.clone().or(s.id.clone())),
            TaskKind::BackupImport => self
                .backup_files
                .as_ref()
                .and_then(|b| b.bucket_name.clone().or_else(|| b.backup_id.clone())),
        };
        t::MigrationTaskList {
            task_id: Some(self.id.clone()),
            task_name: Some(self.name.clone()),
            status: Some(self.status(now)),
            migration_type: Some(self.migration_type()),
            migration_method: self.migration_method.clone(),
            ecs_tenant_private_ip: self.ecs_ip.clone(),
            data_source,
            source_instance_id: self.source.as_ref().and_then(|s| s.id.clone()),
            source_instance_name: self.source.as_ref().and_then(|s| s.name.clone()),
            target_instance_id: self.target.as_ref().and_then(|s| s.id.clone()),
            target_instance_name: self.target.as_ref().and_then(|s| s.name.clone()),
            target_instance_addrs: self.target.as_ref().and_then(|s| s.addrs.clone()),
            created_at: Some(iso8601_ms(self.created_ms)),
            description: self.description.clone(),
            version: Some("6.0".to_owned()),
            resume_mode: self.resume_mode.clone(),
            supported_features: Some(Vec::new()),
            ..Default::default()
        }
    }

    fn to_stats(&self, now: i64) -> t::MigrationTaskStats {
        let status = self.status(now);
        let src = self.source_dbsize;
        let frac = match status {
            Status::Success | Status::IncrMigrating => 1.0,
            _ => self.timeline.phase_progress(now).map_or(0.0, |(f, _)| f),
        };
        let target = ((src as f64) * frac).floor() as i64;
        let (kbps, ops, migrating) = match status {
            Status::FullMigrating | Status::Migrating => {
                (10_240 + (fnv(&self.id) % 2048) as i64, 5_000, true)
            }
            Status::IncrMigrating => (16, 120, true),
            _ => (0, 0, false),
        };
        let offset = if migrating && status != Status::IncrMigrating {
            src - target
        } else {
            0
        };
        t::MigrationTaskStats {
            full_migration_progress: Some(((frac * 100.0).floor() as i64).into()),
            offset: Some(offset.into()),
            source_dbsize: Some(src.into()),
            target_dbsize: Some(target.into()),
            target_input_kbps: Some(kbps.into()),
            target_ops: Some(ops.into()),
            is_migrating: Some(migrating),
            ..Default::default()
        }
    }

    /// Stops the task (sync: at once).
    fn stop(&mut self, now: i64, timings: &Timings, sync: bool) -> Result<(), ApiError> {
        let st = self.status(now);
        match st {
            Status::Terminated => Ok(()),
            Status::Terminating if !sync => Ok(()),
            Status::Terminating
            | Status::Running
            | Status::FullMigrating
            | Status::IncrMigrating
            | Status::Migrating => {
                self.timeline.cut(now);
                if st != Status::Terminating {
                    self.timeline
                        .push(now, Status::Terminating, "Stopping the migration task.");
                }
                let at = if sync {
                    now
                } else {
                    now + ms(timings.terminate)
                };
                self.timeline
                    .push(at, Status::Terminated, "The migration task has stopped.");
                Ok(())
            }
            other => Err(bad_state(format!(
                "The migration task {} is {other}; it cannot be stopped in this state.",
                self.id
            ))),
        }
    }

    fn start_sync(&mut self, now: i64, timings: &Timings, message: &str) {
        let end = now + ms(timings.full_sync);
        self.timeline.cut(now);
        self.timeline
            .push_phase(now, end, Status::FullMigrating, message);
        if self.migration_method == Some(t::MigrationMethod::Incremental) {
            self.timeline.push(
                end,
                Status::IncrMigrating,
                "Full synchronisation finished; incremental synchronisation is running.",
            );
        } else {
            self.timeline.push(
                end,
                Status::Success,
                "Full synchronisation finished; the migration succeeded.",
            );
        }
    }

    fn restart(&mut self, now: i64, timings: &Timings) -> Result<(), ApiError> {
        let st = self.status(now);
        if self.kind != TaskKind::Online || self.migration_method.is_none() {
            return Err(bad_state(format!(
                "The migration task {} is not a configured online migration task and cannot be restarted.",
                self.id
            )));
        }
        match st {
            Status::Terminated | Status::Failed | Status::MigrationFailed | Status::Success => {
                self.start_sync(
                    now,
                    timings,
                    "The migration task was restarted; full synchronisation started.",
                );
                Ok(())
            }
            other => Err(bad_state(format!(
                "The migration task {} is {other}; only stopped, failed or finished tasks can be restarted.",
                self.id
            ))),
        }
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

/// 400: the operation is not allowed in the task's current state.
fn bad_state(msg: String) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, codes::DCS_BAD_STATE, msg)
}

fn check_task_id(id: &str) -> Result<(), ApiError> {
    SVC.task_id.check(id)
}

fn load(db: &Db<'_>, project: &str, id: &str) -> Result<DcsTask, ApiError> {
    db.get::<DcsTask>(TASK, project, id)?
        .ok_or_else(|| no_task(id))
}

fn save(db: &Db<'_>, task: &DcsTask) -> Result<(), ApiError> {
    db.put(TASK, &task.project_id, &task.id, task.created_ms, task)?;
    Ok(())
}

/// CreateMigrationTask with `migration_type=online_migration`: the older documents (S002,
/// S003) allow it and their example uses it; newer docs steer callers to
/// CreateOnlineMigrationTask + SetOnlineMigrationTask (facts §1.1 D7). The emulator accepts
/// it, so seed-era clients work: the task is configured at creation and syncs at once.
async fn create_legacy_online(
    app: &Arc<App>,
    project: String,
    body: t::CreateMigrationTaskBody,
) -> Result<Response, ApiError> {
    let Some(source) = body.source_instance.clone() else {
        return Err(ApiError::invalid_param(
            codes::DCS_INVALID,
            "source_instance",
            "Invalid request parameter: source_instance: required when migration_type is online_migration.",
        ));
    };
    let timings = app.timings;
    let resp = app
        .tx(SVC, move |db, now| {
            let id = uuid();
            let mut task = DcsTask::new(
                id.clone(),
                project,
                TaskKind::Online,
                body.task_name.clone(),
                now,
            );
            task.description = body.description.clone();
            task.migration_method = Some(body.migration_method.clone());
            task.resume_mode = Some(t::ResumeMode::Auto);
            task.source = Some(Endpoint {
                id: None,
                name: None,
                addrs: Some(source.addrs.clone()),
            });
            task.target = Some(Endpoint {
                id: Some(body.target_instance.id.clone()),
                name: body.target_instance.name.clone(),
                addrs: None,
            });
            task.start_sync(
                now,
                &timings,
                "Created with CreateMigrationTask (online_migration, the older API); full synchronisation started.",
            );
            save(db, &task)?;
            Ok(t::CreateMigrationTaskResponse {
                id: Some(id),
                name: Some(task.name.clone()),
                status: Some(task.status(now)),
                error: Some(String::new()),
                ..Default::default()
            })
        })
        .await?;
    Ok(json(StatusCode::OK, &resp))
}

/// Serves one DCS operation.
pub async fn dispatch(app: &Arc<App>, op: DcsOp, ctx: Ctx) -> Result<Response, ApiError> {
    let project = ctx.caller.project_id.clone();
    let timings = app.timings;
    match op {
        DcsOp::CreateMigrationTask => {
            let input = validated(
                SVC,
                ops::CreateMigrationTaskInput {
                    body: parse_body(SVC, &ctx.body)?,
                },
            )?;
            let body = input.body;
            if body.migration_type == t::MigrationType::OnlineMigration {
                return create_legacy_online(app, project, body).await;
            }
            let resp = app
                .tx(SVC, move |db, now| {
                    let id = uuid();
                    let mut task = DcsTask::new(
                        id.clone(),
                        project,
                        TaskKind::BackupImport,
                        body.task_name.clone(),
                        now,
                    );
                    task.description = body.description.clone();
                    task.migration_method = Some(body.migration_method.clone());
                    task.target = Some(Endpoint {
                        id: Some(body.target_instance.id.clone()),
                        name: body.target_instance.name.clone(),
                        addrs: None,
                    });
                    task.backup_files =
                        body.backup_files
                            .as_ref()
                            .map(|b| t::MigrationTaskBackupFiles {
                                file_source: b.file_source.clone(),
                                bucket_name: b.bucket_name.clone(),
                                backup_id: b.backup_id.clone(),
                                files: b.files.as_ref().map(|fs| {
                                    fs.iter()
                                        .map(|f| t::BackupFileInfo {
                                            file_name: Some(f.file_name.clone()),
                                            size: f.size.clone(),
                                            update_at: f.update_at.clone(),
                                            ..Default::default()
                                        })
                                        .collect()
                                }),
                                ..Default::default()
                            });
                    let end = now + ms(timings.backup_import);
                    task.timeline.push_phase(
                        now,
                        end,
                        Status::Migrating,
                        "Importing the backup files into the target instance.",
                    );
                    task.timeline.push(
                        end,
                        Status::Success,
                        "The backup files were imported; the migration succeeded.",
                    );
                    save(db, &task)?;
                    Ok(t::CreateMigrationTaskResponse {
                        id: Some(id),
                        name: Some(task.name),
                        status: Some(Status::Migrating),
                        error: Some(String::new()),
                        ..Default::default()
                    })
                })
                .await?;
            Ok(json(StatusCode::OK, &resp))
        }
        DcsOp::CreateOnlineMigrationTask => {
            let input = validated(
                SVC,
                ops::CreateOnlineMigrationTaskInput {
                    body: parse_body(SVC, &ctx.body)?,
                },
            )?;
            let body = input.body;
            let resp = app
                .tx(SVC, move |db, now| {
                    let id = uuid();
                    let job_id = hex_id(32);
                    let mut task = DcsTask::new(
                        id.clone(),
                        project.clone(),
                        TaskKind::Online,
                        body.name.clone(),
                        now,
                    );
                    task.description = body.description.clone();
                    task.vpc_id = Some(body.vpc_id.clone());
                    task.subnet_id = Some(body.subnet_id.clone());
                    task.security_group_id = Some(body.security_group_id.clone());
                    task.job_id = Some(job_id.clone());
                    let h = fnv(&id);
                    task.ecs_ip = Some(format!("192.168.{}.{}", h % 250, 2 + (h >> 8) % 250));
                    let end = now + ms(timings.job);
                    task.timeline
                        .push(now, Status::Creating, "Creating the migration machine.");
                    task.timeline.push(
                        end,
                        Status::Running,
                        "The migration machine is ready; waiting for the task to be configured.",
                    );
                    save(db, &task)?;
                    let job = Job {
                        job_id: job_id.clone(),
                        task_id: id.clone(),
                        job_type: "createMigrationTask".to_owned(),
                        begin_ms: now,
                        end_ms: end,
                    };
                    db.put(JOB, &project, &job_id, now, &job)?;
                    Ok(t::CreateOnlineMigrationTaskResponse {
                        instance_id: Some(id),
                        job_id: Some(job_id),
                        ..Default::default()
                    })
                })
                .await?;
            Ok(json(StatusCode::OK, &resp))
        }
        DcsOp::SetOnlineMigrationTask => {
            let input = validated(
                SVC,
                ops::SetOnlineMigrationTaskInput {
                    task_id: ctx.param("task_id").to_owned(),
                    body: parse_body(SVC, &ctx.body)?,
                },
            )?;
            check_task_id(&input.task_id)?;
            let resp = app
                .tx(SVC, move |db, now| {
                    let mut task = load(db, &project, &input.task_id)?;
                    let st = task.status(now);
                    if task.kind != TaskKind::Online {
                        return Err(ApiError::new(
                            StatusCode::BAD_REQUEST,
                            codes::DCS_BAD_STATE,
                            "This task is a backup import; only online migration tasks can be configured.",
                        ));
                    }
                    if st != Status::Running {
                        return Err(ApiError::new(
                            StatusCode::BAD_REQUEST,
                            codes::DCS_BAD_STATE,
                            format!("The migration task is {st}; it can be configured only while RUNNING (migration machine ready, not configured yet)."),
                        ));
                    }
                    let b = input.body;
                    task.migration_method = Some(b.migration_method);
                    task.resume_mode = Some(b.resume_mode);
                    task.bandwidth_limit_mb = b.bandwidth_limit_mb.clone();
                    task.source = Some(Endpoint {
                        id: b.source_instance.id.clone(),
                        name: None,
                        addrs: b.source_instance.addrs.clone(),
                    });
                    task.target = Some(Endpoint {
                        id: b.target_instance.id.clone(),
                        name: None,
                        addrs: b.target_instance.addrs.clone(),
                    });
                    task.start_sync(now, &timings, "The task was configured; full synchronisation started.");
                    save(db, &task)?;
                    Ok(t::SetOnlineMigrationTaskResponse {
                        id: Some(task.id.clone()),
                        name: Some(task.name.clone()),
                        status: Some(task.status(now)),
                        error: Some(String::new()),
                        ..Default::default()
                    })
                })
                .await?;
            Ok(json(StatusCode::OK, &resp))
        }
        DcsOp::ShowMigrationTask => {
            let input = validated(
                SVC,
                ops::ShowMigrationTaskInput {
                    task_id: ctx.param("task_id").to_owned(),
                },
            )?;
            check_task_id(&input.task_id)?;
            let resp = app
                .tx(SVC, move |db, now| {
                    Ok(load(db, &project, &input.task_id)?.to_show(now))
                })
                .await?;
            Ok(json(StatusCode::OK, &resp))
        }
        DcsOp::ShowMigrationTaskStats => {
            let input = validated(
                SVC,
                ops::ShowMigrationTaskStatsInput {
                    task_id: ctx.param("task_id").to_owned(),
                },
            )?;
            check_task_id(&input.task_id)?;
            let resp = app
                .tx(SVC, move |db, now| {
                    Ok(load(db, &project, &input.task_id)?.to_stats(now))
                })
                .await?;
            Ok(json(StatusCode::OK, &resp))
        }
        DcsOp::ListMigrationTask => {
            let input = validated(
                SVC,
                ops::ListMigrationTaskInput {
                    offset: ctx.query_i32(SVC, "offset")?,
                    limit: ctx.query_i32(SVC, "limit")?,
                    name: ctx.query("name").map(str::to_owned),
                },
            )?;
            let resp = app
                .tx(SVC, move |db, now| {
                    let all: Vec<DcsTask> = db.list(TASK, &project)?;
                    let matching: Vec<&DcsTask> = all
                        .iter()
                        .filter(|t| input.name.as_deref().is_none_or(|n| t.name.contains(n)))
                        .collect();
                    let (count, shown) = page(matching, input.offset, input.limit, 10);
                    Ok(t::ListMigrationTaskResponse {
                        count: Some(count),
                        migration_tasks: Some(
                            shown.into_iter().map(|t| t.to_list_item(now)).collect(),
                        ),
                        ..Default::default()
                    })
                })
                .await?;
            Ok(json(StatusCode::OK, &resp))
        }
        DcsOp::StopMigrationTask | DcsOp::StopMigrationTaskSync => {
            let task_id = ctx.param("task_id").to_owned();
            let sync = op == DcsOp::StopMigrationTaskSync;
            let task_id = if sync {
                validated(SVC, ops::StopMigrationTaskSyncInput { task_id })?.task_id
            } else {
                validated(SVC, ops::StopMigrationTaskInput { task_id })?.task_id
            };
            check_task_id(&task_id)?;
            let shown = app
                .tx(SVC, move |db, now| {
                    let mut task = load(db, &project, &task_id)?;
                    task.stop(now, &timings, sync)?;
                    save(db, &task)?;
                    Ok(task.to_show(now))
                })
                .await?;
            if sync {
                Ok(StatusCode::NO_CONTENT.into_response())
            } else {
                Ok(json(StatusCode::OK, &shown))
            }
        }
        DcsOp::BatchStopMigrationTasks | DcsOp::BatchRestartOnlineMigrationTasks => {
            let ids = if op == DcsOp::BatchStopMigrationTasks {
                validated(
                    SVC,
                    ops::BatchStopMigrationTasksInput {
                        body: parse_body(SVC, &ctx.body)?,
                    },
                )?
                .body
                .migration_tasks
            } else {
                validated(
                    SVC,
                    ops::BatchRestartOnlineMigrationTasksInput {
                        body: parse_body(SVC, &ctx.body)?,
                    },
                )?
                .body
                .migration_tasks
            };
            let resp = app
                .tx(SVC, move |db, now| {
                    let mut results = Vec::with_capacity(ids.len());
                    for id in ids {
                        // Refusals become the item's result; storage failures (`?`) abort
                        // the whole transaction.
                        let outcome = match check_task_id(&id) {
                            Err(e) => Err(e),
                            Ok(()) => match db.get::<DcsTask>(TASK, &project, &id)? {
                                None => Err(no_task(&id)),
                                Some(mut task) => {
                                    let r = if op == DcsOp::BatchStopMigrationTasks {
                                        task.stop(now, &timings, false)
                                    } else {
                                        task.restart(now, &timings)
                                    };
                                    if r.is_ok() {
                                        save(db, &task)?;
                                    }
                                    r
                                }
                            },
                        };
                        results.push(match outcome {
                            Ok(()) => t::MigrationTaskResult {
                                result: Some(t::BatchResult::Success),
                                task_id: Some(id),
                                ..Default::default()
                            },
                            Err(e) => t::MigrationTaskResult {
                                result: Some(t::BatchResult::Failed),
                                task_id: Some(id),
                                error_code: Some(e.code),
                                error_msg: Some(e.msg),
                                ..Default::default()
                            },
                        });
                    }
                    Ok(t::BatchMigrationTasksResponse {
                        migration_tasks: Some(results),
                        ..Default::default()
                    })
                })
                .await?;
            Ok(json(StatusCode::OK, &resp))
        }
        DcsOp::DeleteMigrationTask => {
            let input = validated(
                SVC,
                ops::DeleteMigrationTaskInput {
                    body: parse_body(SVC, &ctx.body)?,
                },
            )?;
            let resp = app
                .tx(SVC, move |db, _now| {
                    let mut deleted: Vec<String> = Vec::new();
                    for id in input.body.task_id_list {
                        if deleted.contains(&id) {
                            continue;
                        }
                        if db.delete(TASK, &project, &id)? {
                            deleted.push(id);
                        }
                    }
                    Ok(t::DeleteMigrationTaskResponse {
                        task_id_list: Some(deleted),
                        ..Default::default()
                    })
                })
                .await?;
            Ok(json(StatusCode::OK, &resp))
        }
        DcsOp::ListMigrationTaskLogs => {
            let input = validated(
                SVC,
                ops::ListMigrationTaskLogsInput {
                    task_id: ctx.param("task_id").to_owned(),
                    offset: ctx.query_i32(SVC, "offset")?,
                    limit: ctx.query_i32(SVC, "limit")?,
                    log_level: ctx.query("log_level").map(t::LogLevel::from_wire),
                },
            )?;
            check_task_id(&input.task_id)?;
            let resp = app
                .tx(SVC, move |db, now| {
                    let task = load(db, &project, &input.task_id)?;
                    let logs: Vec<t::MigrationLog> = task
                        .timeline
                        .happened(now)
                        .filter(|tr| {
                            input
                                .log_level
                                .as_ref()
                                .is_none_or(|l| l.as_str() == tr.level)
                        })
                        .map(|tr| t::MigrationLog {
                            created_at: Some(iso8601_ms(tr.at_ms)),
                            log_level: Some(t::LogLevel::from_wire(&tr.level)),
                            message: Some(tr.message.clone()),
                            log_code: Some(format!("MIGRATION_{}", tr.status)),
                            keyword: Some(vec![tr.status.to_string()]),
                            ..Default::default()
                        })
                        .collect();
                    let (log_num, shown) = page(logs, input.offset, input.limit, 10);
                    Ok(t::ListMigrationTaskLogsResponse {
                        log_num: Some(log_num),
                        migration_logs: Some(shown),
                        ..Default::default()
                    })
                })
                .await?;
            Ok(json(StatusCode::OK, &resp))
        }
        DcsOp::ShowJobInfo => {
            let input = validated(
                SVC,
                ops::ShowJobInfoInput {
                    job_id: ctx.param("job_id").to_owned(),
                },
            )?;
            check_id(
                &input.job_id,
                64,
                codes::DCS_INVALID,
                "job_id",
                "Invalid request parameter",
            )?;
            let resp = app
                .tx(SVC, move |db, now| {
                    let job: Job = db.get(JOB, &project, &input.job_id)?.ok_or_else(|| {
                        ApiError::new(
                            StatusCode::NOT_FOUND,
                            codes::DCS_NO_JOB,
                            format!("The job {} does not exist.", input.job_id),
                        )
                    })?;
                    let done = now >= job.end_ms;
                    Ok(t::JobInfo {
                        job_id: Some(job.job_id),
                        job_type: Some(job.job_type),
                        status: Some(if done {
                            t::JobStatus::Success
                        } else {
                            t::JobStatus::Running
                        }),
                        begin_time: Some(job.begin_ms.to_string()),
                        end_time: Some(if done {
                            job.end_ms.to_string()
                        } else {
                            String::new()
                        }),
                        fail_reason: None,
                        ..Default::default()
                    })
                })
                .await?;
            Ok(json(StatusCode::OK, &resp))
        }
    }
}
