//! Shared by the `engine_*` tests: migration options with short backoffs, bounded waits,
//! "caught up" and "equal" checks against the servers themselves, and background writers.
//!
//! The oracle is always the servers: `INFO replication` of the source for how far the stream
//! goes, `DEBUG DIGEST` (same version on both sides) or the crate's verifier in full mode
//! (across versions) for whether the data is equal.
#![allow(dead_code)]

pub mod dataset;
pub mod writer;

use redis_migrate::endpoint::{Endpoint, Secret};
use redis_migrate::engine::{MigrateOptions, Migration, ResumePolicy, Summary, SyncMode};
use redis_migrate::metrics::{Metrics, Phase};
use redis_migrate::verify::{self, Mode, VerifyOptions};
use redis_test_server::{Reply, Server};
use std::path::Path;
use std::time::Duration;

/// The longest any single wait of these tests may take before the test fails. Generous: the
/// machine may be loaded; a healthy run waits far less.
pub const LIMIT: Duration = Duration::from_secs(90);

pub fn endpoint(url: &str) -> Endpoint {
    Endpoint::parse(url).unwrap()
}

pub fn endpoint_with_password(url: &str, password: &str) -> Endpoint {
    endpoint(url).with_password(Some(Secret::new(password)))
}

/// Options for a migration: auto resume with short backoffs, small spools.
pub fn options(source: &str, target: &str, work: &Path, mode: SyncMode) -> MigrateOptions {
    let mut o = MigrateOptions::new(endpoint(source), endpoint(target), work);
    o.mode = mode;
    o.resume = ResumePolicy::Auto {
        max_backoff: Duration::from_millis(500),
    };
    o.spool_limit_bytes = 512 << 20;
    o.connect_timeout = Duration::from_secs(5);
    o
}

/// Waits until the engine applies the stream (the snapshot is written).
pub async fn incremental_phase(metrics: &Metrics) {
    until(metrics, "the incremental phase", |m| {
        m.phase() == Phase::Incremental
    })
    .await;
}

