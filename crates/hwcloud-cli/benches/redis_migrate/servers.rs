//! Servers for the benchmark (real `redis-server` processes on 127.0.0.1, killed by PID when
//! dropped) and what is asked of them: digests, replication state, idleness.

use crate::client::{Client, info_field};
use redis_test_server::{Flavor, Server};
use std::time::{Duration, Instant};

/// A fresh, empty server with the test harness's configuration (`--save ''`,
/// `--repl-diskless-sync-delay 0`, debug commands allowed); everything else is Redis's
/// default (diskless sync on the source side, disk-based load on a replica).
pub fn start() -> Result<Server, String> {
    let b = redis_test_server::require(Flavor::Redis)
        .ok_or("redis-server is needed for this benchmark")?;
    b.arg("loglevel", "warning")
        .start()
        .map_err(|e| format!("starting redis-server: {e}"))
}

pub fn client(s: &Server) -> Result<Client, String> {
    Client::open(s.addr()).map_err(|e| format!("connecting to {}: {e}", s.url()))
}

/// `DEBUG DIGEST` and `DBSIZE`.
pub fn digest(s: &Server) -> Result<(String, u64), String> {
    let mut c = client(s)?;
    let d = c
        .text(&["DEBUG", "DIGEST"])
        .map_err(|e| format!("DEBUG DIGEST on {}: {e}", s.url()))?;
    let n = c
        .text(&["DBSIZE"])
        .map_err(|e| format!("DBSIZE on {}: {e}", s.url()))?;
    Ok((d, n.parse().unwrap_or(0)))
}

/// Fails loudly when `target` does not hold exactly what `source` holds.
pub fn check_equal(source: &(String, u64), target: &Server, what: &str) -> Result<(), String> {
    let got = digest(target)?;
    if &got != source {
        return Err(format!(
            "DIGEST MISMATCH after {what}: source {} ({} keys), target {} ({} keys)",
            source.0, source.1, got.0, got.1
        ));
    }
    Ok(())
}

/// One `INFO section` field.
pub fn info(c: &mut Client, section: &str, field: &str) -> Result<String, String> {
    let text = c
        .text(&["INFO", section])
        .map_err(|e| format!("INFO {section}: {e}"))?;
    Ok(info_field(&text, field).unwrap_or_default().to_owned())
}

/// Native replication: `REPLICAOF source` on `replica`, timed until
/// `master_link_status:up` (polled every 5 ms).
pub fn replicate(source: &Server, replica: &Server, limit: Duration) -> Result<Duration, String> {
    let mut c = client(replica)?;
    let started = Instant::now();
    c.text(&["REPLICAOF", "127.0.0.1", &source.port().to_string()])
        .map_err(|e| format!("REPLICAOF: {e}"))?;
    loop {
        if info(&mut c, "replication", "master_link_status")? == "up" {
            return Ok(started.elapsed());
        }
        if started.elapsed() > limit {
            return Err(format!("the replica was not up within {limit:?}"));
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Waits until the source has no snapshot child and no replica left (between runs).
pub fn wait_idle(source: &Server) -> Result<(), String> {
    let mut c = client(source)?;
    let started = Instant::now();
    loop {
        let saving = info(&mut c, "persistence", "rdb_bgsave_in_progress")?;
        let replicas = info(&mut c, "replication", "connected_slaves")?;
        if saving == "0" && replicas == "0" {
            return Ok(());
        }
        if started.elapsed() > Duration::from_secs(120) {
            return Err(format!(
                "the source stayed busy (bgsave {saving}, replicas {replicas})"
            ));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Kills a server and waits until the source has noticed.
pub fn drop_replica(source: &Server, replica: Server) -> Result<(), String> {
    drop(replica);
    wait_idle(source)
}
