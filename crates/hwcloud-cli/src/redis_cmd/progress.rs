//! Live progress of a Redis job: a one-line status bar on a terminal (phase, keys, bytes,
//! rate, lag), plain lines every few seconds otherwise; engine events are printed as they
//! happen, in both cases on stderr (stdout is for the final summary).

use indicatif::{ProgressBar, ProgressStyle};
use redis_migrate::metrics::{Level, Metrics, MetricsSnapshot, RateMeter};
use std::io::IsTerminal;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Plain-line interval when stderr is not a terminal.
const PLAIN_EVERY: Duration = Duration::from_secs(5);
const TICK: Duration = Duration::from_millis(250);

/// Runs until aborted, reporting on `metrics`.
pub async fn report(metrics: Arc<Metrics>) {
    let bar = std::io::stderr().is_terminal().then(|| {
        let b = ProgressBar::new_spinner();
        b.set_style(
            ProgressStyle::with_template("{spinner} {elapsed_precise} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        b
    });
    let mut meter = RateMeter::new(metrics.snapshot());
    let mut seen = 0u64;
    let mut last_plain = Instant::now();
    loop {
        tokio::time::sleep(TICK).await;
        let (events, total) = metrics.events_after(seen);
        seen = total;
        for e in events {
            let line = format!("{} {}", level_word(e.level), e.message);
            match &bar {
                Some(b) => b.println(line),
                None => eprintln!("{line}"),
            }
        }
        if bar.is_none() && last_plain.elapsed() < PLAIN_EVERY {
            continue;
        }
        let snap = metrics.snapshot();
        let line = status_line(&snap, meter.rates(snap));
        match &bar {
            Some(b) => {
                b.set_message(line);
                b.tick();
            }
            None => {
                eprintln!("{line}");
                last_plain = Instant::now();
            }
        }
    }
}

fn level_word(l: Level) -> &'static str {
    match l {
        Level::Info => "info:",
        Level::Warn => "warning:",
        Level::Error => "error:",
    }
}

/// `full-sync 45% · 120,000 keys · 12.0 MiB written · 8.1 MiB/s · 52,000 ops/s · lag 0 B`
pub fn status_line(s: &MetricsSnapshot, r: redis_migrate::metrics::Rates) -> String {
    let phase = s.phase.map_or("idle", |p| p.as_str());
    let progress = match s.full_sync_percent() {
        Some(p) if phase == "full-sync" || phase == "importing" => format!(" {p:.0}%"),
        _ => String::new(),
    };
    format!(
        "{phase}{progress} · {} keys · {} written · {}/s · {:.0} ops/s · lag {}",
        thousands(s.keys_written),
        bytes(s.target_bytes),
        bytes(r.target_bytes_per_sec as u64),
        r.target_ops_per_sec,
        bytes(s.lag_bytes())
    )
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_counts_and_sizes() {
        assert_eq!(thousands(1234567), "1,234,567");
        assert_eq!(thousands(12), "12");
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(3 * 1024 * 1024 / 2), "1.5 MiB");
    }
}
