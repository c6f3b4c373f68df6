//! The stored SMS task and its state transitions: no HTTP, no response bodies. The task
//! keeps its validated create request (`PostTask`) as its configuration.
//!
//! Lifecycle (the `TaskState` values and the `TaskDone` waiter of `spec/sms.yaml`; the SMS
//! API reference of UpdateTaskStatus,
//! <https://support.huaweicloud.com/intl/en-us/api-sms/UpdateTaskStatus.html>):
//! CreateTask → `READY` (or straight to `RUNNING` with `auto_start`); action `start` (from
//! READY/ABORT) → `RUNNING` with sub-task progress → after `timings.sms_migrate`
//! `MIGRATE_SUCCESS`; `stop` → `ABORTING` → after `timings.sms_abort` `ABORT`; `restart`
//! (from MIGRATE_FAIL/SYNC_FAIL only) → `RUNNING` again. Deleting a
//! RUNNING/ABORTING/SYNCING/DELETING task is refused.
//!
//! The refusals follow the SMS error codes (out-of-date list,
//! <https://support.huaweicloud.com/intl/en-us/ae-ad-1-api-sms/sms_api_0047.html>): SMS.1039
//! "only paused tasks can be resumed" (`start` of an ABORT task; a READY task's first start is
//! no resume), SMS.1040 "only tasks that failed can be restarted".

use hwcloud_sms::types as t;
use hwcloud_sms::types::{TaskOperation, TaskState};
use serde::{Deserialize, Serialize};

use crate::config::{Timings, ms};
use crate::store::{Db, Kind, StoreError};
use crate::timeline::Timeline;

/// Stored kind of [`SmsTask`] records.
const TASK: Kind = Kind::new("sms_task");

/// A stored SMS task.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SmsTask {
    pub id: String,
    pub owner_project_id: String,
    pub created_ms: i64,
    /// The create request as received (validated).
    pub spec: t::PostTask,
    pub timeline: Timeline<TaskState>,
    /// The speed-limit windows of UpdateSpeed (ShowsSpeedLimits answers them).
    #[serde(default)]
    pub speed_limits: Vec<t::SpeedLimitPeriod>,
}

/// Why a task refused an action in its current state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// `start` outside READY (the first start) / ABORT (a resume).
    Start(TaskState),
    /// `stop` outside RUNNING / SYNCING (ABORTING and ABORT are no-ops).
    Stop(TaskState),
    /// `restart` outside MIGRATE_FAIL / SYNC_FAIL.
    Restart(TaskState),
    /// Delete of a running or stopping task (`id`, its state).
    Delete(String, TaskState),
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refused::Start(st) => write!(
                f,
                "The task is {st}; only paused tasks can be resumed (and ready ones started)."
            ),
            Refused::Stop(st) => write!(f, "The task is {st}; only running tasks can be paused."),
            Refused::Restart(st) => write!(
                f,
                "The task is {st}; only tasks whose migration failed can be restarted."
            ),
            Refused::Delete(id, st) => write!(
                f,
                "The task {id} is {st}; running or stopping tasks cannot be deleted. Stop it first."
            ),
        }
    }
}

impl SmsTask {
    /// A new task for `spec`: `READY`, or `RUNNING` at once with `auto_start`.
    pub fn create(
        id: String,
        project: String,
        spec: t::PostTask,
        now: i64,
        timings: &Timings,
    ) -> Self {
        let mut task = SmsTask {
            id,
            owner_project_id: project,
            created_ms: now,
            spec,
            timeline: Timeline::default(),
            speed_limits: Vec::new(),
        };
        task.timeline
            .push(now, TaskState::Ready, "The task was created.");
        if task.spec.auto_start == Some(true) {
            task.start(now, timings, "The migration started automatically.");
        }
        task
    }

    /// The task `id` of `project`, if it exists there.
    pub fn load(db: &Db<'_>, project: &str, id: &str) -> Result<Option<Self>, StoreError> {
        db.get(TASK, project, id)
    }

    /// Every task of `project`, oldest first.
    pub fn list(db: &Db<'_>, project: &str) -> Result<Vec<Self>, StoreError> {
        db.list(TASK, project)
    }

    /// How many tasks `project` has, and at most `limit` of them from `offset`, oldest first
    /// (read through the store's index: the cost of one page).
    pub fn page(
        db: &Db<'_>,
        project: &str,
        offset: usize,
        limit: usize,
    ) -> Result<(usize, Vec<Self>), StoreError> {
        db.page(TASK, project, offset, limit)
    }

    /// Deletes the task `id` of `project`; true when it existed.
    pub fn delete(db: &Db<'_>, project: &str, id: &str) -> Result<bool, StoreError> {
        db.delete(TASK, project, id)
    }

