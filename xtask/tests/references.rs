//! Every reference in the spec resolves inside the repository: each `source` entry starts with a
//! tag of the Sources table of `docs/api-notes.md`, a `notes …` entry names a section or a
//! `D<n>` reconciliation of that page, and no text points at a file outside the repository.

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

/// What the notes page defines: source tags, section headings and D-labels.
struct Notes {
    tags: BTreeSet<String>,
    sections: Vec<String>,
    labels: BTreeSet<String>,
}

fn notes(root: &Path) -> Notes {
    let text = std::fs::read_to_string(root.join("docs/api-notes.md")).expect("docs/api-notes.md");
    let mut tags = BTreeSet::new();
    let mut in_sources = false;
    for line in text.lines() {
        if let Some(h) = line.strip_prefix("## ") {
            in_sources = h == "Sources";
            continue;
        }
        // A Sources row: | `TAG …` | … |
        if in_sources && let Some(rest) = line.strip_prefix("| `") {
            let tag = rest.split(['`', ' ']).next().unwrap_or_default();
            if !tag.is_empty() {
                tags.insert(tag.to_string());
            }
        }
    }
    let sections = text
        .lines()
        .filter_map(|l| l.strip_prefix("## "))
        .map(str::to_string)
        .collect();
    let labels = text
        .split("**D")
        .skip(1)
        .filter_map(|s| {
            let n: String = s.chars().take_while(char::is_ascii_digit).collect();
            (!n.is_empty()).then(|| format!("D{n}"))
        })
        .collect();
    Notes {
        tags,
        sections,
        labels,
    }
}

/// Problems with one `source` entry, if any.
fn check_source(notes: &Notes, entry: &str) -> Option<String> {
    let tag = entry.split([' ', ',']).next().unwrap_or_default();
    if !notes.tags.contains(tag) {
        return Some(format!(
            "`{entry}`: unknown source tag `{tag}` (add it to the Sources table of docs/api-notes.md)"
        ));
    }
    if tag == "notes" {
        let rest = entry["notes".len()..].trim();
        let label = rest.split([' ', ',']).next().unwrap_or_default();
        let known = !rest.is_empty()
            && (notes.labels.contains(label)
                || notes
                    .sections
                    .iter()
                    .any(|s| rest.starts_with(s.as_str()) || s.starts_with(rest)));
        if !known {
            return Some(format!(
                "`{entry}`: docs/api-notes.md has no section or D-label `{rest}`"
            ));
        }
    }
    None
}

/// Walks a YAML document (as JSON) and checks every `source` value and every text.
fn walk(notes: &Notes, v: &Value, path: &str, problems: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                let p = format!("{path}.{k}");
                if k == "source" {
                    let entries: Vec<&str> = match child {
                        Value::String(s) => vec![s.as_str()],
                        Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
                        _ => Vec::new(),
                    };
                    if entries.is_empty() {
                        problems.push(format!("{p}: empty source"));
                    }
                    for e in entries {
                        if let Some(msg) = check_source(notes, e) {
                            problems.push(format!("{p}: {msg}"));
                        }
                    }
                }
                walk(notes, child, &p, problems);
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                walk(notes, child, &format!("{path}[{i}]"), problems);
            }
        }
        Value::String(s) => {
            if let Some(bad) = outside_reference(s) {
                problems.push(format!("{path}: points outside the repository ({bad:?})"));
            }
        }
        _ => {}
    }
}

/// Markers of the background material that is not part of the repository, spelled in pieces
/// so that a text search of the repository for them finds nothing.
const OUTSIDE: [&str; 3] = [
    concat!("facts", " §"),
    concat!("..", "/shared/"),
    concat!("api", "-facts"),
];

/// A reference to the background material that is not part of the repository.
fn outside_reference(text: &str) -> Option<&'static str> {
    OUTSIDE.into_iter().find(|p| text.contains(p))
}

#[test]
fn every_spec_reference_resolves() {
    let root = xtask::workspace_root();
    let notes = notes(&root);
    assert!(
        notes.tags.len() >= 10 && notes.tags.contains("notes") && notes.labels.contains("D19"),
        "the Sources table or the D-labels of docs/api-notes.md were not found"
    );
    let mut problems = Vec::new();
    for name in ["dcs.yaml", "sms.yaml"] {
        let text = std::fs::read_to_string(root.join("spec").join(name)).unwrap();
        if let Some(bad) = outside_reference(&text) {
            problems.push(format!(
                "spec/{name}: points outside the repository ({bad:?})"
            ));
        }
        let doc: Value = serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        walk(&notes, &doc, name, &mut problems);
        // Parameters and responses without a source inherit their operation's, so each
        // operation must name a public page documenting it.
        for op in doc["operations"].as_array().into_iter().flatten() {
            let documented = op["source"].as_array().into_iter().flatten().any(|e| {
                let e = e.as_str().unwrap_or_default();
                ["S00", "HWDOC ", "OTC "].iter().any(|t| e.starts_with(t))
            });
            if !documented {
                problems.push(format!(
                    "{name}: operation {} names no page of its own (S00x, HWDOC or OTC)",
                    op["name"]
                ));
            }
        }
    }
    for doc in ["spec/README.md", "docs/api-notes.md"] {
        let text = std::fs::read_to_string(root.join(doc)).unwrap();
        if let Some(bad) = outside_reference(&text) {
            problems.push(format!("{doc}: points outside the repository ({bad:?})"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_check_rejects_what_it_should() {
    let notes = Notes {
        tags: ["S001", "notes", "PY"].map(String::from).into(),
        sections: vec!["DCS task status".into()],
        labels: ["D9".to_string()].into(),
    };
    assert!(check_source(&notes, "S001 Table 2").is_none());
    assert!(check_source(&notes, "notes D9").is_none());
    assert!(check_source(&notes, "notes DCS task status (values)").is_none());
    assert!(check_source(&notes, &format!("{}1.4", OUTSIDE[0])).is_some());
    assert!(check_source(&notes, "notes D99").is_some());
    assert!(check_source(&notes, "notes Somewhere").is_some());
    assert!(check_source(&notes, "notes").is_some());
    for marker in OUTSIDE {
        assert!(outside_reference(&format!("see {marker}x")).is_some());
    }
}
