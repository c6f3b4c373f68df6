//! The data plane's control API (it plays the console of a Redis-backed instance):
//!
//! | Method | Path | Body | Answer |
//! |---|---|---|---|
//! | GET | `/_emulator/instances` | – | `{"instances": [{"instance_id", "project_id", "name", "url", "backups", "pid"?}]}` |
//! | POST | `/_emulator/instances` | `{"instance_id", "url", "project_id"?, "name"?, "password"?}` | the instance as ShowInstance shows it |
//! | POST | `/_emulator/instances/{id}/backups` | `{"project_id"?, "backup_name"?}` (or empty) | the new backup as ListBackupRecords shows it |
//!
//! `url` is `redis://[user@]host:port[/db]` without a password; the password (if any) is kept
//! in memory only and never answered. The project defaults to the first configured
//! credential's.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use hwcloud_dcs::types as t;
use redis_migrate::endpoint::{Endpoint, Secret};
use serde::Deserialize;

use super::backup::{self, BackupError};
use crate::app::App;
use crate::control;
use crate::dcs::real_instances::{real_instances, upsert_real};
use crate::error::ApiError;
use crate::profile::{self, Profile};
use crate::response::json;

const SVC: &Profile = &profile::DCS;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewInstance {
    instance_id: String,
    url: String,
    project_id: Option<String>,
    name: Option<String>,
    password: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct NewBackup {
    project_id: Option<String>,
    backup_name: Option<String>,
}

/// Why an instance id is not usable, if it is not.
fn check_id(id: &str) -> Result<(), String> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "instance id {:?} must be 1-64 letters, digits, '-', '_' or '.'",
            id.chars().take(80).collect::<String>()
        ))
    }
}

/// The URL of `ep` as stored (no password).
fn stored_url(ep: &Endpoint) -> String {
    if ep.db == 0 {
        ep.to_string()
    } else {
        format!("{ep}/{}", ep.db)
    }
}

/// Registers instance `id` of `project` as backed by `endpoint` (checked against the network
/// policy); its password stays in memory.
pub async fn register_instance(
    app: &Arc<App>,
    project: &str,
    id: &str,
    name: Option<String>,
    endpoint: Endpoint,
) -> Result<t::Instance, String> {
    check_id(id)?;
    if !app.knows_project(project) {
        return Err(format!(
            "project_id {project:?} belongs to no configured credential"
        ));
    }
    app.plane
        .net
        .check(&endpoint.host, endpoint.port)
        .await
        .map_err(|e| format!("instance {id}: {e}"))?;
    app.plane.set_secret(
        &super::resolve::instance_secret_key(project, id),
        endpoint.password.clone(),
    );
    let url = stored_url(&endpoint);
    let host = endpoint
        .host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let (p, i, port) = (project.to_owned(), id.to_owned(), endpoint.port);
    app.tx(SVC, move |db, now| {
        Ok(upsert_real(db, &p, &i, name, (&url, &host, port), now)?)
    })
    .await
    .map_err(|e| e.msg)
}

/// `POST /_emulator/instances`.
pub async fn register(State(app): State<Arc<App>>, body: Bytes) -> Response {
    let new: NewInstance = match control::parse(&body) {
        Ok(n) => n,
        Err(r) => return *r,
    };
    let endpoint = match Endpoint::parse(&new.url) {
        Ok(e) => e.with_password(new.password.filter(|p| !p.is_empty()).map(Secret::new)),
        Err(e) => return control::bad(format!("url: {e}")),
    };
    let project = new
        .project_id
        .unwrap_or_else(|| app.plane.default_project.clone());
    match register_instance(&app, &project, &new.instance_id, new.name, endpoint).await {
        Ok(view) => json(StatusCode::OK, &view),
        Err(e) => control::bad(e),
    }
}

/// `GET /_emulator/instances`: the Redis-backed instances of every configured project.
pub async fn list(State(app): State<Arc<App>>) -> Response {
    let projects = app.projects();
    let spawned = app.plane.spawned();
    let result = app
        .tx(SVC, move |db, _| {
            let mut out = Vec::new();
            for p in &projects {
                for (id, name, url, backups) in real_instances(db, p)? {
                    let pid = spawned.iter().find(|s| s.0 == id).map(|s| s.2);
                    out.push(serde_json::json!({
                        "instance_id": id, "project_id": p, "name": name, "url": url,
                        "backups": backups, "pid": pid,
                    }));
                }
            }
            Ok(out)
        })
        .await;
    match result {
        Ok(list) => json(StatusCode::OK, &serde_json::json!({ "instances": list })),
        Err(e) => SVC.respond(&e, ""),
    }
}

/// `POST /_emulator/instances/{id}/backups`: takes a backup now (answers when it is done).
pub async fn take_backup(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let new: NewBackup = if body.iter().all(u8::is_ascii_whitespace) {
        NewBackup::default()
    } else {
        match control::parse(&body) {
            Ok(n) => n,
            Err(r) => return *r,
        }
    };
    let project = new
        .project_id
        .unwrap_or_else(|| app.plane.default_project.clone());
    match backup::take(&app, &project, &id, new.backup_name).await {
        Ok(record) => json(StatusCode::OK, &record),
        Err(e @ BackupError::NotFound(..)) => {
            let e = ApiError::gateway(StatusCode::NOT_FOUND, "EMULATOR.0404", e.to_string());
            profile::FALLBACK.respond(&e, "")
        }
        Err(e) => control::bad(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_urls() {
        assert!(check_id("local-redis-1").is_ok());
        for bad in ["", "a b", "a/b", &"x".repeat(65)] {
            assert!(check_id(bad).is_err(), "{bad:?}");
        }
        let ep = Endpoint::parse("redis://app@127.0.0.1:6380/2")
            .unwrap()
            .with_password(Some(Secret::new("pw")));
        assert_eq!(stored_url(&ep), "redis://app@127.0.0.1:6380/2");
        assert_eq!(
            stored_url(&Endpoint::parse("127.0.0.1:1").unwrap()),
            "redis://127.0.0.1:1"
        );
    }
}
