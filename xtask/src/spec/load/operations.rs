//! Operations: name, method and path, the request body, the responses (at least one 2xx,
//! error statuses falling back to the service's error schema), and each name once.
//! Parameters and examples have their own modules.

use super::checker::{Checker, line};
use super::suggest::closest;
use crate::spec::ir;
use crate::spec::model;
use heck::ToUpperCamelCase;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

const METHODS: &[&str] = &["GET", "POST", "PUT", "DELETE", "PATCH"];

impl Checker {
    pub(super) fn operation(
        &mut self,
        o: &model::Operation,
        kinds: &BTreeMap<String, bool>,
        service: &ir::Service,
        base_dir: &Path,
    ) -> ir::Operation {
        let name = o.name.value.clone();
        if name.to_upper_camel_case() != name {
            self.err(
                line(&o.name),
                format!("operation name `{name}` is not PascalCase"),
                format!("use `{}`", name.to_upper_camel_case()),
            );
        }
        if !METHODS.contains(&o.method.value.as_str()) {
            self.err(
                line(&o.method),
                format!("operation `{name}`: unknown method `{}`", o.method.value),
                format!("methods are {}", METHODS.join(", ")),
            );
        }
        if !o.path.value.starts_with('/') {
            self.err(
                line(&o.path),
                format!("operation `{name}`: path must start with `/`"),
                "paths are relative to the endpoint, e.g. /v2/{project_id}/migration-task",
            );
        }
        let params = self.params(o, &name, kinds);
        let body = self.request_body(o, &name, kinds);
        if body.is_some() && o.method.value == "GET" {
            self.err(
                line(&o.method),
                format!("operation `{name}`: GET with a body"),
                "GET requests carry no body",
            );
        }
        let responses = self.responses(o, &name, kinds, service);
        let examples = self.examples(o, &name, body.is_some(), &responses, base_dir);
        ir::Operation {
            name,
            summary: o.summary.clone(),
            description: o.description.clone(),
            method: o.method.value.clone(),
            path: o.path.value.clone(),
            content_type: o
                .content_type
                .clone()
                .unwrap_or_else(|| service.default_content_type.clone()),
            idempotent: o.idempotent,
            deprecated: o.deprecated.clone(),
            params,
            body,
            responses,
            pagination: o.pagination.as_ref().map(|p| ir::Pagination {
                offset: p.offset.value.clone(),
                limit: p.limit.value.clone(),
                items: p.items.value.clone(),
                total: p.total.value.clone(),
            }),
            examples,
            source: o.source.clone(),
        }
    }

    /// Each operation name once: it names a module, a method and a CLI subcommand.
    pub(super) fn duplicate_operations(&mut self, operations: &[model::Operation]) {
        let mut op_seen = HashMap::new();
        for o in operations {
            if let Some(prev) = op_seen.insert(o.name.value.clone(), line(&o.name)) {
                self.err(
                    line(&o.name),
                    format!("duplicate operation `{}`", o.name.value),
                    format!("the first definition is on line {prev}"),
                );
            }
        }
    }

    /// The request body's schema, which must be an object schema of the file.
    fn request_body(
        &mut self,
        o: &model::Operation,
        name: &str,
        kinds: &BTreeMap<String, bool>,
    ) -> Option<String> {
        o.body.as_ref().map(|b| {
            match kinds.get(&b.value) {
                Some(false) => {}
                Some(true) => self.err(
                    line(b),
                    format!("operation `{name}`: body `{}` is an enum", b.value),
                    "a request body is an object schema",
                ),
                None => self.err(
                    line(b),
                    format!(
                        "operation `{name}`: body schema `{}` is not defined",
                        b.value
                    ),
                    closest(&b.value, kinds.keys().map(String::as_str))
                        .map(|c| format!("did you mean `{c}`?"))
                        .unwrap_or_else(|| "define it under `schemas:`".into()),
                ),
            }
            b.value.clone()
        })
    }

    /// Each status once and within HTTP's range, with a body schema or a `kind`, and at least
    /// one 2xx; an error status without a body gets the service's error schema.
    fn responses(
        &mut self,
        o: &model::Operation,
        name: &str,
        kinds: &BTreeMap<String, bool>,
        service: &ir::Service,
    ) -> Vec<ir::Response> {
        let mut responses = Vec::new();
        let mut statuses = HashMap::new();
        for r in &o.responses {
            let status = r.status.value;
            if let Some(prev) = statuses.insert(status, line(&r.status)) {
                self.err(
                    line(&r.status),
                    format!("operation `{name}`: status {status} listed twice"),
                    format!("first on line {prev}"),
                );
            }
            if !(100..600).contains(&status) {
                self.err(
                    line(&r.status),
                    format!("operation `{name}`: {status} is not an HTTP status"),
                    "use 100..=599",
                );
            }
            let body = match &r.body {
                Some(b) => {
                    if kinds.get(&b.value) != Some(&false) {
                        self.err(
                            line(b),
                            format!(
                                "operation `{name}`: response body `{}` is not an object schema",
                                b.value
                            ),
                            closest(&b.value, kinds.keys().map(String::as_str))
                                .map(|c| format!("did you mean `{c}`?"))
                                .unwrap_or_else(|| "define it under `schemas:`".into()),
                        );
                    }
                    Some(b.value.clone())
                }
                None if status >= 400 => Some(service.error_schema.clone()),
                None => None,
            };
            let kind = match (r.kind, &body) {
                (Some(model::ResponseKind::Json), _) | (None, Some(_)) => ir::ResponseKind::Json,
                (Some(model::ResponseKind::Text), _) => ir::ResponseKind::Text,
                (Some(model::ResponseKind::Empty), _) => ir::ResponseKind::Empty,
                (None, None) => {
                    if status != 204 {
                        self.err(
                            line(&r.status),
                            format!(
                                "operation `{name}`: response {status} has no `body` and no `kind`"
                            ),
                            "give `body: SCHEMA`, or `kind: text` / `kind: empty`",
                        );
                    }
                    ir::ResponseKind::Empty
                }
            };
            if kind != ir::ResponseKind::Json && r.body.is_some() {
                self.err(
                    line(&r.status),
                    format!(
                        "operation `{name}`: response {status} has a body schema but kind {kind:?}"
                    ),
                    "drop `kind` or `body`",
                );
            }
            responses.push(ir::Response {
                status,
                description: r.description.clone(),
                body,
                kind,
                source: r.source.clone(),
            });
        }
        if !responses.iter().any(|r| (200..300).contains(&r.status)) {
            self.err(
                line(&o.name),
                format!("operation `{name}` has no 2xx response"),
                "add the success response, e.g. `- {status: 200, description: ..., body: SCHEMA}`",
            );
        }
        responses
    }
}
