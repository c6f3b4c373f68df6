//! Cuts of the source link (a proxy between the engine and the source): `+CONTINUE` without a
//! second full sync when the source still has the backlog — during the incremental phase, and
//! after the snapshot has arrived while it is still being written to a slow target — with the
//! selected database kept; a new full sync when the snapshot had not fully arrived or the
//! backlog no longer covers the gap; a restarted source. Equal data in every case.
//!
//! The database check: a client of the source selects db 3 and writes before and after the
//! cut without selecting again, so the source's stream after the cut carries no `SELECT`: an
//! engine that forgot the database would write the later keys into db 0.

mod engine_support;

use engine_support::dataset::bulk;
use engine_support::writer::{Workload, Writer};
use engine_support::*;
use redis_migrate::engine::{Migration, SyncMode};
use redis_migrate::metrics::Phase;
use redis_test_server::{Connection, Flavor, Proxy, Server, require};
use std::time::Duration;

/// A client of the source with db 3 selected.
fn db3_client(source: &Server) -> Connection {
    let mut c = source.connect().unwrap();
    c.call(&["SELECT", "3"]).unwrap().ok().unwrap();
    c
}

fn set(c: &mut Connection, key: &str) {
    c.call(&["SET", key, "1"]).unwrap().ok().unwrap();
}

