//! Why the pipeline stopped. Every message names the target, the command and the key (never
//! argument values) and says how far the target got, so the caller can resume.

use super::reply::Refusal;
use super::window::Acked;

/// The pipeline stopped for good. Cloned to every waiter; [`PipelineError::acked`] says what
/// the target had acknowledged when it stopped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PipelineError {
    /// The target refused a command for good (`WRONGTYPE`, `OOM`, a rejected payload, …).
    #[error("target {addr}: {command}{} in db {db} was refused ({}): {message}", on_key(key), refusal.as_str())]
    Refused {
        addr: String,
        command: String,
        key: Option<String>,
        db: u32,
        refusal: Refusal,
        message: String,
        acked: Acked,
    },
    /// A retryable refusal (`BUSY`, `LOADING`) lasted longer than the retry budget.
    #[error(
        "target {addr}: {command}{} still answered \"{message}\" after {attempts} attempts",
        on_key(key)
    )]
    RetriesExhausted {
        addr: String,
        command: String,
        key: Option<String>,
        message: String,
        attempts: u32,
        acked: Acked,
    },
    /// After a cut (or commands the target ran out of order) a batch that must not run twice
    /// was unconfirmed. Restart the snapshot with `skip_keys = acked.file_keys`, or the
    /// stream from a point the target is known to have reached.
    #[error(
        "target {addr}: {cause}, while {command}{} was unconfirmed, and it must not run twice; {} snapshot keys were fully written (restart the snapshot skipping them){}",
        on_key(key),
        acked.file_keys,
        offset_note(acked)
    )]
    Unreplayable {
        addr: String,
        command: String,
        key: Option<String>,
        cause: String,
        acked: Acked,
    },
    /// The connection broke and could not be re-established.
    #[error(
        "target {addr}: the connection broke and {attempts} reconnects failed; last error: {cause}"
    )]
    Disconnected {
        addr: String,
        attempts: u32,
        cause: String,
        acked: Acked,
    },
    /// Used after [`super::Pipeline::close`].
    #[error("the pipeline to the target is closed")]
    Closed,
}

impl PipelineError {
    /// What the target had acknowledged when the pipeline stopped.
    pub fn acked(&self) -> Option<Acked> {
        match self {
            PipelineError::Refused { acked, .. }
            | PipelineError::RetriesExhausted { acked, .. }
            | PipelineError::Unreplayable { acked, .. }
            | PipelineError::Disconnected { acked, .. } => Some(*acked),
            PipelineError::Closed => None,
        }
    }

    /// Why the target refused, for a [`PipelineError::Refused`].
    pub fn refusal(&self) -> Option<Refusal> {
        match self {
            PipelineError::Refused { refusal, .. } => Some(*refusal),
            _ => None,
        }
    }
}

fn on_key(key: &Option<String>) -> String {
    key.as_ref()
        .map(|k| format!(" on key \"{k}\""))
        .unwrap_or_default()
}

fn offset_note(acked: &Acked) -> String {
    acked
        .offset
        .map(|o| format!("; the stream is applied up to offset {o}"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_command_key_and_progress() {
        let acked = Acked {
            file_keys: 42,
            offset: Some(900),
            ..Acked::default()
        };
        let e = PipelineError::Refused {
            addr: "127.0.0.1:1".into(),
            command: "RESTORE".into(),
            key: Some("user:1".into()),
            db: 3,
            refusal: Refusal::OutOfMemory,
            message: "OOM command not allowed".into(),
            acked,
        };
        assert_eq!(
            e.to_string(),
            "target 127.0.0.1:1: RESTORE on key \"user:1\" in db 3 was refused (out of memory): OOM command not allowed"
        );
        let e = PipelineError::Unreplayable {
            addr: "t:1".into(),
            command: "RPUSH".into(),
            key: Some("big".into()),
            cause: "the connection broke".into(),
            acked,
        };
        let text = e.to_string();
        assert!(
            text.contains("42 snapshot keys were fully written"),
            "{text}"
        );
        assert!(text.contains("offset 900"), "{text}");
        assert_eq!(e.acked().map(|a| a.file_keys), Some(42));
    }
}