    /// Stores the task (insert or update).
    pub fn save(&self, db: &Db<'_>) -> Result<(), StoreError> {
        db.put(
            TASK,
            &self.owner_project_id,
            &self.id,
            self.created_ms,
            self,
        )
    }

    /// The state at `now`.
    pub fn state(&self, now: i64) -> TaskState {
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

    /// UpdateTaskStatus: applies `op` (start, stop, restart; other documented operations are
    /// accepted without a state change).
    pub fn act(&mut self, op: &TaskOperation, now: i64, timings: &Timings) -> Result<(), Refused> {
        let st = self.state(now);
        match op {
            TaskOperation::Start => match st {
                TaskState::Ready | TaskState::Abort => {
                    self.start(now, timings, "The migration started.");
                    Ok(())
                }
                _ => Err(Refused::Start(st)),
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
                _ => Err(Refused::Stop(st)),
            },
            TaskOperation::Restart => match st {
                TaskState::MigrateFail | TaskState::SyncFail => {
                    self.start(now, timings, "The migration restarted.");
                    Ok(())
                }
                _ => Err(Refused::Restart(st)),
            },
            _ => Ok(()),
        }
    }

    /// UpdateTask: the given settings replace the task's (every field is optional; the raw
    /// `target_server` and `clone_server` and the snapshot fields are accepted and not kept).
    pub fn update(&mut self, u: t::PutTaskReq) {
        let s = &mut self.spec;
        let set = |to: &mut String, v: Option<String>| {
            if let Some(v) = v {
                *to = v;
            }
        };
        set(&mut s.name, u.name);
        set(&mut s.region_id, u.region_id);
        set(&mut s.region_name, u.region_name);
        set(&mut s.project_id, u.project_id);
        set(&mut s.project_name, u.project_name);
        if let Some(v) = u.task_type {
            s.task_type = v;
        }
        s.exist_server = u.exist_server.or(s.exist_server);
        s.migration_ip = u.migration_ip.or(s.migration_ip.take());
        s.use_ipv6 = u.use_ipv6.or(s.use_ipv6);
        s.use_public_ip = u.use_public_ip.or(s.use_public_ip);
        s.speed_limit = u.speed_limit.or(s.speed_limit);
        s.vm_template_id = u.vm_template_id.or(s.vm_template_id.take());
    }

    /// `Ok` when the task may be deleted at `now` (not running or stopping).
    pub fn deletable(&self, now: i64) -> Result<(), Refused> {
        let st = self.state(now);
        if matches!(
            st,
            TaskState::Running | TaskState::Aborting | TaskState::Syncing | TaskState::Deleting
        ) {
            return Err(Refused::Delete(self.id.clone(), st));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(now: i64) -> SmsTask {
        let spec: t::PostTask = serde_json::from_value(serde_json::json!({
            "name": "t", "type": "MIGRATE_BLOCK", "os_type": "LINUX",
            "source_server": {"id": "s"}, "target_server": {"name": "vm"},
            "migration_ip": "10.0.0.1", "region_name": "r", "region_id": "r",
            "project_name": "p", "project_id": "p"
        }))
        .expect("a minimal task");
        SmsTask::create("id".into(), "p".into(), spec, now, &Timings::default())
    }

    /// SMS.1039 / SMS.1040 as the SMS error codes list them: start resumes a paused task
    /// (or starts a ready one); restart is for failed migrations only.
    #[test]
    fn start_resumes_paused_tasks_and_restart_takes_failed_ones_only() {
        let timings = Timings::default();
        let mut t = task(0);
        assert_eq!(
            t.act(&TaskOperation::Restart, 0, &timings),
            Err(Refused::Restart(TaskState::Ready))
        );
        t.act(&TaskOperation::Start, 0, &timings).unwrap();
        assert_eq!(
            t.act(&TaskOperation::Start, 1, &timings),
            Err(Refused::Start(TaskState::Running))
        );
        t.act(&TaskOperation::Stop, 1, &timings).unwrap();
        let paused = 1 + ms(timings.sms_abort);
        assert_eq!(t.state(paused), TaskState::Abort);
        assert_eq!(
            t.act(&TaskOperation::Restart, paused, &timings),
            Err(Refused::Restart(TaskState::Abort))
        );
        t.act(&TaskOperation::Start, paused, &timings).unwrap();
        let done = paused + ms(timings.sms_migrate);
        assert_eq!(t.state(done), TaskState::MigrateSuccess);
        assert_eq!(
            t.act(&TaskOperation::Restart, done, &timings),
            Err(Refused::Restart(TaskState::MigrateSuccess))
        );
        for failed in [TaskState::MigrateFail, TaskState::SyncFail] {
            let mut f = task(0);
            f.timeline.push(0, failed.clone(), "failed");
            f.act(&TaskOperation::Restart, 1, &timings).unwrap();
            assert_eq!(f.state(1), TaskState::Running);
        }
    }
}
