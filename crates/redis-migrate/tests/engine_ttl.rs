//! TTLs across a long full sync (RedisShake's lost-key bug): a key whose 2 s TTL is refreshed
//! to 60 s every second while the snapshot is still being written exists on the target
//! afterwards with a TTL near 60 s; keys that really expire are gone on both sides.
//!
//! The snapshot holds the key with its 2 s TTL; the refreshes come in the stream, which is
//! applied only after the snapshot. Written with its own expire time, the key would expire on
//! the target before the first refresh reached it, and the refresh would find nothing.

mod engine_support;

use engine_support::dataset::bulk;
use engine_support::*;
use redis_migrate::engine::{Migration, SyncMode};
use redis_test_server::{Flavor, Proxy, require};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

fn pttl(server: &redis_test_server::Server, key: &str) -> i64 {
    int(server, &["PTTL", key])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refreshed_ttl_survives_a_long_full_sync_and_expired_keys_are_gone() {
    let Some(b) = require(Flavor::Redis) else {
        return;
    };
    let (source, target) = (b.clone().start().unwrap(), b.start().unwrap());
    // About 800 KB through a 200 KB/s link: the snapshot takes about 4 s to write.
    bulk(&source, 0, "k", 800, 1000);
    let proxy = Proxy::start(target.addr()).unwrap();
    proxy.throttle(Some(200 * 1024));
    ok(&source, &["SET", "hot", "v", "PX", "2000"]);
    for i in 0..5 {
        ok(&source, &["SET", &format!("gone:{i}"), "v", "PX", "1500"]);
    }
    let work = tempfile::tempdir().unwrap();
    let opts = options(
        &source.url(),
        &proxy.url(),
        work.path(),
        SyncMode::Incremental,
    );
    let started = Instant::now();
    let m = Migration::start(opts);
    let metrics = m.metrics();
    // The snapshot (with the 2 s TTL) is taken once it starts arriving; the refreshes must
    // begin before the TTL runs out on the source.
    until(&metrics, "the snapshot to arrive", |m| {
        m.snapshot().rdb_bytes_received > 0
    })
    .await;

    let stop_refresh = Arc::new(AtomicBool::new(false));
    let refresher = {
        let mut c = source.connect().unwrap();
        let stop = stop_refresh.clone();
        std::thread::spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                c.call(&["EXPIRE", "hot", "60"]).unwrap().ok().unwrap();
                std::thread::sleep(Duration::from_secs(1));
            }
        })
    };
    incremental_phase(&metrics).await;
    let full_sync = started.elapsed();
    assert!(
        full_sync > Duration::from_millis(2500),
        "the full sync ({full_sync:?}) was meant to outlast the 2 s TTL"
    );
    stop_refresh.store(true, Ordering::SeqCst);
    refresher.join().unwrap();
    proxy.throttle(None);

    caught_up(&source, &metrics).await;
    let ttl = pttl(&target, "hot");
    assert!(
        (50_000..=60_000).contains(&ttl),
        "hot on the target: PTTL {ttl} (source {})",
        pttl(&source, "hot")
    );
    for i in 0..5 {
        let k = format!("gone:{i}");
        assert_eq!(int(&source, &["EXISTS", &k]), 0, "{k} on the source");
        assert_eq!(int(&target, &["EXISTS", &k]), 0, "{k} on the target");
    }
    assert_digests_equal(&source, &target, Duration::ZERO).await;
    stop(m).await;
}
