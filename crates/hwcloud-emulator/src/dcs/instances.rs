//! DCS instances and their backup records: the read calls a migration needs (ListInstances,
//! ShowInstance, ListBackupRecords), the control-API registration that creates them
//! (`POST /_emulator/dcs/instances`), and the address swap of an IP switch.
//!
//! The emulator creates no instance by itself: a test or a demo registers the instances a
//! migration uses. An instance is `RUNNING`, or `IPEXCHANGING` while an IP switch of a task
//! naming it runs (the status list of HWDOC DCS instance status).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use hwcloud_dcs::operations as ops;
use hwcloud_dcs::types as t;
use serde::{Deserialize, Serialize};

use super::model::fnv;
use crate::app::App;
use crate::control;
use crate::error::ApiError;
use crate::ids::uuid;
use crate::profile::{self, Profile, codes};
use crate::request::{Ctx, page, validated};
use crate::response::json;
use crate::store::{Db, Kind, StoreError};
use crate::timefmt::iso8601_ms;

const SVC: &Profile = &profile::DCS;
pub(super) const INSTANCE: Kind = Kind::new("dcs_instance");
/// Default page size of the instance and backup lists (HWDOC ListInstances, ListBackupRecords).
const PAGE: usize = 10;
const HOUR_MS: i64 = 3_600_000;

/// A stored backup of an instance.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Backup {
    pub backup_id: String,
    pub backup_name: String,
    pub size: i64,
    pub backup_type: t::BackupType,
    pub status: t::BackupStatus,
    pub created_ms: i64,
    /// The RDB the emulator took of a Redis-backed instance (`None` for registered records
    /// without data).
    #[serde(default)]
    pub file: Option<String>,
}

/// A stored DCS instance.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Instance {
    pub id: String,
    pub project_id: String,
    pub name: String,
    pub engine_version: String,
    pub ip: String,
    pub port: i32,
    pub domain_name: String,
    pub capacity_gb: i32,
    pub created_ms: i64,
    /// An IP switch naming this instance runs until then.
    pub switching_until_ms: i64,
    pub backups: Vec<Backup>,
    /// The Redis server behind the instance (`redis://host:port[/db]`, never a password):
    /// migrations to it run the engine. `None`: a simulated instance.
    #[serde(default)]
    pub redis: Option<String>,
}

impl Instance {
    pub(super) fn load(db: &Db<'_>, project: &str, id: &str) -> Result<Option<Self>, StoreError> {
        db.get(INSTANCE, project, id)
    }

    pub(super) fn save(&self, db: &Db<'_>) -> Result<(), StoreError> {
        db.put(INSTANCE, &self.project_id, &self.id, self.created_ms, self)
    }

    fn status(&self, now: i64) -> t::InstanceStatus {
        if now < self.switching_until_ms {
            t::InstanceStatus::IpExchanging
        } else {
            t::InstanceStatus::Running
        }
    }

    pub(super) fn view(&self, now: i64) -> t::Instance {
        t::Instance {
            instance_id: Some(self.id.clone()),
            name: Some(self.name.clone()),
            engine: Some("Redis".to_owned()),
            engine_version: Some(self.engine_version.clone()),
            status: Some(self.status(now)),
            ip: Some(self.ip.clone()),
            port: Some(self.port),
            domain_name: Some(self.domain_name.clone()),
            no_password_access: Some("false".to_owned()),
            cache_mode: Some("ha".to_owned()),
            spec_code: Some(format!("redis.ha.xu1.large.r2.{}", self.capacity_gb)),
            capacity: Some(self.capacity_gb),
            max_memory: Some(self.capacity_gb.saturating_mul(1024)),
            used_memory: Some(i32::try_from(fnv(&self.id) % 64).unwrap_or(0)),
            enable_ssl: Some(false),
            enable_publicip: Some(false),
            charging_mode: Some(0),
            created_at: Some(iso8601_ms(self.created_ms)),
            updated_at: Some(iso8601_ms(self.created_ms)),
            update_at: Some(iso8601_ms(self.created_ms)),
            ..Default::default()
        }
    }
}

pub(super) fn backup_view(instance_id: &str, b: &Backup) -> t::BackupRecord {
    let done = b.status == t::BackupStatus::Succeed;
    t::BackupRecord {
        backup_id: Some(b.backup_id.clone()),
        backup_name: Some(b.backup_name.clone()),
        instance_id: Some(instance_id.to_owned()),
        size: Some(b.size),
        backup_type: Some(b.backup_type.clone()),
        status: Some(b.status.clone()),
        progress: Some(if done { "100.00" } else { "0.00" }.to_owned()),
        created_at: Some(iso8601_ms(b.created_ms)),
        updated_at: Some(iso8601_ms(b.created_ms + 60_000)),
        execution_at: Some(iso8601_ms(b.created_ms)),
        is_support_restore: Some(if done { "TRUE" } else { "FALSE" }.to_owned()),
        backup_format: Some("rdb".to_owned()),
        ..Default::default()
    }
}

