//! Counters and events of a running migration, readable from another task while it runs.
//!
//! Every part of the engine bumps plain atomic counters; [`Metrics::snapshot`] reads them all
//! at once and [`RateMeter`] turns two snapshots into per-second rates. The fields map onto
//! the DCS migration statistics (`full_migration_progress`, `offset`, `target_input_kbps`,
//! `target_ops`, …). Events are kept in a bounded ring (the last [`EVENT_CAPACITY`]) and
//! also logged through `tracing`.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Events kept for readers such as a task log.
pub const EVENT_CAPACITY: usize = 1000;

/// Where a migration is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Phase {
    /// Not started yet.
    Idle = 0,
    /// Connecting to the source and negotiating replication.
    Connecting = 1,
    /// Receiving and writing the snapshot (RDB).
    FullSync = 2,
    /// Applying the command stream after the snapshot.
    Incremental = 3,
    /// Importing backup files.
    Importing = 4,
    /// Waiting before reconnecting after a cut.
    Reconnecting = 5,
    /// Finished as asked (full sync done, or stopped cleanly).
    Stopped = 6,
    /// Stopped by an error; see the events.
    Failed = 7,
}

impl Phase {
    fn from_u8(v: u8) -> Phase {
        match v {
            1 => Phase::Connecting,
            2 => Phase::FullSync,
            3 => Phase::Incremental,
            4 => Phase::Importing,
            5 => Phase::Reconnecting,
            6 => Phase::Stopped,
            7 => Phase::Failed,
            _ => Phase::Idle,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Idle => "idle",
            Phase::Connecting => "connecting",
            Phase::FullSync => "full-sync",
            Phase::Incremental => "incremental",
            Phase::Importing => "importing",
            Phase::Reconnecting => "reconnecting",
            Phase::Stopped => "stopped",
            Phase::Failed => "failed",
        }
    }
}

/// How serious an event is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Level {
    Info,
    Warn,
    Error,
}

/// One thing that happened, for logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Unix milliseconds.
    pub at_ms: u64,
    pub level: Level,
    pub message: String,
}

/// The live counters of one migration or import. Share it in an `Arc`.
#[derive(Debug, Default)]
pub struct Metrics {
    phase: AtomicU8,
    /// Size of the snapshot being received (0 while unknown, e.g. diskless transfers).
    pub rdb_bytes_total: AtomicU64,
    /// Snapshot bytes received from the source.
    pub rdb_bytes_received: AtomicU64,
    /// Snapshot bytes parsed and handed to the writer.
    pub rdb_bytes_parsed: AtomicU64,
    /// Keys whose every command the target acknowledged.
    pub keys_written: AtomicU64,
    /// Keys left out because they had already expired (full sync only).
    pub keys_skipped_expired: AtomicU64,
    /// Replication offset of the last byte received from the source.
    pub offset_received: AtomicU64,
    /// Replication offset up to which the target has acknowledged everything.
    pub offset_applied: AtomicU64,
    /// Stream commands applied (acknowledged by the target).
    pub commands_applied: AtomicU64,
    /// Stream commands dropped by the filter (PING, REPLCONF, FLUSHALL by default, …).
    pub commands_dropped: AtomicU64,
    /// Commands the target acknowledged (snapshot and stream).
    pub target_ops: AtomicU64,
    /// Bytes written to the target socket.
    pub target_bytes: AtomicU64,
    /// Keys in the source and target, sampled with `DBSIZE` (summed over databases).
    pub source_keys: AtomicU64,
    pub target_keys: AtomicU64,
    /// Full syncs started (1 for a clean run; more after resyncs).
    pub full_syncs: AtomicU64,
    /// Partial resyncs accepted (`+CONTINUE`).
    pub partial_resyncs: AtomicU64,
    /// Errors seen (retried or not).
    pub errors: AtomicU64,
    events: Mutex<VecDeque<Event>>,
    events_total: AtomicU64,
}

/// All counters read at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MetricsSnapshot {
    pub phase: Option<Phase>,
    pub rdb_bytes_total: u64,
    pub rdb_bytes_received: u64,
    pub rdb_bytes_parsed: u64,
    pub keys_written: u64,
    pub keys_skipped_expired: u64,
    pub offset_received: u64,
    pub offset_applied: u64,
    pub commands_applied: u64,
    pub commands_dropped: u64,
    pub target_ops: u64,
    pub target_bytes: u64,
    pub source_keys: u64,
    pub target_keys: u64,
    pub full_syncs: u64,
    pub partial_resyncs: u64,
    pub errors: u64,
}

impl MetricsSnapshot {
    /// Snapshot progress in percent (parsed / total), when the total is known.
    pub fn full_sync_percent(&self) -> Option<f64> {
        (self.rdb_bytes_total > 0).then(|| {
            (self.rdb_bytes_parsed as f64 * 100.0 / self.rdb_bytes_total as f64).min(100.0)
        })
    }

    /// Bytes of the replication stream received but not yet acknowledged by the target.
    pub fn lag_bytes(&self) -> u64 {
        self.offset_received.saturating_sub(self.offset_applied)
    }
}

impl Metrics {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn phase(&self) -> Phase {
        Phase::from_u8(self.phase.load(Ordering::Relaxed))
    }

    pub fn set_phase(&self, phase: Phase) {
        self.phase.store(phase as u8, Ordering::Relaxed);
    }

