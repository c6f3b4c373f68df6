//! Violation paths through nested objects and indexed array items, reported in visiting order.

use super::*;
use nested::types::{Inner, Item, Outer, Root};

fn item(name: &str) -> Item {
    Item::builder().name(name).build().unwrap()
}

fn root(items: Vec<Item>, label: Option<&str>) -> Root {
    Root {
        outer: Outer {
            name: "outer".into(),
            inner: label.map(|l| Inner {
                label: Some(l.into()),
            }),
            items: Some(items),
        },
    }
}

#[test]
fn valid_tree_passes() {
    passes(root(vec![item("a"), item("b"), item("c")], Some("label")).validate());
}

#[test]
fn indexed_item_field_fails() {
    let r = root(vec![item("a"), item("b"), item("abcdefghi")], None);
    fails(
        r.validate(),
        "outer.items[2].name",
        "max_length",
        "longer than 8 characters (got 9)",
    );
}

#[test]
fn nested_object_field_fails() {
    let r = root(vec![], Some("much too long"));
    fails(
        r.validate(),
        "outer.inner.label",
        "max_length",
        "longer than 8 characters (got 13)",
    );
}

#[test]
fn rule_inside_an_array_item_fails_with_its_path() {
    let coded = |code: Option<&str>| Item {
        name: "b".into(),
        kind: Some("coded".into()),
        code: code.map(str::to_owned),
    };
    passes(root(vec![item("a"), coded(Some("c-1"))], None).validate());
    fails(
        root(vec![item("a"), coded(None)], None).validate(),
        "outer.items[1].code",
        "required_if",
        "is required when kind is coded",
    );
}

#[test]
fn every_violation_is_reported_in_visiting_order() {
    let r = root(
        vec![item(""), item("ok"), item("abcdefghi")],
        Some("much too long"),
    );
    let err = r.validate().unwrap_err();
    let found: Vec<(&str, &str)> = err
        .violations()
        .iter()
        .map(|v| (v.path.as_str(), v.rule))
        .collect();
    assert_eq!(
        found,
        [
            ("outer.inner.label", "max_length"),
            ("outer.items[0].name", "min_length"),
            ("outer.items[2].name", "max_length"),
        ]
    );
    assert!(
        err.to_string().starts_with("3 validation errors: "),
        "{err}"
    );
}
