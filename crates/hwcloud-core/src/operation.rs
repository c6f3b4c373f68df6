//! The contract between generated per-operation code and the hand-written runtime.
//!
//! Each generated operation input implements [`Operation`]: it knows its static
//! [`OperationMeta`] (method, path template, content type, idempotency) and how to turn
//! itself into [`RequestParts`] and a response body into its output type. The runtime does
//! everything else: project id, endpoint, signing, retries, error parsing.

use crate::signing::encoding::url_encode_into;
use crate::validate::ValidationErrors;
use std::fmt;

/// How a successful response body is decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseKind {
    /// A JSON object decoded into the operation's output type.
    Json,
    /// A bare string body (some SMS actions), possibly empty.
    Text,
    /// No body (204).
    Empty,
}

/// Static facts about one operation, straight from the spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OperationMeta {
    /// Service short name, e.g. `dcs`.
    pub service: &'static str,
    /// Operation id, e.g. `CreateMigrationTask`.
    pub name: &'static str,
    /// HTTP method.
    pub method: &'static str,
    /// Path template with `{name}` placeholders, e.g. `/v2/{project_id}/migration-task`.
    pub path: &'static str,
    /// Content-Type header the official SDK sends for this operation.
    pub content_type: &'static str,
    /// Safe to retry after the request may have reached the server.
    pub idempotent: bool,
    /// Status codes that mean success.
    pub success_status: &'static [u16],
    /// How to decode the success body.
    pub response: ResponseKind,
}

impl OperationMeta {
    /// Whether the path template carries `{project_id}`.
    pub fn needs_project_id(&self) -> bool {
        self.path.contains("{project_id}")
    }
}

/// The per-call, non-static parts of a request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestParts {
    /// Path parameters other than `project_id`, by placeholder name.
    pub path_params: Vec<(&'static str, String)>,
    /// Query parameters in wire form, in spec order.
    pub query: Vec<(String, String)>,
    /// Extra headers from the spec (e.g. `X-Auth-Token` when given explicitly).
    pub headers: Vec<(String, String)>,
    /// Serialized JSON body, when the operation has one.
    pub body: Option<Vec<u8>>,
}

/// Implemented by every generated operation input.
pub trait Operation {
    /// The decoded success body.
    type Output;

    /// Static facts about the operation.
    fn meta(&self) -> &'static OperationMeta;

    /// Checks every documented constraint of the input.
    fn validate(&self) -> Result<(), ValidationErrors>;

    /// Splits the input into path, query, header and body parts.
    fn to_parts(&self) -> Result<RequestParts, serde_json::Error>;

    /// Decodes a success body.
    fn parse_output(body: &[u8]) -> Result<Self::Output, serde_json::Error>;
}

/// Serializes a request body into a buffer sized for typical bodies (a few hundred bytes to
/// a few KiB), which saves the reallocations of growing from serde_json's default. Kept
/// under 1 KiB on purpose: glibc treats larger requests as "large" and consolidates its
/// free lists first, which costs more than an occasional realloc.
pub fn json_body<T: serde::Serialize>(body: &T) -> Result<Vec<u8>, serde_json::Error> {
    let mut buf = Vec::with_capacity(1000);
    serde_json::to_writer(&mut buf, body)?;
    Ok(buf)
}

/// A path template could not be filled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathError {
    /// The placeholder that had no value, or whose value was empty.
    pub param: String,
}

impl fmt::Display for PathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "path parameter `{}` is missing or empty", self.param)
    }
}

impl std::error::Error for PathError {}

/// Fills `{name}` placeholders of `template`; each value is percent-encoded as one segment.
pub fn expand_path(template: &str, params: &[(&str, &str)]) -> Result<String, PathError> {
    let mut out = String::with_capacity(template.len() + 32);
    expand_path_into(template, params, &mut out)?;
    Ok(out)
}

/// [`expand_path`] appending to `out` (the runtime writes the path right after the endpoint).
pub fn expand_path_into(
    template: &str,
    params: &[(&str, &str)],
    out: &mut String,
) -> Result<(), PathError> {
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let Some(len) = rest[start..].find('}') else {
            out.push_str(&rest[start..]);
            return Ok(());
        };
        let name = &rest[start + 1..start + len];
        let value = params
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| *v)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| PathError {
                param: name.to_owned(),
            })?;
        url_encode_into(value, out);
        rest = &rest[start + len + 1..];
    }
    out.push_str(rest);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_and_encodes_each_segment() {
        let p = expand_path(
            "/v2/{project_id}/migration-task/{task_id}/stats",
            &[("project_id", "p1"), ("task_id", "a b/é")],
        )
        .unwrap();
        assert_eq!(p, "/v2/p1/migration-task/a%20b%2F%C3%A9/stats");
    }

    #[test]
    fn missing_or_empty_param_is_an_error() {
        let e = expand_path("/v3/tasks/{task_id}", &[]).unwrap_err();
        assert_eq!(e.param, "task_id");
        let e = expand_path("/v3/tasks/{task_id}", &[("task_id", "")]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "path parameter `task_id` is missing or empty"
        );
    }
}
