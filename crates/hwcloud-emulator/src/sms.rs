//! SMS v3 task operations.
//!
//! Lifecycle (api-facts §2.2, §2.3): CreateTask → `READY` (or straight to `RUNNING` with
//! `auto_start`); action `start` (from READY/ABORT) → `RUNNING` with sub-task progress → after
//! `timings.sms_migrate` `MIGRATE_SUCCESS`; `stop` → `ABORTING` → after `timings.sms_abort`
//! `ABORT`; `restart` (from ABORT/MIGRATE_FAIL/MIGRATE_SUCCESS/SYNC_FAIL) → `RUNNING` again.
//! Deleting a RUNNING/ABORTING/SYNCING/DELETING task is refused with SMS.2015.

use std::sync::Arc;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hwcloud_sms::operations as ops;
use hwcloud_sms::types as t;
use hwcloud_sms::types::{TaskOperation, TaskState};
use serde::{Deserialize, Serialize};

use crate::app::App;
use crate::config::{Timings, ms};
use crate::error::ApiError;
use crate::ids::uuid;
use crate::profile::{self, Profile, codes};
use crate::request::{Ctx, page, parse_body, validated};
use crate::response::json;
use crate::store::{Db, Kind};
use crate::timeline::Timeline;

/// Stored kind of SMS tasks.
const TASK: Kind = Kind::new("sms_task");

const SVC: &Profile = &profile::SMS;

/// Sub-tasks of a migration, in order; each takes an equal share of the migration time.
const SUB_TASKS: &[&str] = &[
    "CREATE_CLOUD_SERVER",
    "SSL_CONFIG",
    "ATTACH_AGENT_IMAGE",
    "FORMAT_DISK",
    "MIGRATE",
    "CONFIGURE",
    "DETTACH_AGENT_IMAGE",
];

/// The SMS operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmsOp {
    CreateTask,
    ShowTask,
    ListTasks,
    UpdateTaskStatus,
    DeleteTask,
    DeleteTasks,
}

/// Route table entries: every SMS operation's spec metadata.
pub const ROUTES: &[(&hwcloud_core::operation::OperationMeta, SmsOp)] = &[
    (&ops::create_task::META, SmsOp::CreateTask),
    (&ops::show_task::META, SmsOp::ShowTask),
    (&ops::list_tasks::META, SmsOp::ListTasks),
    (&ops::update_task_status::META, SmsOp::UpdateTaskStatus),
    (&ops::delete_task::META, SmsOp::DeleteTask),
    (&ops::delete_tasks::META, SmsOp::DeleteTasks),
];

/// A stored SMS task.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct SmsTask {
    id: String,
    owner_project_id: String,
    created_ms: i64,
    /// The create request as received (validated).
    spec: t::PostTask,
    timeline: Timeline<TaskState>,
}

impl SmsTask {
    fn state(&self, now: i64) -> TaskState {
        self.timeline.status(now, TaskState::Ready)
    }

    fn start(&mut self, now: i64, timings: &Timings, message: &str) {
        let end = now + ms(timings.sms_migrate);
        self.timeline.cut(now);
        self.timeline
            .push_phase(now, end, TaskState::Running, message);
        self.timeline.push(
            end,
            TaskState::MigrateSuccess,
            "The migration finished successfully.",
        );
    }

