//! Full sync, engine against native replication of the same source in the same run: each
//! round starts two fresh, empty servers, runs `hwcloud redis migrate --mode full` into one
//! and `REPLICAOF` into the other (the order alternates between rounds, so drift of the
//! shared machine hits both alike), and checks both against the source's `DEBUG DIGEST`.

use crate::engine::{self, Engine, Measured};
use crate::report::{Round, secs};
use crate::servers;
use redis_test_server::Server;
use std::time::Duration;

/// Longest a single run may take.
const LIMIT: Duration = Duration::from_secs(1800);

/// Runs one engine full sync from `source` into a fresh server; the target must then hold
/// exactly `expect`.
pub fn engine_run(
    source: &Server,
    expect: &(String, u64),
    extra: &[&str],
) -> Result<Measured, String> {
    let target = servers::start()?;
    let work = tempfile::Builder::new()
        .prefix("redis-bench-spool-")
        .tempdir()
        .map_err(|e| e.to_string())?;
    let mut args: Vec<String> = [
        "--source",
        &source.url(),
        "--target",
        &target.url(),
        "--mode",
        "full",
        "--work-dir",
        &work.path().display().to_string(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.extend(extra.iter().map(|s| s.to_string()));
    let mut e = Engine::start(&args).map_err(|e| format!("starting {}: {e}", engine::binary()))?;
    let (status, m) = e.wait(LIMIT)?;
    if !status.success() {
        return Err(format!(
            "the engine exited with {status}; its output:\n{}",
            e.log_tail()
        ));
    }
    servers::check_equal(expect, &target, "the engine's full sync")?;
    drop(target);
    servers::wait_idle(source)?;
    Ok(m)
}

/// Native replication into a fresh server, timed until the link is up; checked the same way.
pub fn native_run(source: &Server, expect: &(String, u64)) -> Result<Duration, String> {
    let replica = servers::start()?;
    let t = servers::replicate(source, &replica, LIMIT)?;
    servers::check_equal(expect, &replica, "native replication")?;
    servers::drop_replica(source, replica)?;
    Ok(t)
}

/// `rounds` alternating pairs of engine and native runs.
pub fn compare(name: &str, source: &Server, rounds: usize) -> Result<Vec<Round>, String> {
    let expect = servers::digest(source)?;
    eprintln!(
        "[{name}] source holds {} keys, digest {}",
        expect.1, expect.0
    );
    let mut out = Vec::new();
    for i in 0..rounds {
        let load_before = engine::load_average();
        let (engine, native) = if i % 2 == 0 {
            let e = engine_run(source, &expect, &[])?;
            (e, native_run(source, &expect)?)
        } else {
            let n = native_run(source, &expect)?;
            (engine_run(source, &expect, &[])?, n)
        };
        let round = Round {
            engine,
            native: Some(native),
            load: format!("{load_before}→{}", engine::load_average()),
        };
        eprintln!(
            "[{name}] round {}: engine {} s (peak RSS {} MiB, CPU {:.2} s), native {} s, ratio {:.2}, load {}",
            i + 1,
            secs(engine.wall),
            crate::report::mb(engine.peak_rss),
            engine.cpu_secs,
            secs(native),
            engine.wall.as_secs_f64() / native.as_secs_f64(),
            round.load
        );
        out.push(round);
    }
    Ok(out)
}