/// 404 DCS.3022 "the instance does not exist" (OTC error codes).
fn no_instance(id: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        codes::DCS_NO_INSTANCE,
        format!("The DCS instance {id} does not exist."),
    )
}

/// Swaps the addresses of instances `a` and `b` of `project` (and their domain names when
/// `domains`), both switching until `until`; nothing happens unless both are registered.
pub fn swap_addresses(
    db: &Db<'_>,
    project: &str,
    (a, b): (&str, &str),
    domains: bool,
    until: i64,
) -> Result<(), StoreError> {
    let (Some(mut x), Some(mut y)) = (
        Instance::load(db, project, a)?,
        Instance::load(db, project, b)?,
    ) else {
        return Ok(());
    };
    std::mem::swap(&mut x.ip, &mut y.ip);
    if domains {
        std::mem::swap(&mut x.domain_name, &mut y.domain_name);
    }
    x.switching_until_ms = until;
    y.switching_until_ms = until;
    x.save(db)?;
    y.save(db)
}

/// ListInstances: the caller's instances, oldest first, filtered, one page.
pub async fn list_instances(app: &Arc<App>, ctx: Ctx) -> Result<Response, ApiError> {
    let input = validated(
        SVC,
        ops::ListInstancesInput {
            instance_id: ctx.query("instance_id").map(str::to_owned),
            include_failure: ctx.query("include_failure").map(str::to_owned),
            include_delete: ctx.query("include_delete").map(str::to_owned),
            name: ctx.query("name").map(str::to_owned),
            offset: ctx.query_i32(SVC, "offset")?,
            limit: ctx.query_i32(SVC, "limit")?,
            status: ctx.query("status").map(t::InstanceStatus::from_wire),
            name_equal: ctx.query("name_equal").map(str::to_owned),
            tags: ctx.query("tags").map(str::to_owned),
            ip: ctx.query("ip").map(str::to_owned),
        },
    )?;
    let project = ctx.caller.project_id;
    let resp = app
        .tx(SVC, move |db, now| {
            let exact = input.name_equal.as_deref() == Some("true");
            let all: Vec<Instance> = db.list(INSTANCE, &project)?;
            let matching: Vec<t::Instance> = all
                .iter()
                .filter(|i| {
                    input.instance_id.as_deref().is_none_or(|x| x == i.id)
                        && input.name.as_deref().is_none_or(|n| {
                            if exact {
                                i.name == n
                            } else {
                                i.name.contains(n)
                            }
                        })
                        && input.ip.as_deref().is_none_or(|ip| i.ip == ip)
                        && input.status.as_ref().is_none_or(|s| *s == i.status(now))
                })
                .map(|i| i.view(now))
                .collect();
            let (count, shown) = page(matching, input.offset, input.limit, PAGE);
            Ok(t::ListInstancesResponse {
                instance_num: Some(count),
                instances: Some(shown),
                ..Default::default()
            })
        })
        .await?;
    Ok(json(StatusCode::OK, &resp))
}

/// ShowInstance.
pub async fn show_instance(app: &Arc<App>, ctx: Ctx) -> Result<Response, ApiError> {
    let input = validated(
        SVC,
        ops::ShowInstanceInput {
            instance_id: ctx.param("instance_id").to_owned(),
        },
    )?;
    let project = ctx.caller.project_id;
    let resp = app
        .tx(SVC, move |db, now| {
            Instance::load(db, &project, &input.instance_id)?
                .map(|i| i.view(now))
                .ok_or_else(|| no_instance(&input.instance_id))
        })
        .await?;
    Ok(json(StatusCode::OK, &resp))
}

