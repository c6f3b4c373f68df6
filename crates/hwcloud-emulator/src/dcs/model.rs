//! The stored DCS records and their transitions: no HTTP, no response bodies. Statuses,
//! methods and backup-file descriptions are the generated types, so the stored JSON holds
//! their wire values.
//!
//! Lifecycles (the `MigrationTaskStatus` values and the `MigrationTaskDone`,
//! `MigrationTaskStopped` and `JobDone` waiters of `spec/dcs.yaml`; the status list of
//! "Querying Details of a Data Migration Task" in the DCS API reference,
//! `api-ref/source/apis_v2_recommended/data_migration/` of
//! `opentelekomcloud-docs/distributed-cache-service`):
//! - online: CreateOnlineMigrationTask → `CREATING` (job RUNNING) → after `timings.job`
//!   `RUNNING` (job SUCCESS, waiting for configuration) → SetOnlineMigrationTask →
//!   `FULLMIGRATING` → after `timings.full_sync` `SUCCESS` (full) or `INCRMIGEATING`
//!   (incremental, until stopped);
//! - backup import: CreateMigrationTask → `MIGRATING` → after `timings.backup_import` `SUCCESS`;
//! - stop: `TERMINATING` → after `timings.terminate` `TERMINATED`; sync-stop: `TERMINATED` at
//!   once; batch restart of a stopped online task: `FULLMIGRATING` again.
//! - IP switch (`task_status`, the `IpSwitchStatus` values and the `MigrationTaskIpExchanged` /
//!   `MigrationTaskIpRolledBack` waiters; HWDOC ExchangeInstanceIp, RollbackExchangeInstanceIp):
//!   ExchangeInstanceIp on an incremental task in `INCRMIGEATING` between two DCS instances →
//!   `EXCHANGING` → after `timings.ip_switch` `EXCHANGE_SUCCESS`; RollbackExchangeInstanceIp
//!   after a finished switch → `EXCHANGING` → `ROLLBACK_SUCCESS`. Which states allow a switch is
//!   the emulator's choice (the pages say only "during incremental migration").

use hwcloud_core::Spelling;
use hwcloud_dcs::types as t;
use hwcloud_dcs::types::MigrationTaskStatus as Status;
use serde::{Deserialize, Serialize};

use crate::config::{Timings, ms};
use crate::dataplane::record::EngineRecord;
use crate::store::{Db, Kind, StoreError};
use crate::timeline::Timeline;

/// Stored kind of [`DcsTask`] records.
const TASK: Kind = Kind::new("dcs_task");
/// Stored kind of [`Job`] records.
const JOB: Kind = Kind::new("dcs_job");

/// How a task migrates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskKind {
    /// From a running Redis through a migration machine.
    Online,
    /// From backup files.
    BackupImport,
}

/// A source or target Redis as the task knows it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endpoint {
    pub id: Option<String>,
    pub name: Option<String>,
    pub addrs: Option<String>,
}

/// A stored DCS migration task. Passwords are never stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DcsTask {
    pub id: String,
    pub project_id: String,
    pub kind: TaskKind,
    pub name: String,
    pub description: Option<String>,
    pub created_ms: i64,
    pub job_id: Option<String>,
    pub vpc_id: Option<String>,
    pub subnet_id: Option<String>,
    pub security_group_id: Option<String>,
    pub migration_method: Option<t::MigrationMethod>,
    pub resume_mode: Option<t::ResumeMode>,
    pub bandwidth_limit_mb: Option<String>,
    pub source: Option<Endpoint>,
    pub target: Option<Endpoint>,
    pub backup_files: Option<t::MigrationTaskBackupFiles>,
    pub ecs_ip: Option<String>,
    /// Keys in the (pretend) source, fixed per task id: what `/stats` counts towards.
    pub source_dbsize: i64,
    pub timeline: Timeline<Status>,
    /// The IP switch (`task_status`); empty until ExchangeInstanceIp.
    #[serde(default)]
    pub ip_switch: Timeline<t::IpSwitchStatus>,
    /// Whether the last exchange swapped the domain names too (a rollback swaps them back).
    #[serde(default)]
    pub ip_switch_domains: bool,
    /// Set when the migration engine runs the task against real Redis servers: its
    /// statuses then follow the engine, not the clock (`crate::dataplane`).
    #[serde(default)]
    pub engine: Option<EngineRecord>,
}

/// A stored background job (the creation of a migration machine).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Job {
    pub job_id: String,
    pub task_id: String,
    pub job_type: String,
    pub begin_ms: i64,
    pub end_ms: i64,
}

/// What SetOnlineMigrationTask configures.
#[derive(Debug, Clone)]
pub struct OnlineConfig {
    pub migration_method: t::MigrationMethod,
    pub resume_mode: t::ResumeMode,
    pub bandwidth_limit_mb: Option<String>,
    pub source: Endpoint,
    pub target: Endpoint,
    /// The engine record when the target is backed by a Redis server (`None`: simulated).
    pub engine: Option<EngineRecord>,
}

