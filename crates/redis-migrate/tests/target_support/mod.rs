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

/// Both servers must hold the same data: `DEBUG DIGEST` when they are the same program;
/// key by key otherwise (Redis 7.0 and Valkey 8.1 digest sorted-set scores differently, so
/// sorted sets are compared by their members and parsed scores), plus every stream's groups
/// and every key's expire time.
pub fn assert_same(source: &Server, target: &Server, data: &SourceData) {
    if source.flavor() == target.flavor() {
        assert_eq!(
            source.digest().unwrap(),
            target.digest().unwrap(),
            "DEBUG DIGEST differs"
        );
    }
    let (mut s, mut t) = (source.connect().unwrap(), target.connect().unwrap());
    for k in &data.keys {
        for c in [&mut s, &mut t] {
            c.call(&["SELECT", &k.db.to_string()]).unwrap();
        }
        let kind = s.call(&[&b"TYPE"[..], &k.key]).unwrap().text();
        let args: Vec<&[u8]> = if kind == "zset" {
            vec![b"ZRANGE", &k.key, b"0", b"-1", b"WITHSCORES"]
        } else {
            vec![b"DEBUG", b"DIGEST-VALUE", &k.key]
        };
        let (a, b) = (s.call(&args).unwrap(), t.call(&args).unwrap());
        if kind == "zset" {
            assert_eq!(scores(a), scores(b), "sorted set {:?}", k.key);
        } else {
            assert_eq!(a, b, "{kind} {:?}", k.key);
        }
        let expire = t.call(&[&b"PEXPIRETIME"[..], &k.key]).unwrap();
        assert_eq!(
            expire.as_int().filter(|&t| t > 0),
            k.expire,
            "expire of {:?}",
            k.key
        );
    }
    for db in [0, 2] {
        for c in [&mut s, &mut t] {
            c.call(&["SELECT", &db.to_string()]).unwrap();
        }
        assert_eq!(
            s.call(&["DBSIZE"]).unwrap(),
            t.call(&["DBSIZE"]).unwrap(),
            "db {db}"
        );
    }
    for (db, key) in dataset::streams(data) {
        assert_eq!(
            dataset::stream_info(source, db, &key),
            dataset::stream_info(target, db, &key),
            "stream {:?} in db {db}",
            key
        );
    }
}

/// Members with their scores parsed (Redis 7.0 prints 0.1 as 0.10000000000000001).
fn scores(r: Reply) -> Vec<(Vec<u8>, u64)> {
    let Reply::Array(Some(items)) = r else {
        panic!("ZRANGE answered {r:?}");
    };
    items
        .chunks(2)
        .map(|kv| {
            let score: f64 = kv[1].text().parse().unwrap();
            (
                kv[0].as_bytes().unwrap_or_default().to_vec(),
                score.to_bits(),
            )
        })
        .collect()
}
