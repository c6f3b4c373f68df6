//! A broken spec fails with file:line and a hint, never a panic.

use std::path::Path;

const HEADER: &str = r#"service:
  name: t
  title: T
  api_version: v1
  crate: hwcloud-t
  description: Test.
  default_content_type: application/json
  error_schema: ErrBody
  endpoints: {huaweicloud: {template: "https://t.{region}.example.com", regions: [r1]}}
"#;

const ERR_SCHEMA: &str = r#"  - name: ErrBody
    description: Error body.
    source: [test]
    fields:
      - {name: error_code, type: string, description: Code.}
"#;

/// Loads HEADER + `rest` and returns the single error, checking its line points at `marker`.
fn one_error(rest: &str, marker: &str) -> xtask::spec::SpecError {
    let text = format!("{HEADER}{rest}");
    let errors = xtask::spec::load_str("spec/t.yaml", &text, Path::new("."))
        .expect_err("spec should be rejected");
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let e = errors.into_iter().next().unwrap();
    let expected_line = text
        .lines()
        .position(|l| l.contains(marker))
        .expect("marker in text") as u64
        + 1;
    assert_eq!(
        e.line, expected_line,
        "error {e} should point at the line with `{marker}`"
    );
    assert!(
        e.to_string()
            .starts_with(&format!("spec/t.yaml:{expected_line}: ")),
        "{e}"
    );
    assert!(!e.hint.is_empty(), "{e}");
    e
}

fn schemas(body: &str) -> String {
    format!("schemas:\n{ERR_SCHEMA}{body}")
}

#[test]
fn unknown_type() {
    let e = one_error(
        &schemas(
            "  - name: A\n    description: A.\n    source: [t]\n    fields:\n      - {name: x, type: strng, description: X.}\n",
        ),
        "type: strng",
    );
    assert!(e.message.contains("unknown type `strng`"), "{e}");
    assert!(e.hint.contains("did you mean `string`"), "{e}");
}

#[test]
fn dangling_reference() {
    let e = one_error(
        &schemas(
            "  - name: A\n    description: A.\n    source: [t]\n    fields:\n      - {name: x, type: Missing, description: X.}\n",
        ),
        "type: Missing",
    );
    assert!(e.message.contains("unknown type `Missing`"), "{e}");
    let text = format!(
        "{HEADER}operations:\n  - name: Op\n    summary: S.\n    method: POST\n    path: /v1/x\n    idempotent: false\n    source: [t]\n    body: Nope\n    responses:\n      - {{status: 200, description: OK., kind: text}}\n{}",
        schemas("")
    );
    let errors = xtask::spec::load_str("spec/t.yaml", &text, Path::new(".")).unwrap_err();
    assert!(
        errors[0]
            .message
            .contains("body schema `Nope` is not defined"),
        "{errors:?}"
    );
    assert_eq!(errors[0].line, 17);
}

#[test]
fn duplicate_field() {
    let e = one_error(
        &schemas(
            "  - name: A\n    description: A.\n    source: [t]\n    fields:\n      - {name: x, type: string, description: X.}\n      - {name: x, type: bool, description: X again.}\n",
        ),
        "X again",
    );
    assert!(e.message.contains("duplicate field `x` in `A`"), "{e}");
    assert!(e.hint.contains("first on line"), "{e}");
}

#[test]
fn rule_naming_a_missing_field() {
    let e = one_error(
        &schemas(
            "  - name: A\n    description: A.\n    source: [t]\n    rules:\n      - at_least_one_of: [id, adrs]\n    fields:\n      - {name: id, type: string, description: I.}\n      - {name: addrs, type: string, description: X.}\n",
        ),
        "at_least_one_of",
    );
    assert!(e.message.contains("names field `adrs`"), "{e}");
    assert!(e.hint.contains("did you mean `addrs`"), "{e}");
}

#[test]
fn rule_value_of_the_wrong_type() {
    let e = one_error(
        &schemas(
            "  - name: A\n    description: A.\n    source: [t]\n    rules:\n      - required_if: {fields: [x], when: flag, equals: [maybe]}\n    fields:\n      - {name: flag, type: bool, description: F.}\n      - {name: x, type: string, description: X.}\n",
        ),
        "required_if",
    );
    assert!(e.message.contains("does not fit field `flag`"), "{e}");
}

#[test]
fn enum_without_values() {
    let e = one_error(
        &schemas("  - name: Empty\n    description: E.\n    source: [t]\n    enum: []\n"),
        "name: Empty",
    );
    assert!(e.message.contains("enum `Empty` has no values"), "{e}");
}

#[test]
fn unknown_key() {
    let e = one_error(
        &schemas(
            "  - name: A\n    description: A.\n    source: [t]\n    fields:\n      - {name: x, type: string, requird: true, description: X.}\n",
        ),
        "requird",
    );
    assert!(e.message.contains("unknown field `requird`"), "{e}");
    assert!(e.hint.contains("spec/README.md"), "{e}");
}

