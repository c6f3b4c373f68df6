//! `cargo xtask`: loads `spec/`, checks it, and generates the service crates and OpenAPI
//! documents from it. The library half exists so tests can drive every step.

pub mod codegen;
pub mod files;
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
    let specs = spec::load_dir(&root.join("spec")).map_err(CodegenError::Spec)?;
    let mut outputs = Vec::new();
    for s in &specs {
        let spec_file = format!("spec/{}.yaml", s.service.name);
        outputs.extend(codegen::generate(s, &spec_file));
    }
    files::apply(root, &outputs, check)
}
