//! Cross-field rule `at_least_one_of`: one or both pass, none fails.

use super::*;
use rule_at_least_one_of::types::Instance;

fn instance(id: Option<&str>, addrs: Option<Vec<&str>>) -> Instance {
    Instance {
        id: id.map(str::to_owned),
        addrs: addrs.map(|a| a.into_iter().map(str::to_owned).collect()),
    }
}

#[test]
fn one_or_both_pass() {
    passes(instance(Some("i-1"), None).validate());
    passes(instance(None, Some(vec!["10.0.0.1:6379"])).validate());
    passes(instance(Some("i-1"), Some(vec!["10.0.0.1:6379"])).validate());
}

#[test]
fn none_fails() {
    fails(
        instance(None, None).validate(),
        "id",
        "at_least_one_of",
        "at least one of id, addrs must be set",
    );
    // Empty values count as absent.
    fails(
        instance(Some(""), Some(vec![])).validate(),
        "id",
        "at_least_one_of",
        "at least one of id, addrs must be set",
    );
}
