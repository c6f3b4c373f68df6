//! Closed enums: known values pass; unknown ones fail in fields, array items and query parameters.

use super::*;
use constraint_closed_enum::operations::SearchLogsInput;
use constraint_closed_enum::types::{Level, LogFilter};

#[test]
fn known_values_pass() {
    let f = LogFilter {
        level: Some(Level::Warning),
        levels: Some(vec![Level::Info, Level::from("error")]),
    };
    passes(f.validate());
}

#[test]
fn unknown_field_value_fails() {
    let f = LogFilter {
        level: Some(Level::from("debug")),
        levels: None,
    };
    fails(
        f.validate(),
        "level",
        "enum",
        "`debug` is not one of info, warning, error",
    );
}

#[test]
fn unknown_array_item_fails_with_its_index() {
    let f = LogFilter {
        level: None,
        levels: Some(vec![Level::Info, Level::Error, Level::from("trace")]),
    };
    fails(
        f.validate(),
        "levels[2]",
        "enum",
        "`trace` is not one of info, warning, error",
    );
}

#[test]
fn query_parameter_is_checked_too() {
    let ok = SearchLogsInput::builder()
        .level(Level::Error)
        .build()
        .unwrap();
    passes(Operation::validate(&ok));
    let bad = ok.into_builder().level("fatal").build().unwrap();
    fails(
        Operation::validate(&bad),
        "level",
        "enum",
        "`fatal` is not one of info, warning, error",
    );
}
