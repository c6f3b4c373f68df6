//! insta snapshots of the generator's in-memory output: one per feature fixture
//! (`xtask/fixtures/<name>.yaml`, snapshot `fixture_<name>`) and one per generated file of the
//! real specs (`spec/dcs.yaml` and `spec/sms.yaml`, snapshots `real_<service>__<dir>__<file>`).
//!
//! A change to the generator shows up here as a readable diff of exactly the features it
//! touches. Review and accept intended changes with `cargo insta review` (or
//! `INSTA_UPDATE=always cargo test -p xtask --test snapshots`), then run `cargo xtask codegen`.

use std::path::Path;
use xtask::files::Output;

/// Snapshot files are named after the feature only (`snapshots/fixture_nested.snap`).
fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_prepend_module_to_snapshot(false);
    s.set_omit_expression(true);
    s
}

/// The generated files, each under a header naming its path, in path order.
fn concat(outputs: &[Output]) -> String {
    let mut outputs: Vec<&Output> = outputs.iter().collect();
    outputs.sort_by(|a, b| a.path.cmp(&b.path));
    let mut text = String::new();
    for o in outputs {
        text.push_str(&format!("// ===== {} =====\n", o.path.display()));
        text.push_str(&o.text);
        text.push('\n');
    }
    text
}

/// Loads `xtask/fixtures/<name>.yaml` and renders its generated files in memory.
fn fixture_text(name: &str) -> String {
    let root = xtask::workspace_root();
    let file = format!("{}/{name}.yaml", xtask::FIXTURE_DIR);
    let spec = xtask::spec::load_file(&root.join(&file)).unwrap_or_else(|errors| {
        let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
        panic!("fixture {file} does not load:\n{}", text.join("\n"))
    });
    let outputs = xtask::generate_fixture(&spec, &file).unwrap_or_else(|e| panic!("{e}"));
    assert!(!outputs.is_empty(), "fixture {file} generated nothing");
    concat(&outputs)
}

fn fixture_snapshot(name: &str) {
    let text = fixture_text(name);
    settings().bind(|| insta::assert_snapshot!(format!("fixture_{name}"), text));
}

/// One `#[test]` per fixture, and the list checked against the directory.
macro_rules! fixtures {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                fixture_snapshot(stringify!($name));
            }
        )*

        const FIXTURES: &[&str] = &[$(stringify!($name)),*];
    };
}

fixtures!(
    // Types.
    plain_struct,
    nested,
    open_enum,
    alias,
    renamed_field,
    sensitive,
    lenient_number,
    nullable,
    // Constraint kinds.
    constraint_required,
    constraint_length,
    constraint_range,
    constraint_integer_range,
    constraint_items,
    constraint_pattern,
    constraint_format,
    constraint_closed_enum,
    // Cross-field rules.
    rule_required_if,
    rule_exactly_one_of,
    rule_at_least_one_of,
    rule_format_if,
    rule_deprecated_if,
    // Operations.
    params,
);

#[test]
fn every_fixture_has_a_snapshot_test() {
    let dir = xtask::workspace_root().join(xtask::FIXTURE_DIR);
    let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = FIXTURES.iter().map(ToString::to_string).collect();
    listed.sort();
    assert_eq!(
        on_disk, listed,
        "add each xtask/fixtures/*.yaml to the fixtures! list in this file"
    );
}

/// `crates/hwcloud-dcs/src/generated/types/migration_task.rs` → `real_dcs__types__migration_task`;
/// the OpenAPI document → `real_dcs__openapi`, the CLI module → `real_dcs__cli`.
fn real_snapshot_name(service: &str, path: &Path) -> String {
    let generated = Path::new("crates")
        .join(format!("hwcloud-{service}"))
        .join("src/generated");
    let rel = if let Ok(rel) = path.strip_prefix(&generated) {
        rel.with_extension("")
    } else if path.starts_with(xtask::CLI_GENERATED) {
        Path::new("cli").to_path_buf()
    } else if path.starts_with("spec/openapi") {
        Path::new("openapi").to_path_buf()
    } else {
        panic!("no snapshot name for generated file {}", path.display())
    };
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    format!("real_{service}__{}", parts.join("__"))
}

/// Every file generated from `spec/<service>.yaml` (Rust, OpenAPI, CLI), one snapshot each;
/// returns the snapshot names.
fn real_spec_snapshots(service: &str) -> Vec<String> {
    let root = xtask::workspace_root();
    let file = format!("spec/{service}.yaml");
    let spec = xtask::spec::load_file(&root.join(&file)).unwrap_or_else(|errors| {
        let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
        panic!("{file} does not load:\n{}", text.join("\n"))
    });
    let outputs = xtask::generate_service(&spec, &file);
    let mut names: Vec<String> = Vec::new();
    for o in &outputs {
        let name = real_snapshot_name(service, &o.path);
        assert!(!names.contains(&name), "two files map to snapshot {name}");
        names.push(name.clone());
        let text = format!("// ===== {} =====\n{}", o.path.display(), o.text);
        settings().bind(|| insta::assert_snapshot!(name, text));
    }
    names
}

/// A snapshot the generator no longer produces would otherwise linger unnoticed.
fn assert_no_leftover_snapshots(service: &str, names: &[String]) {
    let dir = xtask::workspace_root().join("xtask/tests/snapshots");
    let prefix = format!("real_{service}__");
    let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
        .expect("the snapshot directory")
        .filter_map(|e| {
            let name = e.ok()?.file_name().to_string_lossy().into_owned();
            let stem = name.strip_suffix(".snap")?;
            stem.starts_with(&prefix).then(|| stem.to_owned())
        })
        .collect();
    on_disk.sort();
    let mut names = names.to_vec();
    names.sort();
    assert_eq!(
        on_disk, names,
        "snapshots on disk vs files generated from spec/{service}.yaml: delete leftovers"
    );
}

#[test]
fn real_spec_dcs() {
    let names = real_spec_snapshots("dcs");
    assert_no_leftover_snapshots("dcs", &names);
}

#[test]
fn real_spec_sms() {
    let names = real_spec_snapshots("sms");
    assert_no_leftover_snapshots("sms", &names);
}
