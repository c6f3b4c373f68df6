//! `minimum` / `maximum` on numbers: inclusive bounds, either side fails.

use super::*;
use constraint_range::types::Ranges;

fn ranges(port: i32, quota: Option<i64>, ratio: Option<f64>) -> Ranges {
    Ranges { port, quota, ratio }
}

#[test]
fn bounds_are_inclusive() {
    passes(ranges(1, Some(0), Some(0.0)).validate());
    passes(ranges(65535, Some(1_000_000), Some(1.5)).validate());
    passes(ranges(80, None, None).validate());
}

#[test]
fn minimum_fails() {
    fails(
        ranges(0, None, None).validate(),
        "port",
        "minimum",
        "0 is less than 1",
    );
    fails(
        ranges(1, Some(-1), None).validate(),
        "quota",
        "minimum",
        "-1 is less than 0",
    );
    fails(
        ranges(1, None, Some(-0.5)).validate(),
        "ratio",
        "minimum",
        "-0.5 is less than 0",
    );
}

#[test]
fn maximum_fails() {
    fails(
        ranges(65536, None, None).validate(),
        "port",
        "maximum",
        "65536 is greater than 65535",
    );
    fails(
        ranges(1, Some(1_000_001), None).validate(),
        "quota",
        "maximum",
        "1000001 is greater than 1000000",
    );
    fails(
        ranges(1, None, Some(1.6)).validate(),
        "ratio",
        "maximum",
        "1.6 is greater than 1.5",
    );
}
