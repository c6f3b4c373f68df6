//! TTL policy, resume and scripts on a real target: full sync skips expired keys;
//! incremental gives keys about to expire a grace period (checked with PTTL); a restart skips
//! the keys already acknowledged; functions and `lua` scripts are loaded.

mod target_support;

use bytes::Bytes;
use redis_migrate::rdb::{Flow, Visitor};

use redis_migrate::snapshot::{Mode, SnapshotOptions, SnapshotWriter, unix_ms};
use redis_migrate::target::PipelineError;
use redis_test_server::{Flavor, Proxy, Server, require};
use std::sync::Arc;
use std::time::Duration;
use target_support::dataset::{SourceData, collect, populate};
use target_support::*;

/// Keys a, b, c on a source, collected, with expires set as given (relative to now, ms).
fn three_keys(expires: [Option<i64>; 3]) -> Option<(Server, SourceData)> {
    let source = require(Flavor::Redis)?.start().unwrap();
    for k in ["a", "b", "c"] {
        source.call(&["SET", k, "v"]).unwrap();
    }
    let mut data = collect(&source, &[0]);
    let now = unix_ms();
    for (k, e) in data.keys.iter_mut().zip(expires) {
        k.expire = e.map(|d| now + d);
    }
    Some((source, data))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_sync_skips_expired_keys_and_keeps_absolute_expires() {
    let Some((_source, data)) = three_keys([Some(-1000), Some(100_000_000), None]) else {
        return;
    };
    let target = require(Flavor::Redis).unwrap().start().unwrap();
    let b_expire = data.keys[1].expire;
    let run = run_snapshot(Arc::new(data), &target.url(), SnapshotOptions::default()).await;
    let acked = run.acked.unwrap();
    assert_eq!((acked.file_keys, acked.keys_written), (3, 2));
    assert_eq!(run.summary.unwrap().keys_skipped_expired, 1);
    assert_eq!(run.metrics.snapshot().keys_skipped_expired, 1);
    assert_eq!(int(&target, &["EXISTS", "a"]), 0);
    assert_eq!(Some(int(&target, &["PEXPIRETIME", "b"])), b_expire);
    assert_eq!(int(&target, &["PEXPIRETIME", "c"]), -1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn incremental_sync_gives_keys_about_to_expire_a_grace_period() {
    let day = 86_400_000;
    let Some((_source, data)) = three_keys([Some(-1000), Some(2000), Some(day)]) else {
        return;
    };
    for rewrite in [false, true] {
        let target = require(Flavor::Redis).unwrap().start().unwrap();
        let opts = SnapshotOptions {
            mode: Mode::Incremental,
            expire_grace: Duration::from_secs(60),
            raw_allowed: !rewrite,
            ..SnapshotOptions::default()
        };
        let c_expire = data.keys[2].expire;
        let data = Arc::new(SourceData {
            rdb_version: data.rdb_version,
            keys: data
                .keys
                .iter()
                .map(|k| target_support::dataset::SourceKey {
                    db: k.db,
                    key: k.key.clone(),
                    rdb_type: k.rdb_type,
                    raw: k.raw.clone(),
                    expire: k.expire,
                    chunks: k.chunks.clone(),
                })
                .collect(),
        });
        let run = run_snapshot(data, &target.url(), opts).await;
        assert_eq!(run.acked.unwrap().keys_written, 3);
        assert_eq!(run.summary.unwrap().keys_expire_extended, 2);
        for k in ["a", "b"] {
            let pttl = int(&target, &["PTTL", k]);
            assert!(
                (50_000..=60_000).contains(&pttl),
                "{k}: PTTL {pttl} (rewrite: {rewrite})"
            );
        }
        assert_eq!(Some(int(&target, &["PEXPIRETIME", "c"])), c_expire);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_skips_the_keys_already_written() {
    let Some((_source, data)) = three_keys([None, None, None]) else {
        return;
    };
    let target = require(Flavor::Redis).unwrap().start().unwrap();
    let opts = SnapshotOptions {
        skip_keys: 2,
        ..SnapshotOptions::default()
    };
    let run = run_snapshot(Arc::new(data), &target.url(), opts).await;
    assert_eq!(run.acked.unwrap().file_keys, 3);
    assert_eq!(run.summary.unwrap().keys_skipped_resume, 2);
    assert_eq!(int(&target, &["DBSIZE"]), 1);
    assert_eq!(int(&target, &["EXISTS", "c"]), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cut_during_a_rewrite_ends_with_the_same_data() {
    let (Some(src), Some(dst)) = (require(Flavor::Redis), require(Flavor::Redis)) else {
        return;
    };
    let source = src.start().unwrap();
    let target = dst.start().unwrap();
    populate(&source);
    let data = Arc::new(collect(&source, &[0, 2]));
    let proxy = Proxy::start(target.addr()).unwrap();
    // About 80 kB of commands at 40 kB/s: the cut at 0.7 s lands mid-transfer.
    proxy.throttle(Some(40_000));
    let opts = SnapshotOptions {
        raw_allowed: false,
        batch_commands: 2,
        ..SnapshotOptions::default()
    };
    let cutter = async {
        tokio::time::sleep(Duration::from_millis(700)).await;
        proxy.cut();
    };
    let url = proxy.url();
    let (run, ()) = tokio::join!(run_snapshot(data.clone(), &url, opts), cutter);
    let mut restarted = false;
    if let Err(e) = run.acked {
        // The cut hit a batch that must not run twice: restart, skipping what is done.
        let PipelineError::Unreplayable { acked, .. } = e else {
            panic!("unexpected error {e}");
        };
        restarted = true;
        let again = SnapshotOptions {
            skip_keys: acked.file_keys,
            ..opts
        };
        run_snapshot(data.clone(), &target.url(), again)
            .await
            .acked
            .unwrap();
    }
    assert!(
        restarted || proxy.stats().connections >= 2,
        "the cut must have hit the transfer: {:?}",
        proxy.stats()
    );
    assert_same(&source, &target, &data);
}

/// A visitor call sequence with a function library and a `lua` aux field.
struct Scripts;

impl Scripts {
    fn feed(w: &mut SnapshotWriter) -> Flow {
        w.header(9)?;
        w.aux(b"lua", b"return 'migrated'")?;
        w.function(Bytes::from_static(
            b"#!lua name=mylib\nredis.register_function('answer', function() return 42 end)",
        ))?;
        w.eof(true)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn functions_and_scripts_are_loaded() {
    let Some(b) = require(Flavor::Redis) else {
        return;
    };
    let target = b.start().unwrap();
    let (p, metrics) = pipeline(&target.url(), fast_config()).await;
    let (tx, rx) = tokio::sync::mpsc::channel(8);
    let writer = tokio::task::spawn_blocking(move || {
        let mut w = SnapshotWriter::new(SnapshotOptions::default(), tx, metrics);
        Scripts::feed(&mut w).unwrap();
        w.finish().unwrap()
    });
    within(20, p.submit_all(rx)).await.unwrap();
    let s = writer.await.unwrap();
    assert_eq!((s.functions, s.scripts), (1, 1));
    assert_eq!(int(&target, &["FCALL", "answer", "0"]), 42);
    // The script's SHA1, from another server: the target must know it without a LOAD.
    let other = require(Flavor::Redis).unwrap().start().unwrap();
    let sha = text(&other, &["SCRIPT", "LOAD", "return 'migrated'"]);
    assert_eq!(text(&target, &["EVALSHA", &sha, "0"]), "migrated");
}
