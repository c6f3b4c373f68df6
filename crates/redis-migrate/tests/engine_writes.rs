//! Writes of every kind (`MULTI … EXEC`, `EVAL`, `FCALL`, `INCR`, `XADD`, `EXPIRE`, `DEL`,
//! `SELECT` of other databases, …) before, during and after the full sync of an incremental
//! migration: once the writer stops and the target has applied the source's whole stream,
//! `DEBUG DIGEST` is equal.

mod engine_support;

use engine_support::dataset::{bulk, every_type};
use engine_support::writer::{Workload, Writer};
use engine_support::*;
use redis_migrate::engine::{Migration, SyncMode};
use redis_migrate::metrics::Phase;
use redis_test_server::{Flavor, require};
use std::time::Duration;

async fn writes_during_and_after_the_full_sync(flavor: Flavor) {
    let Some(b) = require(flavor) else {
        return;
    };
    let (source, target) = (b.clone().start().unwrap(), b.start().unwrap());
    every_type(&source);
    bulk(&source, 2, "bulk", 1500, 1000);
    let writer = Writer::start(&source, Workload::Mixed, Duration::from_millis(2));
    writer.more(10).await;

    let work = tempfile::tempdir().unwrap();
    let mut opts = options(
        &source.url(),
        &target.url(),
        work.path(),
        SyncMode::Incremental,
    );
    // Slow enough that the snapshot is still being written while the writer goes on; lifted
    // once it has.
    opts.bandwidth = Some(150 * 1024);
    let m = Migration::start(opts);
    let metrics = m.metrics();
    until(&metrics, "the snapshot to start arriving", |m| {
        m.phase() == Phase::FullSync && m.snapshot().keys_written > 0
    })
    .await;
    writer.more(100).await;
    assert_eq!(
        metrics.phase(),
        Phase::FullSync,
        "the writes above were meant to land during the full sync"
    );
    m.set_bandwidth(None);
    incremental_phase(&metrics).await;
    writer.more(100).await;
    let rounds = writer.stop();
    assert!(rounds >= 210);

    caught_up(&source, &metrics).await;
    // Keys given 700 ms TTLs expire on both sides; the digests agree once they have.
    assert_digests_equal(&source, &target, Duration::from_secs(10)).await;
    // The source propagates a DEL for each key it expires, so its offset can still move:
    // everything up to the offset seen here must be in the checkpoint.
    caught_up(&source, &metrics).await;
    let applied = master_offset(&source);
    let summary = stop(m).await;
    assert_eq!((summary.full_syncs, summary.partial_resyncs), (1, 0));
    // At least the 200 rounds after the snapshot began, of more than 20 commands each.
    assert!(summary.commands_applied > 200 * 20, "{summary:?}");
    let cp = summary
        .checkpoint
        .expect("an incremental run ends with a checkpoint");
    assert!(
        cp.offset >= applied && cp.offset <= master_offset(&source),
        "checkpoint {} outside {applied}..={}",
        cp.offset,
        master_offset(&source)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_writes_of_every_kind_during_and_after_the_full_sync() {
    writes_during_and_after_the_full_sync(Flavor::Redis).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn valkey_writes_of_every_kind_during_and_after_the_full_sync() {
    writes_during_and_after_the_full_sync(Flavor::Valkey).await;
}