/// Why a task refused an action in its current state (DCS answers it as DCS.4026).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused(pub String);

/// FNV-1a of `s`: stable pseudo-random figures (sizes, addresses, rates) per task id.
pub fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

impl DcsTask {
    /// A task with nothing configured and an empty timeline.
    pub fn new(id: String, project_id: String, kind: TaskKind, name: String, now: i64) -> Self {
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
            ip_switch: Timeline::default(),
            ip_switch_domains: false,
            engine: None,
        }
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
        db.put(TASK, &self.project_id, &self.id, self.created_ms, self)
    }

    /// The status at `now`.
    pub fn status(&self, now: i64) -> Status {
        self.timeline.status(now, Status::Creating)
    }

    /// When the status in force at `now` began (creation for an empty timeline).
    pub fn updated_ms(&self, now: i64) -> i64 {
        self.timeline
            .current(now)
            .map_or(self.created_ms, |t| t.at_ms)
    }

    /// Backup import: `MIGRATING` from `now`, `SUCCESS` after `timings.backup_import`
    /// (simulated), or until the engine has written every file.
    pub fn import_backup(&mut self, now: i64, timings: &Timings) {
        if let Some(e) = &self.engine {
            let message = format!(
                "Importing the backup files into {}; the migration engine writes them.",
                e.target
            );
            self.timeline.push(now, Status::Migrating, message);
            return;
        }
        let end = now + ms(timings.backup_import);
        self.timeline.push_phase(
            now,
            end,
            Status::Migrating,
            "Importing the backup files into the target instance (simulated: no Redis server behind it in this emulator).",
        );
        self.timeline.push(
            end,
            Status::Success,
            "The backup files were imported; the migration succeeded.",
        );
    }

    /// Creates the migration machine of an online task as job `job_id`: `CREATING` from
    /// `now`, `RUNNING` (waiting for configuration) once the job ends after `timings.job`.
    pub fn create_machine(&mut self, job_id: String, now: i64, timings: &Timings) -> Job {
        let h = fnv(&self.id);
        self.ecs_ip = Some(format!("192.168.{}.{}", h % 250, 2 + (h >> 8) % 250));
        self.job_id = Some(job_id.clone());
        let end = now + ms(timings.job);
        self.timeline
            .push(now, Status::Creating, "Creating the migration machine.");
        self.timeline.push(
            end,
            Status::Running,
            "The migration machine is ready; waiting for the task to be configured.",
        );
        Job {
            job_id,
            task_id: self.id.clone(),
            job_type: "createMigrationTask".to_owned(),
            begin_ms: now,
            end_ms: end,
        }
    }

    /// SetOnlineMigrationTask: only an online task whose machine is ready (`RUNNING`) and not
    /// configured yet; starts the full synchronisation.
    pub fn configure(
        &mut self,
        config: OnlineConfig,
        now: i64,
        timings: &Timings,
    ) -> Result<(), Refused> {
        let st = self.status(now);
        if self.kind != TaskKind::Online {
            return Err(Refused(
                "This task is a backup import; only online migration tasks can be configured."
                    .to_owned(),
            ));
        }
        if st != Status::Running {
            return Err(Refused(format!(
                "The migration task is {st}; it can be configured only while RUNNING (migration machine ready, not configured yet)."
            )));
        }
        self.migration_method = Some(config.migration_method);
        self.resume_mode = Some(config.resume_mode);
        self.bandwidth_limit_mb = config.bandwidth_limit_mb;
        self.source = Some(config.source);
        self.target = Some(config.target);
        let message = match &config.engine {
            Some(e) => format!(
                "The task was configured; the migration engine copies {} into {}.",
                e.source, e.target
            ),
            None => "The task was configured; full synchronisation started (simulated: the target instance has no Redis server behind it in this emulator).".to_owned(),
        };
        self.engine = config.engine;
        self.start_sync(now, timings, &message);
        Ok(())
    }

    /// Stops the task (sync: at once).
    ///
    /// With `engine_running`, the task stays `TERMINATING` until the engine has stopped (its
    /// runner records `TERMINATED`); a task already `TERMINATED` is never touched.
    pub fn stop(
        &mut self,
        now: i64,
        timings: &Timings,
        sync: bool,
        engine_running: bool,
    ) -> Result<(), Refused> {
        let st = self.status(now);
        match st {
            Status::Terminated => Ok(()),
            Status::Terminating if !sync || engine_running => Ok(()),
            Status::Terminating
            | Status::Running
            | Status::FullMigrating
            | Status::IncrMigrating(_)
            | Status::Migrating => {
                self.timeline.cut(now);
                if st != Status::Terminating {
                    let message = if engine_running {
                        "Stopping the migration engine."
                    } else {
                        "Stopping the migration task."
                    };
                    self.timeline.push(now, Status::Terminating, message);
                }
                if engine_running {
                    return Ok(());
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
            other => Err(Refused(format!(
                "The migration task {} is {other}; it cannot be stopped in this state.",
                self.id
            ))),
        }
    }

    /// Full synchronisation from `now`: `FULLMIGRATING`, then after `timings.full_sync`
    /// `INCRMIGEATING` (incremental method) or `SUCCESS`; with an engine, `FULLMIGRATING`
    /// until the engine reports more.
    pub fn start_sync(&mut self, now: i64, timings: &Timings, message: &str) {
        self.timeline.cut(now);
        if self.engine.is_some() {
            self.timeline.push(now, Status::FullMigrating, message);
            return;
        }
        let end = now + ms(timings.full_sync);
        self.timeline
            .push_phase(now, end, Status::FullMigrating, message);
        if self.migration_method == Some(t::MigrationMethod::Incremental) {
            self.timeline.push(
                end,
                Status::IncrMigrating(Spelling::Canonical),
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

    /// Batch restart: a configured online task that stopped, failed or finished syncs again.
    pub fn restart(&mut self, now: i64, timings: &Timings) -> Result<(), Refused> {
        let st = self.status(now);
        if self.kind != TaskKind::Online || self.migration_method.is_none() {
            return Err(Refused(format!(
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
            other => Err(Refused(format!(
                "The migration task {} is {other}; only stopped, failed or finished tasks can be restarted.",
                self.id
            ))),
        }
    }
}

/// Which way an IP switch goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Switch {
    /// ExchangeInstanceIp.
    Exchange,
    /// RollbackExchangeInstanceIp.
    Rollback,
}

impl DcsTask {
    /// `task_status` at `now` (`None` before any IP switch).
    pub fn ip_switch_status(&self, now: i64) -> Option<t::IpSwitchStatus> {
        self.ip_switch.current(now).map(|t| t.status.clone())
    }

    /// UpdateMigrationTask: an online task's reconnect mode.
    pub fn set_resume_mode(&mut self, mode: Option<t::ResumeMode>) -> Result<(), Refused> {
        if self.kind != TaskKind::Online {
            return Err(Refused(format!(
                "The migration task {} is a backup import; only online migration tasks reconnect.",
                self.id
            )));
        }
        if mode.is_some() {
            self.resume_mode = mode;
        }
        Ok(())
    }

    /// Starts an IP switch at `now`; it ends after `timings.ip_switch`, which is returned.
    /// An exchange needs an incremental task in `INCRMIGEATING` between two DCS instances and
    /// no switch in force; a rollback needs a finished exchange.
    pub fn switch_ip(&mut self, way: Switch, now: i64, timings: &Timings) -> Result<i64, Refused> {
        use t::IpSwitchStatus as Ip;
        let current = self.ip_switch_status(now);
        if current == Some(Ip::Exchanging) {
            return Err(Refused(format!(
                "An IP switch of the migration task {} is in progress.",
                self.id
            )));
        }
        let (done, message) = match way {
            Switch::Exchange => {
                let st = self.status(now);
                let between_instances = [&self.source, &self.target]
                    .iter()
                    .all(|e| e.as_ref().is_some_and(|e| e.id.is_some()));
                if !matches!(st, Status::IncrMigrating(_)) || !between_instances {
                    return Err(Refused(format!(
                        "The migration task {} is {st}; IP addresses can be switched only during the incremental migration (INCRMIGEATING) between two DCS instances.",
                        self.id
                    )));
                }
                if current == Some(Ip::ExchangeSuccess) {
                    return Err(Refused(format!(
                        "The IP addresses of the migration task {} are switched already; roll the switch back first.",
                        self.id
                    )));
                }
                (Ip::ExchangeSuccess, "The IP addresses were switched.")
            }
            Switch::Rollback => {
                if current != Some(Ip::ExchangeSuccess) {
                    return Err(Refused(format!(
                        "The migration task {} has no finished IP switch to roll back.",
                        self.id
                    )));
                }
                (Ip::RollbackSuccess, "The IP switch was rolled back.")
            }
        };
        let end = now + ms(timings.ip_switch);
        self.ip_switch
            .push(now, Ip::Exchanging, "Switching the IP addresses.");
        self.ip_switch.push(end, done, message);
        Ok(end)
    }
}

impl Job {
    /// The job `id` of `project`, if it exists there.
    pub fn load(db: &Db<'_>, project: &str, id: &str) -> Result<Option<Self>, StoreError> {
        db.get(JOB, project, id)
    }

    /// Stores the job under the task's project.
    pub fn save(&self, db: &Db<'_>, project: &str) -> Result<(), StoreError> {
        db.put(JOB, project, &self.job_id, self.begin_ms, self)
    }
}