    /// Adds `n` to a counter (a shorthand for `fetch_add` with relaxed ordering).
    pub fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    /// Records an event and logs it.
    pub fn event(&self, level: Level, message: impl Into<String>) {
        let message = message.into();
        match level {
            Level::Info => tracing::info!("{message}"),
            Level::Warn => tracing::warn!("{message}"),
            Level::Error => tracing::error!("{message}"),
        }
        if level == Level::Error {
            Self::add(&self.errors, 1);
        }
        let at_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        let mut events = self.events.lock().unwrap_or_else(|e| e.into_inner());
        // Counted under the lock, so that `events_after` sees count and ring agree.
        self.events_total.fetch_add(1, Ordering::Relaxed);
        if events.len() == EVENT_CAPACITY {
            events.pop_front();
        }
        events.push_back(Event {
            at_ms,
            level,
            message,
        });
    }

    /// The events recorded after the first `seen` ones (those still kept), and how many have
    /// been recorded in all: a reader passes that back next time to get only new events.
    pub fn events_after(&self, seen: u64) -> (Vec<Event>, u64) {
        let events = self.events.lock().unwrap_or_else(|e| e.into_inner());
        let total = self.events_total.load(Ordering::Relaxed);
        let new = usize::try_from(total.saturating_sub(seen)).unwrap_or(usize::MAX);
        let skip = events.len().saturating_sub(new);
        (events.iter().skip(skip).cloned().collect(), total)
    }

    /// The events kept, oldest first.
    pub fn events(&self) -> Vec<Event> {
        self.events
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .cloned()
            .collect()
    }

    pub fn snapshot(&self) -> MetricsSnapshot {
        let g = |c: &AtomicU64| c.load(Ordering::Relaxed);
        MetricsSnapshot {
            phase: Some(self.phase()),
            rdb_bytes_total: g(&self.rdb_bytes_total),
            rdb_bytes_received: g(&self.rdb_bytes_received),
            rdb_bytes_parsed: g(&self.rdb_bytes_parsed),
            keys_written: g(&self.keys_written),
            keys_skipped_expired: g(&self.keys_skipped_expired),
            offset_received: g(&self.offset_received),
            offset_applied: g(&self.offset_applied),
            commands_applied: g(&self.commands_applied),
            commands_dropped: g(&self.commands_dropped),
            target_ops: g(&self.target_ops),
            target_bytes: g(&self.target_bytes),
            source_keys: g(&self.source_keys),
            target_keys: g(&self.target_keys),
            full_syncs: g(&self.full_syncs),
            partial_resyncs: g(&self.partial_resyncs),
            errors: g(&self.errors),
        }
    }
}

/// Per-second rates between two snapshots.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Rates {
    /// Bytes per second written to the target (DCS `target_input_kbps` is this / 1024).
    pub target_bytes_per_sec: f64,
    /// Commands per second acknowledged by the target (DCS `target_ops`).
    pub target_ops_per_sec: f64,
}

/// Remembers the previous snapshot to compute [`Rates`].
#[derive(Debug, Clone, Copy)]
pub struct RateMeter {
    last: MetricsSnapshot,
    at: Instant,
}

impl RateMeter {
    pub fn new(start: MetricsSnapshot) -> Self {
        Self {
            last: start,
            at: Instant::now(),
        }
    }

    /// Rates since the previous call (or since `new`).
    pub fn rates(&mut self, now: MetricsSnapshot) -> Rates {
        let elapsed = self
            .at
            .elapsed()
            .max(Duration::from_millis(1))
            .as_secs_f64();
        let r = Rates {
            target_bytes_per_sec: now.target_bytes.saturating_sub(self.last.target_bytes) as f64
                / elapsed,
            target_ops_per_sec: now.target_ops.saturating_sub(self.last.target_ops) as f64
                / elapsed,
        };
        self.last = now;
        self.at = Instant::now();
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_bounded_and_errors_counted() {
        let m = Metrics::new();
        for i in 0..EVENT_CAPACITY + 5 {
            m.event(Level::Info, format!("e{i}"));
        }
        m.event(Level::Error, "boom");
        let events = m.events();
        assert_eq!(events.len(), EVENT_CAPACITY);
        assert_eq!(events.last().unwrap().message, "boom");
        assert_eq!(events[0].message, "e6");
        assert_eq!(m.snapshot().errors, 1);
        let (new, total) = m.events_after(total_before_last(&m));
        assert_eq!(new.len(), 1);
        assert_eq!(new[0].message, "boom");
        assert_eq!(m.events_after(total).0, vec![]);
    }

    fn total_before_last(m: &Metrics) -> u64 {
        m.events_after(0).1 - 1
    }

    #[test]
    fn progress_and_lag() {
        let m = Metrics::new();
        m.set_phase(Phase::FullSync);
        assert_eq!(m.snapshot().full_sync_percent(), None);
        Metrics::add(&m.rdb_bytes_total, 200);
        Metrics::add(&m.rdb_bytes_parsed, 50);
        Metrics::add(&m.offset_received, 1000);
        Metrics::add(&m.offset_applied, 900);
        let s = m.snapshot();
        assert_eq!(s.phase, Some(Phase::FullSync));
        assert_eq!(s.full_sync_percent(), Some(25.0));
        assert_eq!(s.lag_bytes(), 100);
    }
}
