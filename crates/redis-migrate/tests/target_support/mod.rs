//! Shared by the `target_*`, `snapshot_*` and `apply_*` tests: endpoints, pipelines and
//! batch shorthands over real servers.
#![allow(dead_code)]

pub mod dataset;

use bytes::Bytes;
use redis_migrate::endpoint::Endpoint;
use redis_migrate::metrics::Metrics;
use redis_migrate::ratelimit::RateLimit;
use redis_migrate::target::{Ack, Batch, BatchBuilder, Pipeline, PipelineConfig, Replay};
use redis_test_server::{Reply, Server};
use std::sync::Arc;
use std::time::Duration;

pub fn endpoint(url: &str) -> Endpoint {
    Endpoint::parse(url).unwrap()
}

/// Quick retries and reconnects, so that tests of failures do not wait long.
pub fn fast_config() -> PipelineConfig {
    let mut c = PipelineConfig::default();
    c.retry.first = Duration::from_millis(20);
    c.retry.max = Duration::from_millis(200);
    c.reconnect.first = Duration::from_millis(50);
    c.reconnect.max = Duration::from_millis(500);
    c.connect_timeout = Duration::from_secs(5);
    c
}

pub async fn pipeline(url: &str, config: PipelineConfig) -> (Pipeline, Arc<Metrics>) {
    let metrics = Arc::new(Metrics::new());
    let p = Pipeline::connect(
        endpoint(url),
        config,
        Arc::new(RateLimit::unlimited()),
        metrics.clone(),
    )
    .await
    .unwrap();
    (p, metrics)
}

/// One command as a batch acknowledged as key number `n` of the file.
pub fn key_batch(args: &[&[u8]], n: u64, replay: Replay) -> Batch {
    let mut b = BatchBuilder::new();
    let key = args.get(1).map(|k| Bytes::copy_from_slice(k));
    b.push(args, key.as_ref());
    b.finish(Ack::KeyDone { file_keys: n }, replay)
}

pub fn int(server: &Server, args: &[&str]) -> i64 {
    match server.call(args).unwrap() {
        Reply::Integer(i) => i,
        other => panic!("{args:?} answered {other:?}"),
    }
}

pub fn text(server: &Server, args: &[&str]) -> String {
    server.call(args).unwrap().text()
}

/// Everything a pipeline test leaves behind must be gone: no hung tasks.
pub async fn within<T>(secs: u64, f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(secs), f)
        .await
        .expect("the test did not finish in time")
}

use dataset::SourceData;
use redis_migrate::snapshot::{SnapshotError, SnapshotOptions, SnapshotSummary, SnapshotWriter};
use redis_migrate::target::{Acked, PipelineError};

/// What one snapshot run gave.
pub struct Run {
    pub summary: Result<SnapshotSummary, SnapshotError>,
    pub acked: Result<Acked, PipelineError>,
    pub metrics: Arc<Metrics>,
}

/// Feeds `data` through a [`SnapshotWriter`] on a blocking thread into a pipeline to `url`,
/// as the orchestrator wires them.
pub async fn run_snapshot(data: Arc<SourceData>, url: &str, opts: SnapshotOptions) -> Run {
    let (p, metrics) = pipeline(url, fast_config()).await;
    let (tx, rx) = tokio::sync::mpsc::channel(64);
    let m = metrics.clone();
    let writer = tokio::task::spawn_blocking(move || {
        let mut w = SnapshotWriter::new(opts, tx, m);
        let _ = dataset::feed(&mut w, &data);
        w.finish()
    });
    let acked = within(120, p.submit_all(rx)).await;
    let summary = writer.await.unwrap();
    if acked.is_ok() {
        p.close().await.unwrap();
    }
    Run {
        summary,
        acked,
        metrics,
    }
}

/// `DEBUG DIGEST` of both servers, and every key's expire time, must agree.
pub fn assert_same(source: &Server, target: &Server, data: &SourceData) {
    assert_eq!(
        source.digest().unwrap(),
        target.digest().unwrap(),
        "DEBUG DIGEST differs"
    );
    for (db, key) in dataset::streams(data) {
        assert_eq!(
            dataset::stream_info(source, db, &key),
            dataset::stream_info(target, db, &key),
            "stream {:?} in db {db}",
            key
        );
    }
    for k in &data.keys {
        let mut c = target.connect().unwrap();
        c.call(&["SELECT", &k.db.to_string()]).unwrap();
        let t = c.call(&[&b"PEXPIRETIME"[..], &k.key]).unwrap();
        assert_eq!(
            t.as_int().filter(|&t| t > 0),
            k.expire,
            "expire of {:?}",
            k.key
        );
    }
}
