//! DCS v2 data migration: the route table and a thin dispatch to one handler per operation.
//!
//! - `model`: the stored task and job records and their status transitions (no HTTP);
//! - `views`: stored records → the generated response types;
//! - `handlers`: one function per operation: parse → validate → transaction → render;
//! - `lifecycle`: stop, restart and delete (and the batch forms);
//! - `cutover`: the calls that change a running migration (resume mode, IP switch);
//! - `instances`: instances and backup records (reads, control-API registration);
//! - `real_instances`: instances backed by real Redis servers (the data plane's records).
//!
//! What DCS shares with every service (error shape, codes, id rules, signing name) is its
//! [`Profile`](crate::profile::DCS).

mod cutover;
mod handlers;
pub(crate) mod instances;
mod lifecycle;
pub(crate) mod model;
pub(crate) mod real_instances;
mod views;

pub use instances::register as register_instance;

use std::sync::Arc;

use axum::response::Response;
use hwcloud_core::operation::OperationMeta;
use hwcloud_dcs::operations as ops;

use crate::app::App;
use crate::error::ApiError;
use crate::request::Ctx;

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
    UpdateMigrationTask,
    ExchangeInstanceIp,
    RollbackExchangeInstanceIp,
    ListInstances,
    ShowInstance,
    ListBackupRecords,
}

/// Route table entries: every DCS operation's spec metadata.
pub const ROUTES: &[(&OperationMeta, DcsOp)] = &[
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
    (
        &ops::update_migration_task::META,
        DcsOp::UpdateMigrationTask,
    ),
    (&ops::exchange_instance_ip::META, DcsOp::ExchangeInstanceIp),
    (
        &ops::rollback_exchange_instance_ip::META,
        DcsOp::RollbackExchangeInstanceIp,
    ),
    (&ops::list_instances::META, DcsOp::ListInstances),
    (&ops::show_instance::META, DcsOp::ShowInstance),
    (&ops::list_backup_records::META, DcsOp::ListBackupRecords),
];

/// Serves one DCS operation.
pub async fn dispatch(app: &Arc<App>, op: DcsOp, ctx: Ctx) -> Result<Response, ApiError> {
    use handlers as h;
    match op {
        DcsOp::CreateMigrationTask => h::create_migration_task(app, ctx).await,
        DcsOp::CreateOnlineMigrationTask => h::create_online_migration_task(app, ctx).await,
        DcsOp::SetOnlineMigrationTask => h::set_online_migration_task(app, ctx).await,
        DcsOp::ShowMigrationTask => h::show_migration_task(app, ctx).await,
        DcsOp::ShowMigrationTaskStats => h::show_migration_task_stats(app, ctx).await,
        DcsOp::ListMigrationTask => h::list_migration_task(app, ctx).await,
        DcsOp::StopMigrationTask => lifecycle::stop_migration_task(app, ctx).await,
        DcsOp::StopMigrationTaskSync => lifecycle::stop_migration_task_sync(app, ctx).await,
        DcsOp::BatchStopMigrationTasks => lifecycle::batch_stop_migration_tasks(app, ctx).await,
        DcsOp::BatchRestartOnlineMigrationTasks => {
            lifecycle::batch_restart_online_migration_tasks(app, ctx).await
        }
        DcsOp::DeleteMigrationTask => lifecycle::delete_migration_task(app, ctx).await,
        DcsOp::ListMigrationTaskLogs => h::list_migration_task_logs(app, ctx).await,
        DcsOp::ShowJobInfo => h::show_job_info(app, ctx).await,
        DcsOp::UpdateMigrationTask => cutover::update_migration_task(app, ctx).await,
        DcsOp::ExchangeInstanceIp => cutover::exchange_instance_ip(app, ctx).await,
        DcsOp::RollbackExchangeInstanceIp => cutover::rollback_exchange_instance_ip(app, ctx).await,
        DcsOp::ListInstances => instances::list_instances(app, ctx).await,
        DcsOp::ShowInstance => instances::show_instance(app, ctx).await,
        DcsOp::ListBackupRecords => instances::list_backup_records(app, ctx).await,
    }
}
