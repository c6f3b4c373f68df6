//! The Rust names of fields and parameters: snake_case, not a keyword, not a name the
//! generated code uses itself; `rust_name:` overrides the name derived from the wire name.

use super::checker::{Checker, line};
use crate::spec::model;
use heck::ToSnakeCase;

/// Names generated code uses itself, so fields may not take them.
const RESERVED_FIELDS: &[&str] = &["extra", "builder"];

const RUST_KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut",
    "pub", "ref", "return", "self", "static", "struct", "super", "trait", "true", "try", "type",
    "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "typeof", "unsized", "virtual", "yield",
];

impl Checker {
    pub(super) fn rust_ident(
        &mut self,
        wire: &model::Str,
        rust: Option<&model::Str>,
        what: &str,
    ) -> String {
        let name = match rust {
            Some(r) => r.value.clone(),
            None => wire.value.to_snake_case(),
        };
        let l = rust.map(line).unwrap_or(line(wire));
        if RUST_KEYWORDS.contains(&name.as_str()) {
            self.err(
                l,
                format!("{what} `{}` becomes the Rust keyword `{name}`", wire.value),
                format!(
                    "add `rust_name:` (e.g. `{}_`, or a more telling name)",
                    name
                ),
            );
        } else if RESERVED_FIELDS.contains(&name.as_str()) {
            self.err(
                l,
                format!(
                    "{what} `{}` uses the reserved Rust name `{name}`",
                    wire.value
                ),
                "add `rust_name:` with another name",
            );
        } else if name.is_empty()
            || name.to_snake_case() != name
            || name.starts_with(|c: char| c.is_ascii_digit())
        {
            self.err(
                l,
                format!(
                    "{what} `{}` has no valid snake_case Rust name (`{name}`)",
                    wire.value
                ),
                "add `rust_name:` in snake_case",
            );
        }
        name
    }
}
