//! Errors from generated builders.

use std::fmt;

/// A builder's `build()` was called without a required field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildError {
    /// Rust type being built, e.g. `CreateMigrationTaskBody`.
    pub type_name: &'static str,
    /// Wire name of the missing field, e.g. `task_name`.
    pub field: &'static str,
}

impl BuildError {
    /// The required field `field` of `type_name` was never set.
    pub fn missing(type_name: &'static str, field: &'static str) -> Self {
        Self { type_name, field }
    }
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "missing required field `{}` when building {}",
            self.field, self.type_name
        )
    }
}

impl std::error::Error for BuildError {}
