//! The incremental phase under load: a writer at a fixed rate of mixed commands on the
//! source, then the time until the target has applied everything (a marker key written
//! right after the writer's last reply shows up on the target). The same writer against a
//! native replica is the baseline.

use crate::client::Client;
use crate::datasets::Rng;
use crate::engine::{self, Engine, Measured};
use crate::servers;
use redis_test_server::Server;
use std::fmt::Write;
use std::time::{Duration, Instant};

/// What one run under load showed.
pub struct LoadRun {
    pub who: &'static str,
    pub ops: u64,
    pub secs: f64,
    /// From the writer's last reply until the marker was on the target.
    pub catch_up: Duration,
    pub engine: Option<Measured>,
    pub load: String,
}

/// Writes `rate` commands per second for `dur`: `SET` (half), `INCR`, `HSET`, `LPUSH`,
/// `ZADD`, `EXPIRE` and `DEL` over 100k keys. Returns the commands sent and the seconds taken.
pub fn write_load(
    c: &mut Client,
    rate: u64,
    dur: Duration,
    seed: u64,
) -> Result<(u64, f64), String> {
    let mut rng = Rng::new(seed);
    let started = Instant::now();
    let mut sent = 0u64;
    while started.elapsed() < dur {
        let due = (started.elapsed().as_secs_f64() * rate as f64) as u64;
        let n = due.saturating_sub(sent).min(5000);
        for _ in 0..n {
            let k = rng.next() % 100_000;
            let v = rng.alnum(32);
            let key = format!("w:{k}");
            match rng.next() % 20 {
                0..=9 => c.queue(&[&b"SET"[..], key.as_bytes(), &v]),
                10 | 11 => c.queue(&["INCR", &format!("w:n:{}", k % 1000)]),
                12..=14 => c.queue(&[
                    &b"HSET"[..],
                    format!("w:h:{}", k % 10_000).as_bytes(),
                    format!("f{}", k % 16).as_bytes(),
                    &v,
                ]),
                15 => c.queue(&[&b"LPUSH"[..], format!("w:l:{}", k % 1000).as_bytes(), &v]),
                16 => c.queue(&[
                    "ZADD",
                    &format!("w:z:{}", k % 1000),
                    &(k % 977).to_string(),
                    &format!("m{k}"),
                ]),
                17 => c.queue(&[&b"EXPIRE"[..], key.as_bytes(), b"7200"]),
                _ => c.queue(&[&b"DEL"[..], key.as_bytes()]),
            }
        }
        sent += n;
        c.sync().map_err(|e| format!("the writer: {e}"))?;
        std::thread::sleep(Duration::from_millis(5));
    }
    Ok((sent, started.elapsed().as_secs_f64()))
}

/// Writes a marker on the source and waits until `target` holds it.
fn catch_up(source: &mut Client, target: &Server, tag: &str) -> Result<Duration, String> {
    let started = Instant::now();
    source
        .text(&["SET", "bench:marker", tag])
        .map_err(|e| e.to_string())?;
    let mut t = servers::client(target)?;
    loop {
        if t.text(&["GET", "bench:marker"])
            .map_err(|e| e.to_string())?
            == tag
        {
            return Ok(started.elapsed());
        }
        if started.elapsed() > Duration::from_secs(600) {
            return Err("the target did not catch up within 10 minutes".into());
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// The engine in incremental mode under `rate` ops/s for `dur`.
pub fn engine_run(
    source: &Server,
    rate: u64,
    dur: Duration,
    round: u64,
) -> Result<LoadRun, String> {
    let load_before = engine::load_average();
    let target = servers::start()?;
    let work = tempfile::Builder::new()
        .prefix("redis-bench-spool-")
        .tempdir()
        .map_err(|e| e.to_string())?;
    let args: Vec<String> = vec![
        "--source".into(),
        source.url(),
        "--target".into(),
        target.url(),
        "--mode".into(),
        "incremental".into(),
        "--work-dir".into(),
        work.path().display().to_string(),
    ];
    let mut e = Engine::start(&args).map_err(|e| e.to_string())?;
    if !e.wait_for_line("applying the command stream", Duration::from_secs(600)) {
        return Err(format!(
            "the engine did not reach the incremental phase; its output:\n{}",
            e.log_tail()
        ));
    }
    let mut w = servers::client(source)?;
    let (ops, secs) = write_load(&mut w, rate, dur, 0x5eed_1000 + round)?;
    let catch = catch_up(&mut w, &target, &format!("engine-{round}"))?;
    e.terminate().map_err(|e| e.to_string())?;
    let (status, m) = e.wait(Duration::from_secs(120))?;
    if !status.success() {
        return Err(format!(
            "the engine exited with {status} after SIGTERM; its output:\n{}",
            e.log_tail()
        ));
    }
    let expect = servers::digest(source)?;
    servers::check_equal(&expect, &target, "the incremental run")?;
    drop(target);
    servers::wait_idle(source)?;
    Ok(LoadRun {
        who: "engine",
        ops,
        secs,
        catch_up: catch,
        engine: Some(m),
        load: format!("{load_before}→{}", engine::load_average()),
    })
}

/// The same load with a native replica attached.
pub fn native_run(
    source: &Server,
    rate: u64,
    dur: Duration,
    round: u64,
) -> Result<LoadRun, String> {
    let load_before = engine::load_average();
    let replica = servers::start()?;
    servers::replicate(source, &replica, Duration::from_secs(600))?;
    let mut w = servers::client(source)?;
    let (ops, secs) = write_load(&mut w, rate, dur, 0x5eed_2000 + round)?;
    let catch = catch_up(&mut w, &replica, &format!("native-{round}"))?;
    let expect = servers::digest(source)?;
    servers::check_equal(&expect, &replica, "native replication under load")?;
    servers::drop_replica(source, replica)?;
    Ok(LoadRun {
        who: "native",
        ops,
        secs,
        catch_up: catch,
        engine: None,
        load: format!("{load_before}→{}", engine::load_average()),
    })
}

pub fn table(runs: &[LoadRun]) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "| run | commands | seconds | achieved ops/s | caught up after (ms) | engine peak RSS MiB | engine CPU s | load avg |"
    );
    let _ = writeln!(s, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
    for r in runs {
        let _ = writeln!(
            s,
            "| {} | {} | {:.1} | {:.0} | {:.1} | {} | {} | {} |",
            r.who,
            r.ops,
            r.secs,
            r.ops as f64 / r.secs,
            r.catch_up.as_secs_f64() * 1000.0,
            r.engine
                .map_or("–".into(), |m| crate::report::mb(m.peak_rss)),
            r.engine
                .map_or("–".into(), |m| format!("{:.2}", m.cpu_secs)),
            r.load
        );
    }
    s
}
