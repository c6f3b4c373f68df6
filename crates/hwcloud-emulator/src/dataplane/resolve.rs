//! From a stored task to what the engine needs: the source and target servers (addresses
//! from the task and the instance records, passwords from memory), the mode, the resume
//! point, the byte-rate limit, the backup files. Runs inside a storage transaction; an
//! `Err(reason)` in the answer is a task that cannot run (it fails with that reason).

use std::path::PathBuf;

use hwcloud_dcs::types as t;
use redis_migrate::endpoint::{Endpoint, Secret};
use redis_migrate::engine::Checkpoint;

use super::obs;
use super::state::Plane;
use crate::dcs::model::{self, DcsTask, TaskKind};
use crate::dcs::real_instances::{find_backup, redis_url};
use crate::store::{Db, StoreError};

/// What one run of the engine does.
#[derive(Debug, Clone)]
pub enum JobSpec {
    Online {
        source: Endpoint,
        target: Endpoint,
        incremental: bool,
        manual: bool,
        /// Bytes per second.
        bandwidth: Option<u64>,
        resume_from: Option<Checkpoint>,
    },
    Import {
        files: Vec<PathBuf>,
        target: Endpoint,
    },
}

impl JobSpec {
    /// The source (online migrations only) and the target.
    pub fn servers(&self) -> (Option<&Endpoint>, &Endpoint) {
        match self {
            JobSpec::Online { source, target, .. } => (Some(source), target),
            JobSpec::Import { target, .. } => (None, target),
        }
    }

    /// The servers the run connects to, named.
    pub fn endpoints(&self) -> Vec<(&'static str, &Endpoint)> {
        let (source, target) = self.servers();
        source
            .map(|s| ("source", s))
            .into_iter()
            .chain([("target", target)])
            .collect()
    }
}

/// Where a task keeps the password given for its `side` (`source` or `target`).
pub fn task_secret_key(task_id: &str, side: &str) -> String {
    format!("task/{task_id}/{side}")
}

/// Where the password of a registered instance is kept: instances belong to a project, and
/// two projects may register the same id.
pub fn instance_secret_key(project: &str, instance_id: &str) -> String {
    format!("instance/{project}/{instance_id}")
}

type Resolved<T> = Result<Result<T, String>, StoreError>;

/// The job of `task`'s next run.
pub fn job_for(plane: &Plane, db: &Db<'_>, task: &DcsTask) -> Resolved<JobSpec> {
    let target = match instance_endpoint(plane, db, task, task.target.as_ref(), "target")? {
        Ok(Some(t)) => t,
        Ok(None) => {
            return Ok(Err(format!(
                "the target instance {} is not backed by a Redis server in this emulator run; register it again (--instance ID=redis://HOST:PORT or POST /_emulator/instances)",
                target_id(task)
            )));
        }
        Err(e) => return Ok(Err(e)),
    };
    if task.kind == TaskKind::BackupImport {
        return Ok(backup_files(plane, db, task)?.map(|files| JobSpec::Import { files, target }));
    }
    let source = match source_endpoint(plane, db, task)? {
        Ok(s) => s,
        Err(e) => return Ok(Err(e)),
    };
    let bandwidth = task
        .bandwidth_limit_mb
        .as_deref()
        .and_then(|b| b.trim().parse::<u64>().ok())
        .and_then(|mb| redis_migrate::ratelimit::bandwidth_limit_mb_to_bytes(mb).ok());
    let incremental = task.migration_method == Some(t::MigrationMethod::Incremental);
    let resume_from = task
        .engine
        .as_ref()
        .and_then(|e| e.checkpoint.clone())
        .filter(|_| incremental)
        .map(|c| Checkpoint {
            replid: c.replid,
            offset: c.offset,
            db: c.db,
        });
    Ok(Ok(JobSpec::Online {
        source,
        target,
        incremental,
        manual: task.resume_mode == Some(t::ResumeMode::Manual),
        bandwidth,
        resume_from,
    }))
}

fn target_id(task: &DcsTask) -> &str {
    task.target
        .as_ref()
        .and_then(|t| t.id.as_deref())
        .unwrap_or("(none)")
}

