//! SMS v3 migration tasks: the route table and a thin dispatch to one handler per operation.
//!
//! - `model`: the stored task and its state transitions (no HTTP);
//! - `views`: the stored task → the generated response types;
//! - `handlers`: one function per operation: parse → validate → transaction → render;
//! - `settings`: UpdateTask and the speed-limit windows of a task;
//! - `sources`: source servers (control-API registration, ShowServer, ListServers).
//!
//! What SMS shares with every service (error shape, codes, id rules, signing name) is its
//! [`Profile`](crate::profile::SMS).

mod handlers;
mod model;
mod settings;
mod sources;
mod views;

pub use sources::register as register_source;

use std::sync::Arc;

use axum::response::Response;
use hwcloud_core::operation::OperationMeta;
use hwcloud_sms::operations as ops;

use crate::app::App;
use crate::error::ApiError;
use crate::request::Ctx;

/// The SMS operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmsOp {
    CreateTask,
    ShowTask,
    ListTasks,
    UpdateTaskStatus,
    DeleteTask,
    DeleteTasks,
    ShowServer,
    ListServers,
    UpdateTask,
    ShowsSpeedLimits,
    UpdateSpeed,
}

/// Route table entries: every SMS operation's spec metadata.
pub const ROUTES: &[(&OperationMeta, SmsOp)] = &[
    (&ops::create_task::META, SmsOp::CreateTask),
    (&ops::show_task::META, SmsOp::ShowTask),
    (&ops::list_tasks::META, SmsOp::ListTasks),
    (&ops::update_task_status::META, SmsOp::UpdateTaskStatus),
    (&ops::delete_task::META, SmsOp::DeleteTask),
    (&ops::delete_tasks::META, SmsOp::DeleteTasks),
    (&ops::show_server::META, SmsOp::ShowServer),
    (&ops::list_servers::META, SmsOp::ListServers),
    (&ops::update_task::META, SmsOp::UpdateTask),
    (&ops::shows_speed_limits::META, SmsOp::ShowsSpeedLimits),
    (&ops::update_speed::META, SmsOp::UpdateSpeed),
];

/// Serves one SMS operation.
pub async fn dispatch(app: &Arc<App>, op: SmsOp, ctx: Ctx) -> Result<Response, ApiError> {
    use handlers as h;
    match op {
        SmsOp::CreateTask => h::create_task(app, ctx).await,
        SmsOp::ShowTask => h::show_task(app, ctx).await,
        SmsOp::ListTasks => h::list_tasks(app, ctx).await,
        SmsOp::UpdateTaskStatus => h::update_task_status(app, ctx).await,
        SmsOp::DeleteTask => h::delete_task(app, ctx).await,
        SmsOp::DeleteTasks => h::delete_tasks(app, ctx).await,
        SmsOp::ShowServer => sources::show_server(app, ctx).await,
        SmsOp::ListServers => sources::list_servers(app, ctx).await,
        SmsOp::UpdateTask => settings::update_task(app, ctx).await,
        SmsOp::ShowsSpeedLimits => settings::shows_speed_limits(app, ctx).await,
        SmsOp::UpdateSpeed => settings::update_speed(app, ctx).await,
    }
}
