//! The settings of an existing SMS task: UpdateTask, and the speed-limit windows
//! (ShowsSpeedLimits, UpdateSpeed). Any state accepts them (the pages name no restriction).

use std::sync::Arc;

use axum::http::StatusCode;
use axum::response::Response;
use hwcloud_sms::operations as ops;
use hwcloud_sms::types as t;

use super::handlers::{load, text_ok};
use crate::app::App;
use crate::error::ApiError;
use crate::profile::{self, Profile};
use crate::request::{Ctx, parse_body, validated};
use crate::response::json;

const SVC: &Profile = &profile::SMS;

/// UpdateTask: changes the given settings; answers the task ID.
pub async fn update_task(app: &Arc<App>, ctx: Ctx) -> Result<Response, ApiError> {
    let input = validated(
        SVC,
        ops::UpdateTaskInput {
            task_id: ctx.param("task_id").to_owned(),
            body: parse_body(SVC, &ctx.body)?,
        },
    )?;
    SVC.task_id.check(&input.task_id)?;
    let project = ctx.caller.project_id;
    let resp = app
        .tx(SVC, move |db, _now| {
            let mut task = load(db, &project, &input.task_id)?;
            task.update(input.body);
            task.save(db)?;
            Ok(t::UpdateTaskResponse {
                id: Some(task.id),
                ..Default::default()
            })
        })
        .await?;
    Ok(json(StatusCode::OK, &resp))
}

/// ShowsSpeedLimits: the windows last set (none at first).
pub async fn shows_speed_limits(app: &Arc<App>, ctx: Ctx) -> Result<Response, ApiError> {
    let input = validated(
        SVC,
        ops::ShowsSpeedLimitsInput {
            task_id: ctx.param("task_id").to_owned(),
        },
    )?;
    SVC.task_id.check(&input.task_id)?;
    let project = ctx.caller.project_id;
    let resp = app
        .tx(SVC, move |db, _now| {
            let task = load(db, &project, &input.task_id)?;
            Ok(t::ShowsSpeedLimitsResponse {
                speed_limit: Some(task.speed_limits),
                ..Default::default()
            })
        })
        .await?;
    Ok(json(StatusCode::OK, &resp))
}

/// UpdateSpeed: replaces the windows; 200 with an empty bare-string body.
pub async fn update_speed(app: &Arc<App>, ctx: Ctx) -> Result<Response, ApiError> {
    let input = validated(
        SVC,
        ops::UpdateSpeedInput {
            task_id: ctx.param("task_id").to_owned(),
            body: parse_body(SVC, &ctx.body)?,
        },
    )?;
    SVC.task_id.check(&input.task_id)?;
    let project = ctx.caller.project_id;
    app.tx(SVC, move |db, _now| {
        let mut task = load(db, &project, &input.task_id)?;
        task.speed_limits = input.body.speed_limit;
        Ok(task.save(db)?)
    })
    .await?;
    Ok(text_ok())
}
