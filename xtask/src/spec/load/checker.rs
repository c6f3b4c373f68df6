//! Where every check reports: one [`SpecError`] per problem, with the file, the line of the
//! offending YAML value and a hint, collected so that one run shows every problem.

use crate::spec::model;
use serde_saphyr::Spanned;
use std::collections::{BTreeSet, HashMap};
use std::fmt;

/// One problem in a spec file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError {
    pub file: String,
    pub line: u64,
    pub message: String,
    pub hint: String,
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.message)?;
        if !self.hint.is_empty() {
            write!(f, "\n  hint: {}", self.hint)?;
        }
        Ok(())
    }
}

/// The state of checking one file: its name, the errors so far, and the enum values that
/// rules and waiters compare against.
pub(super) struct Checker {
    pub(super) file: String,
    pub(super) errors: Vec<SpecError>,
    /// Enum schema name → wire values and aliases.
    pub(super) enum_known: HashMap<String, BTreeSet<String>>,
}

/// The line a YAML value starts on, for `file:line` errors.
pub(super) fn line<T>(s: &Spanned<T>) -> u64 {
    s.referenced.line()
}

impl Checker {
    /// A checker for `file` with no errors yet. Enum values are gathered first: a rule or a
    /// waiter may name an enum defined further down the file.
    pub(super) fn new(file: &str, raw: &model::SpecFile) -> Self {
        let enum_known = raw
            .schemas
            .iter()
            .filter_map(|s| {
                let vals = s.enum_values.as_ref()?;
                let set = vals
                    .iter()
                    .flat_map(|v| {
                        std::iter::once(v.value.value.clone()).chain(v.aliases.iter().cloned())
                    })
                    .collect();
                Some((s.name.value.clone(), set))
            })
            .collect();
        Checker {
            file: file.to_string(),
            errors: Vec::new(),
            enum_known,
        }
    }

    /// Records one problem at `line`; checking goes on so one run reports them all.
    pub(super) fn err(&mut self, line: u64, message: impl Into<String>, hint: impl Into<String>) {
        self.errors.push(SpecError {
            file: self.file.clone(),
            line,
            message: message.into(),
            hint: hint.into(),
        });
    }
}
