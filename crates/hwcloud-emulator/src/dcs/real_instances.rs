//! DCS instances backed by real Redis servers: registration (`--instance ID=URL`, the
//! builder, `POST /_emulator/instances`), the lookups a migration needs (the server behind an
//! instance, a backup's file) and the backups the emulator takes. The records are the
//! ordinary instance records of [`super::instances`] with a `redis` URL (never a password).

use hwcloud_dcs::types as t;

use super::instances::{Backup, INSTANCE, Instance, backup_view};
use crate::store::{Db, StoreError};

/// The Redis server behind instance `id` of `project`, when it has one.
pub fn redis_url(db: &Db<'_>, project: &str, id: &str) -> Result<Option<String>, StoreError> {
    Ok(Instance::load(db, project, id)?.and_then(|i| i.redis))
}

/// Registers (or re-points) instance `id` of `project` as backed by the Redis server at
/// `url` (`host`:`port`); an existing instance keeps its name unless one is given, and its
/// backups. Answers the instance as ShowInstance shows it.
pub fn upsert_real(
    db: &Db<'_>,
    project: &str,
    id: &str,
    name: Option<String>,
    (url, host, port): (&str, &str, u16),
    now: i64,
) -> Result<t::Instance, StoreError> {
    let inst = match Instance::load(db, project, id)? {
        Some(mut i) => {
            i.name = name.unwrap_or(i.name);
            i.ip = host.to_owned();
            i.port = i32::from(port);
            i.redis = Some(url.to_owned());
            i
        }
        None => Instance {
            id: id.to_owned(),
            project_id: project.to_owned(),
            name: name.unwrap_or_else(|| id.to_owned()),
            engine_version: "7.0".to_owned(),
            ip: host.to_owned(),
            port: i32::from(port),
            domain_name: format!("redis-{id}.dcs.example.internal"),
            capacity_gb: 2,
            created_ms: now,
            switching_until_ms: 0,
            backups: Vec::new(),
            redis: Some(url.to_owned()),
        },
    };
    inst.save(db)?;
    Ok(inst.view(now))
}

/// The Redis-backed instances of `project`: id, name, URL and number of backups.
pub fn real_instances(
    db: &Db<'_>,
    project: &str,
) -> Result<Vec<(String, String, String, usize)>, StoreError> {
    let all: Vec<Instance> = db.list(INSTANCE, project)?;
    Ok(all
        .into_iter()
        .filter_map(|i| Some((i.id, i.name, i.redis?, i.backups.len())))
        .collect())
}

/// Adds `backup` to instance `id` of `project`; answers it as ListBackupRecords shows it
/// (`None` when the instance does not exist).
pub fn add_backup(
    db: &Db<'_>,
    project: &str,
    id: &str,
    backup: Backup,
) -> Result<Option<t::BackupRecord>, StoreError> {
    let Some(mut inst) = Instance::load(db, project, id)? else {
        return Ok(None);
    };
    let view = backup_view(&inst.id, &backup);
    inst.backups.push(backup);
    inst.save(db)?;
    Ok(Some(view))
}

/// The backup `backup_id` of any instance of `project`, with its instance id.
pub fn find_backup(
    db: &Db<'_>,
    project: &str,
    backup_id: &str,
) -> Result<Option<(String, Backup)>, StoreError> {
    let all: Vec<Instance> = db.list(INSTANCE, project)?;
    Ok(all.into_iter().find_map(|i| {
        let b = i.backups.into_iter().find(|b| b.backup_id == backup_id)?;
        Some((i.id, b))
    }))
}
