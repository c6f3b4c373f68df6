//! Backup files into a target: every part of every source (RDB snapshots, AOF commands) goes
//! through the same snapshot writer, stream applier and pipeline as a migration. Succeeds only
//! when the target has acknowledged every key and command of every file.

use super::EngineError;
use super::snapshot_phase::CountingReader;
use crate::apply::{Applier, ApplyOptions, Step};
use crate::conn::Connection;
use crate::endpoint::Endpoint;
use crate::import::{self, ImportOptions, ImportSummary, Part, PartBody};
use crate::metrics::{Level, Metrics, Phase};
use crate::ratelimit::RateLimit;
use crate::rdb::{self, RdbError};
use crate::snapshot::{Mode, SnapshotOptions, SnapshotWriter};
use crate::target::{
    Ack, Batch, BatchBuilder, Pipeline, PipelineConfig, Replay, TargetInfo, probe,
};
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;

/// Choices for an import.
#[derive(Debug, Clone)]
pub struct ImportRunOptions {
    pub target: Endpoint,
    /// Bytes per second written to the target; `None` for no limit.
    pub bandwidth: Option<u64>,
    pub import: ImportOptions,
    /// Replay `FLUSHALL`/`FLUSHDB` found in AOFs (dropped by default).
    pub keep_flush: bool,
    pub connect_timeout: Duration,
}