    fn act(&mut self, op: &TaskOperation, now: i64, timings: &Timings) -> Result<(), ApiError> {
        let st = self.state(now);
        let refuse = |code: &str, what: &str| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                code,
                format!("The task is {st}; {what}."),
            )
        };
        match op {
            TaskOperation::Start => match st {
                TaskState::Ready | TaskState::Abort => {
                    self.start(now, timings, "The migration started.");
                    Ok(())
                }
                _ => Err(refuse(
                    codes::SMS_CANNOT_START,
                    "only ready or paused tasks can be started",
                )),
            },
            TaskOperation::Stop => match st {
                TaskState::Running | TaskState::Syncing => {
                    self.timeline.cut(now);
                    self.timeline
                        .push(now, TaskState::Aborting, "Pausing the migration.");
                    self.timeline.push(
                        now + ms(timings.sms_abort),
                        TaskState::Abort,
                        "The migration is paused.",
                    );
                    Ok(())
                }
                TaskState::Aborting | TaskState::Abort => Ok(()),
                _ => Err(refuse(
                    codes::SMS_CANNOT_STOP,
                    "only running tasks can be paused",
                )),
            },
            TaskOperation::Restart => match st {
                TaskState::Abort
                | TaskState::MigrateFail
                | TaskState::MigrateSuccess
                | TaskState::SyncFail => {
                    self.start(now, timings, "The migration restarted.");
                    Ok(())
                }
                _ => Err(refuse(
                    codes::SMS_CANNOT_RESTART,
                    "only paused, failed or finished tasks can be restarted",
                )),
            },
            // Other documented operations are accepted without a state change.
            _ => Ok(()),
        }
    }

    fn sub_tasks(&self, now: i64) -> (Vec<t::SubTask>, Option<i64>, Option<i64>, f64) {
        let Some((frac, phase)) = self.timeline.phase_progress(now) else {
            return (Vec::new(), None, None, 0.0);
        };
        let start = phase.at_ms;
        let end = phase.phase_end_ms.unwrap_or(start);
        let span = (end - start).max(1) as f64;
        let n = SUB_TASKS.len() as f64;
        let subs = SUB_TASKS
            .iter()
            .enumerate()
            .filter_map(|(i, name)| {
                let i_f = i as f64;
                let p = ((frac * n - i_f) * 100.0).clamp(0.0, 100.0);
                if frac * n < i_f || (p == 0.0 && i > 0) {
                    return None;
                }
                let s = start + (span * i_f / n) as i64;
                let e = start + (span * (i_f + 1.0) / n) as i64;
                Some(t::SubTask {
                    id: Some(i as i64 + 1),
                    name: Some((*name).to_owned()),
                    progress: Some(p.floor() as i32),
                    start_date: Some(s),
                    end_date: (p >= 100.0).then_some(e),
                    migrate_speed: Some(if *name == "MIGRATE" && p < 100.0 {
                        95.5
                    } else {
                        0.0
                    }),
                    ..Default::default()
                })
            })
            .collect();
        let finished = (frac >= 1.0).then_some(end);
        (subs, Some(start), finished, frac)
    }

    fn to_task(&self, now: i64) -> t::Task {
        let st = self.state(now);
        let (subs, start, finish, frac) = self.sub_tasks(now);
        let s = &self.spec;
        let running = st == TaskState::Running;
        let remain = if running {
            start.map(|st0| {
                let total = self
                    .timeline
                    .phase_progress(now)
                    .and_then(|(_, p)| p.phase_end_ms)
                    .unwrap_or(st0);
                ((total - now).max(0)) / 1000
            })
        } else {
            None
        };
        t::Task {
            id: Some(self.id.clone()),
            name: Some(s.name.clone()),
            task_type: Some(s.task_type.clone()),
            os_type: s.os_type.clone(),
            state: Some(st.clone()),
            priority: Some(s.priority.unwrap_or(1)),
            speed_limit: Some(s.speed_limit.unwrap_or(0)),
            region_id: Some(s.region_id.clone()),
            region_name: Some(s.region_name.clone()),
            project_id: Some(s.project_id.clone()),
            project_name: Some(s.project_name.clone()),
            enterprise_project_id: Some("0".to_owned()),
            migration_ip: s.migration_ip.clone(),
            vm_template_id: s.vm_template_id.clone(),
            start_target_server: Some(s.start_target_server.unwrap_or(true)),
            connected: Some(true),
            create_date: Some(self.created_ms),
            start_date: start,
            finish_date: finish,
            total_time: start.map(|s0| finish.unwrap_or(now) - s0),
            remain_seconds: remain,
            migrate_speed: Some(if running { 95.5 } else { 0.0 }),
            compress_rate: Some(0.5),
            error_json: Some(String::new()),
            subtask_info: subs
                .iter()
                .rev()
                .find(|x| x.progress.unwrap_or(0) > 0)
                .and_then(|x| {
                    Some(format!(
                        "{}:{}%",
                        x.name.as_deref()?,
                        x.progress.unwrap_or(0)
                    ))
                })
                .or_else(|| start.map(|_| format!("overall:{}%", (frac * 100.0).floor()))),
            need_migration_test: s.need_migration_test,
            sub_tasks: Some(subs),
            source_server: Some(t::SourceServerResponse {
                id: Some(s.source_server.id.clone()),
                name: Some(format!("source-{}", s.source_server.id)),
                os_type: s.os_type.clone(),
                state: Some(match st {
                    TaskState::Running => t::SourceServerState::Replicate,
                    TaskState::Aborting => t::SourceServerState::Stopping,
                    TaskState::Abort => t::SourceServerState::Stopped,
                    TaskState::MigrateSuccess => t::SourceServerState::Finished,
                    _ => t::SourceServerState::Waiting,
                }),
                ..Default::default()
            }),
            target_server: Some(t::TaskTargetServer {
                vm_id: s.target_server.vm_id.clone(),
                name: s.target_server.name.clone(),
                disks: s.target_server.disks.clone(),
                volume_groups: s.target_server.volume_groups.clone(),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    fn to_list_item(&self, now: i64) -> t::TasksResponseBody {
        let full = self.to_task(now);
        t::TasksResponseBody {
            id: full.id,
            name: full.name,
            task_type: full.task_type,
            os_type: full.os_type,
            state: full.state,
            priority: full.priority,
            speed_limit: full.speed_limit,
            region_id: full.region_id,
            region_name: full.region_name,
            project_id: full.project_id,
            project_name: full.project_name,
            enterprise_project_id: full.enterprise_project_id,
            migration_ip: full.migration_ip,
            vm_template_id: full.vm_template_id,
            start_target_server: full.start_target_server,
            syncing: Some(self.spec.syncing.unwrap_or(false)),
            connected: full.connected,
            create_date: full.create_date,
            start_date: full.start_date,
            finish_date: full.finish_date,
            total_time: full.total_time,
            remain_seconds: full.remain_seconds,
            migrate_speed: full.migrate_speed,
            compress_rate: full.compress_rate,
            error_json: full.error_json,
            log_collect_status: Some(t::LogCollectStatus::Init),
            sub_tasks: full.sub_tasks,
            source_server: full.source_server,
            target_server: full.target_server,
            need_migration_test: full.need_migration_test,
            ..Default::default()
        }
    }
}

/// 404 SMS.0404 (the emulator's code; SMS documents none).
fn no_task(task_id: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        codes::SMS_NO_TASK,
        format!("The task {task_id} does not exist."),
    )
}

fn load(db: &Db<'_>, project: &str, id: &str) -> Result<SmsTask, ApiError> {
    db.get::<SmsTask>(TASK, project, id)?
        .ok_or_else(|| no_task(id))
}

fn save(db: &Db<'_>, task: &SmsTask) -> Result<(), ApiError> {
    db.put(
        TASK,
        &task.owner_project_id,
        &task.id,
        task.created_ms,
        task,
    )?;
    Ok(())
}

fn deletable(task: &SmsTask, now: i64) -> Result<(), ApiError> {
    let st = task.state(now);
    if matches!(
        st,
        TaskState::Running | TaskState::Aborting | TaskState::Syncing | TaskState::Deleting
    ) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            codes::SMS_CANNOT_DELETE,
            format!(
                "The task {} is {st}; running or stopping tasks cannot be deleted. Stop it first.",
                task.id
            ),
        ));
    }
    Ok(())
}

