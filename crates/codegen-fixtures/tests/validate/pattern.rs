//! `pattern` on strings: a match passes, a mismatch fails.

use super::*;
use constraint_pattern::types::Named;

fn named(v: &str) -> Named {
    Named {
        name: Some(v.into()),
    }
}

#[test]
fn matching_passes() {
    passes(named("task_1-a").validate());
    passes(named("").validate());
    passes(Named::default().validate());
}

#[test]
fn not_matching_fails() {
    fails(
        named("a b").validate(),
        "name",
        "pattern",
        "does not match pattern `^[A-Za-z0-9_-]*$`",
    );
}
