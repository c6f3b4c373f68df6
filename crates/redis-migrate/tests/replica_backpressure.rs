//! A consumer that does not read for a while: the spool takes the stream at line rate, so
//! a source with a small `client-output-buffer-limit` for replicas keeps the link. The
//! control: with a spool too small to hold the burst, the same source drops the link.

mod replica_support;

use redis_test_server::{Flavor, Server, require};
use replica_support::*;
use std::time::Duration;

/// About 12 MB of writes, 12 times the source's replica buffer limit.
const KEYS: usize = 1200;
const VALUE: usize = 10_000;
/// Written 40 keys (400 KB) at a time, 10 ms apart: a heavy (about 40 MB/s) but steady
/// load. An unpaced burst on a loaded machine can outrun any replica's socket reads for
/// the few milliseconds a 1 MB limit allows, spool or not.
const BATCH: usize = 40;

/// The two tests each load the machine; one at a time.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn write_paced(server: &Server) {
    let mut c = server.connect().unwrap();
    let value = "v".repeat(VALUE);
    for batch in 0..KEYS / BATCH {
        for i in 0..BATCH {
            c.send(&["SET", &format!("heavy:{}", batch * BATCH + i), &value])
                .unwrap();
        }
        for _ in 0..BATCH {
            c.read().unwrap().ok().unwrap();
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn source() -> Option<Server> {
    let server = require(Flavor::Redis)?.start().unwrap();
    server
        .call(&[
            "CONFIG",
            "SET",
            "client-output-buffer-limit",
            "replica 1mb 1mb 0",
        ])
        .unwrap()
        .ok()
        .unwrap();
    Some(server)
}

fn replicas(server: &Server) -> Option<String> {
    info_field(server, "connected_slaves")
}

/// Waits until the source streams to us. Until then (during and right after a full sync)
/// the source buffers every write for the replica against its output buffer limit, which
/// no replica can drain: a burst then would test the source, not the spool.
async fn until_streaming(server: &Server, metrics: &redis_migrate::metrics::Metrics) {
    set(server, "marker", "1");
    let offset = settled_offset(server);
    let deadline = tokio::time::Instant::now() + LIMIT;
    while metrics.snapshot().offset_received < offset {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the stream did not start"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn a_stalled_consumer_does_not_make_the_source_drop_the_link() {
    let _one = ONE_AT_A_TIME.lock().await;
    let Some(server) = source() else { return };
    let spool = tempfile::tempdir().unwrap();
    let (mut r, metrics) = start(options(&server.url(), spool.path()), None).await;
    full_sync(&mut r).await;
    until_streaming(&server, &metrics).await;

    // The consumer reads nothing while the source writes the burst.
    let s = std::sync::Arc::new(server);
    let writer = s.clone();
    tokio::task::spawn_blocking(move || write_paced(&writer))
        .await
        .unwrap();
    let offset = settled_offset(&s);
    let deadline = tokio::time::Instant::now() + LIMIT;
    while metrics.snapshot().offset_received < offset && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        metrics.snapshot().offset_received,
        offset,
        "drained into the spool"
    );
    assert_eq!(replicas(&s).as_deref(), Some("1"));

    let cmds = commands_until(&mut r, offset).await;
    assert_eq!(set_keys(&cmds).len(), KEYS + 1);
    let m = metrics.snapshot();
    assert_eq!((m.full_syncs, m.partial_resyncs), (1, 0), "no reconnect");
    assert!(
        !metrics.events().iter().any(|e| e.message.contains("lost")),
        "{:?}",
        metrics.events()
    );
}

#[tokio::test]
async fn control_a_spool_too_small_lets_the_source_drop_the_link() {
    let _one = ONE_AT_A_TIME.lock().await;
    let Some(server) = source() else { return };
    let spool = tempfile::tempdir().unwrap();
    let mut o = options(&server.url(), spool.path());
    o.spool_limit_bytes = 64 * 1024;
    let (mut r, metrics) = start(o, None).await;
    full_sync(&mut r).await;
    until_streaming(&server, &metrics).await;

    let s = std::sync::Arc::new(server);
    let writer = s.clone();
    tokio::task::spawn_blocking(move || write_paced(&writer))
        .await
        .unwrap();
    let deadline = tokio::time::Instant::now() + LIMIT;
    while replicas(&s).as_deref() != Some("0") && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        replicas(&s).as_deref(),
        Some("0"),
        "the source dropped the stalled replica"
    );

    // Reading again: the session sees the cut and reconnects (auto mode).
    let offset = settled_offset(&s);
    let deadline = tokio::time::Instant::now() + LIMIT;
    while tokio::time::Instant::now() < deadline {
        let m = metrics.snapshot();
        if m.full_syncs + m.partial_resyncs > 1 {
            break;
        }
        if let Ok(Ok(Some(_))) = tokio::time::timeout(Duration::from_millis(100), r.next()).await {
            continue;
        }
    }
    let m = metrics.snapshot();
    assert!(
        m.full_syncs + m.partial_resyncs > 1,
        "{m:?} (offset {offset})"
    );
}
