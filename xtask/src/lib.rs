//! `cargo xtask`: loads `spec/`, checks it, and generates the service crates and OpenAPI
//! documents from it. The library half exists so tests can drive every step.

pub mod codegen;
pub mod files;
pub mod openapi;
pub mod spec;

use std::fmt;
use std::path::{Path, PathBuf};

/// The workspace root (parent of `xtask/`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Why `codegen` failed.
#[derive(Debug)]
pub enum CodegenError {
    /// The spec does not load; each error has file, line and hint.
    Spec(Vec<spec::SpecError>),
    /// `--check` found stale files; the text is a readable diff.
    Stale(String),
    /// Writing a file failed.
    Io(String),
}

impl fmt::Display for CodegenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CodegenError::Spec(errs) => {
                for e in errs {
                    writeln!(f, "{e}")?;
                }
                Ok(())
            }
            CodegenError::Stale(diff) => write!(
                f,
                "generated files are stale; run `cargo xtask codegen` and commit the result\n{diff}"
            ),
            CodegenError::Io(e) => f.write_str(e),
        }
    }
}

/// Generates every output file for every spec under `root/spec`, writing them (or, with
/// `check`, comparing them with what is on disk).
pub fn codegen_all(root: &Path, check: bool) -> Result<String, CodegenError> {
    let outputs = generate_all(root)?;
    files::apply(root, &outputs, check)
}

/// Directories whose `*.yaml` specs are generated: the real spec, and the feature fixture
/// that is generated into a compiled test crate (`crates/codegen-fixtures`).
pub const SPEC_DIRS: &[&str] = &["spec", "xtask/fixtures"];

/// Every generated file, in memory.
pub fn generate_all(root: &Path) -> Result<Vec<files::Output>, CodegenError> {
    let mut outputs = Vec::new();
    let mut errors = Vec::new();
    for dir in SPEC_DIRS {
        match spec::load_dir(&root.join(dir)) {
            Ok(specs) => {
                for s in &specs {
                    let rel = Path::new(&s.file)
                        .strip_prefix(root)
                        .map(|p| p.display().to_string())
                        .unwrap_or_else(|_| s.file.clone());
                    outputs.extend(codegen::generate(s, &rel));
                    if *dir == "spec" {
                        outputs.push(openapi::generate(s, &rel));
                    }
                }
            }
            Err(mut e) => errors.append(&mut e),
        }
    }
    if !errors.is_empty() {
        return Err(CodegenError::Spec(errors));
    }
    Ok(outputs)
}