impl ImportRunOptions {
    pub fn new(target: Endpoint) -> Self {
        Self {
            target,
            bandwidth: None,
            import: ImportOptions::default(),
            keep_flush: false,
            connect_timeout: Duration::from_secs(10),
        }
    }
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ImportOutcome {
    /// Each source (file, archive, multi-part AOF) with what was read from it.
    pub sources: Vec<(String, ImportSummary)>,
    /// Keys of RDB parts written (acknowledged by the target).
    pub keys_written: u64,
    /// Keys of RDB parts already expired, hence not written.
    pub keys_skipped_expired: u64,
    /// AOF commands sent (acknowledged by the target).
    pub commands: u64,
}

/// Imports `paths` (each a file, an archive or a multi-part AOF directory or manifest) into
/// the target, in order.
pub async fn import_files(
    paths: &[PathBuf],
    opts: ImportRunOptions,
    metrics: Arc<Metrics>,
) -> Result<ImportOutcome, EngineError> {
    let sources = import::open(paths, &opts.import)?;
    metrics.set_phase(Phase::Importing);
    let total: u64 = sources.iter().map(import::ImportSource::size).sum();
    metrics.rdb_bytes_total.store(total, Ordering::Relaxed);
    let mut conn = Connection::connect(&opts.target, opts.connect_timeout)
        .await
        .map_err(EngineError::TargetConnect)?;
    let info = probe(&mut conn, opts.connect_timeout)
        .await
        .map_err(EngineError::TargetConnect)?;
    drop(conn);
    let rate = Arc::new(RateLimit::new(opts.bandwidth));
    let pipeline = Pipeline::connect(
        opts.target.clone(),
        PipelineConfig {
            connect_timeout: opts.connect_timeout,
            ..PipelineConfig::default()
        },
        rate,
        metrics.clone(),
    )
    .await
    .map_err(EngineError::TargetConnect)?;
    let (tx, rx) = mpsc::channel::<Batch>(256);
    let m = metrics.clone();
    let keep_flush = opts.keep_flush;
    // The file being read, to name it when the target refuses what came from it.
    let current = Arc::new(Mutex::new(String::new()));
    let reading = current.clone();
    let reader = tokio::task::spawn_blocking(move || {
        let mut out = Vec::new();
        for source in &sources {
            m.event(Level::Info, format!("importing {}", source.name()));
            let summary = source.read_parts(|part| {
                *reading.lock().unwrap_or_else(|e| e.into_inner()) = part.file.to_owned();
                import_part(part, &info, keep_flush, &tx, &m)
            })?;
            for w in &summary.warnings {
                m.event(Level::Warn, format!("{}: {w}", source.name()));
            }
            out.push((source.name().to_owned(), summary));
        }
        Ok::<_, EngineError>(out)
    });
    let submitted = pipeline.submit_all(rx).await;
    let read = reader
        .await
        .map_err(|e| EngineError::Internal(format!("the import thread ended: {e}")))?;
    let closed = pipeline.close().await;
    let result = match (read, submitted.and(closed)) {
        // A damaged file explains what the target refused of it (a payload cut short).
        (Err(e @ EngineError::File { .. }), Err(_)) => Err(e),
        (_, Err(e)) => {
            let file = std::mem::take(&mut *current.lock().unwrap_or_else(|e| e.into_inner()));
            Err(match file.is_empty() {
                true => e.into(),
                false => EngineError::File {
                    file,
                    source: Box::new(e.into()),
                },
            })
        }
        (Err(e), Ok(_)) => Err(e),
        (Ok(sources), Ok(_)) => {
            let s = metrics.snapshot();
            Ok(ImportOutcome {
                sources,
                keys_written: s.keys_written,
                keys_skipped_expired: s.keys_skipped_expired,
                commands: s.commands_applied,
            })
        }
    };
    metrics.set_phase(if result.is_ok() {
        Phase::Stopped
    } else {
        Phase::Failed
    });
    result
}

/// One part on the reading thread: an RDB through the snapshot writer, commands through the
/// applier (each AOF file starts in database 0, as when Redis loads it).
fn import_part(
    part: Part<'_>,
    info: &TargetInfo,
    keep_flush: bool,
    tx: &mpsc::Sender<Batch>,
    metrics: &Arc<Metrics>,
) -> Result<(), EngineError> {
    let in_file = |e: EngineError| EngineError::File {
        file: part.file.to_owned(),
        source: Box::new(e),
    };
    match part.body {
        PartBody::Rdb(reader) => {
            let opts = SnapshotOptions {
                mode: Mode::Full,
                target_rdb_version: Some(info.rdb_version),
                features: info.features,
                target_has_functions: info.has_functions,
                ..SnapshotOptions::default()
            };
            let mut writer = SnapshotWriter::new(opts, tx.clone(), metrics.clone());
            let counting = CountingReader {
                inner: reader,
                counter: metrics.clone(),
            };
            match rdb::parse(counting, &crate::snapshot::parse_options(), &mut writer) {
                Ok(_) => writer.finish().map(drop).map_err(|e| in_file(e.into())),
                Err(RdbError::Stopped { .. }) => Err(writer.finish().err().map_or(
                    EngineError::Internal("the target pipeline stopped".into()),
                    |e| e.into(),
                )),
                Err(e) => Err(in_file(e.into())),
            }
        }
        PartBody::Commands(commands) => {
            let mut applier = Applier::new(ApplyOptions {
                keep_flush,
                ..ApplyOptions::default()
            });
            let mut select = BatchBuilder::new();
            select.push(&[&b"SELECT"[..], b"0"], None);
            send(tx, select.finish(Ack::None, Replay::Idempotent))?;
            let mut offset = 0u64;
            for cmd in commands {
                let cmd = cmd?;
                offset += cmd.wire_len() as u64;
                metrics
                    .rdb_bytes_parsed
                    .fetch_add(cmd.wire_len() as u64, Ordering::Relaxed);
                let dropped_before = applier.dropped();
                let step = applier.push(&cmd, offset).map_err(|e| in_file(e.into()))?;
                metrics
                    .commands_dropped
                    .fetch_add(applier.dropped() - dropped_before, Ordering::Relaxed);
                match step {
                    Step::Send(b) | Step::Drop(b) => send(tx, b)?,
                    Step::Hold => {}
                }
            }
            Ok(())
        }
    }
}

fn send(tx: &mpsc::Sender<Batch>, batch: Batch) -> Result<(), EngineError> {
    tx.blocking_send(batch)
        .map_err(|_| EngineError::Internal("the target pipeline stopped".into()))
}
