//! Cross-field rule `exactly_one_of`: one member passes, none or both fail.

use super::*;
use rule_exactly_one_of::types::Target;

fn target(id: Option<&str>, addrs: Option<&str>) -> Target {
    Target {
        id: id.map(str::to_owned),
        addrs: addrs.map(str::to_owned),
        note: None,
    }
}

#[test]
fn one_passes() {
    passes(target(Some("i-1"), None).validate());
    passes(target(None, Some("10.0.0.1:6379")).validate());
    // An empty string counts as absent.
    passes(target(Some(""), Some("10.0.0.1:6379")).validate());
}

#[test]
fn none_fails() {
    fails(
        target(None, None).validate(),
        "id",
        "exactly_one_of",
        "exactly one of id, addrs must be set, none is set",
    );
}

#[test]
fn both_fail() {
    fails(
        target(Some("i-1"), Some("10.0.0.1:6379")).validate(),
        "id",
        "exactly_one_of",
        "exactly one of id, addrs must be set, several are set",
    );
}
