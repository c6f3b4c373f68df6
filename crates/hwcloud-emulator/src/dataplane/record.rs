//! What a DCS task stores about the engine that runs it: which run of the engine owns the
//! task, where it resumes (the engine checkpoint), the engine's log lines and the last
//! statistics. A task without this record is simulated (its statuses follow the clock).
//! Passwords are never part of it.

use serde::{Deserialize, Serialize};

/// Engine log lines kept per task (the oldest are dropped first).
pub const EVENTS_KEPT: usize = 300;

/// The engine side of a task backed by real Redis servers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EngineRecord {
    /// The run of the engine that owns the task; a restart starts a new one, and a runner
    /// writes only while the task still names its run.
    pub run: u64,
    /// The source as shown in logs (`redis://host:port`, or the instance id).
    pub source: String,
    /// The target as shown in logs.
    pub target: String,
    /// Where an incremental migration resumes: set by the engine, kept across restarts.
    #[serde(default)]
    pub checkpoint: Option<StoredCheckpoint>,
    /// The engine's events, oldest first, at most [`EVENTS_KEPT`].
    #[serde(default)]
    pub events: Vec<EngineLog>,
    /// The statistics when the engine last stopped (shown while no engine runs).
    #[serde(default)]
    pub stats: Option<StoredStats>,
    /// Why the task could not be run for real, when it could not (it then failed at once).
    #[serde(default)]
    pub refused: Option<String>,
}

/// The engine checkpoint (`redis_migrate::engine::Checkpoint`) as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredCheckpoint {
    pub replid: String,
    pub offset: u64,
    pub db: u32,
}

/// One engine event as a task log line; `at_ms` is virtual time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EngineLog {
    pub at_ms: i64,
    /// `INFO`, `WARN` or `ERROR`.
    pub level: String,
    pub message: String,
}

/// ShowMigrationTaskStats figures frozen when the engine stopped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredStats {
    pub progress: i64,
    pub offset: i64,
    pub source_dbsize: i64,
    pub target_dbsize: i64,
}

impl EngineRecord {
    /// A record for run `run` between `source` and `target` (as shown in logs).
    pub fn new(run: u64, source: impl Into<String>, target: impl Into<String>) -> Self {
        Self {
            run,
            source: source.into(),
            target: target.into(),
            ..Self::default()
        }
    }

    /// Appends log lines, dropping the oldest beyond [`EVENTS_KEPT`].
    pub fn log(&mut self, lines: impl IntoIterator<Item = EngineLog>) {
        self.events.extend(lines);
        let over = self.events.len().saturating_sub(EVENTS_KEPT);
        self.events.drain(..over);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_is_bounded_and_keeps_the_newest() {
        let mut r = EngineRecord::new(1, "s", "t");
        r.log((0..EVENTS_KEPT as i64 + 7).map(|i| EngineLog {
            at_ms: i,
            level: "INFO".into(),
            message: format!("e{i}"),
        }));
        assert_eq!(r.events.len(), EVENTS_KEPT);
        assert_eq!(r.events[0].at_ms, 7);
        // Old records without the optional parts still read.
        let old: EngineRecord =
            serde_json::from_str(r#"{"run":3,"source":"a","target":"b"}"#).unwrap();
        assert_eq!((old.run, old.checkpoint, old.events.len()), (3, None, 0));
    }
}
