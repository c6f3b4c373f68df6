//! Key counts of source and target, sampled every few seconds for the progress figures (DCS
//! `source_dbsize` / `target_dbsize`). Failures only skip a sample.

use crate::conn::Connection;
use crate::endpoint::Endpoint;
use crate::metrics::Metrics;
use crate::resp::Frame;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::watch;

const EVERY: Duration = Duration::from_secs(2);
const TIMEOUT: Duration = Duration::from_secs(5);

/// Samples until `stop` turns true (or the task is aborted).
pub(super) async fn run(
    source: Endpoint,
    target: Endpoint,
    metrics: Arc<Metrics>,
    mut stop: watch::Receiver<bool>,
) {
    let mut conns: [Option<Connection>; 2] = [None, None];
    loop {
        for (i, (ep, counter)) in [
            (&source, &metrics.source_keys),
            (&target, &metrics.target_keys),
        ]
        .into_iter()
        .enumerate()
        {
            sample(&mut conns[i], ep, counter).await;
        }
        tokio::select! {
            _ = tokio::time::sleep(EVERY) => {}
            _ = stop.changed() => return,
        }
    }
}

async fn sample(conn: &mut Option<Connection>, ep: &Endpoint, counter: &AtomicU64) {
    if conn.is_none() {
        *conn = Connection::connect(ep, TIMEOUT).await.ok();
    }
    let Some(c) = conn.as_mut() else { return };
    match c.call_timeout(&["INFO", "keyspace"], TIMEOUT).await {
        Ok(Frame::Bulk(Some(text))) => {
            counter.store(keys_in(&String::from_utf8_lossy(&text)), Ordering::Relaxed);
        }
        Ok(_) => {}
        Err(_) => *conn = None,
    }
}

/// Sums `keys=` over the `dbN:` lines of `INFO keyspace`: the keys of every database
/// (exported as `engine::keyspace_keys` for callers that sample a server themselves).
pub fn keys_in(info: &str) -> u64 {
    info.lines()
        .filter(|l| l.starts_with("db"))
        .filter_map(|l| {
            l.split_once("keys=")?
                .1
                .split(',')
                .next()?
                .parse::<u64>()
                .ok()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    #[test]
    fn sums_every_database() {
        let info =
            "# Keyspace\r\ndb0:keys=3,expires=1,avg_ttl=0\r\ndb5:keys=40,expires=0,avg_ttl=0\r\n";
        assert_eq!(super::keys_in(info), 43);
        assert_eq!(super::keys_in("# Keyspace\r\n"), 0);
    }
}
