//! What an error reply from the target means: try again later, or stop.
//!
//! Redis starts every error line with an upper-case code (`WRONGTYPE`, `OOM`, `LOADING`, …)
//! or `ERR`. The codes that describe a passing state of the server (loading a dataset, a
//! script running) are retryable; everything else, unknown codes included, is fatal: writing
//! on after a refused write would leave the target silently different from the source.

/// How the pipeline reacts to an error reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorClass {
    /// The command did not run; the server will accept it later (`LOADING`, `BUSY`,
    /// `TRYAGAIN`).
    Retryable,
    /// The command did not run and will not: stop and report.
    Fatal(Refusal),
}

/// Why the target refused a command, for callers that react differently (a rejected
/// `RESTORE` payload can be rewritten instead; OOM needs a bigger target).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Refusal {
    /// `WRONGTYPE`: the key exists on the target with another type.
    WrongType,
    /// `OOM`: the target is at `maxmemory` with `noeviction`.
    OutOfMemory,
    /// `RESTORE` refused the payload (`Bad data format`, or an RDB version or checksum the
    /// target does not accept).
    PayloadRejected,
    /// `NOPERM` or `NOAUTH`: the user may not run this command.
    NoPermission,
    /// `READONLY`: the target is a replica.
    ReadOnly,
    /// `BUSYKEY`: the key exists and the command has no `REPLACE`.
    KeyExists,
    /// Anything else (`ERR …`, `MISCONF`, codes we do not know).
    Other,
}

impl Refusal {
    pub fn as_str(self) -> &'static str {
        match self {
            Refusal::WrongType => "wrong type",
            Refusal::OutOfMemory => "out of memory",
            Refusal::PayloadRejected => "payload rejected",
            Refusal::NoPermission => "no permission",
            Refusal::ReadOnly => "read-only target",
            Refusal::KeyExists => "key exists",
            Refusal::Other => "refused",
        }
    }
}

/// Classifies an error line (the bytes after `-`).
pub fn classify(line: &[u8]) -> ErrorClass {
    let code = line.split(|&b| b == b' ').next().unwrap_or_default();
    let refusal = match code {
        b"LOADING" | b"BUSY" | b"TRYAGAIN" => return ErrorClass::Retryable,
        b"WRONGTYPE" => Refusal::WrongType,
        b"OOM" => Refusal::OutOfMemory,
        b"NOPERM" | b"NOAUTH" => Refusal::NoPermission,
        b"READONLY" => Refusal::ReadOnly,
        b"BUSYKEY" => Refusal::KeyExists,
        _ if payload_rejected(line) => Refusal::PayloadRejected,
        _ => Refusal::Other,
    };
    ErrorClass::Fatal(refusal)
}

fn payload_rejected(line: &[u8]) -> bool {
    let has = |needle: &[u8]| line.windows(needle.len()).any(|w| w == needle);
    has(b"Bad data format") || has(b"DUMP payload version or checksum are wrong")
}

pub use crate::resp::describe_error as describe;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passing_states_are_retryable() {
        for line in [
            &b"LOADING Redis is loading the dataset in memory"[..],
            b"BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSCRIPT.",
            b"BUSY Valkey is busy running a script.",
            b"TRYAGAIN Multiple keys request during rehashing of slot",
        ] {
            assert_eq!(classify(line), ErrorClass::Retryable, "{line:?}");
        }
    }

    #[test]
    fn refusals_are_fatal_and_named() {
        let cases: [(&[u8], Refusal); 9] = [
            (
                b"WRONGTYPE Operation against a key holding the wrong kind of value",
                Refusal::WrongType,
            ),
            (
                b"OOM command not allowed when used memory > 'maxmemory'.",
                Refusal::OutOfMemory,
            ),
            (b"ERR Bad data format", Refusal::PayloadRejected),
            (
                b"ERR DUMP payload version or checksum are wrong",
                Refusal::PayloadRejected,
            ),
            (
                b"NOPERM User app has no permissions to run the 'restore' command",
                Refusal::NoPermission,
            ),
            (
                b"READONLY You can't write against a read only replica.",
                Refusal::ReadOnly,
            ),
            (
                b"BUSYKEY Target key name already exists.",
                Refusal::KeyExists,
            ),
            (
                b"MISCONF Redis is configured to save RDB snapshots",
                Refusal::Other,
            ),
            (b"SOMETHINGNEW we have never seen", Refusal::Other),
        ];
        for (line, refusal) in cases {
            assert_eq!(classify(line), ErrorClass::Fatal(refusal), "{line:?}");
        }
        // A code is a whole word: BUSYKEY is not BUSY.
        assert_ne!(classify(b"BUSYKEY x"), ErrorClass::Retryable);
    }

    #[test]
    fn echoed_arguments_are_cut_from_messages() {
        let line = b"ERR unknown command 'FOO', with args beginning with: 'hunter2' ";
        assert_eq!(describe(line), "ERR unknown command 'FOO'");
        let long = vec![b'x'; 1000];
        assert_eq!(describe(&long).chars().count(), 301);
    }
}