/// The bare-string 200 answer of the action and delete operations (empty).
fn text_ok() -> Response {
    (
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain;charset=UTF-8"),
        )],
        "",
    )
        .into_response()
}

fn check_task_id(id: &str) -> Result<(), ApiError> {
    SVC.task_id.check(id)
}

/// Serves one SMS operation.
pub async fn dispatch(app: &Arc<App>, op: SmsOp, ctx: Ctx) -> Result<Response, ApiError> {
    let project = ctx.caller.project_id.clone();
    let timings = app.timings;
    match op {
        SmsOp::CreateTask => {
            let input = validated(
                SVC,
                ops::CreateTaskInput {
                    auth_token: None,
                    body: parse_body(SVC, &ctx.body)?,
                },
            )?;
            let spec = input.body;
            let resp = app
                .tx(SVC, move |db, now| {
                    let id = uuid();
                    let mut task = SmsTask {
                        id: id.clone(),
                        owner_project_id: project,
                        created_ms: now,
                        spec,
                        timeline: Timeline::default(),
                    };
                    task.timeline
                        .push(now, TaskState::Ready, "The task was created.");
                    if task.spec.auto_start == Some(true) {
                        task.start(now, &timings, "The migration started automatically.");
                    }
                    save(db, &task)?;
                    Ok(t::CreateTaskResponse {
                        id: Some(id),
                        ..Default::default()
                    })
                })
                .await?;
            Ok(json(StatusCode::OK, &resp))
        }
        SmsOp::ShowTask => {
            let input = validated(
                SVC,
                ops::ShowTaskInput {
                    task_id: ctx.param("task_id").to_owned(),
                },
            )?;
            check_task_id(&input.task_id)?;
            let resp = app
                .tx(SVC, move |db, now| {
                    Ok(load(db, &project, &input.task_id)?.to_task(now))
                })
                .await?;
            Ok(json(StatusCode::OK, &resp))
        }
        SmsOp::ListTasks => {
            let input = validated(
                SVC,
                ops::ListTasksInput {
                    state: ctx.query("state").map(TaskState::from_wire),
                    name: ctx.query("name").map(str::to_owned),
                    id: ctx.query("id").map(str::to_owned),
                    source_server_id: ctx.query("source_server_id").map(str::to_owned),
                    limit: ctx.query_i32(SVC, "limit")?,
                    offset: ctx.query_i32(SVC, "offset")?,
                    enterprise_project_id: ctx.query("enterprise_project_id").map(str::to_owned),
                },
            )?;
            if let Some(s) = input.state.as_ref().filter(|s| !s.is_known()) {
                return Err(ApiError::invalid_param(
                    codes::SMS_INVALID,
                    "state",
                    format!(
                        "Invalid request parameter: state: `{}` is not one of {}",
                        crate::request::truncate(s.as_str(), 64),
                        TaskState::KNOWN.join(", ")
                    ),
                ));
            }
            let resp = app
                .tx(SVC, move |db, now| {
                    let all: Vec<SmsTask> = db.list(TASK, &project)?;
                    let matching: Vec<&SmsTask> = all
                        .iter()
                        .filter(|x| {
                            input.state.as_ref().is_none_or(|s| *s == x.state(now))
                                && input.name.as_deref().is_none_or(|n| n == x.spec.name)
                                && input.id.as_deref().is_none_or(|i| i == x.id)
                                && input
                                    .source_server_id
                                    .as_deref()
                                    .is_none_or(|i| i == x.spec.source_server.id)
                                && input
                                    .enterprise_project_id
                                    .as_deref()
                                    .is_none_or(|e| e == "0" || e == "all_granted_eps")
                        })
                        .collect();
                    let (count, shown) = page(matching, input.offset, input.limit, 100);
                    Ok(t::ListTasksResponse {
                        count: Some(count),
                        tasks: Some(shown.into_iter().map(|x| x.to_list_item(now)).collect()),
                        ..Default::default()
                    })
                })
                .await?;
            Ok(json(StatusCode::OK, &resp))
        }
        SmsOp::UpdateTaskStatus => {
            let input = validated(
                SVC,
                ops::UpdateTaskStatusInput {
                    task_id: ctx.param("task_id").to_owned(),
                    body: parse_body(SVC, &ctx.body)?,
                },
            )?;
            check_task_id(&input.task_id)?;
            let operation = &input.body.operation;
            if !operation.is_known() {
                return Err(ApiError::invalid_param(
                    codes::SMS_INVALID,
                    "operation",
                    format!(
                        "Invalid request parameter: operation: `{}` is not one of {}",
                        crate::request::truncate(operation.as_str(), 64),
                        TaskOperation::KNOWN.join(", ")
                    ),
                ));
            }
            app.tx(SVC, move |db, now| {
                let mut task = load(db, &project, &input.task_id)?;
                task.act(&input.body.operation, now, &timings)?;
                save(db, &task)
            })
            .await?;
            Ok(text_ok())
        }
        SmsOp::DeleteTask => {
            let input = validated(
                SVC,
                ops::DeleteTaskInput {
                    task_id: ctx.param("task_id").to_owned(),
                },
            )?;
            check_task_id(&input.task_id)?;
            app.tx(SVC, move |db, now| {
                let task = load(db, &project, &input.task_id)?;
                deletable(&task, now)?;
                db.delete(TASK, &project, &task.id)?;
                Ok(())
            })
            .await?;
            Ok(text_ok())
        }
        SmsOp::DeleteTasks => {
            let input = validated(
                SVC,
                ops::DeleteTasksInput {
                    body: parse_body(SVC, &ctx.body)?,
                },
            )?;
            app.tx(SVC, move |db, now| {
                // All or nothing: a refusal rolls the whole transaction back.
                for id in &input.body.ids {
                    if let Some(task) = db.get::<SmsTask>(TASK, &project, id)? {
                        deletable(&task, now)?;
                        db.delete(TASK, &project, id)?;
                    }
                }
                Ok(())
            })
            .await?;
            Ok(text_ok())
        }
    }
}
