//! `hwcloud redis migrate` against real servers: `--mode full` exits 0 with equal data;
//! `--mode incremental` streams until SIGTERM, then exits 0 with a summary; a
//! `--checkpoint-file` lets a second run continue where the first stopped (`+CONTINUE`, in
//! the database the stream had selected) instead of a new full sync.

mod redis_support;

use redis_support::*;
use redis_test_server::{Flavor, require};

#[test]
fn full_mode_exits_0_with_equal_data() {
    let Some(b) = require(Flavor::Redis) else {
        return;
    };
    let (source, target) = (b.clone().start().unwrap(), b.start().unwrap());
    fill(&source, "f");
    let (s, t) = (source.url(), target.url());
    let r = run(
        &[],
        &[
            "redis", "migrate", "--source", &s, "--target", &t, "--mode", "full",
        ],
    );
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stdout.contains("done: 308 keys written") && r.stdout.contains("1 full sync(s)"),
        "{}",
        r.stdout
    );
    assert_same_data(&source, &target);
}

#[test]
fn incremental_mode_streams_until_sigterm_then_exits_0_with_a_summary() {
    let Some(b) = require(Flavor::Redis) else {
        return;
    };
    let (source, target) = (b.clone().start().unwrap(), b.start().unwrap());
    fill(&source, "i");
    let (s, t) = (source.url(), target.url());
    let mut cli = start(
        &[],
        &[
            "redis",
            "migrate",
            "--source",
            &s,
            "--target",
            &t,
            "--mode",
            "incremental",
        ],
    );
    eventually("the command stream", || {
        cli.stderr_so_far().contains("applying the command stream")
    });
    ok(&source, &["SET", "written-while-streaming", "1"]);
    eventually("the stream to reach the target", || {
        exists_in(&target, 0, "written-while-streaming")
    });
    ok(&source, &["INCR", "counter"]);
    eventually("the INCR to reach the target", || {
        exists_in(&target, 0, "counter")
    });
    assert!(cli.is_running(), "incremental mode keeps running");
    cli.terminate();
    let r = cli.wait();
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("done: "), "{}", r.stdout);
    assert!(
        r.stdout.contains("1 full sync(s), 0 partial resync(s)"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("resume point: replication id "),
        "{}",
        r.stdout
    );
    assert_same_data(&source, &target);
}

#[test]
fn a_checkpoint_file_resumes_the_next_run_without_a_full_sync() {
    let Some(b) = require(Flavor::Redis) else {
        return;
    };
    let (source, target) = (b.clone().start().unwrap(), b.start().unwrap());
    fill(&source, "c");
    let dir = tempfile::tempdir().unwrap();
    let cp = dir.path().join("checkpoint.json");
    let cp_arg = cp.to_str().unwrap().to_owned();
    let (s, t) = (source.url(), target.url());
    let args = [
        "redis",
        "migrate",
        "--source",
        &s,
        "--target",
        &t,
        "--mode",
        "incremental",
        "--checkpoint-file",
        &cp_arg,
    ];
    let mut db3 = source.connect().unwrap();
    db3.call(&["SELECT", "3"]).unwrap().ok().unwrap();

    let cli = start(&[], &args);
    eventually("the first run to stream", || {
        cli.stderr_so_far().contains("applying the command stream")
    });
    db3.call(&["SET", "first-run", "1"]).unwrap().ok().unwrap();
    eventually("the first run to apply", || {
        exists_in(&target, 3, "first-run")
    });
    cli.terminate();
    let first = cli.wait();
    assert_eq!(first.code, 0, "{first:?}");
    assert!(first.stdout.contains("1 full sync(s)"), "{}", first.stdout);
    let saved = std::fs::read_to_string(&cp).unwrap();
    assert!(saved.contains("\"db\":3"), "{saved}");

    // Between the runs, on the same connection: the stream goes on in db 3 without SELECT.
    db3.call(&["SET", "between-runs", "1"])
        .unwrap()
        .ok()
        .unwrap();
    db3.call(&["DEL", "first-run"]).unwrap().ok().unwrap();
    let cli = start(&[], &args);
    eventually("the second run to apply", || {
        exists_in(&target, 3, "between-runs") && !exists_in(&target, 3, "first-run")
    });
    cli.terminate();
    let second = cli.wait();
    assert_eq!(second.code, 0, "{second:?}");
    assert!(
        second
            .stdout
            .contains("0 full sync(s), 1 partial resync(s)"),
        "{}",
        second.stdout
    );
    assert!(!exists_in(&target, 0, "between-runs"), "landed in db 0");
    let stats = source.call(&["INFO", "stats"]).unwrap().text();
    assert!(stats.contains("sync_full:1\r\n"), "{stats}");
    assert!(stats.contains("sync_partial_ok:1\r\n"), "{stats}");
    assert_same_data(&source, &target);
}

#[test]
fn manual_resume_stops_on_a_cut_with_exit_1_and_the_next_run_continues() {
    let Some(b) = require(Flavor::Redis) else {
        return;
    };
    let (source, target) = (b.clone().start().unwrap(), b.start().unwrap());
    fill(&source, "m");
    let proxy = redis_test_server::Proxy::start(source.addr()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cp = dir.path().join("cp.json");
    let cp_arg = cp.to_str().unwrap().to_owned();
    let (s, t) = (proxy.url(), target.url());
    let args = [
        "redis",
        "migrate",
        "--source",
        &s,
        "--target",
        &t,
        "--mode",
        "incremental",
        "--resume",
        "manual",
        "--checkpoint-file",
        &cp_arg,
    ];
    let cli = start(&[], &args);
    eventually("the stream", || {
        cli.stderr_so_far().contains("applying the command stream")
    });
    ok(&source, &["SET", "before-cut", "1"]);
    eventually("the write to arrive", || {
        exists_in(&target, 0, "before-cut")
    });
    proxy.cut();
    let first = cli.wait();
    assert_eq!(first.code, 1, "{first:?}");
    assert!(
        first.stderr.contains("resume point: replication id")
            && first.stderr.contains("run the same command to resume"),
        "{}",
        first.stderr
    );

    ok(&source, &["SET", "while-stopped", "1"]);
    let cli = start(&[], &args);
    eventually("the second run to apply", || {
        exists_in(&target, 0, "while-stopped")
    });
    cli.terminate();
    let second = cli.wait();
    assert_eq!(second.code, 0, "{second:?}");
    assert!(
        second
            .stdout
            .contains("0 full sync(s), 1 partial resync(s)"),
        "{}",
        second.stdout
    );
    assert_same_data(&source, &target);
}
