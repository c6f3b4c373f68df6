//! Stored DCS records → the generated response types, seen at a virtual time.

use hwcloud_dcs::types as t;
use hwcloud_dcs::types::MigrationTaskStatus as Status;

use super::model::{DcsTask, Job, TaskKind, fnv};
use crate::error::ApiError;
use crate::timefmt::iso8601_ms;

/// The engine version every task reports.
const VERSION: &str = "6.0";

fn migration_type(kind: TaskKind) -> t::MigrationType {
    match kind {
        TaskKind::Online => t::MigrationType::OnlineMigration,
        TaskKind::BackupImport => t::MigrationType::BackupfileImport,
    }
}

/// ShowMigrationTask (also the StopMigrationTask answer).
pub fn show(task: &DcsTask, now: i64) -> t::MigrationTask {
    let online = task.kind == TaskKind::Online;
    let inst = |e: &super::model::Endpoint| t::MigrationTaskInstance {
        id: e.id.clone(),
        name: e.name.clone(),
        addrs: e.addrs.clone(),
        ..Default::default()
    };
    t::MigrationTask {
        task_id: Some(task.id.clone()),
        task_name: Some(task.name.clone()),
        description: task.description.clone(),
        status: Some(task.status(now)),
        migration_type: Some(migration_type(task.kind)),
        migration_method: task.migration_method.clone(),
        ecs_tenant_private_ip: task.ecs_ip.clone(),
        backup_files: task.backup_files.clone(),
        network_type: online.then_some(t::NetworkType::Vpc),
        source_instance: task.source.as_ref().map(inst),
        target_instance: task.target.as_ref().map(inst),
        created_at: Some(iso8601_ms(task.created_ms)),
        updated_at: Some(iso8601_ms(task.updated_ms(now))),
        version: Some(VERSION.to_owned()),
        resume_mode: task.resume_mode.clone(),
        supported_features: Some(Vec::new()),
        tenant_vpc_id: task.vpc_id.clone(),
        tenant_subnet_id: task.subnet_id.clone(),
        tenant_security_group_id: task.security_group_id.clone(),
        bandwidth_limit_mb: task.bandwidth_limit_mb.clone(),
        task_status: task.ip_switch_status(now),
        ..Default::default()
    }
}

/// One item of ListMigrationTask.
pub fn list_item(task: &DcsTask, now: i64) -> t::MigrationTaskList {
    let data_source = match task.kind {
        TaskKind::Online => task
            .source
            .as_ref()
            .and_then(|s| s.addrs.clone().or(s.id.clone())),
        TaskKind::BackupImport => task
            .backup_files
            .as_ref()
            .and_then(|b| b.bucket_name.clone().or_else(|| b.backup_id.clone())),
    };
    t::MigrationTaskList {
        task_id: Some(task.id.clone()),
        task_name: Some(task.name.clone()),
        status: Some(task.status(now)),
        migration_type: Some(migration_type(task.kind)),
        migration_method: task.migration_method.clone(),
        ecs_tenant_private_ip: task.ecs_ip.clone(),
        data_source,
        source_instance_id: task.source.as_ref().and_then(|s| s.id.clone()),
        source_instance_name: task.source.as_ref().and_then(|s| s.name.clone()),
        target_instance_id: task.target.as_ref().and_then(|s| s.id.clone()),
        target_instance_name: task.target.as_ref().and_then(|s| s.name.clone()),
        target_instance_addrs: task.target.as_ref().and_then(|s| s.addrs.clone()),
        created_at: Some(iso8601_ms(task.created_ms)),
        description: task.description.clone(),
        version: Some(VERSION.to_owned()),
        resume_mode: task.resume_mode.clone(),
        supported_features: Some(Vec::new()),
        ..Default::default()
    }
}

