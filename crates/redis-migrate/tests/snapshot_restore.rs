//! Keys of every type through the fast path (`RESTORE … ABSTTL` from raw RDB bytes) into a
//! real target: the digests, stream groups and expire times agree.

mod target_support;

use redis_migrate::snapshot::SnapshotOptions;
use redis_migrate::target::Refusal;
use redis_test_server::{Flavor, require};
use std::sync::Arc;
use target_support::dataset::{collect, populate};
use target_support::*;

async fn restore_between(flavor: Flavor) {
    let (Some(src), Some(dst)) = (require(flavor), require(flavor)) else {
        return;
    };
    let source = src.start().unwrap();
    let target = dst.start().unwrap();
    populate(&source);
    let data = Arc::new(collect(&source, &[0, 2]));
    let n = data.keys.len() as u64;
    let run = run_snapshot(data.clone(), &target.url(), SnapshotOptions::default()).await;
    let acked = run.acked.unwrap();
    let summary = run.summary.unwrap();
    assert_eq!((summary.keys_restored, summary.keys_rewritten), (n, 0));
    assert_eq!((acked.file_keys, acked.keys_written), (n, n));
    assert_eq!(run.metrics.snapshot().keys_written, n);
    assert_same(&source, &target, &data);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_to_redis_by_restore() {
    restore_between(Flavor::Redis).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn valkey_to_valkey_by_restore() {
    restore_between(Flavor::Valkey).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payload_the_target_refuses_stops_with_the_key_named() {
    let (Some(src), Some(dst)) = (require(Flavor::Valkey), require(Flavor::Redis)) else {
        return;
    };
    let source = src.start().unwrap();
    let target = dst.start().unwrap();
    // A hash: plain strings go as MSET, every other type as RESTORE with the source's payload.
    source.call(&["HSET", "only", "f", "v"]).unwrap();
    let data = Arc::new(collect(&source, &[0]));
    assert_eq!(data.rdb_version, 11);
    // Forced RESTORE (no target version given): Redis 7.0 refuses an RDB 11 payload.
    let run = run_snapshot(data, &target.url(), SnapshotOptions::default()).await;
    let err = run.acked.unwrap_err();
    assert_eq!(err.refusal(), Some(Refusal::PayloadRejected), "{err}");
    assert!(err.to_string().contains("RESTORE on key \"only\""), "{err}");
}
