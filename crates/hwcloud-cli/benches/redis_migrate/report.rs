//! Figures as Markdown: every run, the medians and the ratios.

use crate::engine::Measured;
use std::fmt::Write;
use std::time::Duration;

/// One engine run and, when there is one, the native run paired with it.
#[derive(Debug, Clone)]
pub struct Round {
    pub engine: Measured,
    pub native: Option<Duration>,
    /// 1-minute load average before → after the round.
    pub load: String,
}

pub fn secs(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64())
}

pub fn mb(bytes: u64) -> String {
    format!("{:.1}", bytes as f64 / 1048576.0)
}

pub fn median(mut v: Vec<f64>) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// A table of the rounds and a line of medians and ratios.
pub fn rounds_table(title: &str, rounds: &[Round], rss_target: Option<u64>) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "### {title}\n");
    let _ = writeln!(
        s,
        "| round | engine s | native s | engine / native | engine peak RSS MiB | engine CPU s | load avg |"
    );
    let _ = writeln!(s, "| ---: | ---: | ---: | ---: | ---: | ---: | --- |");
    for (i, r) in rounds.iter().enumerate() {
        let (native, ratio) = match r.native {
            Some(n) => (
                secs(n),
                format!("{:.2}", r.engine.wall.as_secs_f64() / n.as_secs_f64()),
            ),
            None => ("–".into(), "–".into()),
        };
        let _ = writeln!(
            s,
            "| {} | {} | {native} | {ratio} | {} | {:.2} | {} |",
            i + 1,
            secs(r.engine.wall),
            mb(r.engine.peak_rss),
            r.engine.cpu_secs,
            r.load
        );
    }
    let e = median(rounds.iter().map(|r| r.engine.wall.as_secs_f64()).collect());
    let rss = rounds.iter().map(|r| r.engine.peak_rss).max().unwrap_or(0);
    let natives: Vec<f64> = rounds
        .iter()
        .filter_map(|r| r.native.map(|n| n.as_secs_f64()))
        .collect();
    let _ = write!(s, "\nmedian engine {e:.2} s");
    if !natives.is_empty() {
        let n = median(natives);
        let per_round = median(
            rounds
                .iter()
                .filter_map(|r| {
                    r.native
                        .map(|n| r.engine.wall.as_secs_f64() / n.as_secs_f64())
                })
                .collect(),
        );
        let _ = write!(
            s,
            ", median native {n:.2} s; **ratio of medians {:.2}**, median of per-round ratios {per_round:.2} (target ≤ 1.0)",
            e / n
        );
    }
    let _ = write!(s, "; highest peak RSS {} MiB", mb(rss));
    if let Some(limit) = rss_target {
        let _ = write!(
            s,
            " (target ≤ {} MiB: {})",
            limit >> 20,
            if rss <= limit { "met" } else { "NOT met" }
        );
    }
    let _ = writeln!(s, "\n");
    s
}
