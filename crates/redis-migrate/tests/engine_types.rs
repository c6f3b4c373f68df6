//! Full sync of every type and encoding through `Migration`: `DEBUG DIGEST` equal between
//! servers of one version; key by key equal (the verifier in full mode) across Redis 7.0 and
//! Valkey 8.1 in both directions, where the digests of equal sorted-set scores differ.

mod engine_support;

use engine_support::dataset::{LIBRARY, every_type};
use engine_support::*;
use redis_migrate::engine::{Migration, SyncMode};
use redis_test_server::{Flavor, Server, require};
use std::time::Duration;

fn pair(source: Flavor, target: Flavor) -> Option<(Server, Server)> {
    let s = require(source)?.start().unwrap();
    let t = require(target)?.start().unwrap();
    Some((s, t))
}

/// Runs a full migration; returns how many keys were restored and how many rewritten.
async fn full_sync(source: &Server, target: &Server) -> (u64, u64) {
    let work = tempfile::tempdir().unwrap();
    let opts = options(&source.url(), &target.url(), work.path(), SyncMode::Full);
    let m = Migration::start(opts);
    let metrics = m.metrics();
    let summary = finish(m).await;
    assert_eq!((summary.full_syncs, summary.partial_resyncs), (1, 0));
    let keys: i64 = (0..16)
        .map(|db| {
            let mut c = source.connect().unwrap();
            c.call(&["SELECT", &db.to_string()]).unwrap();
            c.call(&["DBSIZE"]).unwrap().as_int().unwrap()
        })
        .sum();
    assert_eq!(summary.keys_written, keys as u64, "{summary:?}");
    let events = metrics.events();
    let done = events
        .iter()
        .find_map(|e| e.message.strip_prefix("snapshot done: "))
        .unwrap_or_else(|| panic!("no snapshot event: {events:#?}"));
    // "N keys in the file, W written (R restored, X rewritten), …"
    let number_before = |word: &str| -> u64 {
        let head = &done[..done.find(word).unwrap()];
        head.trim_end()
            .rsplit(['(', ' '])
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    (number_before(" restored"), number_before(" rewritten"))
}

fn assert_library_copied(target: &Server) {
    assert_eq!(function_libraries(target), ["enginelib"]);
    // The function runs on the target.
    assert_eq!(int(target, &["FCALL", "bump", "1", "fn:check", "5"]), 5);
    assert!(LIBRARY.contains("bump"));
}

async fn same_version(flavor: Flavor) {
    let Some((source, target)) = pair(flavor, flavor) else {
        return;
    };
    every_type(&source);
    let (restored, _) = full_sync(&source, &target).await;
    assert!(restored > 0, "the RESTORE path was not used");
    assert_digests_equal(&source, &target, Duration::ZERO).await;
    assert_keys_equal(&source, &target).await;
    assert_library_copied(&target);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_to_redis_every_type_has_the_same_digest() {
    same_version(Flavor::Redis).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn valkey_to_valkey_every_type_has_the_same_digest() {
    same_version(Flavor::Valkey).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_7_0_to_valkey_8_1_every_type_is_equal_key_by_key() {
    let Some((source, target)) = pair(Flavor::Redis, Flavor::Valkey) else {
        return;
    };
    every_type(&source);
    let (restored, _) = full_sync(&source, &target).await;
    assert!(
        restored > 0,
        "Valkey 8.1 takes Redis 7.0 payloads: RESTORE expected"
    );
    assert_keys_equal(&source, &target).await;
    assert_library_copied(&target);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn valkey_8_1_to_redis_7_0_every_type_is_equal_key_by_key() {
    let Some((source, target)) = pair(Flavor::Valkey, Flavor::Redis) else {
        return;
    };
    every_type(&source);
    // Redis 7.0 refuses Valkey's RDB 11 payloads: every key goes through the rewrite path.
    let (restored, rewritten) = full_sync(&source, &target).await;
    assert_eq!(restored, 0);
    assert!(rewritten > 0);
    assert_keys_equal(&source, &target).await;
    assert_library_copied(&target);
}