/// `yyyyMMddHHmmss` (UTC) as epoch milliseconds; the format was checked by `validate()`.
fn compact_time_ms(s: &str) -> Option<i64> {
    let n = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let (y, mo, d) = (n(0..4)?, n(4..6)?, n(6..8)?);
    let (h, mi, se) = (n(8..10)?, n(10..12)?, n(12..14)?);
    // Days from the civil date (proleptic Gregorian), as in `timefmt`.
    let (y2, m2) = if mo <= 2 {
        (y - 1, mo + 9)
    } else {
        (y, mo - 3)
    };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let doy = (153 * m2 + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(((days * 24 + h) * 60 + mi) * 60_000 + se * 1000)
}

/// ListBackupRecords: the instance's backups, oldest first, within the time window.
pub async fn list_backup_records(app: &Arc<App>, ctx: Ctx) -> Result<Response, ApiError> {
    let input = validated(
        SVC,
        ops::ListBackupRecordsInput {
            instance_id: ctx.param("instance_id").to_owned(),
            begin_time: ctx.query("begin_time").map(str::to_owned),
            end_time: ctx.query("end_time").map(str::to_owned),
            offset: ctx.query_i32(SVC, "offset")?,
            limit: ctx.query_i32(SVC, "limit")?,
        },
    )?;
    let begin = input.begin_time.as_deref().and_then(compact_time_ms);
    let end = input.end_time.as_deref().and_then(compact_time_ms);
    let project = ctx.caller.project_id;
    let resp = app
        .tx(SVC, move |db, _now| {
            let inst = Instance::load(db, &project, &input.instance_id)?
                .ok_or_else(|| no_instance(&input.instance_id))?;
            let matching: Vec<t::BackupRecord> = inst
                .backups
                .iter()
                .filter(|b| begin.is_none_or(|x| b.created_ms >= x))
                .filter(|b| end.is_none_or(|x| b.created_ms <= x))
                .map(|b| backup_view(&inst.id, b))
                .collect();
            let (total, shown) = page(matching, input.offset, input.limit, PAGE);
            Ok(t::ListBackupRecordsResponse {
                total_num: Some(total),
                backup_record_response: Some(shown),
                ..Default::default()
            })
        })
        .await?;
    Ok(json(StatusCode::OK, &resp))
}

/// A backup in a registration request; absent fields get defaults.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewBackup {
    backup_id: Option<String>,
    backup_name: Option<String>,
    size: Option<i64>,
    backup_type: Option<String>,
    status: Option<String>,
}

/// `POST /_emulator/dcs/instances`: an instance of a configured project, with its backups.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewInstance {
    project_id: String,
    name: String,
    instance_id: Option<String>,
    ip: Option<String>,
    port: Option<i32>,
    domain_name: Option<String>,
    engine_version: Option<String>,
    capacity: Option<i32>,
    #[serde(default)]
    backups: Vec<NewBackup>,
}

/// `POST /_emulator/dcs/instances`: registers an instance (and its backups, the newest last,
/// an hour apart); answers `{"instance": ShowInstance, "backups": [BackupRecord...]}`.
pub async fn register(State(app): State<Arc<App>>, body: Bytes) -> Response {
    let new: NewInstance = match control::parse(&body) {
        Ok(n) => n,
        Err(r) => return *r,
    };
    if !app.knows_project(&new.project_id) {
        return control::bad(format!(
            "project_id {:?} belongs to no configured credential",
            new.project_id
        ));
    }
    let result = app
        .tx(SVC, move |db, now| {
            let id = new.instance_id.unwrap_or_else(uuid);
            let h = fnv(&id);
            let n = i64::try_from(new.backups.len()).unwrap_or(0);
            let backups = new
                .backups
                .into_iter()
                .zip(0..)
                .map(|(b, i)| Backup {
                    backup_id: b.backup_id.unwrap_or_else(uuid),
                    backup_name: b.backup_name.unwrap_or_else(|| format!("backup-{}", i + 1)),
                    size: b.size.unwrap_or(104_857_600),
                    backup_type: t::BackupType::from_wire(
                        b.backup_type.as_deref().unwrap_or("manual"),
                    ),
                    status: t::BackupStatus::from_wire(b.status.as_deref().unwrap_or("succeed")),
                    created_ms: now - (n - i) * HOUR_MS,
                    file: None,
                })
                .collect();
            let inst = Instance {
                ip: new
                    .ip
                    .unwrap_or_else(|| format!("192.168.{}.{}", h % 250, 2 + (h >> 8) % 250)),
                port: new.port.unwrap_or(6379),
                domain_name: new
                    .domain_name
                    .unwrap_or_else(|| format!("redis-{id}.dcs.example.internal")),
                engine_version: new.engine_version.unwrap_or_else(|| "6.0".to_owned()),
                capacity_gb: new.capacity.unwrap_or(2),
                id,
                project_id: new.project_id,
                name: new.name,
                created_ms: now,
                switching_until_ms: 0,
                backups,
                redis: None,
            };
            inst.save(db)?;
            let backups: Vec<t::BackupRecord> = inst
                .backups
                .iter()
                .map(|b| backup_view(&inst.id, b))
                .collect();
            Ok(serde_json::json!({"instance": inst.view(now), "backups": backups}))
        })
        .await;
    match result {
        Ok(v) => json(StatusCode::OK, &v),
        Err(e) => SVC.respond(&e, ""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_times() {
        assert_eq!(compact_time_ms("19700101000000"), Some(0));
        assert_eq!(compact_time_ms("20170718235959"), Some(1_500_422_399_000));
        assert_eq!(compact_time_ms("2017"), None);
    }

    proptest::proptest! {
        /// Any text, even multi-byte or the wrong length, is answered without a panic; 14
        /// digits always give a time.
        #[test]
        fn compact_time_never_panics(s in "\\PC{0,20}", digits in "[0-9]{14}") {
            let _ = compact_time_ms(&s);
            proptest::prop_assert!(compact_time_ms(&digits).is_some());
        }
    }
}
