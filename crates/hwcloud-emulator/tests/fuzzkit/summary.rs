//! The printed summary of a run: requests per operation and class, statuses, failures.

use std::fmt::Write as _;

use super::driver::Report;

/// The summary as text (no credential ever appears in a report).
pub fn render(r: &Report, load: &str) -> String {
    let mut s = String::new();
    let secs = r.elapsed.as_secs_f64().max(1e-9);
    let _ = writeln!(
        s,
        "openapi fuzz: {} requests in {:.1} s ({:.0}/s), seed {}, load average {load}",
        r.requests,
        secs,
        r.requests as f64 / secs,
        r.seed
    );
    let ops = r.per_op.keys().filter(|k| !k.starts_with('(')).count();
    let served = r
        .per_op
        .iter()
        .filter(|(k, st)| {
            !k.starts_with('(') && st.by_status.keys().any(|c| (200..300).contains(c))
        })
        .count();
    let _ = writeln!(
        s,
        "operations: {ops} called, {served} of them answered 2xx at least once"
    );
    let classes: Vec<String> = r.by_class.iter().map(|(k, n)| format!("{k} {n}")).collect();
    let _ = writeln!(s, "classes: {}", classes.join(", "));
    let statuses: Vec<String> = r
        .by_status
        .iter()
        .map(|(k, n)| format!("{k}: {n}"))
        .collect();
    let _ = writeln!(s, "statuses: {}", statuses.join(", "));
    let _ = writeln!(
        s,
        "{:<36} {:>8} {:>7} {:>8} {:>6} {:>6} {:>6}  statuses",
        "operation", "requests", "valid", "invalid", "cross", "auth", "2xx"
    );
    for (op, st) in &r.per_op {
        let get = |k: &str| st.by_class.get(k).copied().unwrap_or(0);
        let two: u64 = st
            .by_status
            .iter()
            .filter(|(c, _)| (200..300).contains(*c))
            .map(|(_, n)| n)
            .sum();
        let codes: Vec<String> = st
            .by_status
            .iter()
            .map(|(c, n)| format!("{c}:{n}"))
            .collect();
        let _ = writeln!(
            s,
            "{op:<36} {:>8} {:>7} {:>8} {:>6} {:>6} {two:>6}  {}",
            st.requests,
            get("valid"),
            get("invalid"),
            get("cross-project"),
            get("refused-auth"),
            codes.join(" ")
        );
    }
    if !r.valid_refused.is_empty() {
        let _ = writeln!(
            s,
            "valid bodies refused by a rule the OpenAPI does not state:"
        );
        for (k, (n, msg)) in &r.valid_refused {
            let _ = writeln!(s, "  {k}: {n} (first: {msg})");
        }
    }
    let _ = writeln!(s, "failures: {}", r.failure_count);
    for f in &r.failures {
        let _ = writeln!(s, "- {}", f.text);
    }
    s
}
