//! `validate()` of the generated fixture code: for every constraint kind and every cross-field
//! rule, a value that passes and one that fails, with the exact message (which names the field
//! path, nested and indexed, and the rule).

use codegen_fixtures::generated::*;
use hwcloud_core::ValidationErrors;
use hwcloud_core::operation::Operation;

mod at_least_one_of;
mod closed_enum;
mod exactly_one_of;
mod format;
mod format_if;
mod integer_range;
mod items;
mod length;
mod nested_paths;
mod params_checks;
mod pattern;
mod range;
mod required;
mod required_if;

/// The value validates.
#[track_caller]
fn passes(result: Result<(), ValidationErrors>) {
    if let Err(e) = result {
        panic!("expected no violation, got: {e}");
    }
}

/// Exactly one violation, at `path`, of `rule`, with `message`; the full text names all three.
#[track_caller]
fn fails(result: Result<(), ValidationErrors>, path: &str, rule: &str, message: &str) {
    let err = result.expect_err("expected a violation");
    let text = err.to_string();
    assert_eq!(err.violations().len(), 1, "{text}");
    let v = &err.violations()[0];
    assert_eq!(v.path, path, "{text}");
    assert_eq!(v.rule, rule, "{text}");
    assert_eq!(
        text,
        format!("1 validation error: {path}: {message} [{rule}]")
    );
    assert!(text.contains(&format!("{path}: ")), "{text}");
    assert!(text.contains(&format!("[{rule}]")), "{text}");
}