/// Polls `check` every 25 ms until it holds; panics with `what` after `limit`.
pub async fn eventually(limit: Duration, what: &str, mut check: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        if check() {
            return;
        }
        if tokio::time::Instant::now() > deadline {
            panic!("not within {limit:?}: {what}");
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Like [`eventually`], with the metrics in the panic message; gives up at once when the
/// migration has failed.
pub async fn until(metrics: &Metrics, what: &str, mut check: impl FnMut(&Metrics) -> bool) {
    let deadline = tokio::time::Instant::now() + LIMIT;
    loop {
        if check(metrics) {
            return;
        }
        if tokio::time::Instant::now() > deadline || metrics.phase() == Phase::Failed {
            panic!(
                "not within {LIMIT:?}: {what}\nmetrics: {:?}\nevents: {:#?}",
                metrics.snapshot(),
                metrics.events()
            );
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Waits for a migration to end by itself, at most [`LIMIT`].
pub async fn finish(m: Migration) -> Summary {
    let metrics = m.metrics();
    match tokio::time::timeout(LIMIT, m.wait()).await {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => panic!("migration failed: {e}\nevents: {:#?}", metrics.events()),
        Err(_) => panic!(
            "the migration did not end within {LIMIT:?}\nmetrics: {:?}\nevents: {:#?}",
            metrics.snapshot(),
            metrics.events()
        ),
    }
}

/// Stops a migration cleanly, at most [`LIMIT`].
pub async fn stop(m: Migration) -> Summary {
    let metrics = m.metrics();
    match tokio::time::timeout(LIMIT, m.stop()).await {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => panic!("stop failed: {e}\nevents: {:#?}", metrics.events()),
        Err(_) => panic!("the migration did not stop within {LIMIT:?}"),
    }
}

/// One field of `INFO <section>`.
pub fn info(server: &Server, section: &str, field: &str) -> String {
    let text = server.call(&["INFO", section]).unwrap().text();
    text.lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .unwrap_or_default()
        .trim()
        .to_owned()
}

/// The source's replication offset (the last byte of its stream).
pub fn master_offset(server: &Server) -> u64 {
    info(server, "replication", "master_repl_offset")
        .parse()
        .unwrap()
}

/// Waits until the target has applied the source's whole stream: the applied offset equals
/// the source's `master_repl_offset`, twice in a row (the source may still be writing a
/// `PING`). Call after the writers stopped.
pub async fn caught_up(source: &Server, metrics: &Metrics) {
    let deadline = tokio::time::Instant::now() + LIMIT;
    loop {
        let want = master_offset(source);
        let applied = metrics.snapshot().offset_applied;
        if applied == want && master_offset(source) == want {
            return;
        }
        assert!(
            applied <= want,
            "applied offset {applied} is past the source's {want}"
        );
        if tokio::time::Instant::now() > deadline || metrics.phase() == Phase::Failed {
            panic!(
                "lag not 0 within {LIMIT:?}: source at {want}, applied {applied}\nmetrics: {:?}\nevents: {:#?}",
                metrics.snapshot(),
                metrics.events()
            );
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// `DEBUG DIGEST` of both servers equal, allowing `settle` for expiries to run on both
/// sides; otherwise panics with the verifier's key-by-key report.
pub async fn assert_digests_equal(source: &Server, target: &Server, settle: Duration) {
    let deadline = tokio::time::Instant::now() + settle;
    loop {
        let (a, b) = (source.digest().unwrap(), target.digest().unwrap());
        assert_ne!(a, "0".repeat(40), "the source is empty: nothing was tested");
        if a == b {
            return;
        }
        if tokio::time::Instant::now() > deadline {
            let report = full_report(source, target).await;
            panic!("DEBUG DIGEST differs: source {a}, target {b}\n{report}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The crate's verifier in full mode (value and TTL of every key, both directions).
pub async fn full_report(source: &Server, target: &Server) -> verify::Report {
    let options = VerifyOptions {
        mode: Mode::Full,
        ..VerifyOptions::default()
    };
    verify::verify(&endpoint(&source.url()), &endpoint(&target.url()), &options)
        .await
        .unwrap()
}

/// Key by key equal (for servers of different versions, whose digests of equal data may
/// differ); panics with the report otherwise.
pub async fn assert_keys_equal(source: &Server, target: &Server) -> verify::Report {
    let report = full_report(source, target).await;
    assert!(report.equal, "{report}");
    assert!(report.keys_checked > 0, "nothing compared: {report}");
    report
}

/// The libraries `FUNCTION LIST` names, sorted.
pub fn function_libraries(server: &Server) -> Vec<String> {
    let Reply::Array(Some(libs)) = server.call(&["FUNCTION", "LIST"]).unwrap() else {
        panic!("FUNCTION LIST did not answer an array");
    };
    let mut names: Vec<String> = libs
        .iter()
        .filter_map(|lib| match lib {
            Reply::Array(Some(fields)) => fields
                .chunks(2)
                .find(|kv| kv[0].text() == "library_name")
                .map(|kv| kv[1].text()),
            _ => None,
        })
        .collect();
    names.sort();
    names
}

/// Runs `cmd` and panics on an error reply.
pub fn ok<A: AsRef<[u8]>>(server: &Server, cmd: &[A]) -> Reply {
    let r = server.call(cmd).unwrap();
    match r {
        Reply::Error(e) => panic!(
            "{:?}: {e}",
            String::from_utf8_lossy(cmd[0].as_ref()).into_owned()
        ),
        other => other,
    }
}

/// The integer reply of `cmd`.
pub fn int<A: AsRef<[u8]>>(server: &Server, cmd: &[A]) -> i64 {
    ok(server, cmd)
        .as_int()
        .unwrap_or_else(|| panic!("not an integer reply"))
}

/// The source's own record of replica connections: full syncs served, partial resyncs
/// accepted (`INFO stats`).
pub fn source_syncs(server: &Server) -> (u64, u64) {
    let n = |f| info(server, "stats", f).parse::<u64>().unwrap_or(0);
    (n("sync_full"), n("sync_partial_ok"))
}

/// The server's log (`server.log` in its directory).
pub fn server_log(server: &Server) -> String {
    std::fs::read_to_string(server.dir().join("server.log")).unwrap_or_default()
}

/// Whether `phase` is one of the running phases of a migration.
pub fn running(phase: Phase) -> bool {
    matches!(
        phase,
        Phase::Connecting | Phase::FullSync | Phase::Incremental | Phase::Reconnecting
    )
}

/// Whether `key` exists in database `db`.
pub fn exists_in(server: &Server, db: u32, key: &str) -> bool {
    let mut c = server.connect().unwrap();
    c.call(&["SELECT", &db.to_string()]).unwrap().ok().unwrap();
    c.call(&["EXISTS", key]).unwrap().as_int() == Some(1)
}
