//! The crate's layout rules, checked on its sources: no hand-written file over 500 lines,
//! and the modules import each other without a circle (the graph is a DAG), so each layer
//! can be read, tested and changed on its own.
//!
//! An edge `a → b` is any path from module `a` into module `b` outside comments and the
//! `#[cfg(test)]` part of a file: `crate::b::...`, `super::...`, `self::...`, a declared
//! child module used as a path (`handlers::f`), and `use crate::{b, ...}` groups. A path to
//! an item of the crate root (`crate::x` where `x` is no module) is an edge to the root,
//! which itself refers to the modules it re-exports.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const MAX_LINES: usize = 500;

/// Every `.rs` file under `dir`, with its module path (`crate`, `dcs`, `dcs::handlers`).
fn modules(src: &Path) -> BTreeMap<String, PathBuf> {
    let mut out = BTreeMap::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("source dir readable") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let rel = path.strip_prefix(src).expect("under src");
            let mut parts: Vec<String> = rel
                .iter()
                .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_owned())
                .collect();
            if parts.last().is_some_and(|l| l == "mod" || l == "lib") {
                parts.pop();
            }
            let name = if parts.is_empty() {
                "crate".to_owned()
            } else {
                parts.join("::")
            };
            out.insert(name, path);
        }
    }
    out
}

/// The code of a file without comments and without its `#[cfg(test)]` tail.
fn code_of(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        if line.starts_with("#[cfg(test)]") {
            break;
        }
        let code = line.split("//").next().unwrap_or("");
        out.push_str(code);
        out.push('\n');
    }
    out
}

/// Paths following `prefix` in `code` (`crate::` → `a::b`, `crate::{a, b::c}` → both).
fn paths_after(code: &str, prefix: &str) -> Vec<String> {
    let mut out = Vec::new();
    let ident = |c: char| c.is_alphanumeric() || c == '_' || c == ':';
    for (at, _) in code.match_indices(prefix) {
        if code[..at]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':')
        {
            continue;
        }
        let rest = &code[at + prefix.len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            out.extend(
                group[..end]
                    .split(',')
                    .map(|p| p.trim().split(' ').next().unwrap_or("").to_owned())
                    .filter(|p| !p.is_empty()),
            );
        } else {
            let end = rest.find(|c: char| !ident(c)).unwrap_or(rest.len());
            out.push(rest[..end].trim_end_matches(':').to_owned());
        }
    }
    out
}

/// The module a path starting at module `base` lands in (the longest existing prefix).
fn resolve(base: &str, path: &str, known: &BTreeMap<String, PathBuf>) -> String {
    let segs: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
    for n in (1..=segs.len()).rev() {
        let rel = segs[..n].join("::");
        let full = if base == "crate" {
            rel
        } else {
            format!("{base}::{rel}")
        };
        if known.contains_key(&full) {
            return full;
        }
    }
    base.to_owned()
}

fn parent(module: &str) -> String {
    match module.rsplit_once("::") {
        Some((p, _)) => p.to_owned(),
        None => "crate".to_owned(),
    }
}

fn graph(known: &BTreeMap<String, PathBuf>) -> BTreeMap<String, BTreeSet<String>> {
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (module, path) in known {
        let text = std::fs::read_to_string(path).expect("source readable");
        let code = code_of(&text);
        let mut targets = Vec::new();
        for p in paths_after(&code, "crate::") {
            targets.push(resolve("crate", &p, known));
        }
        for p in paths_after(&code, "super::") {
            targets.push(resolve(&parent(module), &p, known));
        }
        for p in paths_after(&code, "self::") {
            targets.push(resolve(module, &p, known));
        }
        // Declared child modules used by their bare name (`handlers::f`, `use views;`).
        let prefix = if module == "crate" {
            String::new()
        } else {
            format!("{module}::")
        };
        for child in known.keys().filter_map(|k| k.strip_prefix(&prefix)) {
            if child.contains("::") || child.is_empty() || module == child {
                continue;
            }
            let used = paths_after(&code, &format!("{child}::"))
                .into_iter()
                .next()
                .is_some()
                || code.contains(&format!("use {child};"))
                || code.contains(&format!("use {child} as"));
            if used {
                targets.push(format!("{prefix}{child}"));
            }
        }
        let set = edges.entry(module.clone()).or_default();
        set.extend(targets.into_iter().filter(|t| t != module));
    }
    edges
}

/// A circle in `edges`, as the list of modules along it, if there is one.
fn find_circle(edges: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        done: &mut BTreeSet<String>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|p| p == node) {
            let mut circle = path[i..].to_vec();
            circle.push(node.to_owned());
            return Some(circle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for next in edges.get(node).into_iter().flatten() {
            if let Some(c) = visit(next, edges, done, path) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    edges
        .keys()
        .find_map(|n| visit(n, edges, &mut done, &mut Vec::new()))
}

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

#[test]
fn no_source_file_is_over_the_line_limit() {
    let mut long = Vec::new();
    for path in modules(&src_dir()).values() {
        let n = std::fs::read_to_string(path)
            .expect("source readable")
            .lines()
            .count();
        if n > MAX_LINES {
            long.push(format!("{} ({n} lines)", path.display()));
        }
    }
    assert!(
        long.is_empty(),
        "split these files (at most {MAX_LINES} lines each): {long:?}"
    );
}

#[test]
fn modules_import_each_other_without_a_circle() {
    let known = modules(&src_dir());
    let edges = graph(&known);
    // The checker itself must see the imports it is meant to judge.
    assert!(edges["pipeline"].contains("routing"), "{edges:?}");
    assert!(edges["dcs"].contains("dcs::handlers"), "{edges:?}");
    assert!(edges["dcs::handlers"].contains("dcs::model"), "{edges:?}");
    assert!(edges["crate"].contains("server"), "{edges:?}");
    assert!(edges["server"].contains("pipeline"), "{edges:?}");
    if let Some(circle) = find_circle(&edges) {
        panic!("import circle: {}", circle.join(" → "));
    }
}

#[test]
fn the_circle_finder_finds_circles() {
    let edge = |a: &str, b: &str| (a.to_owned(), BTreeSet::from([b.to_owned()]));
    let dag = BTreeMap::from([edge("a", "b"), edge("b", "c")]);
    assert_eq!(find_circle(&dag), None);
    let circle = BTreeMap::from([edge("a", "b"), edge("b", "c"), edge("c", "a")]);
    assert_eq!(
        find_circle(&circle),
        Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
    );
}
