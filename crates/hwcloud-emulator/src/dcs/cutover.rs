//! The calls that change a running migration: UpdateMigrationTask (reconnect mode),
//! ExchangeInstanceIp and RollbackExchangeInstanceIp (the cutover). The state rules are the
//! task's ([`DcsTask::switch_ip`], [`DcsTask::set_resume_mode`]); the registered instances
//! swap their addresses with the task ([`instances::swap_addresses`]).

use std::sync::Arc;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hwcloud_dcs::operations as ops;

use super::handlers::load;
use super::instances;
use super::model::{DcsTask, Switch};
use crate::app::App;
use crate::dataplane::hooks;
use crate::error::ApiError;
use crate::profile::{self, Profile};
use crate::request::{Ctx, parse_body, validated};

const SVC: &Profile = &profile::DCS;

/// UpdateMigrationTask: changes the reconnect mode of an online task; 200 with an empty body
/// (the page documents none; PY reads a bare string).
pub async fn update_migration_task(app: &Arc<App>, ctx: Ctx) -> Result<Response, ApiError> {
    let input = validated(
        SVC,
        ops::UpdateMigrationTaskInput {
            task_id: ctx.param("task_id").to_owned(),
            body: parse_body(SVC, &ctx.body)?,
        },
    )?;
    SVC.task_id.check(&input.task_id)?;
    let project = ctx.caller.project_id;
    app.tx(SVC, move |db, now| {
        let mut task = load(db, &project, &input.task_id)?;
        task.set_resume_mode(input.body.resume_mode)?;
        hooks::resume_mode_changed(&mut task, now);
        Ok(task.save(db)?)
    })
    .await?;
    Ok((
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain;charset=UTF-8"),
        )],
        "",
    )
        .into_response())
}

/// ExchangeInstanceIp: starts the switch; 204.
pub async fn exchange_instance_ip(app: &Arc<App>, ctx: Ctx) -> Result<Response, ApiError> {
    let input = validated(
        SVC,
        ops::ExchangeInstanceIpInput {
            task_id: ctx.param("task_id").to_owned(),
            body: parse_body(SVC, &ctx.body)?,
        },
    )?;
    let domains = input.body.is_exchange_domain;
    switch(app, ctx, input.task_id, Switch::Exchange, domains).await
}

/// RollbackExchangeInstanceIp: swaps the addresses back; 204.
pub async fn rollback_exchange_instance_ip(app: &Arc<App>, ctx: Ctx) -> Result<Response, ApiError> {
    let input = validated(
        SVC,
        ops::RollbackExchangeInstanceIpInput {
            task_id: ctx.param("task_id").to_owned(),
        },
    )?;
    switch(app, ctx, input.task_id, Switch::Rollback, false).await
}

/// One IP switch of task `task_id`, with the address swap of its registered instances (and
/// of their domain names: on exchange when `domains`, on rollback when the exchange did).
async fn switch(
    app: &Arc<App>,
    ctx: Ctx,
    task_id: String,
    way: Switch,
    domains: bool,
) -> Result<Response, ApiError> {
    SVC.task_id.check(&task_id)?;
    let project = ctx.caller.project_id;
    let timings = app.timings;
    app.tx(SVC, move |db, now| {
        let mut task: DcsTask = load(db, &project, &task_id)?;
        let until = task.switch_ip(way, now, &timings)?;
        let domains = match way {
            Switch::Exchange => domains,
            Switch::Rollback => task.ip_switch_domains,
        };
        task.ip_switch_domains = domains;
        task.save(db)?;
        let id = |e: &Option<super::model::Endpoint>| e.as_ref().and_then(|e| e.id.clone());
        if let (Some(a), Some(b)) = (id(&task.source), id(&task.target)) {
            instances::swap_addresses(db, &project, (&a, &b), domains, until)?;
        }
        Ok(())
    })
    .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
