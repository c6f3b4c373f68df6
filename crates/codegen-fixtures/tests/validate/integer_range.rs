//! `integer_range` on integer-valued strings: in range passes; below, above and non-integers fail.

use super::*;
use constraint_integer_range::types::Limits;

fn limits(v: &str) -> Limits {
    Limits {
        bandwidth_limit_mb: Some(v.into()),
    }
}

#[test]
fn in_range_passes() {
    passes(limits("1").validate());
    passes(limits("10240").validate());
    passes(limits(" 42 ").validate());
    passes(Limits::default().validate());
}

// integer_range reports the bound it breaks (`minimum`/`maximum`) or `integer`.
#[test]
fn below_fails() {
    fails(
        limits("0").validate(),
        "bandwidth_limit_mb",
        "minimum",
        "0 is less than 1",
    );
}

#[test]
fn above_fails() {
    fails(
        limits("10241").validate(),
        "bandwidth_limit_mb",
        "maximum",
        "10241 is greater than 10240",
    );
}

#[test]
fn not_an_integer_fails() {
    fails(
        limits("12.5").validate(),
        "bandwidth_limit_mb",
        "integer",
        "`12.5` is not an integer (expected 1..=10240)",
    );
}
