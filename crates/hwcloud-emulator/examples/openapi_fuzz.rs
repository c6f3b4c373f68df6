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
    "usage: openapi_fuzz [--requests N] [--seed N] [--workers N] [--clock-step SECONDS]";

fn parse() -> Result<Config, String> {
    let mut cfg = Config {
        requests: 100_000,
        seed: 1,
        workers: 4,
        clock_step_secs: 2.0,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
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
    Ok(cfg)
}

fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".to_owned())
}

#[tokio::main]
async fn main() {
    let cfg = match parse() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}\n{USAGE}");
            std::process::exit(2);
        }
    };
    let before = load();
    let report = match run(cfg).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("the fuzz run could not start: {e}");
            std::process::exit(1);
        }
    };
    println!(
        "{}",
        render(&report, &format!("{before} before, {} after", load()))
    );
    if report.failure_count > 0 {
        std::process::exit(1);
    }
}
