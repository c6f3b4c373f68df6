//! Waiter definitions as generated from the spec (`waiters:`): which state field of which
//! operation's response to poll, and which values end the wait.

/// A state machine's terminal states, as data, and how to read the state from the polled
/// operation's typed output `T` (no re-encoding of the response).
pub struct WaiterDef<T> {
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
    /// The state field's canonical wire value, `None` when the response lacks it.
    pub state: fn(&T) -> Option<&str>,
}

impl<T> Clone for WaiterDef<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for WaiterDef<T> {}

impl<T> std::fmt::Debug for WaiterDef<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WaiterDef")
            .field("name", &self.name)
            .field("operation", &self.operation)
            .field("field", &self.field)
            .field("success", &self.success)
            .field("failure", &self.failure)
            .finish_non_exhaustive()
    }
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

impl<T> WaiterDef<T> {
    /// The state of a polled output: its wire value, empty when absent.
    pub fn state_of<'a>(&self, output: &'a T) -> &'a str {
        (self.state)(output).unwrap_or_default()
    }

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

    struct Job {
        status: Option<String>,
    }

    const DONE: WaiterDef<Job> = WaiterDef {
        name: "T",
        operation: "Show",
        field: "status",
        success: &["SUCCESS"],
        failure: &["FAILED"],
        state: |j| j.status.as_deref(),
    };

    #[test]
    fn classifies_states() {
        assert_eq!(DONE.classify("SUCCESS"), WaitOutcome::Success);
        assert_eq!(DONE.classify("FAILED"), WaitOutcome::Failure);
        assert_eq!(DONE.classify("MIGRATING"), WaitOutcome::Pending);
        assert_eq!(DONE.classify(""), WaitOutcome::Pending);
    }

    #[test]
    fn reads_the_typed_state() {
        let job = Job {
            status: Some("SUCCESS".into()),
        };
        assert_eq!(DONE.state_of(&job), "SUCCESS");
        assert_eq!(DONE.state_of(&Job { status: None }), "");
        assert!(format!("{DONE:?}").contains("\"Show\""));
    }
}
