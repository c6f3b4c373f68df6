//! Every example embedded in the OpenAPI exports validates against its own schema
//! (`tools/openapi/check_examples.py`, a JSON Schema 2020-12 validator). The check needs Python
//! with the `jsonschema` package: `.ci/run` creates `.ci/.venv-oas` with it before the tests run;
//! elsewhere set `HWCLOUD_OPENAPI_PYTHON` or have it in `python3`, else the test says it skipped.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A Python interpreter that can import `jsonschema`, if any.
fn python(root: &Path) -> Option<PathBuf> {
    let candidates = std::env::var_os("HWCLOUD_OPENAPI_PYTHON")
        .map(PathBuf::from)
        .into_iter()
        .chain([root.join(".ci/.venv-oas/bin/python"), "python3".into()]);
    candidates.into_iter().find(|p| {
        Command::new(p)
            .args(["-c", "import jsonschema"])
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

/// The interpreter, or `None` after saying the test skipped; under `CI` (where `.ci/run`
/// installs it) a missing interpreter is a failure, not a skip.
fn python_or_skip(root: &Path) -> Option<PathBuf> {
    let py = python(root);
    if py.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have Python with jsonschema (.ci/.venv-oas)"
        );
        eprintln!("skipped: no Python with the jsonschema package (see .ci/run)");
    }
    py
}

fn check(py: &Path, root: &Path, docs: &[PathBuf]) -> (bool, String) {
    let out = Command::new(py)
        .arg(root.join("tools/openapi/check_examples.py"))
        .args(docs)
        .output()
        .expect("run check_examples.py");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn every_embedded_example_validates_against_its_schema() {
    let root = xtask::workspace_root();
    let Some(py) = python_or_skip(&root) else {
        return;
    };
    let docs = [
        root.join("spec/openapi/dcs.json"),
        root.join("spec/openapi/sms.json"),
    ];
    let (ok, text) = check(&py, &root, &docs);
    assert!(ok, "{text}");
    // Both documents embed request and response examples.
    for d in ["dcs.json", "sms.json"] {
        let line = text
            .lines()
            .find(|l| l.contains(d))
            .unwrap_or_else(|| panic!("{text}"));
        assert!(!line.contains(": 0 embedded"), "{line}");
    }
}

#[test]
fn the_check_fails_when_a_schema_rejects_its_example() {
    let root = xtask::workspace_root();
    let Some(py) = python_or_skip(&root) else {
        return;
    };
    // Today's S004 example sends `"id": null` and `bandwidth_limit_mb: 123`: a schema that
    // forgets either must fail the check, naming the path.
    let text = std::fs::read_to_string(root.join("spec/openapi/dcs.json")).unwrap();
    let mut doc: Value = serde_json::from_str(&text).unwrap();
    let schemas = &mut doc["components"]["schemas"];
    schemas["ConfigMigrationInstanceBody"]["properties"]["id"]["type"] = "string".into();
    schemas["SetOnlineMigrationTaskBody"]["properties"]["bandwidth_limit_mb"]["type"] =
        "string".into();
    let dir = std::env::temp_dir().join(format!("openapi-examples-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let broken = dir.join("dcs.json");
    std::fs::write(&broken, serde_json::to_string(&doc).unwrap()).unwrap();
    let (ok, out) = check(&py, &root, &[broken]);
    let _ = std::fs::remove_dir_all(&dir);
    assert!(!ok, "{out}");
    assert!(out.contains("$.source_instance.id"), "{out}");
    assert!(out.contains("$.bandwidth_limit_mb"), "{out}");
}
