//! The long OpenAPI fuzz run of the emulator (see the crate README, "Fuzzing"):
//!
//! ```sh
//! cargo run --release -p hwcloud-emulator --example openapi_fuzz -- --requests 100000 --seed 1
//! ```
//!
//! Prints requests per operation, class and status, the elapsed time and every failure (the
//! request, never a credential, with the seed, worker and index that draw it again); exits 1
//! when anything failed, 2 on bad arguments.

#[path = "../tests/fuzzkit/mod.rs"]
mod fuzzkit;

use fuzzkit::driver::{Config, run};
use fuzzkit::summary::render;

const USAGE: &str =
    "usage: openapi_fuzz [--requests N] [--seed N] [--workers N] [--clock-step SECONDS] [--sqlite]";

/// The configuration, and whether to store the state in SQLite (a temporary directory).
fn parse() -> Result<(Config, bool), String> {
    let mut cfg = Config {
        requests: 100_000,
        seed: 1,
        workers: 4,
        clock_step_secs: 2.0,
        data_dir: None,
    };
    let mut sqlite = false;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        if flag == "--sqlite" {
            sqlite = true;
            continue;
        }
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let bad = |e: &dyn std::fmt::Display| format!("{flag} {value:?}: {e}");
        match flag.as_str() {
            "--requests" => cfg.requests = value.parse().map_err(|e| bad(&e))?,
            "--seed" => cfg.seed = value.parse().map_err(|e| bad(&e))?,
            "--workers" => cfg.workers = value.parse().map_err(|e| bad(&e))?,
            "--clock-step" => cfg.clock_step_secs = value.parse().map_err(|e| bad(&e))?,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if cfg.workers == 0 || cfg.workers > 64 {
        return Err("--workers must be 1 to 64".to_owned());
    }
    Ok((cfg, sqlite))
}

fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".to_owned())
}

#[tokio::main]
async fn main() {
    let (mut cfg, sqlite) = match parse() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}\n{USAGE}");
            std::process::exit(2);
        }
    };
    let dir = match sqlite.then(tempfile::tempdir).transpose() {
        Ok(d) => d,
        Err(e) => {
            eprintln!("no temporary directory for the SQLite state: {e}");
            std::process::exit(1);
        }
    };
    cfg.data_dir = dir.as_ref().map(|d| d.path().to_path_buf());
    let (before, workers) = (load(), cfg.workers);
    let report = match run(cfg).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("the fuzz run could not start: {e}");
            drop(dir);
            std::process::exit(1);
        }
    };
    let state = if sqlite { "SQLite" } else { "memory" };
    println!("state in {state}, {workers} workers");
    println!(
        "{}",
        render(&report, &format!("{before} before, {} after", load()))
    );
    // The temporary data directory goes before the exit (which would skip its removal).
    drop(dir);
    if report.failure_count > 0 {
        std::process::exit(1);
    }
}
