//! The stored SMS task → the generated response types, seen at a virtual time.

use hwcloud_sms::types as t;
use hwcloud_sms::types::TaskState;

use super::model::SmsTask;

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

/// The sub-tasks started by `now` with their progress, the phase's start and (once done)
/// end, and its overall completion (0..=1).
fn sub_tasks(task: &SmsTask, now: i64) -> (Vec<t::SubTask>, Option<i64>, Option<i64>, f64) {
    let Some((frac, phase)) = task.timeline.phase_progress(now) else {
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

/// ShowTask.
pub fn show(task: &SmsTask, now: i64) -> t::Task {
    let st = task.state(now);
    let (subs, start, finish, frac) = sub_tasks(task, now);
    let s = &task.spec;
    let running = st == TaskState::Running;
    let remain = if running {
        start.map(|st0| {
            let total = task
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
        id: Some(task.id.clone()),
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
        create_date: Some(task.created_ms),
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

/// One item of ListTasks (the task plus the list-only fields).
pub fn list_item(task: &SmsTask, now: i64) -> t::TasksResponseBody {
    let full = show(task, now);
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
        syncing: Some(task.spec.syncing.unwrap_or(false)),
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
