//! Keys of every type through the rewrite path (commands from decoded chunks): forced, and
//! chosen by the probe for Valkey 8.1 (RDB 11) into Redis 7.0 (RDB 10), where `RESTORE` is
//! refused.

mod target_support;

use redis_migrate::conn::Connection;
use redis_migrate::snapshot::SnapshotOptions;
use redis_migrate::target::probe;
use redis_test_server::{Flavor, require};
use std::sync::Arc;
use std::time::Duration;
use target_support::dataset::{collect, populate};
use target_support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_type_is_rewritten_exactly() {
    for flavor in [Flavor::Redis, Flavor::Valkey] {
        let (Some(src), Some(dst)) = (require(flavor), require(flavor)) else {
            continue;
        };
        let source = src.start().unwrap();
        let target = dst.start().unwrap();
        populate(&source);
        let data = Arc::new(collect(&source, &[0, 2]));
        let opts = SnapshotOptions {
            raw_allowed: false,
            // Small batches: large keys span several, chained batches.
            batch_commands: 3,
            ..SnapshotOptions::default()
        };
        let run = run_snapshot(data.clone(), &target.url(), opts).await;
        run.acked.unwrap();
        let summary = run.summary.unwrap();
        assert_eq!(summary.keys_rewritten, data.keys.len() as u64);
        assert_same(&source, &target, &data);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn valkey_8_1_into_redis_7_0_is_rewritten_because_the_probe_says_so() {
    let (Some(src), Some(dst)) = (require(Flavor::Valkey), require(Flavor::Redis)) else {
        return;
    };
    let source = src.start().unwrap();
    let target = dst.start().unwrap();
    populate(&source);
    let data = Arc::new(collect(&source, &[0, 2]));
    assert_eq!(data.rdb_version, 11);
    let t = Duration::from_secs(5);
    let mut c = Connection::connect(&endpoint(&target.url()), t)
        .await
        .unwrap();
    let info = probe(&mut c, t).await.unwrap();
    assert!(!info.accepts_rdb(data.rdb_version));
    let opts = SnapshotOptions {
        target_rdb_version: Some(info.rdb_version),
        features: info.features,
        target_has_functions: info.has_functions,
        ..SnapshotOptions::default()
    };
    let run = run_snapshot(data.clone(), &target.url(), opts).await;
    run.acked.unwrap();
    let summary = run.summary.unwrap();
    assert_eq!(
        (summary.keys_restored, summary.keys_rewritten),
        (0, data.keys.len() as u64)
    );
    assert_same(&source, &target, &data);
}
