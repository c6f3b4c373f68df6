//! What a verification found: exact counts per kind of difference, and the first differences
//! in detail (capped, so that a target missing every key does not fill memory).

use bytes::Bytes;
use std::fmt;

/// Longest part of a key shown in a report, in bytes (before escaping).
const KEY_SHOWN: usize = 80;

/// How a key differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DiffKind {
    /// In the source, not in the target.
    Missing,
    /// In the target, not in the source.
    Extra,
    /// Of another type in the target.
    Type,
    /// Same type, another length or value.
    Value,
    /// TTL differs beyond the tolerance, or only one side has one.
    Ttl,
}

impl DiffKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DiffKind::Missing => "missing",
            DiffKind::Extra => "extra",
            DiffKind::Type => "type",
            DiffKind::Value => "value",
            DiffKind::Ttl => "ttl",
        }
    }
}

/// One differing key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyDiff {
    pub db: u32,
    /// The key, binary-safe; [`KeyDiff::display_key`] escapes and shortens it.
    pub key: Bytes,
    pub kind: DiffKind,
    /// What the source has (`string`, `set of 10000`, `ttl 3600000 ms`, `none`, …).
    pub source: String,
    /// What the target has.
    pub target: String,
}

impl KeyDiff {
    /// The key with non-printable bytes escaped (`\x00`, `\r`), cut after
    /// [`KEY_SHOWN`] bytes with its full length noted.
    pub fn display_key(&self) -> String {
        display_key(&self.key)
    }
}

/// A key escaped and shortened for messages.
pub fn display_key(key: &[u8]) -> String {
    if key.len() > KEY_SHOWN {
        format!(
            "\"{}\"…({} bytes)",
            key[..KEY_SHOWN].escape_ascii(),
            key.len()
        )
    } else {
        format!("\"{}\"", key.escape_ascii())
    }
}

/// The result of a verification.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Report {
    /// No difference left after the last round.
    pub equal: bool,
    /// The mode that decided (`full` after a refused or differing `DEBUG DIGEST`).
    pub mode: String,
    /// Keys compared in the first round (both directions, each key once).
    pub keys_checked: u64,
    pub missing: u64,
    pub extra: u64,
    pub type_mismatch: u64,
    pub value_mismatch: u64,
    pub ttl_mismatch: u64,
    /// Rounds run.
    pub rounds: u32,
    /// The first differences of the last round, at most the configured cap.
    pub details: Vec<KeyDiff>,
    /// How the verification went (digest refused, digests differ, rounds that healed keys).
    pub notes: Vec<String>,
}

impl Report {
    /// Differences counted, all kinds.
    pub fn differences(&self) -> u64 {
        self.missing + self.extra + self.type_mismatch + self.value_mismatch + self.ttl_mismatch
    }

    /// Counts a difference and keeps its detail while under `cap`.
    pub(crate) fn add(&mut self, diff: KeyDiff, cap: usize) {
        match diff.kind {
            DiffKind::Missing => self.missing += 1,
            DiffKind::Extra => self.extra += 1,
            DiffKind::Type => self.type_mismatch += 1,
            DiffKind::Value => self.value_mismatch += 1,
            DiffKind::Ttl => self.ttl_mismatch += 1,
        }
        if self.details.len() < cap {
            self.details.push(diff);
        }
    }

    /// Forgets the differences (before a recheck round), keeping the rest.
    pub(crate) fn clear_differences(&mut self) {
        self.missing = 0;
        self.extra = 0;
        self.type_mismatch = 0;
        self.value_mismatch = 0;
        self.ttl_mismatch = 0;
        self.details.clear();
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} ({} mode, {} keys checked, {} round{}): missing {}, extra {}, type {}, value {}, ttl {}",
            if self.equal { "EQUAL" } else { "DIFFERENT" },
            self.mode,
            self.keys_checked,
            self.rounds,
            if self.rounds == 1 { "" } else { "s" },
            self.missing,
            self.extra,
            self.type_mismatch,
            self.value_mismatch,
            self.ttl_mismatch
        )?;
        for d in &self.details {
            writeln!(
                f,
                "  db{} {} {}: source {}, target {}",
                d.db,
                d.display_key(),
                d.kind.as_str(),
                d.source,
                d.target
            )?;
        }
        let hidden = self.differences().saturating_sub(self.details.len() as u64);
        if hidden > 0 {
            writeln!(f, "  … and {hidden} more not shown")?;
        }
        for n in &self.notes {
            writeln!(f, "note: {n}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn diff(kind: DiffKind, key: &[u8]) -> KeyDiff {
        KeyDiff {
            db: 3,
            key: Bytes::copy_from_slice(key),
            kind,
            source: "string".into(),
            target: "none".into(),
        }
    }

    #[test]
    fn counts_are_exact_and_details_capped() {
        let mut r = Report {
            mode: "full".into(),
            keys_checked: 10,
            rounds: 1,
            ..Report::default()
        };
        for i in 0..5u8 {
            r.add(diff(DiffKind::Missing, &[b'k', i]), 2);
        }
        r.add(diff(DiffKind::Ttl, b"t"), 2);
        assert_eq!((r.missing, r.ttl_mismatch, r.details.len()), (5, 1, 2));
        let text = r.to_string();
        assert!(
            text.starts_with("DIFFERENT (full mode, 10 keys checked, 1 round): missing 5"),
            "{text}"
        );
        assert!(
            text.contains("  db3 \"k\\x00\" missing: source string, target none"),
            "{text}"
        );
        assert!(text.contains("… and 4 more not shown"), "{text}");
    }

    #[test]
    fn long_binary_keys_are_escaped_and_cut() {
        let key = [0xffu8; 200];
        let shown = display_key(&key);
        assert!(
            shown.starts_with("\"\\xff\\xff") && shown.ends_with("…(200 bytes)"),
            "{shown}"
        );
        assert_eq!(display_key(b"a\r\n"), "\"a\\r\\n\"");
    }
}