/// The server of a registered instance named by `end`, with the password the task was given
/// for `side`, else the instance's own.
fn instance_endpoint(
    plane: &Plane,
    db: &Db<'_>,
    task: &DcsTask,
    end: Option<&model::Endpoint>,
    side: &str,
) -> Resolved<Option<Endpoint>> {
    let Some(id) = end.and_then(|e| e.id.as_deref()) else {
        return Ok(Ok(None));
    };
    let Some(url) = redis_url(db, &task.project_id, id)? else {
        return Ok(Ok(None));
    };
    let password = plane
        .secret(&task_secret_key(&task.id, side))
        .or_else(|| plane.secret(&instance_secret_key(&task.project_id, id)));
    Ok(Endpoint::parse(&url)
        .map(|e| Some(e.with_password(password)))
        .map_err(|e| format!("instance {id}: {e}")))
}

/// The source: a registered instance, else the first address of `source_instance.addrs`.
fn source_endpoint(plane: &Plane, db: &Db<'_>, task: &DcsTask) -> Resolved<Endpoint> {
    let source = task.source.as_ref();
    match instance_endpoint(plane, db, task, source, "source")? {
        Ok(Some(ep)) => return Ok(Ok(ep)),
        Err(e) => return Ok(Err(e)),
        Ok(None) => {}
    }
    let Some(addrs) = source.and_then(|s| s.addrs.as_deref()) else {
        let id = source.and_then(|s| s.id.as_deref()).unwrap_or("(none)");
        return Ok(Err(format!(
            "the source instance {id} is not backed by a Redis server in this emulator; give source_instance.addrs or register it (--instance {id}=redis://HOST:PORT)"
        )));
    };
    let first = addrs.split(',').next().unwrap_or("").trim();
    let password = plane.secret(&task_secret_key(&task.id, "source"));
    Ok(Endpoint::parse(first)
        .map(|e| e.with_password(password))
        .map_err(|e| format!("source_instance.addrs: {e}")))
}

/// The files of a backup import: a backup record's RDB, or objects of an OBS bucket folder.
fn backup_files(plane: &Plane, db: &Db<'_>, task: &DcsTask) -> Resolved<Vec<PathBuf>> {
    let Some(files) = &task.backup_files else {
        return Ok(Err("the task names no backup files".to_owned()));
    };
    if files.file_source == Some(t::FileSource::BackupRecord) {
        let id = files.backup_id.as_deref().unwrap_or("");
        return Ok(match find_backup(db, &task.project_id, id)? {
            None => Err(format!(
                "backup {id} does not exist (ListBackupRecords lists an instance's backups)"
            )),
            Some((inst, b)) => b.file.map(|f| vec![PathBuf::from(f)]).ok_or_else(|| {
                format!(
                    "backup {id} of instance {inst} was registered without data; take one of a Redis-backed instance with POST /_emulator/instances/{inst}/backups"
                )
            }),
        });
    }
    let Some(dir) = &plane.obs_dir else {
        return Ok(Err(
            "the emulator was started without --obs-dir, so OBS buckets hold no files; start it with --obs-dir DIR and put the files in DIR/BUCKET/".to_owned(),
        ));
    };
    let bucket = files.bucket_name.as_deref().unwrap_or("");
    let mut out = Vec::new();
    for f in files.files.iter().flatten() {
        let key = f.file_name.as_deref().unwrap_or("");
        let path = match obs::object_path(dir, bucket, key) {
            Ok(p) => p,
            Err(e) => return Ok(Err(e)),
        };
        if !path.is_file() {
            return Ok(Err(format!(
                "file {key} is not in bucket {bucket} (looked for {})",
                path.display()
            )));
        }
        out.push(path);
    }
    Ok(Ok(out))
}

/// A password received in a request, kept for the task's runs (in memory only).
pub fn remember(plane: &Plane, task_id: &str, side: &str, password: Option<String>) {
    plane.set_secret(
        &task_secret_key(task_id, side),
        password.filter(|p| !p.is_empty()).map(Secret::new),
    );
}
