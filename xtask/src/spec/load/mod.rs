//! Loading and checking the spec. Every problem becomes a [`SpecError`] with the file, the
//! line and a hint; the loader collects as many as it can in one pass and never panics.
//!
//! This module reads the files and turns YAML parse errors into positioned errors. The checks
//! of a parsed file live one concern per module: `check` runs the passes in order over
//! `service` (endpoints), `schemas` (with `types`, `names`, `constraints` and `rules`),
//! `operations` (with `params` and `examples`), `usage`, `pagination` and `waiters`; every
//! check reports through `checker`, and `suggest` finds "did you mean" names.

mod check;
mod checker;
mod constraints;
mod examples;
mod names;
mod operations;
mod pagination;
mod params;
mod rules;
mod schemas;
mod service;
mod suggest;
mod types;
mod usage;
mod waiters;

pub use checker::SpecError;

use super::{ir, model};
use checker::Checker;
use std::path::{Path, PathBuf};

/// Loads every `*.yaml` file directly in `dir`, sorted by name.
pub fn load_dir(dir: &Path) -> Result<Vec<ir::Spec>, Vec<SpecError>> {
    let mut files: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(rd) => rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
            .collect(),
        Err(e) => {
            return Err(vec![SpecError {
                file: dir.display().to_string(),
                line: 0,
                message: format!("cannot read spec directory: {e}"),
                hint: "the spec directory is found from the xtask crate's location; check the checkout".into(),
            }]);
        }
    };
    files.sort();
    let mut specs = Vec::new();
    let mut errors = Vec::new();
    for f in files {
        match load_file(&f) {
            Ok(s) => specs.push(s),
            Err(mut e) => errors.append(&mut e),
        }
    }
    if errors.is_empty() {
        Ok(specs)
    } else {
        Err(errors)
    }
}

/// Loads one spec file; example files are resolved relative to its directory.
pub fn load_file(path: &Path) -> Result<ir::Spec, Vec<SpecError>> {
    let display = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| {
        vec![SpecError {
            file: display.clone(),
            line: 0,
            message: format!("cannot read file: {e}"),
            hint: String::new(),
        }]
    })?;
    let base = path.parent().unwrap_or(Path::new("."));
    load_str(&display, &text, base)
}

/// Loads spec text named `file` (for messages); examples resolve against `base_dir`.
pub fn load_str(file: &str, text: &str, base_dir: &Path) -> Result<ir::Spec, Vec<SpecError>> {
    let raw: model::SpecFile = serde_saphyr::from_str(text).map_err(|e| {
        let line = e.location().map(|l| l.line()).unwrap_or(0);
        let full = e.to_string();
        let first = full.lines().next().unwrap_or("invalid YAML");
        // serde-saphyr prefixes "error: line L column C: "; the line is reported separately.
        let message = first
            .strip_prefix("error: ")
            .unwrap_or(first)
            .split_once(": ")
            .filter(|(pos, _)| pos.starts_with("line "))
            .map_or(first, |(_, rest)| rest)
            .to_string();
        let hint = if message.contains("unknown field") {
            "check the key's spelling; spec/README.md lists every key each entry accepts"
        } else if message.contains("missing field") {
            "this entry needs that key; see spec/README.md"
        } else if message.contains("unknown variant") {
            "use one of the values listed in the message"
        } else {
            "see spec/README.md for the format"
        };
        vec![SpecError {
            file: file.to_string(),
            line,
            message,
            hint: hint.to_string(),
        }]
    })?;
    let mut cx = Checker::new(file, &raw);
    let spec = cx.check(raw, base_dir);
    if cx.errors.is_empty() {
        Ok(spec)
    } else {
        Err(cx.errors)
    }
}
