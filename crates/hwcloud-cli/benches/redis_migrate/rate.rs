//! The byte-rate limit seen from the target: a full sync with `--bandwidth-limit-mb R`, the
//! target's `total_net_input_bytes` sampled every 100 ms, and the rate in every 5 s window
//! (sliding by one sample) between the first and the last byte of data.

use crate::engine::{self, Engine};
use crate::servers;
use redis_test_server::Server;
use std::fmt::Write;
use std::time::{Duration, Instant};

const SAMPLE: Duration = Duration::from_millis(100);
const WINDOW: f64 = 5.0;
/// Writing has started once this much has arrived (the probe and handshake are smaller).
const STARTED_AT: u64 = 256 * 1024;

/// What one limited run showed.
pub struct RateRun {
    pub limit_mb: u64,
    pub bytes: u64,
    pub secs: f64,
    pub windows: usize,
    pub min_ratio: f64,
    pub max_ratio: f64,
    pub peak_rss: u64,
    pub load: String,
}

impl RateRun {
    pub fn within(&self, tolerance: f64) -> bool {
        self.windows > 0 && self.min_ratio >= 1.0 - tolerance && self.max_ratio <= 1.0 + tolerance
    }
}

/// One full sync at `limit_mb` MB/s (1 MB = 1,048,576 bytes), checked against `expect`.
pub fn run(source: &Server, expect: &(String, u64), limit_mb: u64) -> Result<RateRun, String> {
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
        "full".into(),
        "--bandwidth-limit-mb".into(),
        limit_mb.to_string(),
        "--work-dir".into(),
        work.path().display().to_string(),
    ];
    let mut c = servers::client(&target)?;
    let mut e = Engine::start(&args).map_err(|e| e.to_string())?;
    let started = Instant::now();
    let mut samples: Vec<(f64, u64)> = Vec::new();
    let status = loop {
        let bytes: u64 = servers::info(&mut c, "stats", "total_net_input_bytes")?
            .parse()
            .unwrap_or(0);
        samples.push((started.elapsed().as_secs_f64(), bytes));
        if let Some(s) = e.try_status()? {
            break s;
        }
        if started.elapsed() > Duration::from_secs(1800) {
            return Err("the limited run took more than 30 minutes".into());
        }
        std::thread::sleep(SAMPLE);
    };
    let (_, m) = e.wait(Duration::from_secs(10))?;
    if !status.success() {
        return Err(format!(
            "the engine exited with {status}; its output:\n{}",
            e.log_tail()
        ));
    }
    servers::check_equal(expect, &target, "the rate-limited full sync")?;
    let limit = (limit_mb * 1_048_576) as f64;
    let (windows, min_ratio, max_ratio, bytes, secs) = windows(&samples, limit);
    drop(target);
    servers::wait_idle(source)?;
    Ok(RateRun {
        limit_mb,
        bytes,
        secs,
        windows,
        min_ratio,
        max_ratio,
        peak_rss: m.peak_rss,
        load: format!("{load_before}→{}", engine::load_average()),
    })
}

/// (windows, lowest and highest rate / limit, bytes and seconds of the data span).
fn windows(samples: &[(f64, u64)], limit: f64) -> (usize, f64, f64, u64, f64) {
    let base = samples.first().map_or(0, |s| s.1);
    let Some(first) = samples.iter().position(|s| s.1 >= base + STARTED_AT) else {
        return (0, f64::NAN, f64::NAN, 0, 0.0);
    };
    let total = samples.last().map_or(0, |s| s.1);
    // The last sample before the count stopped growing.
    let last = samples.iter().position(|s| s.1 == total).unwrap_or(0);
    let (mut n, mut lo, mut hi) = (0, f64::INFINITY, 0f64);
    for i in first..=last {
        let Some(j) = (i..=last).find(|&j| samples[j].0 >= samples[i].0 + WINDOW) else {
            break;
        };
        let rate = (samples[j].1 - samples[i].1) as f64 / (samples[j].0 - samples[i].0);
        let r = rate / limit;
        lo = lo.min(r);
        hi = hi.max(r);
        n += 1;
    }
    let span = samples[last].0 - samples[first].0;
    (n, lo, hi, total - base, span)
}

pub fn table(runs: &[RateRun]) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "| limit MB/s | bytes to the target | seconds | 5 s windows | lowest / limit | highest / limit | within ±10% | engine peak RSS MiB | load avg |"
    );
    let _ = writeln!(
        s,
        "| ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | --- |"
    );
    for r in runs {
        let _ = writeln!(
            s,
            "| {} | {} | {:.1} | {} | {:.3} | {:.3} | {} | {} | {} |",
            r.limit_mb,
            r.bytes,
            r.secs,
            r.windows,
            r.min_ratio,
            r.max_ratio,
            if r.within(0.10) { "yes" } else { "NO" },
            crate::report::mb(r.peak_rss),
            r.load
        );
    }
    s
}
