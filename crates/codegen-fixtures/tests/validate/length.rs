//! `min_length` / `max_length` on strings: bounds pass, either side fails.

use super::*;
use constraint_length::types::Named;

fn named(name: &str, nickname: Option<&str>) -> Named {
    Named {
        name: name.into(),
        nickname: nickname.map(str::to_owned),
    }
}

#[test]
fn within_bounds_passes() {
    passes(named("a", None).validate());
    passes(named("abcdefgh", Some("ab")).validate());
    passes(named("x", Some("abcd")).validate());
    // Characters, not bytes: 8 two-byte characters fit max_length 8.
    passes(named("éééééééé", None).validate());
}

#[test]
fn min_length_fails() {
    fails(
        named("", None).validate(),
        "name",
        "min_length",
        "shorter than 1 character (got 0)",
    );
    fails(
        named("a", Some("b")).validate(),
        "nickname",
        "min_length",
        "shorter than 2 characters (got 1)",
    );
}

#[test]
fn max_length_fails() {
    fails(
        named("abcdefghi", None).validate(),
        "name",
        "max_length",
        "longer than 8 characters (got 9)",
    );
    fails(
        named("a", Some("abcde")).validate(),
        "nickname",
        "max_length",
        "longer than 4 characters (got 5)",
    );
}
