//! Operation examples: JSON files beside the spec, each the request body of an operation
//! that has one or the response of a status the operation lists.

use super::checker::{Checker, line};
use crate::spec::ir;
use crate::spec::model;
use std::path::Path;

impl Checker {
    pub(super) fn examples(
        &mut self,
        o: &model::Operation,
        name: &str,
        has_body: bool,
        responses: &[ir::Response],
        base_dir: &Path,
    ) -> Vec<ir::Example> {
        let mut examples = Vec::new();
        for e in &o.examples {
            let path = base_dir.join(&e.file.value);
            let json = match std::fs::read_to_string(&path) {
                Ok(t) => match serde_json::from_str::<serde_json::Value>(&t) {
                    Ok(v) => v,
                    Err(err) => {
                        self.err(
                            line(&e.file),
                            format!(
                                "example `{}`: {} is not JSON: {err}",
                                e.name.value, e.file.value
                            ),
                            "example files hold one JSON document",
                        );
                        continue;
                    }
                },
                Err(err) => {
                    self.err(
                        line(&e.file),
                        format!(
                            "example `{}`: cannot read {}: {err}",
                            e.name.value,
                            path.display()
                        ),
                        "paths are relative to the spec file's directory",
                    );
                    continue;
                }
            };
            match (e.request, e.status) {
                (true, None) if !has_body => self.err(
                    line(&e.name),
                    format!(
                        "request example `{}` for `{name}`, which has no body",
                        e.name.value
                    ),
                    "only operations with `body` take request examples",
                ),
                (true, None) => {}
                (false, Some(s)) if !responses.iter().any(|r| r.status == s) => self.err(
                    line(&e.name),
                    format!(
                        "example `{}` has status {s}, which `{name}` does not list",
                        e.name.value
                    ),
                    "add the response or fix the status",
                ),
                (false, Some(_)) => {}
                _ => self.err(
                    line(&e.name),
                    format!(
                        "example `{}` needs exactly one of `request: true` or `status: N`",
                        e.name.value
                    ),
                    "say whether it is the request body or a response",
                ),
            }
            examples.push(ir::Example {
                name: e.name.value.clone(),
                file: e.file.value.clone(),
                request: e.request,
                status: e.status,
                source: e.source.clone(),
                note: e.note.clone(),
                json,
            });
        }
        examples
    }
}
