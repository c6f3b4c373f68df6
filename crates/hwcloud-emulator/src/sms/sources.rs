//! SMS source servers: registration through the control API (`POST /_emulator/sms/sources`,
//! what the agent on a real source server does), ShowServer and ListServers.
//!
//! A registered server is kept as the generated `SourceServer` it was given, completed where
//! the request leaves fields out (the emulator's choices): a new ID, `add_date` now, `state`
//! `waiting`, `connected` true, `migration_cycle` `checking`, one 40 GiB Linux boot disk when no
//! disk is given, and `init_target_server` (the recommended target layout) equal to the source
//! disks: name, size, device use (the system disk is `BOOT`, others `NORMAL`) and partitions.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use hwcloud_sms::operations as ops;
use hwcloud_sms::types as t;
use serde::{Deserialize, Serialize};

use crate::app::App;
use crate::control;
use crate::error::ApiError;
use crate::ids::uuid;
use crate::profile::{self, Profile, codes};
use crate::request::{Ctx, page, validated};
use crate::response::json;
use crate::store::{Db, Kind, StoreError};

const SVC: &Profile = &profile::SMS;
const SOURCE: Kind = Kind::new("sms_source");
/// ListServers' page size when `limit` is absent or 0 (HWDOC ListServers).
const PAGE: usize = 200;
const GIB: i64 = 1 << 30;

/// A stored source server.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Source {
    pub id: String,
    pub project_id: String,
    pub created_ms: i64,
    pub server: t::SourceServer,
}

impl Source {
    fn save(&self, db: &Db<'_>) -> Result<(), StoreError> {
        db.put(SOURCE, &self.project_id, &self.id, self.created_ms, self)
    }
}

/// The server completed with the emulator's defaults (see the module comment).
fn complete(mut s: t::SourceServer, id: String, now: i64) -> t::SourceServer {
    s.id = Some(id);
    s.add_date.get_or_insert(now);
    s.state.get_or_insert(t::SourceServerState::Waiting);
    s.connected.get_or_insert(true);
    s.os_type.get_or_insert(t::OsType::Linux);
    s.migration_cycle.get_or_insert(t::MigrationCycle::Checking);
    let disks = s.disks.get_or_insert_with(default_disks);
    if s.init_target_server.is_none() {
        let recommended = disks.iter().map(recommended_disk).collect();
        s.init_target_server = Some(t::InitTargetServer {
            disks: Some(recommended),
            volume_groups: s.volume_groups.clone(),
            ..Default::default()
        });
    }
    s
}

/// One 40 GiB boot disk with a 1 GiB `/boot` and the rest as `/`.
fn default_disks() -> Vec<t::ServerDisk> {
    let part = |name: &str, size: i64, mount: &str, index: i32| t::PhysicalVolumes {
        name: Some(name.to_owned()),
        size: Some(size),
        used_size: Some(size / 4),
        device_use: Some(if index == 0 { "BOOT" } else { "OS" }.to_owned()),
        file_system: Some("ext4".to_owned()),
        mount_point: Some(mount.to_owned()),
        index: Some(index),
        ..Default::default()
    };
    vec![t::ServerDisk {
        name: Some("/dev/vda".to_owned()),
        partition_style: Some("MBR".to_owned()),
        device_use: Some("BOOT".to_owned()),
        size: Some(40 * GIB),
        used_size: Some(10 * GIB),
        os_disk: Some(true),
        physical_volumes: Some(vec![
            part("/dev/vda1", GIB, "/boot", 0),
            part("/dev/vda2", 39 * GIB, "/", 1),
        ]),
        ..Default::default()
    }]
}

/// The recommended target disk for a source disk.
fn recommended_disk(d: &t::ServerDisk) -> t::InitTargetDisk {
    let device_use = if d.os_disk == Some(true) {
        t::DiskDeviceUse::Boot
    } else {
        t::DiskDeviceUse::Normal
    };
    t::InitTargetDisk {
        name: d.name.clone(),
        size: d.size,
        device_use: Some(device_use),
        used_size: d.used_size,
        physical_volumes: d.physical_volumes.clone(),
        ..Default::default()
    }
}

/// 404 `SMS.0404` for a missing source server (the emulator's code, as for a missing task).
fn no_source(id: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        codes::SMS_NO_TASK,
        format!("The source server {id} does not exist."),
    )
}

/// ShowServer.
pub async fn show_server(app: &Arc<App>, ctx: Ctx) -> Result<Response, ApiError> {
    let input = validated(
        SVC,
        ops::ShowServerInput {
            source_id: ctx.param("source_id").to_owned(),
        },
    )?;
    let project = ctx.caller.project_id;
    let resp = app
        .tx(SVC, move |db, _now| {
            let s: Option<Source> = db.get(SOURCE, &project, &input.source_id)?;
            s.map(|s| s.server)
                .ok_or_else(|| no_source(&input.source_id))
        })
        .await?;
    Ok(json(StatusCode::OK, &resp))
}

