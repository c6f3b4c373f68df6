//! Status lifecycles as scheduled transitions.
//!
//! Every action on a task (create, configure, stop, restart, ...) appends the transitions it
//! causes, each with the virtual time at which it happens, *including future ones* (e.g.
//! "SUCCESS in 2 s"). A read at virtual time `now` sees the last transition at or before
//! `now`; a later action first cuts the not-yet-reached transitions. The transitions that
//! have happened double as the task's log.

use serde::{Deserialize, Serialize};

/// One status change; `S` is the status type (DCS `MigrationTaskStatus`, SMS `TaskState`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transition<S> {
    /// Virtual time, ms since the epoch.
    pub at_ms: i64,
    /// The status (DCS `status` or SMS `state`) from this time on.
    pub status: S,
    /// Log level of the matching log line.
    pub level: String,
    /// Log message.
    pub message: String,
    /// For a progress phase: when the phase is planned to end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase_end_ms: Option<i64>,
}

/// A task's transitions, in time order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timeline<S>(pub Vec<Transition<S>>);

// Not derived: the derive would require `S: Default`.
impl<S> Default for Timeline<S> {
    fn default() -> Self {
        Self(Vec::new())
    }
}

impl<S: Clone> Timeline<S> {
    /// Drops the transitions after `now` (a new action replaces the planned future).
    pub fn cut(&mut self, now: i64) {
        self.0.retain(|t| t.at_ms <= now);
    }

    /// Appends a transition.
    pub fn push(&mut self, at_ms: i64, status: S, message: impl Into<String>) {
        self.append(at_ms, None, status, message.into());
    }

    /// Appends a progress phase `status` from `at_ms` planned to end at `end_ms`.
    pub fn push_phase(&mut self, at_ms: i64, end_ms: i64, status: S, message: impl Into<String>) {
        self.append(at_ms, Some(end_ms), status, message.into());
    }

    fn append(&mut self, at_ms: i64, phase_end_ms: Option<i64>, status: S, message: String) {
        self.0.push(Transition {
            at_ms,
            status,
            level: "INFO".to_owned(),
            message,
            phase_end_ms,
        });
    }

    /// Index of the transition in force at `now`.
    fn current_index(&self, now: i64) -> Option<usize> {
        let n = self.0.iter().take_while(|t| t.at_ms <= now).count();
        if n == 0 {
            if self.0.is_empty() { None } else { Some(0) }
        } else {
            Some(n - 1)
        }
    }

    /// The transition in force at `now`.
    pub fn current(&self, now: i64) -> Option<&Transition<S>> {
        self.current_index(now).and_then(|i| self.0.get(i))
    }

    /// The status in force at `now` (`fallback` for an empty timeline).
    pub fn status(&self, now: i64, fallback: S) -> S {
        self.current(now).map_or(fallback, |t| t.status.clone())
    }

    /// The transitions that have happened by `now`.
    pub fn happened(&self, now: i64) -> impl Iterator<Item = &Transition<S>> {
        self.0.iter().filter(move |t| t.at_ms <= now)
    }

    /// Completion (0..=1) of the most recent progress phase started by `now`, with its
    /// start time; progress freezes where the phase was cut (stopped).
    pub fn phase_progress(&self, now: i64) -> Option<(f64, &Transition<S>)> {
        let idx = self
            .0
            .iter()
            .enumerate()
            .filter(|(_, t)| t.at_ms <= now && t.phase_end_ms.is_some())
            .map(|(i, _)| i)
            .next_back()?;
        let phase = self.0.get(idx)?;
        let end = phase.phase_end_ms?;
        let until = self
            .0
            .get(idx + 1)
            .map_or(now, |next| next.at_ms.min(now))
            .max(phase.at_ms);
        let span = (end - phase.at_ms).max(1) as f64;
        let frac = ((until - phase.at_ms) as f64 / span).clamp(0.0, 1.0);
        Some((frac, phase))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hwcloud_dcs::types::MigrationTaskStatus as Status;

    #[test]
    fn reads_follow_the_clock_and_cut_replaces_the_future() {
        let mut t = Timeline::default();
        t.push(0, Status::Creating, "a");
        t.push(1000, Status::Running, "b");
        assert_eq!(t.status(500, Status::Error), Status::Creating);
        assert_eq!(t.status(1000, Status::Error), Status::Running);
        t.push_phase(2000, 4000, Status::FullMigrating, "c");
        t.push(4000, Status::Success, "d");
        let (f, _) = t.phase_progress(3000).unwrap();
        assert!((f - 0.5).abs() < 1e-9);
        t.cut(3000);
        t.push(3000, Status::Terminating, "e");
        assert_eq!(t.status(5000, Status::Error), Status::Terminating);
        let (f, _) = t.phase_progress(9000).unwrap();
        assert!((f - 0.5).abs() < 1e-9, "progress freezes at the stop");
        assert_eq!(t.happened(2500).count(), 3);
    }

    #[test]
    fn statuses_are_stored_as_their_wire_values() {
        let mut t = Timeline::default();
        t.push_phase(
            0,
            10,
            Status::IncrMigrating(hwcloud_core::Spelling::Canonical),
            "a",
        );
        let json = serde_json::to_string(&t).unwrap();
        assert_eq!(
            json,
            r#"[{"at_ms":0,"status":"INCRMIGEATING","level":"INFO","message":"a","phase_end_ms":10}]"#
        );
        assert_eq!(serde_json::from_str::<Timeline<Status>>(&json).unwrap(), t);
    }
}
