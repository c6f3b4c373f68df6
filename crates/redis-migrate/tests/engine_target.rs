//! The target link (a proxy between the engine and the target) stalls, is cut, or is slow:
//! nothing is lost, and a slow target never makes the source drop the replica link.
//!
//! What a cut does to commands in flight: the pipeline reconnects and sends again what may
//! run twice (`RESTORE … REPLACE`, `SET`, `DEL`, `HSET`, …). A command that must not run twice
//! (`INCR`, `RPUSH`, a transaction with one) left unconfirmed by the cut may or may not have
//! run, so the stream position on the target is unknown: the engine starts a new full sync
//! (the target is not flushed; the snapshot's `RESTORE … REPLACE` overwrites each key).

mod engine_support;

use engine_support::dataset::{bulk, every_type};
use engine_support::writer::{Workload, Writer};
use engine_support::*;
use redis_migrate::engine::{Migration, SyncMode};
use redis_migrate::metrics::Phase;
use redis_test_server::{Flavor, Proxy, require};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_target_loses_nothing() {
    let Some(b) = require(Flavor::Redis) else {
        return;
    };
    let (source, target) = (b.clone().start().unwrap(), b.start().unwrap());
    every_type(&source);
    bulk(&source, 0, "k", 400, 1000);
    let proxy = Proxy::start(target.addr()).unwrap();
    proxy.throttle(Some(200 * 1024));
    let work = tempfile::tempdir().unwrap();
    let opts = options(
        &source.url(),
        &proxy.url(),
        work.path(),
        SyncMode::Incremental,
    );
    let m = Migration::start(opts);
    let metrics = m.metrics();
    let writer = Writer::start(&source, Workload::Mixed, Duration::from_millis(2));

    // A stall in the middle of the snapshot.
    until(&metrics, "the snapshot to be in writing", |m| {
        m.phase() == Phase::FullSync && m.snapshot().keys_written > 0
    })
    .await;
    proxy.pause();
    writer.more(30).await;
    assert_eq!(metrics.phase(), Phase::FullSync);
    proxy.resume();
    proxy.throttle(None);

    // A stall in the stream.
    incremental_phase(&metrics).await;
    proxy.pause();
    writer.more(100).await;
    until(&metrics, "the stream to back up behind the stall", |m| {
        m.snapshot().lag_bytes() > 10_000
    })
    .await;
    proxy.resume();
    writer.more(20).await;
    writer.stop();

    caught_up(&source, &metrics).await;
    assert_digests_equal(&source, &target, Duration::from_secs(10)).await;
    let summary = stop(m).await;
    assert_eq!((summary.full_syncs, summary.partial_resyncs), (1, 0));
    assert_eq!(source_syncs(&source), (1, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cuts_of_the_target_link_lose_nothing_with_idempotent_writes() {
    let Some(b) = require(Flavor::Redis) else {
        return;
    };
    let (source, target) = (b.clone().start().unwrap(), b.start().unwrap());
    bulk(&source, 0, "k", 500, 1000);
    bulk(&source, 3, "k3", 100, 100);
    let proxy = Proxy::start(target.addr()).unwrap();
    proxy.throttle(Some(200 * 1024));
    let work = tempfile::tempdir().unwrap();
    let opts = options(
        &source.url(),
        &proxy.url(),
        work.path(),
        SyncMode::Incremental,
    );
    let m = Migration::start(opts);
    let metrics = m.metrics();
    let writer = Writer::start(&source, Workload::Idempotent, Duration::from_millis(1));

    until(&metrics, "the snapshot to be in writing", |m| {
        m.phase() == Phase::FullSync && m.snapshot().keys_written > 50
    })
    .await;
    proxy.cut();
    let cuts_before = proxy.stats().connections;
    until(&metrics, "more keys after the cut", |m| {
        m.snapshot().keys_written > 150
    })
    .await;
    assert!(
        proxy.stats().connections > cuts_before,
        "the pipeline reconnected"
    );
    proxy.throttle(None);
    incremental_phase(&metrics).await;
    for _ in 0..3 {
        writer.more(30).await;
        proxy.cut();
    }
    writer.more(30).await;
    writer.stop();

    caught_up(&source, &metrics).await;
    assert_digests_equal(&source, &target, Duration::ZERO).await;
    let summary = stop(m).await;
    assert_eq!(
        (summary.full_syncs, summary.partial_resyncs),
        (1, 0),
        "idempotent commands are sent again, no new sync"
    );
    let events = metrics.events();
    let reconnects = events
        .iter()
        .filter(|e| e.message.contains("reconnecting") && e.message.contains("target"))
        .count();
    assert!(reconnects >= 2, "{events:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cut_with_an_unconfirmed_incr_brings_a_new_full_sync_and_equal_data() {
    let Some(b) = require(Flavor::Redis) else {
        return;
    };
    // No PING from the source for an hour: the engine must notice the failed target link
    // by itself, not when the next command arrives.
    let source = b
        .clone()
        .arg("repl-ping-replica-period", "3600")
        .start()
        .unwrap();
    let target = b.start().unwrap();
    bulk(&source, 0, "k", 100, 100);
    let proxy = Proxy::start(target.addr()).unwrap();
    let work = tempfile::tempdir().unwrap();
    let opts = options(
        &source.url(),
        &proxy.url(),
        work.path(),
        SyncMode::Incremental,
    );
    let m = Migration::start(opts);
    let metrics = m.metrics();
    incremental_phase(&metrics).await;
    ok(&source, &["SET", "counter", "10"]);
    caught_up(&source, &metrics).await;

    // The INCRs reach the engine and are written into the stalled link, then the link is cut:
    // the target never ran them, but the engine cannot know.
    proxy.pause();
    // A pump of the proxy may be inside a read when paused; each read ends within 50 ms.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let forwarded = proxy.stats().bytes_up;
    let written = metrics.snapshot().target_bytes;
    for _ in 0..5 {
        ok(&source, &["INCR", "counter"]);
    }
    // All five (27 bytes each) written, so that nothing more comes from the source.
    let incr = b"*2\r\n$4\r\nINCR\r\n$7\r\ncounter\r\n".len() as u64;
    until(
        &metrics,
        "the INCRs to be written to the target link",
        |m| m.snapshot().target_bytes >= written + 5 * incr,
    )
    .await;
    proxy.cut();
    assert_eq!(
        proxy.stats().bytes_up,
        forwarded,
        "the stalled link was meant to hold the INCRs back"
    );
    proxy.resume();
    until(&metrics, "a second full sync, then the stream", |m| {
        m.snapshot().full_syncs == 2 && m.phase() == Phase::Incremental
    })
    .await;
    ok(&source, &["INCR", "counter"]);

    caught_up(&source, &metrics).await;
    assert_eq!(target.call(&["GET", "counter"]).unwrap().text(), "16");
    assert_digests_equal(&source, &target, Duration::ZERO).await;
    let events = metrics.events();
    assert!(
        events
            .iter()
            .any(|e| e.message.contains("must not run twice")),
        "{events:#?}"
    );
    stop(m).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_target_does_not_make_the_source_drop_the_link() {
    let Some(b) = require(Flavor::Redis) else {
        return;
    };
    let source = b
        .clone()
        .arg("client-output-buffer-limit", "replica 8mb 8mb 0")
        .start()
        .unwrap();
    let target = b.start().unwrap();
    bulk(&source, 0, "k", 100, 100);
    let proxy = Proxy::start(target.addr()).unwrap();
    let work = tempfile::tempdir().unwrap();
    let opts = options(
        &source.url(),
        &proxy.url(),
        work.path(),
        SyncMode::Incremental,
    );
    let m = Migration::start(opts);
    let metrics = m.metrics();
    incremental_phase(&metrics).await;

    // 20 MB of writes, as fast as the source takes them, into a target taking 256 KB/s: a
    // replica that read only as fast as the target writes would pass the 8 MB limit.
    proxy.throttle(Some(256 * 1024));
    bulk(&source, 1, "heavy", 5000, 4096);
    let sent = master_offset(&source);
    until(&metrics, "the engine to receive the whole stream", |m| {
        m.snapshot().offset_received >= sent
    })
    .await;
    let s = metrics.snapshot();
    assert!(
        s.lag_bytes() > 8 << 20,
        "the target was meant to be far behind: lag {}",
        s.lag_bytes()
    );
    assert_eq!(info(&source, "replication", "connected_slaves"), "1");
    proxy.throttle(None);

    caught_up(&source, &metrics).await;
    assert_digests_equal(&source, &target, Duration::ZERO).await;
    // Read before the engine stops (which closes the link, and the source logs that).
    let log = server_log(&source);
    assert!(
        !log.contains("output buffer limits") && !log.contains("Connection with replica"),
        "the source dropped the replica:\n{log}"
    );
    assert_eq!(source_syncs(&source), (1, 0), "the source served one sync");
    let summary = stop(m).await;
    assert_eq!((summary.full_syncs, summary.partial_resyncs), (1, 0));
    assert!(
        !metrics.events().iter().any(|e| e.message.contains("lost")),
        "{:#?}",
        metrics.events()
    );
}
