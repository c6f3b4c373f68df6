//! Writing generated files, or checking them against what is checked in.

use crate::CodegenError;
use std::path::{Path, PathBuf};

/// One generated file: its path relative to the workspace root and its full text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    pub path: PathBuf,
    pub text: String,
}

/// Writes `outputs` below `root` (removing stale files in generated directories), or with
/// `check` compares them and returns a unified diff of every difference.
pub fn apply(root: &Path, outputs: &[Output], check: bool) -> Result<String, CodegenError> {
    let mut diffs = String::new();
    let mut changed = 0usize;
    for o in outputs {
        let path = root.join(&o.path);
        let current = std::fs::read_to_string(&path).ok();
        if current.as_deref() == Some(o.text.as_str()) {
            continue;
        }
        changed += 1;
        if check {
            let old = current.unwrap_or_default();
            let diff = similar::TextDiff::from_lines(&old, &o.text);
            diffs.push_str(
                &diff
                    .unified_diff()
                    .context_radius(2)
                    .header(
                        &format!("a/{}", o.path.display()),
                        &format!("b/{}", o.path.display()),
                    )
                    .to_string(),
            );
        } else {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)
                    .map_err(|e| CodegenError::Io(format!("{}: {e}", dir.display())))?;
            }
            std::fs::write(&path, &o.text)
                .map_err(|e| CodegenError::Io(format!("{}: {e}", path.display())))?;
        }
    }
    // Files left in generated directories that the spec no longer produces.
    for dir in generated_dirs(outputs) {
        let Ok(rd) = std::fs::read_dir(root.join(&dir)) else {
            continue;
        };
        let mut entries: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
        entries.sort();
        for p in entries {
            let rel = p.strip_prefix(root).unwrap_or(&p).to_path_buf();
            if p.is_file() && !outputs.iter().any(|o| o.path == rel) {
                changed += 1;
                if check {
                    diffs.push_str(&format!(
                        "stale file (no longer generated): {}\n",
                        rel.display()
                    ));
                } else {
                    std::fs::remove_file(&p)
                        .map_err(|e| CodegenError::Io(format!("{}: {e}", p.display())))?;
                }
            }
        }
    }
    if check && changed > 0 {
        return Err(CodegenError::Stale(diffs));
    }
    Ok(if check {
        format!("{} generated files are up to date", outputs.len())
    } else {
        format!("wrote {changed} of {} generated files", outputs.len())
    })
}

/// Directories whose every file is generated (so leftovers can be detected).
fn generated_dirs(outputs: &[Output]) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = outputs
        .iter()
        .filter_map(|o| o.path.parent().map(Path::to_path_buf))
        .filter(|d| {
            d.components()
                .any(|c| c.as_os_str() == "generated" || c.as_os_str() == "openapi")
        })
        .collect();
    dirs.sort();
    dirs.dedup();
    dirs
}
