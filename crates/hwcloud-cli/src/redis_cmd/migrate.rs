//! `hwcloud redis migrate`: full sync, or full + incremental until SIGINT/SIGTERM.

use super::{SourceArgs, TargetArgs, bandwidth, engine_failure, progress};
use crate::runner::CliError;
use clap::{Args, ValueEnum};
use redis_migrate::engine::{
    Checkpoint, EngineError, MigrateOptions, Migration, ResumePolicy, Summary, SyncMode,
};
use std::path::{Path, PathBuf};
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ModeArg {
    /// The snapshot only; exits 0 once the target has acknowledged every key
    Full,
    /// The snapshot, then every write, until SIGINT or SIGTERM (then exits 0)
    Incremental,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ResumeArg {
    /// After a cut, reconnect with backoff and resume, forever
    Auto,
    /// After a cut, stop with the resume point (kept in --checkpoint-file)
    Manual,
}

#[derive(Debug, Args)]
pub struct MigrateArgs {
    #[command(flatten)]
    source: SourceArgs,
    #[command(flatten)]
    target: TargetArgs,
    /// What to copy
    #[arg(long, value_enum, default_value = "full")]
    mode: ModeArg,
    /// What to do when a link is cut
    #[arg(long, value_enum, default_value = "auto")]
    resume: ResumeArg,
    /// Limit on bytes written to the target, in MB/s (1 MB = 1,048,576 bytes; 1-10240), as
    /// DCS's bandwidth_limit_mb
    #[arg(long, value_name = "MB")]
    bandwidth_limit_mb: Option<u64>,
    /// Keep the resume point here: read at start (resume without a new full sync), written
    /// every second and at exit
    #[arg(long, value_name = "FILE")]
    checkpoint_file: Option<PathBuf>,
    /// Directory for the disk spool (default: a new temporary directory)
    #[arg(long, value_name = "DIR")]
    work_dir: Option<PathBuf>,
    /// Most megabytes held on disk per spool
    #[arg(long, value_name = "MB", default_value_t = 4096)]
    spool_limit_mb: u64,
    /// Forward FLUSHALL/FLUSHDB from the source (dropped by default, as DCS does)
    #[arg(long)]
    keep_flush: bool,
    /// Incremental mode: keys that would expire sooner than this are written with now + this
    /// many seconds (the source's DEL removes them when they really expire)
    #[arg(long, value_name = "SECONDS", default_value_t = 3600)]
    expire_grace: u64,
}

pub async fn run(a: MigrateArgs) -> Result<(), CliError> {
    // Listening from the start: a signal during set-up stops the run cleanly too.
    let shutdown = crate::shutdown::Shutdown::listen();
    let source = a.source.endpoint()?;
    let target = a.target.endpoint()?;
    let temp;
    let work_dir = match &a.work_dir {
        Some(d) => d.clone(),
        None => {
            temp = tempfile::Builder::new()
                .prefix("hwcloud-redis-")
                .tempdir()
                .map_err(|e| CliError::config(format!("cannot create a spool directory: {e}")))?;
            temp.path().to_owned()
        }
    };
    let mut opts = MigrateOptions::new(source, target, work_dir);
    opts.mode = match a.mode {
        ModeArg::Full => SyncMode::Full,
        ModeArg::Incremental => SyncMode::Incremental,
    };
    opts.resume = match a.resume {
        ResumeArg::Auto => ResumePolicy::Auto {
            max_backoff: Duration::from_secs(30),
        },
        ResumeArg::Manual => ResumePolicy::Manual,
    };
    opts.bandwidth = bandwidth(a.bandwidth_limit_mb)?;
    opts.spool_limit_bytes = a.spool_limit_mb.saturating_mul(1024 * 1024);
    opts.keep_flush = a.keep_flush;
    opts.expire_grace = Duration::from_secs(a.expire_grace);
    if let Some(f) = &a.checkpoint_file {
        opts.resume_from = read_checkpoint(f)?;
        if opts.mode == SyncMode::Full && opts.resume_from.is_some() {
            return Err(CliError::usage(
                "--checkpoint-file holds a resume point, which only --mode incremental uses",
            ));
        }
    }
    let migration = Migration::start(opts);
    let reporter = tokio::spawn(progress::report(migration.metrics()));
    let result = drive(migration, a.checkpoint_file.as_deref(), shutdown).await;
    reporter.abort();
    let (summary, checkpoint) = match result {
        Ok(s) => {
            let cp = s.checkpoint.clone();
            (Ok(s), cp)
        }
        Err((e, cp)) => (Err(e), cp),
    };
    if let (Some(f), Some(cp)) = (&a.checkpoint_file, &checkpoint) {
        write_checkpoint(f, cp).map_err(|e| CliError::config(format!("{}: {e}", f.display())))?;
    }
    match summary {
        Ok(s) => {
            print_summary(&s);
            Ok(())
        }
        Err(e) => {
            let mut err = engine_failure(&e);
            if let Some(cp) = checkpoint {
                err.message.push_str(&format!(
                    "\nresume point: replication id {} offset {} db {}{}",
                    cp.replid,
                    cp.offset,
                    cp.db,
                    match &a.checkpoint_file {
                        Some(f) =>
                            format!(" (kept in {}; run the same command to resume)", f.display()),
                        None => " (pass --checkpoint-file to keep it)".into(),
                    }
                ));
            }
            Err(err)
        }
    }
}

/// Waits for the migration to end or for SIGINT/SIGTERM (then stops it cleanly), writing
/// the checkpoint to `checkpoint_file` whenever it moves (at most every half second). The end
/// is noticed within [`FINISH_POLL`], so a full sync exits as soon as it is done.
async fn drive(
    migration: Migration,
    checkpoint_file: Option<&Path>,
    shutdown: crate::shutdown::Shutdown,
) -> Result<Summary, (EngineError, Option<Checkpoint>)> {
    let mut save = tokio::time::interval(Duration::from_millis(500));
    let mut poll = tokio::time::interval(FINISH_POLL);
    let signal = shutdown.recv();
    tokio::pin!(signal);
    let mut saved = None;
    loop {
        tokio::select! {
            _ = &mut signal => break,
            _ = poll.tick() => {
                if migration.is_finished() {
                    break;
                }
            }
            _ = save.tick() => {
                let cp = migration.checkpoint();
                if let (Some(f), Some(c)) = (checkpoint_file, &cp)
                    && saved.as_ref() != Some(c)
                    && write_checkpoint(f, c).is_ok()
                {
                    saved = cp;
                }
            }
        }
    }
    if migration.is_finished() {
        let cp = migration.checkpoint();
        migration.wait().await.map_err(|e| (e, cp))
    } else {
        eprintln!("stopping: letting the target acknowledge what it was sent…");
        let cp = migration.checkpoint();
        migration.stop().await.map_err(|e| (e, cp))
    }
}

/// How often `drive` looks whether the migration has ended.
const FINISH_POLL: Duration = Duration::from_millis(10);

fn print_summary(s: &Summary) {
    println!(
        "done: {} keys written, {} already expired (skipped), {} stream commands applied, {} dropped, {} full sync(s), {} partial resync(s)",
        s.keys_written,
        s.keys_skipped_expired,
        s.commands_applied,
        s.commands_dropped,
        s.full_syncs,
        s.partial_resyncs
    );
    if let Some(cp) = &s.checkpoint {
        println!(
            "resume point: replication id {} offset {} db {}",
            cp.replid, cp.offset, cp.db
        );
    }
}

fn read_checkpoint(f: &Path) -> Result<Option<Checkpoint>, CliError> {
    let text = match std::fs::read_to_string(f) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(CliError::config(format!("{}: {e}", f.display()))),
    };
    let v: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| CliError::config(format!("{}: not a checkpoint: {e}", f.display())))?;
    let field = |name: &str| {
        v.get(name).ok_or_else(|| {
            CliError::config(format!("{}: not a checkpoint: no `{name}`", f.display()))
        })
    };
    let replid = field("replid")?.as_str().unwrap_or_default().to_owned();
    let offset = field("offset")?.as_u64();
    let db = field("db")?.as_u64().and_then(|d| u32::try_from(d).ok());
    match (replid.len(), offset, db) {
        (40, Some(offset), Some(db)) if replid.bytes().all(|b| b.is_ascii_hexdigit()) => {
            Ok(Some(Checkpoint { replid, offset, db }))
        }
        _ => Err(CliError::config(format!(
            "{}: not a checkpoint: expected a 40-hex-digit replid, an offset and a db",
            f.display()
        ))),
    }
}

/// Writes the checkpoint atomically (a temporary file renamed over the old one).
fn write_checkpoint(f: &Path, cp: &Checkpoint) -> std::io::Result<()> {
    let body = serde_json::json!({"replid": cp.replid, "offset": cp.offset, "db": cp.db});
    let tmp = f.with_extension("tmp");
    std::fs::write(&tmp, format!("{body}\n"))?;
    std::fs::rename(&tmp, f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checkpoints_round_trip_and_bad_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("cp.json");
        assert_eq!(read_checkpoint(&f).unwrap(), None);
        let cp = Checkpoint {
            replid: "a".repeat(40),
            offset: 1234,
            db: 3,
        };
        write_checkpoint(&f, &cp).unwrap();
        assert_eq!(read_checkpoint(&f).unwrap(), Some(cp));
        std::fs::write(&f, r#"{"replid":"x","offset":1,"db":0}"#).unwrap();
        assert!(read_checkpoint(&f).is_err());
        std::fs::write(&f, "not json").unwrap();
        assert!(read_checkpoint(&f).is_err());
    }
}
