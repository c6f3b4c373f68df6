//! The engine's figures in DCS terms, without I/O: which task status an engine phase means,
//! the statistics of ShowMigrationTaskStats from the engine's counters, and engine events as
//! task log lines.

use hwcloud_core::Spelling;
use hwcloud_dcs::types as t;
use hwcloud_dcs::types::MigrationTaskStatus as Status;
use redis_migrate::metrics::{Event, Level, MetricsSnapshot, Phase};

use super::record::{EngineLog, StoredCheckpoint, StoredStats};
use super::state::Live;
use redis_migrate::engine::Checkpoint;

/// What the engine does for a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunKind {
    /// Online migration; `incremental` after the snapshot.
    Online { incremental: bool },
    /// Backup import.
    Import,
}

/// The status an engine phase means while the engine runs; `None` keeps the current one
/// (connecting, reconnecting after a cut, and the ends, which the runner decides).
pub fn status_for(phase: Phase, kind: RunKind) -> Option<Status> {
    match (phase, kind) {
        (Phase::FullSync, RunKind::Online { .. }) => Some(Status::FullMigrating),
        (Phase::Incremental, RunKind::Online { .. }) => {
            Some(Status::IncrMigrating(Spelling::Canonical))
        }
        (Phase::Importing, _) => Some(Status::Migrating),
        _ => None,
    }
}

/// Whether the engine is moving data in `phase` (DCS `is_migrating`).
pub fn is_migrating(phase: Option<Phase>) -> bool {
    matches!(
        phase,
        Some(
            Phase::Connecting
                | Phase::FullSync
                | Phase::Incremental
                | Phase::Importing
                | Phase::Reconnecting
        )
    )
}

/// The figures that stay meaningful once the engine stopped: snapshot progress in percent
/// (100 once written), the gap (stream bytes not yet applied once the snapshot is written,
/// keys still to write before), and the key counts.
pub fn freeze(s: &MetricsSnapshot, snapshot_done: bool) -> StoredStats {
    let clamp = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
    let progress = if snapshot_done {
        100
    } else {
        match s.full_sync_percent() {
            Some(p) => p.floor() as i64,
            None if s.source_keys > 0 => {
                (s.keys_written.saturating_mul(100) / s.source_keys).min(99) as i64
            }
            None => 0,
        }
    };
    let offset = if snapshot_done {
        s.lag_bytes()
    } else {
        s.source_keys.saturating_sub(s.keys_written)
    };
    StoredStats {
        progress,
        offset: clamp(offset),
        source_dbsize: clamp(s.source_keys),
        target_dbsize: clamp(s.target_keys),
    }
}

/// ShowMigrationTaskStats of a running engine.
pub fn live_stats(s: &MetricsSnapshot, live: &Live) -> t::MigrationTaskStats {
    let kbps = (live.rates.target_bytes_per_sec / 1024.0).round() as i64;
    let ops = live.rates.target_ops_per_sec.round() as i64;
    view(
        freeze(s, live.snapshot_done),
        kbps,
        ops,
        is_migrating(s.phase),
    )
}

/// ShowMigrationTaskStats of a task whose engine is not running.
pub fn stopped_stats(stored: StoredStats) -> t::MigrationTaskStats {
    view(stored, 0, 0, false)
}

fn view(s: StoredStats, kbps: i64, ops: i64, migrating: bool) -> t::MigrationTaskStats {
    t::MigrationTaskStats {
        full_migration_progress: Some(s.progress.into()),
        offset: Some(s.offset.into()),
        source_dbsize: Some(s.source_dbsize.into()),
        target_dbsize: Some(s.target_dbsize.into()),
        target_input_kbps: Some(kbps.into()),
        target_ops: Some(ops.into()),
        is_migrating: Some(migrating),
        ..Default::default()
    }
}

/// The log level of an engine event.
pub fn level(l: Level) -> &'static str {
    match l {
        Level::Info => "INFO",
        Level::Warn => "WARN",
        Level::Error => "ERROR",
    }
}

/// Engine events as log lines stamped with the virtual time `now`.
pub fn log_lines(events: Vec<Event>, now: i64) -> Vec<EngineLog> {
    events
        .into_iter()
        .map(|e| EngineLog {
            at_ms: now,
            level: level(e.level).to_owned(),
            message: format!("engine: {}", e.message),
        })
        .collect()
}

/// The engine checkpoint as a task stores it.
pub fn stored(c: Checkpoint) -> StoredCheckpoint {
    StoredCheckpoint {
        replid: c.replid,
        offset: c.offset,
        db: c.db,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use redis_migrate::metrics::Rates;

    #[test]
    fn phases_map_onto_statuses() {
        let online = RunKind::Online { incremental: true };
        assert_eq!(
            status_for(Phase::FullSync, online),
            Some(Status::FullMigrating)
        );
        assert_eq!(
            status_for(Phase::Incremental, online).map(|s| s.to_string()),
            Some("INCRMIGEATING".to_owned())
        );
        assert_eq!(
            status_for(Phase::Importing, RunKind::Import),
            Some(Status::Migrating)
        );
        for p in [
            Phase::Idle,
            Phase::Connecting,
            Phase::Reconnecting,
            Phase::Stopped,
            Phase::Failed,
        ] {
            assert_eq!(status_for(p, online), None, "{p:?}");
        }
        assert!(is_migrating(Some(Phase::Reconnecting)));
        assert!(!is_migrating(Some(Phase::Stopped)) && !is_migrating(None));
    }

    #[test]
    fn stats_follow_the_counters() {
        let mut s = MetricsSnapshot {
            phase: Some(Phase::FullSync),
            rdb_bytes_total: 1000,
            rdb_bytes_parsed: 250,
            keys_written: 40,
            source_keys: 100,
            target_keys: 40,
            ..Default::default()
        };
        let live = Live {
            rates: Rates {
                target_bytes_per_sec: 2048.0,
                target_ops_per_sec: 99.6,
            },
            snapshot_done: false,
        };
        let v = live_stats(&s, &live);
        let n = |x: &Option<hwcloud_core::NumberOrString>| x.as_ref().and_then(|v| v.as_f64());
        assert_eq!(n(&v.full_migration_progress), Some(25.0));
        assert_eq!(n(&v.offset), Some(60.0), "keys still to write");
        assert_eq!(n(&v.target_input_kbps), Some(2.0));
        assert_eq!(n(&v.target_ops), Some(100.0));
        assert_eq!(v.is_migrating, Some(true));
        // Diskless: no size known, progress from the key counts.
        s.rdb_bytes_total = 0;
        assert_eq!(freeze(&s, false).progress, 40);
        // After the snapshot: 100 %, the gap is the stream lag.
        s.offset_received = 5000;
        s.offset_applied = 4990;
        let f = freeze(&s, true);
        assert_eq!((f.progress, f.offset), (100, 10));
        let v = stopped_stats(f);
        assert_eq!(v.is_migrating, Some(false));
        assert_eq!(n(&v.target_input_kbps), Some(0.0));
    }

    #[test]
    fn events_become_log_lines() {
        let lines = log_lines(
            vec![Event {
                at_ms: 1,
                level: Level::Warn,
                message: "cut".into(),
            }],
            77,
        );
        assert_eq!(lines[0].at_ms, 77);
        assert_eq!(lines[0].level, "WARN");
        assert_eq!(lines[0].message, "engine: cut");
    }
}
