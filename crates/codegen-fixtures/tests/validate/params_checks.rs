//! Constraints on path and query parameters of an operation input.

use super::*;
use params::operations::ShowThingInput;

#[test]
fn valid_params_pass() {
    let i = ShowThingInput::builder()
        .thing_id("t-1")
        .limit(100)
        .build()
        .unwrap();
    passes(Operation::validate(&i));
}

#[test]
fn query_minimum_fails() {
    let i = ShowThingInput::builder()
        .thing_id("t-1")
        .limit(0)
        .build()
        .unwrap();
    fails(
        Operation::validate(&i),
        "limit",
        "minimum",
        "0 is less than 1",
    );
}

#[test]
fn path_max_length_fails() {
    let i = ShowThingInput::builder()
        .thing_id("x".repeat(37))
        .build()
        .unwrap();
    fails(
        Operation::validate(&i),
        "thing_id",
        "max_length",
        "longer than 36 characters (got 37)",
    );
}

#[test]
fn empty_path_param_fails() {
    let i = ShowThingInput::builder().thing_id("").build().unwrap();
    fails(
        Operation::validate(&i),
        "thing_id",
        "required",
        "path parameter is empty",
    );
}
