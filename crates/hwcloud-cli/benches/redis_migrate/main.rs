//! Redis migration benchmarks against real servers on 127.0.0.1 (see BENCHMARKS.md):
//!
//! - full sync of 1M × 32 B strings and of a mixed set (~500k keys of every type, a 1M-field
//!   hash, a 1M-element list, a stream): the release `hwcloud redis migrate --mode full` vs
//!   native replication (`REPLICAOF`, until `master_link_status:up`) of the same source, in
//!   alternating rounds of the same run; every run is checked with `DEBUG DIGEST`;
//! - the engine's peak RSS (`VmHWM`) in every run, and with a 512 MiB string;
//! - the byte-rate limit at 1, 5 and 20 MB/s on a 200 MB workload, every 5 s window;
//! - the incremental phase under a writer at 50k ops/s for 30 s: time to catch up after it
//!   stops, engine vs native replica.
//!
//! `cargo bench -p hwcloud-cli --bench redis_migrate [-- --quick] [--only a,b] [--rounds N]
//! [--out FILE] [--hold]`; scenarios: `strings`, `mixed`, `bigstring`, `rate`, `incremental`.
//! `--hold` keeps each loaded source running until Enter is pressed (to profile the engine
//! against it by hand).

mod client;
mod datasets;
mod engine;
mod full_sync;
mod incremental;
mod rate;
mod report;
mod servers;

use std::fmt::Write;
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// Sizes of one run (`--quick` shrinks them).
struct Plan {
    quick: bool,
    rounds: usize,
    strings: u64,
    mixed_scale: f64,
    big_string: u64,
    rate_bytes: u64,
    rates: Vec<u64>,
    load_ops: u64,
    load_secs: u64,
    load_rounds: usize,
    only: Option<Vec<String>>,
    out: Option<String>,
    hold: bool,
}

impl Plan {
    fn from_args() -> Result<Plan, String> {
        let args: Vec<String> = std::env::args().skip(1).collect();
        let quick = args.iter().any(|a| a == "--quick");
        let value = |name: &str| {
            args.iter()
                .position(|a| a == name)
                .and_then(|i| args.get(i + 1).cloned())
        };
        let mut p = if quick {
            Plan {
                quick,
                rounds: 1,
                strings: 200_000,
                mixed_scale: 0.2,
                big_string: 64 << 20,
                rate_bytes: 120_000_000,
                rates: vec![5, 20],
                load_ops: 50_000,
                load_secs: 10,
                load_rounds: 1,
                only: None,
                out: None,
                hold: false,
            }
        } else {
            Plan {
                quick,
                rounds: 5,
                strings: 1_000_000,
                mixed_scale: 1.0,
                big_string: 512 << 20,
                rate_bytes: 200_000_000,
                rates: vec![1, 5, 20],
                load_ops: 50_000,
                load_secs: 30,
                load_rounds: 2,
                only: None,
                out: None,
                hold: false,
            }
        };
        if let Some(n) = value("--rounds") {
            p.rounds = n
                .parse()
                .map_err(|_| format!("--rounds {n}: not a number"))?;
        }
        p.only = value("--only").map(|s| s.split(',').map(str::to_owned).collect());
        p.out = value("--out");
        p.hold = args.iter().any(|a| a == "--hold");
        Ok(p)
    }

    /// With `--hold`: waits for Enter while `source` keeps the loaded data.
    fn hold(&self, name: &str, source: &redis_test_server::Server) {
        if self.hold {
            eprintln!(
                "[{name}] {} holds the data set; press Enter to go on",
                source.url()
            );
            let mut line = String::new();
            let _ = std::io::stdin().read_line(&mut line);
        }
    }

