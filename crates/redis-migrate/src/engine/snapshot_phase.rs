//! One snapshot into the target: the RDB parser on a blocking thread pushes keys through the
//! [`SnapshotWriter`] into a bounded channel, and the pipeline drains it; done when the
//! target has acknowledged every key.

use crate::metrics::Metrics;
use crate::rdb::{self, ParseOptions, ParseSummary, RdbError};
use crate::snapshot::{SnapshotError, SnapshotOptions, SnapshotSummary, SnapshotWriter};
use crate::target::{Batch, Pipeline, PipelineError};
use std::io::Read;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use tokio::sync::{mpsc, watch};

/// Batches queued between the parser thread and the pipeline (each at most about
/// `group_bytes` or `batch_bytes`, or one value of up to the parser's raw limit), on top of
/// the pipeline's own in-flight window.
const CHANNEL_BATCHES: usize = 16;

/// Why a snapshot did not complete.
#[derive(Debug)]
pub(crate) enum PhaseError {
    /// The caller asked to stop.
    Stopped,
    /// The target failed (the real cause when the parser only reports `Stopped`).
    Pipeline(PipelineError),
    /// The file (or the link carrying it) is bad.
    Rdb(RdbError),
    /// The writer refused (e.g. functions on a target without `FUNCTION`).
    Snapshot(SnapshotError),
    /// The parser thread died.
    Internal(String),
}

/// Counts bytes read into `rdb_bytes_parsed` (the full-sync progress).
pub(crate) struct CountingReader<R> {
    pub inner: R,
    pub counter: Arc<Metrics>,
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.counter
            .rdb_bytes_parsed
            .fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Parses `rdb` and writes it through `pipeline`; returns when everything is acknowledged.
/// A stop request drops the channel, which makes the parser stop at the next key.
pub(crate) async fn run<R: Read + Send + 'static>(
    rdb: R,
    opts: SnapshotOptions,
    parse: ParseOptions,
    pipeline: &Pipeline,
    metrics: Arc<Metrics>,
    stop: &mut watch::Receiver<bool>,
) -> Result<(ParseSummary, SnapshotSummary), PhaseError> {
    let (tx, rx) = mpsc::channel::<Batch>(CHANNEL_BATCHES);
    let m = metrics.clone();
    let parser = tokio::task::spawn_blocking(move || {
        let mut writer = SnapshotWriter::new(opts, tx, m.clone());
        let reader = CountingReader {
            inner: rdb,
            counter: m,
        };
        let parsed = rdb::parse(reader, &parse, &mut writer);
        (parsed, writer.finish())
    });
    let submitted = tokio::select! {
        r = pipeline.submit_all(rx) => Some(r),
        _ = wait_for_stop(stop) => None,
    };
    let (parsed, written) = parser
        .await
        .map_err(|e| PhaseError::Internal(format!("the RDB parser thread ended: {e}")))?;
    let Some(submitted) = submitted else {
        return Err(PhaseError::Stopped);
    };
    match (parsed, written, submitted) {
        (Ok(p), Ok(w), Ok(_)) => Ok((p, w)),
        // The pipeline's failure is the cause of everything else.
        (_, _, Err(e)) => Err(PhaseError::Pipeline(e)),
        (_, Err(e @ SnapshotError::FunctionsUnsupported), _) => Err(PhaseError::Snapshot(e)),
        (Err(e), _, _) => Err(PhaseError::Rdb(e)),
        (_, Err(e), _) => Err(PhaseError::Snapshot(e)),
    }
}

/// Resolves once `stop` holds `true` (immediately if it already does).
pub(crate) async fn wait_for_stop(stop: &mut watch::Receiver<bool>) {
    while !*stop.borrow_and_update() {
        if stop.changed().await.is_err() {
            // The handle is gone: nobody can ask to stop any more.
            std::future::pending::<()>().await;
        }
    }
}
