//! Waiter definitions as generated from the spec (`waiters:`): which state field of which
//! operation's response to poll, and which values end the wait.

/// A state machine's terminal states, as data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WaiterDef {
    /// Waiter name, e.g. `MigrationTaskDone`.
    pub name: &'static str,
    /// Operation polled, e.g. `ShowMigrationTask`.
    pub operation: &'static str,
    /// Wire name of the state field in that operation's response.
    pub field: &'static str,
    /// Wire values that end the wait successfully.
    pub success: &'static [&'static str],
    /// Wire values that end the wait with an error.
    pub failure: &'static [&'static str],
}

/// Where a polled state stands relative to a [`WaiterDef`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitOutcome {
    /// A success value was reached.
    Success,
    /// A failure value was reached.
    Failure,
    /// Neither yet: poll again.
    Pending,
}

impl WaiterDef {
    /// Classifies a state's wire value.
    pub fn classify(&self, state: &str) -> WaitOutcome {
        if self.success.contains(&state) {
            WaitOutcome::Success
        } else if self.failure.contains(&state) {
            WaitOutcome::Failure
        } else {
            WaitOutcome::Pending
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_states() {
        let w = WaiterDef {
            name: "T",
            operation: "Show",
            field: "status",
            success: &["SUCCESS"],
            failure: &["FAILED"],
        };
        assert_eq!(w.classify("SUCCESS"), WaitOutcome::Success);
        assert_eq!(w.classify("FAILED"), WaitOutcome::Failure);
        assert_eq!(w.classify("MIGRATING"), WaitOutcome::Pending);
    }
}