    fn wants(&self, scenario: &str) -> bool {
        self.only
            .as_ref()
            .is_none_or(|o| o.iter().any(|s| s == scenario))
    }
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("BENCHMARK FAILED: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let plan = Plan::from_args()?;
    let started = Instant::now();
    let mut md = String::new();
    let _ = writeln!(
        md,
        "## Redis migration benchmark ({})\n\nengine: `{}`; {}; load average at start {}\n",
        if plan.quick { "quick" } else { "full" },
        engine::binary(),
        machine(),
        engine::load_average()
    );
    if plan.wants("strings") {
        let source = servers::start()?;
        let mut c = servers::client(&source)?;
        datasets::strings(&mut c, plan.strings).map_err(|e| e.to_string())?;
        plan.hold("strings", &source);
        let rounds = full_sync::compare("strings", &source, plan.rounds)?;
        let title = format!("Full sync: {} × 32 B strings", plan.strings);
        md.push_str(&report::rounds_table(&title, &rounds, None));
        print_partial(&md);
    }
    if plan.wants("mixed") {
        let source = servers::start()?;
        let mut c = servers::client(&source)?;
        let spec = datasets::MixedSpec::scaled(plan.mixed_scale);
        let t = Instant::now();
        datasets::mixed(&mut c, &spec).map_err(|e| format!("loading the mixed set: {e}"))?;
        eprintln!(
            "[mixed] loaded {} keys in {:.1} s",
            spec.keys(),
            t.elapsed().as_secs_f64()
        );
        plan.hold("mixed", &source);
        let rounds = full_sync::compare("mixed", &source, plan.rounds)?;
        let title = format!(
            "Full sync: mixed set, {} keys (a {}-field hash, a {}-element list, a {}-entry stream)",
            spec.keys(),
            spec.huge_hash_fields,
            spec.huge_list_items,
            spec.stream_entries
        );
        md.push_str(&report::rounds_table(&title, &rounds, Some(128 << 20)));
        print_partial(&md);
    }
    if plan.wants("bigstring") {
        let source = servers::start()?;
        let mut c = servers::client(&source)?;
        datasets::big_string(&mut c, "big", plan.big_string).map_err(|e| e.to_string())?;
        plan.hold("bigstring", &source);
        let rounds = full_sync::compare("bigstring", &source, 1)?;
        let title = format!("Full sync: one string of {} MiB", plan.big_string >> 20);
        md.push_str(&report::rounds_table(&title, &rounds, Some(128 << 20)));
        print_partial(&md);
    }
    if plan.wants("rate") {
        let source = servers::start()?;
        let mut c = servers::client(&source)?;
        let n = datasets::bulk(&mut c, plan.rate_bytes).map_err(|e| e.to_string())?;
        let expect = servers::digest(&source)?;
        let mut runs = Vec::new();
        for &r in &plan.rates {
            let run = rate::run(&source, &expect, r)?;
            eprintln!(
                "[rate] {r} MB/s: {} windows, {:.3}–{:.3} of the limit",
                run.windows, run.min_ratio, run.max_ratio
            );
            runs.push(run);
        }
        let _ = writeln!(
            md,
            "### Rate limit: {n} × 1000 B random strings\n\n{}",
            rate::table(&runs)
        );
        print_partial(&md);
    }
    if plan.wants("incremental") {
        let source = servers::start()?;
        let mut c = servers::client(&source)?;
        datasets::strings(&mut c, 10_000).map_err(|e| e.to_string())?;
        let dur = Duration::from_secs(plan.load_secs);
        let mut runs = Vec::new();
        for i in 0..plan.load_rounds as u64 {
            let e = incremental::engine_run(&source, plan.load_ops, dur, i)?;
            eprintln!("[incremental] engine caught up after {:?}", e.catch_up);
            let n = incremental::native_run(&source, plan.load_ops, dur, i)?;
            eprintln!("[incremental] native caught up after {:?}", n.catch_up);
            runs.push(e);
            runs.push(n);
        }
        let _ = writeln!(
            md,
            "### Incremental: {} ops/s for {} s, then catch-up (target: ≤ 1 s)\n\n{}",
            plan.load_ops,
            plan.load_secs,
            incremental::table(&runs)
        );
    }
    let _ = writeln!(
        md,
        "total {:.0} s; load average at end {}",
        started.elapsed().as_secs_f64(),
        engine::load_average()
    );
    println!("{md}");
    if let Some(out) = &plan.out {
        std::fs::write(out, &md).map_err(|e| format!("{out}: {e}"))?;
    }
    Ok(())
}

fn print_partial(md: &str) {
    eprintln!("{md}");
}

/// Cores, CPU model and the server version, for the record.
fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpu
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|m| m.trim_start_matches([' ', '\t', ':']).to_owned())
        .unwrap_or_default();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let version = std::process::Command::new("redis-server")
        .arg("--version")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .unwrap_or_default();
    format!("{cores} cores ({model}); {}", version.trim())
}
