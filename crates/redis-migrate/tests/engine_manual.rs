//! Manual resume (DCS `resume_mode=manual`): a cut of the source link ends the migration in
//! the failed phase with a checkpoint; a new `Migration::start` from that checkpoint continues
//! with `+CONTINUE` (no full sync) in the database the stream had selected.

mod engine_support;

use engine_support::dataset::bulk;
use engine_support::*;
use redis_migrate::engine::{Migration, ResumePolicy, SyncMode};
use redis_migrate::metrics::Phase;
use redis_test_server::{Flavor, Proxy, require};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cut_stops_with_a_checkpoint_and_a_new_start_continues_in_its_db() {
    let Some(b) = require(Flavor::Redis) else {
        return;
    };
    let (source, target) = (b.clone().start().unwrap(), b.start().unwrap());
    bulk(&source, 0, "k", 200, 100);
    let proxy = Proxy::start(source.addr()).unwrap();
    let work = tempfile::tempdir().unwrap();
    let mut opts = options(
        &proxy.url(),
        &target.url(),
        work.path(),
        SyncMode::Incremental,
    );
    opts.resume = ResumePolicy::Manual;
    let m = Migration::start(opts.clone());
    let metrics = m.metrics();
    incremental_phase(&metrics).await;
    let mut c = source.connect().unwrap();
    c.call(&["SELECT", "3"]).unwrap().ok().unwrap();
    c.call(&["SET", "before-cut", "1"]).unwrap().ok().unwrap();
    c.call(&["INCR", "counter"]).unwrap().ok().unwrap();
    caught_up(&source, &metrics).await;

    proxy.cut();
    eventually(LIMIT, "the migration to stop after the cut", || {
        m.is_finished()
    })
    .await;
    let checkpoint = m.checkpoint().expect("a checkpoint after the cut");
    let err = m
        .wait()
        .await
        .expect_err("a cut in manual mode is a failure");
    assert_eq!(metrics.phase(), Phase::Failed);
    let message = err.to_string();
    assert!(message.contains("restart to resume at offset"), "{message}");
    assert_eq!(checkpoint.db, 3);
    assert_eq!(checkpoint.offset, master_offset(&source));

    // Written while no migration runs; the stream carries no new SELECT.
    c.call(&["SET", "while-stopped", "1"])
        .unwrap()
        .ok()
        .unwrap();
    c.call(&["INCR", "counter"]).unwrap().ok().unwrap();
    c.call(&["DEL", "before-cut"]).unwrap().ok().unwrap();

    opts.resume_from = Some(checkpoint.clone());
    let m = Migration::start(opts);
    let metrics = m.metrics();
    until(&metrics, "the resumed stream", |m| {
        m.phase() == Phase::Incremental && m.snapshot().partial_resyncs == 1
    })
    .await;
    c.call(&["SET", "after-resume", "1"]).unwrap().ok().unwrap();
    caught_up(&source, &metrics).await;
    assert_digests_equal(&source, &target, Duration::ZERO).await;
    for k in ["while-stopped", "after-resume", "counter"] {
        assert!(exists_in(&target, 3, k), "{k} missing from db 3");
        assert!(!exists_in(&target, 0, k), "{k} landed in db 0");
    }
    assert!(!exists_in(&target, 3, "before-cut"));
    let summary = stop(m).await;
    assert_eq!((summary.full_syncs, summary.partial_resyncs), (0, 1));
    assert_eq!(source_syncs(&source), (1, 1));
    let end = summary.checkpoint.unwrap();
    assert_eq!((end.replid, end.db), (checkpoint.replid, 3));
}
