//! `min_items` / `max_items` on arrays: within bounds passes, either side fails.

use super::*;
use constraint_items::types::Batch;

fn batch(ids: usize, tags: Option<usize>) -> Batch {
    let strings = |n: usize| (0..n).map(|i| format!("x{i}")).collect::<Vec<_>>();
    Batch {
        ids: strings(ids),
        tags: tags.map(strings),
    }
}

#[test]
fn within_bounds_passes() {
    passes(batch(1, None).validate());
    passes(batch(3, Some(2)).validate());
    passes(batch(2, Some(0)).validate());
}

#[test]
fn min_items_fails() {
    fails(
        batch(0, None).validate(),
        "ids",
        "min_items",
        "has 0 items, at least 1 required",
    );
}

#[test]
fn max_items_fails() {
    fails(
        batch(4, None).validate(),
        "ids",
        "max_items",
        "has 4 items, at most 3 allowed",
    );
    fails(
        batch(1, Some(3)).validate(),
        "tags",
        "max_items",
        "has 3 items, at most 2 allowed",
    );
}
