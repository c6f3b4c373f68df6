//! Backups of a Redis-backed instance, taken the way a replica gets its first snapshot: the
//! engine's replica connects, asks for a full resync and the RDB it receives is written to
//! the backup folder. The backup then appears in ListBackupRecords, and a backup import with
//! `file_source: backup_record` reads that file.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use hwcloud_dcs::types as t;
use redis_migrate::endpoint::Endpoint;
use redis_migrate::metrics::Metrics;
use redis_migrate::replica::{Replication, ResumeMode, SourceOptions, StreamItem};

use crate::app::App;
use crate::dcs::instances::Backup;
use crate::dcs::real_instances::{add_backup, redis_url};
use crate::ids::uuid;
use crate::profile::{self, Profile};

const SVC: &Profile = &profile::DCS;
/// The longest a backup may take (connect, snapshot, copy).
const LIMIT: Duration = Duration::from_secs(600);

/// Why no backup was taken.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("instance {0} of project {1} is not backed by a Redis server")]
    NotFound(String, String),
    #[error("backup of instance {id} failed: {reason}")]
    Failed { id: String, reason: String },
}

/// Takes a backup of instance `id` of `project` and records it (named `name`, or
/// `backup-<n>`); answers it as ListBackupRecords shows it.
pub async fn take(
    app: &Arc<App>,
    project: &str,
    id: &str,
    name: Option<String>,
) -> Result<t::BackupRecord, BackupError> {
    let failed = |reason: String| BackupError::Failed {
        id: id.to_owned(),
        reason,
    };
    let (p, i) = (project.to_owned(), id.to_owned());
    let url = app
        .tx(SVC, move |db, _| Ok(redis_url(db, &p, &i)?))
        .await
        .map_err(|e| failed(e.msg))?
        .ok_or_else(|| BackupError::NotFound(id.to_owned(), project.to_owned()))?;
    let endpoint = Endpoint::parse(&url)
        .map_err(|e| failed(e.to_string()))?
        .with_password(
            app.plane
                .secret(&super::resolve::instance_secret_key(project, id)),
        );
    app.plane
        .net
        .check(&endpoint.host, endpoint.port)
        .await
        .map_err(failed)?;
    let backup_id = uuid();
    let file = app.plane.backup_dir().join(format!("{backup_id}.rdb"));
    let spool = app.plane.spool_dir(&format!("backup-{backup_id}"));
    let copied = tokio::time::timeout(LIMIT, snapshot_to(endpoint, spool.clone(), file.clone()))
        .await
        .unwrap_or_else(|_| Err(format!("no complete snapshot within {LIMIT:?}")));
    let _ = std::fs::remove_dir_all(&spool);
    let size = match copied {
        Ok(n) => n,
        Err(reason) => {
            let _ = std::fs::remove_file(&file);
            return Err(failed(reason));
        }
    };
    let (p, i) = (project.to_owned(), id.to_owned());
    let path = file.to_string_lossy().into_owned();
    let record = app
        .tx(SVC, move |db, now| {
            let backup = Backup {
                backup_id,
                backup_name: name.unwrap_or_else(|| format!("backup-{}", now / 1000)),
                size: i64::try_from(size).unwrap_or(i64::MAX),
                backup_type: t::BackupType::Manual,
                status: t::BackupStatus::Succeed,
                created_ms: now,
                file: Some(path),
            };
            Ok(add_backup(db, &p, &i, backup)?)
        })
        .await
        .map_err(|e| failed(e.msg))?;
    record.ok_or_else(|| BackupError::NotFound(id.to_owned(), project.to_owned()))
}

/// Receives one snapshot from `source` as a replica and writes it to `file`; answers its
/// size.
async fn snapshot_to(source: Endpoint, spool: PathBuf, file: PathBuf) -> Result<u64, String> {
    std::fs::create_dir_all(&spool).map_err(|e| format!("{}: {e}", spool.display()))?;
    let mut opts = SourceOptions::new(source, spool);
    opts.resume = ResumeMode::Manual;
    opts.connect_timeout = Duration::from_secs(5);
    let mut repl = Replication::start(opts, None, Arc::new(Metrics::new()))
        .await
        .map_err(|e| e.to_string())?;
    let item = repl.next().await.map_err(|e| e.to_string());
    let result = match item {
        Ok(Some(StreamItem::FullSync { rdb, .. })) => {
            let file = file.clone();
            tokio::task::spawn_blocking(move || {
                let part = file.with_extension("rdb.part");
                let mut out = std::fs::File::create(&part)?;
                let mut rdb = rdb;
                let n = std::io::copy(&mut rdb, &mut out)?;
                out.flush()?;
                out.sync_all()?;
                std::fs::rename(&part, &file)?;
                Ok::<u64, std::io::Error>(n)
            })
            .await
            .map_err(|e| format!("the copying thread ended: {e}"))
            .and_then(|r| r.map_err(|e| format!("copying the snapshot: {e}")))
        }
        Ok(_) => Err("the source sent no snapshot".to_owned()),
        Err(e) => Err(e),
    };
    repl.stop().await;
    result
}
