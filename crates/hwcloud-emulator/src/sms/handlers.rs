//! One function per SMS operation: parse → validate → transaction → render.

use std::sync::Arc;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hwcloud_sms::operations as ops;
use hwcloud_sms::types as t;
use hwcloud_sms::types::{TaskOperation, TaskState};

use super::model::{Refused, SmsTask};
use super::views;
use crate::app::App;
use crate::error::ApiError;
use crate::ids::uuid;
use crate::profile::{self, Profile, codes};
use crate::request::{Ctx, count, page, parse_body, truncate, validated, window};
use crate::response::json;
use crate::store::Db;

const SVC: &Profile = &profile::SMS;

/// Default page size of ListTasks.
const PAGE: usize = 100;

/// A refused transition: 400 with the code SMS documents for it.
impl From<Refused> for ApiError {
    fn from(r: Refused) -> Self {
        let code = match r {
            Refused::Start(_) => codes::SMS_CANNOT_START,
            Refused::Stop(_) => codes::SMS_CANNOT_STOP,
            Refused::Restart(_) => codes::SMS_CANNOT_RESTART,
            Refused::Delete(..) => codes::SMS_CANNOT_DELETE,
        };
        ApiError::new(StatusCode::BAD_REQUEST, code, r.to_string())
    }
}

/// The task `id` of `project`, or 404 SMS.0404 (the emulator's code; SMS documents none).
pub(super) fn load(db: &Db<'_>, project: &str, id: &str) -> Result<SmsTask, ApiError> {
    SmsTask::load(db, project, id)?.ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            codes::SMS_NO_TASK,
            format!("The task {id} does not exist."),
        )
    })
}

/// The bare-string 200 answer of the action and delete operations (empty).
pub(super) fn text_ok() -> Response {
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

/// 400 for an open-enum value no document lists (`field`: the parameter or body field).
fn unknown_value(field: &str, value: &str, known: &[&str]) -> ApiError {
    SVC.invalid_param(
        field,
        format!(
            "Invalid request parameter: {field}: `{}` is not one of {}",
            truncate(value, 64),
            known.join(", ")
        ),
    )
}

/// CreateTask: a new task from the validated request.
pub async fn create_task(app: &Arc<App>, ctx: Ctx) -> Result<Response, ApiError> {
    let spec = validated(
        SVC,
        ops::CreateTaskInput {
            auth_token: None,
            body: parse_body(SVC, &ctx.body)?,
        },
    )?
    .body;
    let project = ctx.caller.project_id;
    let timings = app.timings;
    let resp = app
        .tx(SVC, move |db, now| {
            let task = SmsTask::create(uuid(), project, spec, now, &timings);
            task.save(db)?;
            Ok(t::CreateTaskResponse {
                id: Some(task.id),
                ..Default::default()
            })
        })
        .await?;
    Ok(json(StatusCode::OK, &resp))
}

/// ShowTask.
pub async fn show_task(app: &Arc<App>, ctx: Ctx) -> Result<Response, ApiError> {
    let input = validated(
        SVC,
        ops::ShowTaskInput {
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
    Ok(json(StatusCode::OK, &resp))
}

/// ListTasks: the caller's tasks, oldest first, filtered, one page.
pub async fn list_tasks(app: &Arc<App>, ctx: Ctx) -> Result<Response, ApiError> {
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
        return Err(unknown_value("state", s.as_str(), TaskState::KNOWN));
    }
    let project = ctx.caller.project_id;
    let resp = app
        .tx(SVC, move |db, now| {
            let unfiltered = input.state.is_none()
                && input.name.is_none()
                && input.id.is_none()
                && input.source_server_id.is_none()
                && input.enterprise_project_id.is_none();
            if unfiltered {
                // One page read through the store's index.
                let (offset, limit) = window(input.offset, input.limit, PAGE);
                let (total, shown) = SmsTask::page(db, &project, offset, limit)?;
                return Ok(t::ListTasksResponse {
                    count: Some(count(total)),
                    tasks: Some(shown.iter().map(|x| views::list_item(x, now)).collect()),
                    ..Default::default()
                });
            }
            let all = SmsTask::list(db, &project)?;
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
            let (count, shown) = page(matching, input.offset, input.limit, PAGE);
            Ok(t::ListTasksResponse {
                count: Some(count),
                tasks: Some(
                    shown
                        .into_iter()
                        .map(|x| views::list_item(x, now))
                        .collect(),
                ),
                ..Default::default()
            })
        })
        .await?;
    Ok(json(StatusCode::OK, &resp))
}

/// UpdateTaskStatus: start, stop, restart (and the other documented operations, accepted
/// without a state change).
pub async fn update_task_status(app: &Arc<App>, ctx: Ctx) -> Result<Response, ApiError> {
    let input = validated(
        SVC,
        ops::UpdateTaskStatusInput {
            task_id: ctx.param("task_id").to_owned(),
            body: parse_body(SVC, &ctx.body)?,
        },
    )?;
    SVC.task_id.check(&input.task_id)?;
    let operation = &input.body.operation;
    if !operation.is_known() {
        return Err(unknown_value(
            "operation",
            operation.as_str(),
            TaskOperation::KNOWN,
        ));
    }
    let project = ctx.caller.project_id;
    let timings = app.timings;
    app.tx(SVC, move |db, now| {
        let mut task = load(db, &project, &input.task_id)?;
        task.act(&input.body.operation, now, &timings)?;
        Ok(task.save(db)?)
    })
    .await?;
    Ok(text_ok())
}

/// DeleteTask: refused while the task runs or stops.
pub async fn delete_task(app: &Arc<App>, ctx: Ctx) -> Result<Response, ApiError> {
    let input = validated(
        SVC,
        ops::DeleteTaskInput {
            task_id: ctx.param("task_id").to_owned(),
        },
    )?;
    SVC.task_id.check(&input.task_id)?;
    let project = ctx.caller.project_id;
    app.tx(SVC, move |db, now| {
        let task = load(db, &project, &input.task_id)?;
        task.deletable(now)?;
        SmsTask::delete(db, &project, &task.id)?;
        Ok(())
    })
    .await?;
    Ok(text_ok())
}

/// DeleteTasks: all or nothing; unknown ids are ignored, one refusal rolls every delete back.
pub async fn delete_tasks(app: &Arc<App>, ctx: Ctx) -> Result<Response, ApiError> {
    let input = validated(
        SVC,
        ops::DeleteTasksInput {
            body: parse_body(SVC, &ctx.body)?,
        },
    )?;
    let project = ctx.caller.project_id;
    app.tx(SVC, move |db, now| {
        for id in &input.body.ids {
            if let Some(task) = SmsTask::load(db, &project, id)? {
                task.deletable(now)?;
                SmsTask::delete(db, &project, id)?;
            }
        }
        Ok(())
    })
    .await?;
    Ok(text_ok())
}
