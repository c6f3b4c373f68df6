//! Cuts of the link: `+CONTINUE` without a second full sync, a new full sync when the
//! backlog no longer covers the gap or the source restarted, a cut in the middle of the
//! snapshot, and manual mode (stop with the resume point, resume on an explicit restart).

mod replica_support;

use redis_migrate::metrics::Metrics;
use redis_migrate::replica::{ReplError, Replication, ResumeMode, StreamItem};
use redis_test_server::{Flavor, Proxy, require, wait_until};
use replica_support::*;
use std::sync::Arc;
use std::time::Duration;

/// Polls `check` every 20 ms without blocking the runtime, for at most [`LIMIT`].
async fn eventually(mut check: impl FnMut() -> bool) -> bool {
    let deadline = tokio::time::Instant::now() + LIMIT;
    while tokio::time::Instant::now() < deadline {
        if check() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    false
}

/// Skips commands until the next full sync and reads it.
async fn skip_to_full_sync(r: &mut Replication) -> Snapshot {
    for _ in 0..100_000 {
        match next(r).await.unwrap() {
            Some(StreamItem::Command { .. }) => continue,
            Some(StreamItem::FullSync {
                replid,
                offset,
                rdb,
                rdb_size,
            }) => {
                let bytes = read_rdb(rdb).await.expect("snapshot read failed");
                r.set_applied(offset);
                return Snapshot {
                    replid,
                    offset,
                    bytes,
                    size: rdb_size,
                };
            }
            None => panic!("ended before a full sync"),
        }
    }
    panic!("no full sync")
}

#[tokio::test]
async fn a_cut_during_the_stream_continues_without_a_second_full_sync() {
    let Some(b) = require(Flavor::Redis) else {
        return;
    };
    let server = b.start().unwrap();
    let proxy = Proxy::start(server.addr()).unwrap();
    let spool = tempfile::tempdir().unwrap();
    let (mut r, metrics) = start(options(&proxy.url(), spool.path()), None).await;
    full_sync(&mut r).await;
    write_many(&server, "a", 50, 10);
    commands_until(&mut r, settled_offset(&server)).await;

    proxy.cut();
    write_many(&server, "b", 50, 10);
    assert!(eventually(|| metrics.snapshot().partial_resyncs == 1).await);
    write_many(&server, "c", 50, 10);
    let cmds = commands_until(&mut r, settled_offset(&server)).await;
    let keys = set_keys(&cmds);
    let expected: Vec<String> = ["b", "c"]
        .iter()
        .flat_map(|p| (0..50).map(move |i| format!("{p}:{i}")))
        .collect();
    assert_eq!(keys, expected, "no gap, no repeat, in order");
    let m = metrics.snapshot();
    assert_eq!((m.full_syncs, m.partial_resyncs), (1, 1));
    assert_eq!(proxy.stats().connections, 2);
    let events = metrics.events();
    assert!(
        events.iter().any(|e| e.message.contains("lost")),
        "{events:?}"
    );
    assert!(
        events.iter().any(|e| e.message.contains("partial resync")),
        "{events:?}"
    );
}

#[tokio::test]
async fn a_cut_longer_than_the_backlog_brings_a_new_full_sync() {
    let Some(b) = require(Flavor::Redis) else {
        return;
    };
    let server = b.arg("repl-backlog-size", "16kb").start().unwrap();
    let proxy = Proxy::start(server.addr()).unwrap();
    let spool = tempfile::tempdir().unwrap();
    let (mut r, metrics) = start(options(&proxy.url(), spool.path()), None).await;
    let first = full_sync(&mut r).await;

    proxy.refuse(true);
    proxy.cut();
    write_many(&server, "gap", 200, 1000);
    proxy.refuse(false);
    let second = skip_to_full_sync(&mut r).await;
    assert_valid_rdb(&second);
    assert_eq!(second.replid, first.replid);
    assert!(second.offset > first.offset + 200_000);
    assert_eq!(metrics.snapshot().full_syncs, 2);

    set(&server, "after", "1");
    let cmds = commands_until(&mut r, settled_offset(&server)).await;
    assert_eq!(set_keys(&cmds), ["after"]);
}

#[tokio::test]
async fn manual_mode_stops_with_the_resume_point_and_a_restart_continues() {
    let Some(b) = require(Flavor::Valkey) else {
        return;
    };
    let server = b.start().unwrap();
    let proxy = Proxy::start(server.addr()).unwrap();
    let spool = tempfile::tempdir().unwrap();
    let mut o = options(&proxy.url(), spool.path());
    o.resume = ResumeMode::Manual;
    let (mut r, metrics) = start(o.clone(), None).await;
    let snap = full_sync(&mut r).await;
    write_many(&server, "a", 10, 10);
    let cmds = commands_until(&mut r, settled_offset(&server)).await;
    let mut last = cmds.last().unwrap().1;

    proxy.cut();
    let lost = loop {
        match next(&mut r).await {
            Ok(Some(StreamItem::Command { end_offset, .. })) => last = end_offset,
            Err(e) => break e,
            Ok(other) => panic!("unexpected {other:?}"),
        }
    };
    let ReplError::LinkLost {
        resume: Some(point),
        ..
    } = &lost
    else {
        panic!("expected LinkLost with a resume point, got {lost}")
    };
    assert_eq!(
        (point.replid.as_str(), point.offset),
        (snap.replid.as_str(), last)
    );
    assert!(
        lost.to_string()
            .contains(&format!("resume at offset {}", last + 1)),
        "{lost}"
    );
    assert_eq!(metrics.snapshot().partial_resyncs, 0);
    // Nothing reconnects by itself.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(proxy.stats().connections, 1);

    write_many(&server, "b", 10, 10);
    let (mut r2, metrics2) = start(o, Some(point.clone())).await;
    let cmds = commands_until(&mut r2, settled_offset(&server)).await;
    let expected: Vec<String> = (0..10).map(|i| format!("b:{i}")).collect();
    assert_eq!(set_keys(&cmds), expected);
    let m = metrics2.snapshot();
    assert_eq!((m.full_syncs, m.partial_resyncs), (0, 1));
}

#[tokio::test]
async fn a_restarted_source_brings_a_full_resync() {
    let Some(b) = require(Flavor::Redis) else {
        return;
    };
    let mut server = b.start().unwrap();
    let spool = tempfile::tempdir().unwrap();
    let (mut r, metrics) = start(options(&server.url(), spool.path()), None).await;
    let first = full_sync(&mut r).await;
    set(&server, "k", "1");
    commands_until(&mut r, settled_offset(&server)).await;

    server.restart().unwrap();
    let second = skip_to_full_sync(&mut r).await;
    assert_valid_rdb(&second);
    assert_ne!(
        second.replid, first.replid,
        "a restarted source has a new history"
    );
    assert_eq!(metrics.snapshot().full_syncs, 2);
    set(&server, "k2", "2");
    let cmds = commands_until(&mut r, settled_offset(&server)).await;
    assert_eq!(set_keys(&cmds), ["k2"]);
}

#[tokio::test]
async fn a_cut_in_the_middle_of_the_snapshot_fails_its_reader_then_syncs_again() {
    let Some(b) = require(Flavor::Redis) else {
        return;
    };
    let server = b
        .arg("repl-diskless-sync", "no")
        .arg("rdbcompression", "no")
        .start()
        .unwrap();
    server
        .call(&["DEBUG", "POPULATE", "50000", "key", "200"])
        .unwrap()
        .ok()
        .unwrap();
    let proxy = Proxy::start(server.addr()).unwrap();
    proxy.throttle(Some(1 << 20));
    let spool = tempfile::tempdir().unwrap();
    let metrics = Arc::new(Metrics::new());
    let o = options(&proxy.url(), spool.path());
    let mut r = Replication::start(o, None, metrics.clone()).await.unwrap();
    let Some(StreamItem::FullSync { rdb, rdb_size, .. }) = next(&mut r).await.unwrap() else {
        panic!("expected a full sync")
    };
    let size = rdb_size.unwrap();
    assert!(eventually(|| metrics.snapshot().rdb_bytes_received > 100_000).await);
    proxy.throttle(None);
    proxy.cut();
    let err = read_rdb(rdb)
        .await
        .expect_err("a cut snapshot must not end cleanly");
    assert!(
        err.to_string().contains("the snapshot stopped after"),
        "{err}"
    );
    assert!(metrics.snapshot().rdb_bytes_received < size);

    let again = skip_to_full_sync(&mut r).await;
    assert_valid_rdb(&again);
    assert!(again.bytes.len() > 10_000_000, "{}", again.bytes.len());
    assert_eq!(metrics.snapshot().full_syncs, 2);
    // The spool of the cut snapshot is gone.
    assert!(wait_until(Duration::from_secs(2), || {
        std::fs::read_dir(spool.path())
            .unwrap()
            .flatten()
            .all(|d| !d.file_name().to_string_lossy().starts_with("rdb"))
    }));
}

#[tokio::test]
async fn a_stalled_link_times_out_and_continues() {
    let Some(b) = require(Flavor::Redis) else {
        return;
    };
    let server = b.start().unwrap();
    let proxy = Proxy::start(server.addr()).unwrap();
    let spool = tempfile::tempdir().unwrap();
    let mut o = options(&proxy.url(), spool.path());
    o.idle_timeout = Duration::from_millis(700);
    let (mut r, metrics) = start(o, None).await;
    full_sync(&mut r).await;

    proxy.pause();
    write_many(&server, "during", 5, 10);
    assert!(
        eventually(|| metrics
            .events()
            .iter()
            .any(|e| e.message.contains("no answer to the command stream")))
        .await,
        "{:?}",
        metrics.events()
    );
    proxy.resume();
    assert!(eventually(|| metrics.snapshot().partial_resyncs == 1).await);
    let cmds = commands_until(&mut r, settled_offset(&server)).await;
    let expected: Vec<String> = (0..5).map(|i| format!("during:{i}")).collect();
    assert_eq!(set_keys(&cmds), expected);
    assert_eq!(metrics.snapshot().full_syncs, 1);
}