#[test]
fn constraint_that_does_not_fit_the_type() {
    let e = one_error(
        &schemas(
            "  - name: A\n    description: A.\n    source: [t]\n    fields:\n      - {name: n, type: int32, constraints: {max_length: 3}, description: N.}\n",
        ),
        "max_length: 3",
    );
    assert!(
        e.message.contains("`min_length/max_length` does not apply"),
        "{e}"
    );
}

#[test]
fn rust_keyword_needs_a_rust_name() {
    let e = one_error(
        &schemas(
            "  - name: A\n    description: A.\n    source: [t]\n    fields:\n      - {name: type, type: string, description: T.}\n",
        ),
        "name: type",
    );
    assert!(e.message.contains("Rust keyword"), "{e}");
    assert!(e.hint.contains("rust_name"), "{e}");
}

#[test]
fn path_placeholder_without_parameter() {
    let e = one_error(
        &format!(
            "operations:\n  - name: Show\n    summary: S.\n    method: GET\n    path: /v1/things/{{thing_id}}\n    idempotent: true\n    source: [t]\n    responses:\n      - {{status: 200, description: OK., kind: text}}\n{}",
            schemas("")
        ),
        "path: /v1/things",
    );
    assert!(
        e.message.contains("`{thing_id}` has no path parameter"),
        "{e}"
    );
}

#[test]
fn waiter_value_not_in_the_enum() {
    let text = format!(
        "operations:\n  - name: Show\n    summary: S.\n    method: GET\n    path: /v1/x\n    idempotent: true\n    source: [t]\n    responses:\n      - {{status: 200, description: OK., body: Thing}}\n{}waiters:\n  - name: Done\n    description: D.\n    operation: Show\n    field: state\n    success: [SUCESS]\n    failure: []\n    source: [t]\n",
        schemas(
            "  - name: Thing\n    description: T.\n    source: [t]\n    fields:\n      - {name: state, type: State, description: S.}\n  - name: State\n    description: S.\n    source: [t]\n    enum:\n      - {value: SUCCESS, description: Done.}\n"
        )
    );
    let e = one_error(&text, "success: [SUCESS]");
    assert!(e.hint.contains("did you mean `SUCCESS`"), "{e}");
}

/// A waiter and a pagination read the success response; an operation without one is
/// reported once, at the operation, and is no reason to panic.
#[test]
fn waiter_and_pagination_on_an_operation_without_a_2xx_response() {
    let text = format!(
        "operations:\n  - name: List\n    summary: S.\n    method: GET\n    path: /v1/x\n    idempotent: true\n    source: [t]\n    params:\n      - {{name: offset, in: query, type: int32, description: O.}}\n      - {{name: limit, in: query, type: int32, description: L.}}\n    pagination: {{offset: offset, limit: limit, items: things, total: count}}\n    responses:\n      - {{status: 404, description: Not found.}}\n{}waiters:\n  - name: Done\n    description: D.\n    operation: List\n    field: state\n    success: [SUCCESS]\n    failure: []\n    source: [t]\n",
        schemas("")
    );
    let e = one_error(&text, "name: List");
    assert!(e.message.contains("`List` has no 2xx response"), "{e}");
}

#[test]
fn invalid_yaml_reports_a_line() {
    let e = one_error("operations: [\n  - oops: {\n", "oops");
    assert!(!e.message.is_empty());
}

#[test]
fn several_errors_are_reported_together() {
    let text = format!(
        "{HEADER}{}",
        schemas(
            "  - name: A\n    description: A.\n    source: [t]\n    fields:\n      - {name: x, type: strng, description: X.}\n      - {name: y, type: Nope, description: Y.}\n"
        )
    );
    let errors = xtask::spec::load_str("spec/t.yaml", &text, Path::new(".")).unwrap_err();
    assert_eq!(errors.len(), 2, "{errors:#?}");
}

#[test]
fn nullable_required_field() {
    let e = one_error(
        &schemas(
            "  - name: A\n    description: A.\n    source: [t]\n    fields:\n      - {name: x, type: string, required: true, nullable: true, description: X.}\n",
        ),
        "nullable: true",
    );
    assert!(e.message.contains("cannot be `nullable`"), "{e}");
}

#[test]
fn deprecated_if_needs_a_reason() {
    let e = one_error(
        &schemas(
            "  - name: A\n    description: A.\n    source: [t]\n    rules:\n      - deprecated_if: {when: x, equals: [a], why: \" \"}\n    fields:\n      - {name: x, type: string, description: X.}\n",
        ),
        "deprecated_if",
    );
    assert!(e.message.contains("empty `why`"), "{e}");
}

#[test]
fn the_real_specs_load() {
    let root = xtask::workspace_root();
    let specs = xtask::spec::load_dir(&root.join("spec")).unwrap_or_else(|e| {
        panic!(
            "{}",
            e.iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        )
    });
    assert!(specs.iter().any(|s| s.service.name == "dcs"));
}