/// The keys written in db 3 around a cut are there, in db 3 only.
fn assert_in_db3(target: &Server, keys: &[&str]) {
    for k in keys {
        assert!(exists_in(target, 3, k), "{k} missing from db 3");
        assert!(!exists_in(target, 0, k), "{k} landed in db 0");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cut_during_the_stream_continues_in_the_selected_db() {
    cut_during_the_stream(Flavor::Redis).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn valkey_a_cut_during_the_stream_continues_in_the_selected_db() {
    cut_during_the_stream(Flavor::Valkey).await;
}

async fn cut_during_the_stream(flavor: Flavor) {
    let Some(b) = require(flavor) else {
        return;
    };
    let (source, target) = (b.clone().start().unwrap(), b.start().unwrap());
    bulk(&source, 0, "k", 200, 100);
    let proxy = Proxy::start(source.addr()).unwrap();
    let work = tempfile::tempdir().unwrap();
    let opts = options(
        &proxy.url(),
        &target.url(),
        work.path(),
        SyncMode::Incremental,
    );
    let m = Migration::start(opts);
    let metrics = m.metrics();
    incremental_phase(&metrics).await;

    let mut c = db3_client(&source);
    set(&mut c, "before-cut");
    caught_up(&source, &metrics).await;
    proxy.cut();
    set(&mut c, "during-cut");
    until(&metrics, "a partial resync", |m| {
        m.snapshot().partial_resyncs >= 1
    })
    .await;
    set(&mut c, "after-cut");
    c.call(&["INCR", "counter"]).unwrap().ok().unwrap();

    caught_up(&source, &metrics).await;
    assert_digests_equal(&source, &target, Duration::ZERO).await;
    assert_in_db3(
        &target,
        &["before-cut", "during-cut", "after-cut", "counter"],
    );
    let s = metrics.snapshot();
    assert_eq!(s.full_syncs, 1, "no second full sync");
    assert!(s.partial_resyncs >= 1);
    let (full, partial) = source_syncs(&source);
    assert_eq!(full, 1, "the source served one full sync");
    assert!(partial >= 1, "the source accepted the PSYNC");
    let summary = stop(m).await;
    assert_eq!(summary.checkpoint.unwrap().db, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cut_after_the_snapshot_arrived_while_the_target_is_slow_continues() {
    let Some(b) = require(Flavor::Redis) else {
        return;
    };
    let (source, target) = (b.clone().start().unwrap(), b.start().unwrap());
    bulk(&source, 0, "k", 600, 1000);
    let src_proxy = Proxy::start(source.addr()).unwrap();
    let dst_proxy = Proxy::start(target.addr()).unwrap();
    // The snapshot (about 600 KB) arrives at once; writing it takes about 10 s (the throttle
    // is lifted as soon as the cut has been resumed from).
    dst_proxy.throttle(Some(64 * 1024));
    let work = tempfile::tempdir().unwrap();
    let opts = options(
        &src_proxy.url(),
        &dst_proxy.url(),
        work.path(),
        SyncMode::Incremental,
    );
    let m = Migration::start(opts);
    let metrics = m.metrics();
    until(&metrics, "the snapshot to be spooled whole", |m| {
        m.events()
            .iter()
            .any(|e| e.message.contains("snapshot received"))
    })
    .await;
    let mut c = db3_client(&source);
    set(&mut c, "before-cut");
    let sent = master_offset(&source);
    until(&metrics, "the engine to receive the write", |m| {
        m.snapshot().offset_received >= sent
    })
    .await;
    assert_eq!(
        metrics.phase(),
        Phase::FullSync,
        "the snapshot was meant to be still in writing at the cut"
    );

    src_proxy.cut();
    set(&mut c, "during-cut");
    until(&metrics, "a partial resync", |m| {
        m.snapshot().partial_resyncs >= 1
    })
    .await;
    assert_eq!(
        metrics.phase(),
        Phase::FullSync,
        "resumed while still writing"
    );
    set(&mut c, "after-cut");
    dst_proxy.throttle(None);

    caught_up(&source, &metrics).await;
    assert_digests_equal(&source, &target, Duration::ZERO).await;
    assert_in_db3(&target, &["before-cut", "during-cut", "after-cut"]);
    let s = metrics.snapshot();
    assert_eq!((s.full_syncs, s.partial_resyncs), (1, 1));
    assert_eq!(source_syncs(&source).0, 1);
    stop(m).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cut_before_the_snapshot_arrived_brings_a_new_full_sync() {
    let Some(b) = require(Flavor::Redis) else {
        return;
    };
    let (source, target) = (b.clone().start().unwrap(), b.start().unwrap());
    bulk(&source, 0, "k", 600, 1000);
    bulk(&source, 4, "k4", 20, 10);
    let proxy = Proxy::start(source.addr()).unwrap();
    proxy.throttle(Some(100 * 1024));
    let work = tempfile::tempdir().unwrap();
    let opts = options(&proxy.url(), &target.url(), work.path(), SyncMode::Full);
    let m = Migration::start(opts);
    let metrics = m.metrics();
    until(&metrics, "part of the snapshot to arrive", |m| {
        m.snapshot().rdb_bytes_received > 50_000
    })
    .await;
    assert!(
        !metrics
            .events()
            .iter()
            .any(|e| e.message.contains("snapshot received")),
        "the snapshot was meant to be cut before its end"
    );
    proxy.cut();
    proxy.throttle(None);
    let summary = finish(m).await;
    assert_eq!(summary.full_syncs, 2, "{summary:?}");
    assert_eq!(summary.partial_resyncs, 0);
    assert_digests_equal(&source, &target, Duration::ZERO).await;
    assert_eq!(source_syncs(&source).0, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cut_longer_than_the_backlog_brings_a_full_resync_and_equal_data() {
    let Some(b) = require(Flavor::Redis) else {
        return;
    };
    let source = b.clone().arg("repl-backlog-size", "16kb").start().unwrap();
    let target = b.start().unwrap();
    bulk(&source, 0, "k", 100, 100);
    let proxy = Proxy::start(source.addr()).unwrap();
    let work = tempfile::tempdir().unwrap();
    let opts = options(
        &proxy.url(),
        &target.url(),
        work.path(),
        SyncMode::Incremental,
    );
    let m = Migration::start(opts);
    let metrics = m.metrics();
    incremental_phase(&metrics).await;

    proxy.refuse(true);
    proxy.cut();
    // About 100 KB of writes, far past the 16 KB backlog. The target is not flushed before
    // the second snapshot (as DCS does), so the gap holds only writes that a snapshot
    // overwrites: keys deleted on the source during a gap would stay on the target.
    bulk(&source, 0, "k", 100, 1000);
    bulk(&source, 6, "gap", 5, 10);
    proxy.refuse(false);
    until(&metrics, "a second full sync, then the stream", |m| {
        m.snapshot().full_syncs == 2 && m.phase() == Phase::Incremental
    })
    .await;
    let mut c = db3_client(&source);
    set(&mut c, "after-resync");

    caught_up(&source, &metrics).await;
    assert_digests_equal(&source, &target, Duration::ZERO).await;
    assert_in_db3(&target, &["after-resync"]);
    assert_eq!(metrics.snapshot().partial_resyncs, 0);
    assert_eq!(source_syncs(&source), (2, 0));
    stop(m).await;
}

/// Restarts the source in place and checks that the migration carries on to equal data.
/// Between the restart and the engine's new sync only keys are created: a key deleted on the
/// source before a new full sync would stay on the target, which is not flushed (as DCS).
async fn after_a_source_restart(source: &mut Server, target: &Server, save: bool) -> (u64, u64) {
    let work = tempfile::tempdir().unwrap();
    let opts = options(
        &source.url(),
        &target.url(),
        work.path(),
        SyncMode::Incremental,
    );
    let m = Migration::start(opts);
    let metrics = m.metrics();
    incremental_phase(&metrics).await;
    let writer = Writer::start(source, Workload::Mixed, Duration::from_millis(2));
    writer.more(50).await;
    writer.stop();
    caught_up(source, &metrics).await;
    if save {
        ok(source, &["SAVE"]);
    }
    source.restart().unwrap();
    bulk(source, 2, "while-reconnecting", 20, 10);
    until(&metrics, "the stream after the restart", |m| {
        let s = m.snapshot();
        m.phase() == Phase::Incremental && s.full_syncs + s.partial_resyncs > 1
    })
    .await;
    let writer = Writer::start(source, Workload::Mixed, Duration::from_millis(2));
    writer.more(50).await;
    writer.stop();
    caught_up(source, &metrics).await;
    assert_digests_equal(source, target, Duration::from_secs(10)).await;
    let summary = stop(m).await;
    assert_eq!(summary.checkpoint.unwrap().offset, master_offset(source));
    (summary.full_syncs, summary.partial_resyncs)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_source_restarted_from_its_rdb_gives_equal_data() {
    let Some(b) = require(Flavor::Redis) else {
        return;
    };
    let (mut source, target) = (b.clone().start().unwrap(), b.start().unwrap());
    engine_support::dataset::every_type(&source);
    let (full, partial) = after_a_source_restart(&mut source, &target, true).await;
    // Redis 7.0 keeps its replication id and offset in the RDB it saved and restores them
    // on start: the engine continues.
    assert_eq!((full, partial), (1, 1));
}
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_source_restarted_from_its_aof_gives_equal_data() {
    let Some(b) = require(Flavor::Redis) else {
        return;
    };
    let mut source = b
        .clone()
        .arg("appendonly", "yes")
        .arg("appendfsync", "always")
        .start()
        .unwrap();
    let target = b.start().unwrap();
    engine_support::dataset::every_type(&source);
    // Killed without SAVE: the AOF brings the data back under a new replication id.
    let (full, partial) = after_a_source_restart(&mut source, &target, false).await;
    assert_eq!((full, partial), (2, 0));
}
