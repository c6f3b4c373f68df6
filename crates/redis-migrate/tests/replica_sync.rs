//! Full sync (disk and diskless, Redis and Valkey), the command stream with exact offsets,
//! the source's view of the replica, and `WAIT` driven by the applied offset.

mod replica_support;

use redis_migrate::replica::StreamItem;
use redis_test_server::{Flavor, require};
use replica_support::*;

async fn full_sync_then_stream(flavor: Flavor, diskless: bool) {
    let Some(b) = require(flavor) else { return };
    let server = b
        .arg("repl-diskless-sync", if diskless { "yes" } else { "no" })
        .start()
        .unwrap();
    write_many(&server, "before", 100, 50);
    let spool = tempfile::tempdir().unwrap();
    let (mut r, metrics) = start(options(&server.url(), spool.path()), None).await;

    let snap = full_sync(&mut r).await;
    assert_valid_rdb(&snap);
    assert_eq!(snap.size.is_none(), diskless, "{snap:?}");
    assert_eq!(snap.replid.len(), 40);
    let m = metrics.snapshot();
    assert_eq!(m.rdb_bytes_received, snap.bytes.len() as u64);
    assert_eq!(m.rdb_bytes_total, snap.size.unwrap_or(0));
    assert_eq!((m.full_syncs, m.partial_resyncs), (1, 0));

    write_many(&server, "after", 200, 20);
    let offset = settled_offset(&server);
    let cmds = commands_until(&mut r, offset).await;
    let expected: Vec<String> = (0..200).map(|i| format!("after:{i}")).collect();
    assert_eq!(set_keys(&cmds), expected);
    assert_eq!(cmds[0].1 - snap.offset, cmds[0].0.wire_len() as u64);
    assert_eq!(metrics.snapshot().offset_received, offset);

    assert_eq!(
        info_field(&server, "connected_slaves").as_deref(),
        Some("1")
    );
    let slave = info_field(&server, "slave0").unwrap();
    assert!(slave.contains("state=online"), "{slave}");
    r.stop().await;
    assert!(r.next().await.unwrap().is_none());
}

#[tokio::test]
async fn redis_disk_full_sync_and_stream() {
    full_sync_then_stream(Flavor::Redis, false).await;
}

#[tokio::test]
async fn redis_diskless_full_sync_and_stream() {
    full_sync_then_stream(Flavor::Redis, true).await;
}

#[tokio::test]
async fn valkey_disk_full_sync_and_stream() {
    full_sync_then_stream(Flavor::Valkey, false).await;
}

#[tokio::test]
async fn valkey_diskless_full_sync_and_stream() {
    full_sync_then_stream(Flavor::Valkey, true).await;
}

/// `WAIT` on the source counts us only once the consumer has applied the write.
#[tokio::test]
async fn wait_on_the_source_follows_the_applied_offset() {
    let Some(b) = require(Flavor::Redis) else {
        return;
    };
    let server = std::sync::Arc::new(b.start().unwrap());
    let spool = tempfile::tempdir().unwrap();
    let (mut r, _) = start(options(&server.url(), spool.path()), None).await;
    full_sync(&mut r).await;

    // Received but not applied: WAIT times out with 0 replicas.
    let s = server.clone();
    let waited = tokio::task::spawn_blocking(move || {
        let mut c = s.connect().unwrap();
        c.call(&["SET", "k", "1"]).unwrap();
        c.call(&["WAIT", "1", "300"]).unwrap().as_int()
    })
    .await
    .unwrap();
    assert_eq!(waited, Some(0));

    // A consumer that applies what it receives.
    let applied = r.applied_handle();
    let consumer = tokio::spawn(async move {
        let mut n = 0;
        while let Ok(Some(StreamItem::Command { end_offset, .. })) = r.next().await {
            applied.set_applied(end_offset);
            n += 1;
        }
        n
    });
    let s = server.clone();
    let waited = tokio::task::spawn_blocking(move || {
        let mut c = s.connect().unwrap();
        c.call(&["SET", "k", "2"]).unwrap();
        let first = c.call(&["WAIT", "1", "3000"]).unwrap().as_int();
        // Answered on GETACK, not by the next periodic ACK (1 s apart): four short WAITs
        // in a row would rarely all see one.
        let quick: Vec<_> = (0..4)
            .map(|i| {
                c.call(&["SET", "k", &i.to_string()]).unwrap();
                c.call(&["WAIT", "1", "600"]).unwrap().as_int()
            })
            .collect();
        (first, quick)
    })
    .await
    .unwrap();
    assert_eq!(waited, (Some(1), vec![Some(1); 4]));
    consumer.abort();
}

/// A source that is itself a replica without its master answers `-NOMASTERLINK`: manual mode
/// fails at once with that reason; auto mode waits until the source can serve.
#[tokio::test]
async fn a_source_not_ready_fails_in_manual_mode_and_is_waited_out_in_auto_mode() {
    use redis_migrate::metrics::Metrics;
    use redis_migrate::replica::{ReplError, Replication, ResumeMode};
    use std::sync::Arc;
    let Some(b) = require(Flavor::Redis) else {
        return;
    };
    let server = std::sync::Arc::new(b.start().unwrap());
    let dead = redis_test_server::free_port().unwrap().to_string();
    server
        .call(&["REPLICAOF", "127.0.0.1", &dead])
        .unwrap()
        .ok()
        .unwrap();
    let spool = tempfile::tempdir().unwrap();
    let mut manual = options(&server.url(), spool.path());
    manual.resume = ResumeMode::Manual;
    let e = Replication::start(manual, None, Arc::new(Metrics::new()))
        .await
        .unwrap_err();
    assert!(matches!(e, ReplError::NotReady { .. }), "{e}");
    assert!(e.to_string().contains("NOMASTERLINK"), "{e}");
    assert!(e.is_transient());

    let metrics = Arc::new(Metrics::new());
    let auto = Replication::start(options(&server.url(), spool.path()), None, metrics.clone());
    let s = server.clone();
    let release = tokio::task::spawn_blocking(move || {
        std::thread::sleep(std::time::Duration::from_millis(1500));
        s.call(&["REPLICAOF", "NO", "ONE"]).unwrap().ok().unwrap();
    });
    let mut r = tokio::time::timeout(LIMIT, auto).await.unwrap().unwrap();
    release.await.unwrap();
    assert!(
        metrics
            .events()
            .iter()
            .any(|e| e.message.contains("not ready")),
        "{:?}",
        metrics.events()
    );
    assert_valid_rdb(&full_sync(&mut r).await);
}