/// ShowMigrationTaskStats: progress of the current (or last, frozen where it was stopped)
/// synchronisation phase towards the task's source size.
pub fn stats(task: &DcsTask, now: i64) -> t::MigrationTaskStats {
    let status = task.status(now);
    let src = task.source_dbsize;
    let frac = match status {
        Status::Success | Status::IncrMigrating(_) => 1.0,
        _ => task.timeline.phase_progress(now).map_or(0.0, |(f, _)| f),
    };
    let target = ((src as f64) * frac).floor() as i64;
    let (kbps, ops, migrating) = match status {
        Status::FullMigrating | Status::Migrating => {
            (10_240 + (fnv(&task.id) % 2048) as i64, 5_000, true)
        }
        Status::IncrMigrating(_) => (16, 120, true),
        _ => (0, 0, false),
    };
    let offset = if migrating && !matches!(status, Status::IncrMigrating(_)) {
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

/// ListMigrationTaskLogs: one line per status change that has happened by `now` and, for a
/// task the engine runs, its events, in time order; optionally only those of `level`.
pub fn logs(task: &DcsTask, now: i64, level: Option<&t::LogLevel>) -> Vec<t::MigrationLog> {
    let changes = task.timeline.happened(now).map(|tr| {
        let keyword = tr.status.to_string();
        (tr.at_ms, &tr.level, &tr.message, keyword)
    });
    let events = task
        .engine
        .iter()
        .flat_map(|e| &e.events)
        .filter(|e| e.at_ms <= now)
        .map(|e| (e.at_ms, &e.level, &e.message, "ENGINE".to_owned()));
    // Events first: at equal times they happened before the change the runner saw with them.
    let mut lines: Vec<_> = events
        .chain(changes)
        .filter(|(_, l, _, _)| level.is_none_or(|want| want.as_str() == l.as_str()))
        .collect();
    lines.sort_by_key(|(at, ..)| *at);
    lines
        .into_iter()
        .map(|(at, level, message, keyword)| t::MigrationLog {
            created_at: Some(iso8601_ms(at)),
            log_level: Some(t::LogLevel::from_wire(level)),
            message: Some(message.clone()),
            log_code: Some(format!("MIGRATION_{keyword}")),
            keyword: Some(vec![keyword]),
            ..Default::default()
        })
        .collect()
}

/// ShowJobInfo: running until its planned end, then successful.
pub fn job(job: Job, now: i64) -> t::JobInfo {
    let done = now >= job.end_ms;
    t::JobInfo {
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
    }
}

/// One item of a batch answer: `success`, or `failed` with the refusal's code and message.
pub fn batch_item(task_id: String, outcome: Result<(), ApiError>) -> t::MigrationTaskResult {
    match outcome {
        Ok(()) => t::MigrationTaskResult {
            result: Some(t::BatchResult::Success),
            task_id: Some(task_id),
            ..Default::default()
        },
        Err(e) => t::MigrationTaskResult {
            result: Some(t::BatchResult::Failed),
            task_id: Some(task_id),
            error_code: Some(e.code),
            error_msg: Some(e.msg),
            ..Default::default()
        },
    }
}

/// CreateMigrationTask's answer: the new task's id, name and `status`.
pub fn created(task: DcsTask, status: Status) -> t::CreateMigrationTaskResponse {
    t::CreateMigrationTaskResponse {
        id: Some(task.id),
        name: Some(task.name),
        status: Some(status),
        error: Some(String::new()),
        ..Default::default()
    }
}

/// CreateOnlineMigrationTask's answer: the task (`instance_id`) and its machine's job.
pub fn online_created(task: DcsTask, job: Job) -> t::CreateOnlineMigrationTaskResponse {
    t::CreateOnlineMigrationTaskResponse {
        instance_id: Some(task.id),
        job_id: Some(job.job_id),
        ..Default::default()
    }
}

/// SetOnlineMigrationTask's answer.
pub fn configured(task: DcsTask, now: i64) -> t::SetOnlineMigrationTaskResponse {
    let status = task.status(now);
    t::SetOnlineMigrationTaskResponse {
        id: Some(task.id),
        name: Some(task.name),
        status: Some(status),
        error: Some(String::new()),
        ..Default::default()
    }
}

/// ListMigrationTask's answer: `count` matching tasks, `shown` of them.
pub fn task_page(count: i32, shown: Vec<&DcsTask>, now: i64) -> t::ListMigrationTaskResponse {
    t::ListMigrationTaskResponse {
        count: Some(count),
        migration_tasks: Some(shown.into_iter().map(|t| list_item(t, now)).collect()),
        ..Default::default()
    }
}

/// ListMigrationTaskLogs's answer: `log_num` lines, `shown` of them.
pub fn log_page(log_num: i32, shown: Vec<t::MigrationLog>) -> t::ListMigrationTaskLogsResponse {
    t::ListMigrationTaskLogsResponse {
        log_num: Some(log_num),
        migration_logs: Some(shown),
        ..Default::default()
    }
}

/// A batch answer: one item per requested id, in request order.
pub fn batch(items: Vec<t::MigrationTaskResult>) -> t::BatchMigrationTasksResponse {
    t::BatchMigrationTasksResponse {
        migration_tasks: Some(items),
        ..Default::default()
    }
}

/// DeleteMigrationTask's answer: the ids deleted.
pub fn deleted(ids: Vec<String>) -> t::DeleteMigrationTaskResponse {
    t::DeleteMigrationTaskResponse {
        task_id_list: Some(ids),
        ..Default::default()
    }
}