/// ListServers: the caller's source servers, oldest first, filtered, one page (the list shape
/// leaves out the disk and network details, as the PY list model does).
pub async fn list_servers(app: &Arc<App>, ctx: Ctx) -> Result<Response, ApiError> {
    let flag = |name: &str| -> Result<Option<bool>, ApiError> {
        match ctx.query(name) {
            None => Ok(None),
            Some("true") => Ok(Some(true)),
            Some("false") => Ok(Some(false)),
            Some(_) => Err(SVC.invalid_param(
                name,
                format!("Invalid request parameter: {name} must be true or false"),
            )),
        }
    };
    let input = validated(
        SVC,
        ops::ListServersInput {
            state: ctx.query("state").map(t::SourceServerState::from_wire),
            name: ctx.query("name").map(str::to_owned),
            id: ctx.query("id").map(str::to_owned),
            ip: ctx.query("ip").map(str::to_owned),
            ipv6: ctx.query("ipv6").map(str::to_owned),
            migproject: ctx.query("migproject").map(str::to_owned),
            limit: ctx.query_i32(SVC, "limit")?,
            offset: ctx.query_i32(SVC, "offset")?,
            migration_cycle: ctx
                .query("migration_cycle")
                .map(t::MigrationCycle::from_wire),
            connected: flag("connected")?,
            enterprise_project_id: ctx.query("enterprise_project_id").map(str::to_owned),
            is_consistency_result_exist: flag("is_consistency_result_exist")?,
            vm_id: ctx.query("vm_id").map(str::to_owned),
        },
    )?;
    let project = ctx.caller.project_id;
    let resp = app
        .tx(SVC, move |db, _now| {
            let all: Vec<Source> = db.list(SOURCE, &project)?;
            let eq = |want: &Option<String>, have: &Option<String>| {
                want.as_ref().is_none_or(|w| have.as_ref() == Some(w))
            };
            let matching: Vec<t::SourceServer> = all
                .into_iter()
                .map(|s| s.server)
                .filter(|s| {
                    input
                        .state
                        .as_ref()
                        .is_none_or(|x| s.state.as_ref() == Some(x))
                        && eq(&input.name, &s.name)
                        && eq(&input.id, &s.id)
                        && eq(&input.ip, &s.ip)
                        && input
                            .migration_cycle
                            .as_ref()
                            .is_none_or(|x| s.migration_cycle.as_ref() == Some(x))
                        && input.connected.is_none_or(|c| s.connected == Some(c))
                })
                .map(|s| t::SourceServer {
                    disks: None,
                    volume_groups: None,
                    btrfs_list: None,
                    networks: None,
                    ..s
                })
                .collect();
            let limit = input.limit.filter(|l| *l > 0);
            let (count, shown) = page(matching, input.offset, limit, PAGE);
            Ok(t::ListServersResponse {
                count: Some(count),
                source_servers: Some(shown),
                ..Default::default()
            })
        })
        .await?;
    Ok(json(StatusCode::OK, &resp))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Registration {
    project_id: String,
    #[serde(default)]
    source_server: t::SourceServer,
}

/// `POST /_emulator/sms/sources` `{"project_id", "source_server": {...}}`: registers a source
/// server of a configured project; answers it as ShowServer does.
pub async fn register(State(app): State<Arc<App>>, body: Bytes) -> Response {
    let r: Registration = match control::parse(&body) {
        Ok(r) => r,
        Err(resp) => return *resp,
    };
    if !app.knows_project(&r.project_id) {
        return control::bad(format!(
            "project_id {:?} belongs to no configured credential",
            r.project_id
        ));
    }
    let result = app
        .tx(SVC, move |db, now| {
            let id = r.source_server.id.clone().unwrap_or_else(uuid);
            let source = Source {
                server: complete(r.source_server, id.clone(), now),
                id,
                project_id: r.project_id,
                created_ms: now,
            };
            source.save(db)?;
            Ok(source.server)
        })
        .await;
    match result {
        Ok(s) => json(StatusCode::OK, &s),
        Err(e) => SVC.respond(&e, ""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_recommended_layout_follows_the_source_disks() {
        let s = complete(t::SourceServer::default(), "s1".into(), 7);
        assert_eq!(s.add_date, Some(7));
        let disks = s.init_target_server.unwrap().disks.unwrap();
        assert_eq!(disks.len(), 1);
        assert_eq!(disks[0].device_use, Some(t::DiskDeviceUse::Boot));
        assert_eq!(disks[0].size, Some(40 * GIB));
        let parts = disks[0].physical_volumes.as_ref().unwrap();
        assert_eq!(parts[1].mount_point.as_deref(), Some("/"));
        // Given disks are kept, and a data disk is recommended as NORMAL.
        let given = t::SourceServer {
            disks: Some(vec![t::ServerDisk {
                name: Some("/dev/vdb".into()),
                size: Some(GIB),
                os_disk: Some(false),
                ..Default::default()
            }]),
            ..Default::default()
        };
        let s = complete(given, "s2".into(), 0);
        let rec = &s.init_target_server.unwrap().disks.unwrap()[0];
        assert_eq!(rec.device_use, Some(t::DiskDeviceUse::Normal));
        assert_eq!(rec.name.as_deref(), Some("/dev/vdb"));
    }
}
