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
    /// The 2xx status codes the spec documents. Any status below 400 is a success; one not
    /// listed here is still accepted but logged, since it means the service and the documents
    /// disagree (see [`OperationMeta::documents_success`]).
    pub success_status: &'static [u16],
    /// How to decode the success body.
    pub response: ResponseKind,
    /// Wire names of the parameters the spec marks sensitive (e.g. `X-Auth-Token`).
    pub sensitive_params: &'static [&'static str],
    /// Request-body fields the spec marks sensitive, as wire-name paths with `[]` for the
    /// items of an array (`source_instance.password`, `files[].secret`). Generated from the
    /// same `sensitive` flags as the redacting `Debug`, so the two cannot drift.
    pub sensitive_body: &'static [&'static str],
}

impl OperationMeta {
    /// Whether the path template carries `{project_id}`.
    pub fn needs_project_id(&self) -> bool {
        self.path.contains("{project_id}")
    }

    /// Whether `status` is one of the documented success statuses.
    pub fn documents_success(&self, status: u16) -> bool {
        self.success_status.contains(&status)
    }

    /// Whether the body field at `path` is sensitive; `path` may name array items by index
    /// (`files[3].secret`), as violations and decoding errors do.
    pub fn is_sensitive_field(&self, path: &str) -> bool {
        let generic = crate::sensitive::generic_path(path);
        self.sensitive_body.iter().any(|p| *p == generic)
    }

    /// Whether `name` (any case) is a sensitive parameter of this operation.
    pub fn is_sensitive_param(&self, name: &str) -> bool {
        self.sensitive_params
            .iter()
            .any(|p| p.eq_ignore_ascii_case(name))
    }

    /// Replaces the value of every sensitive body field in `body` by `"***"`; answers how
    /// many were replaced.
    pub fn redact_body(&self, body: &mut serde_json::Value) -> usize {
        self.sensitive_body
            .iter()
            .map(|p| crate::sensitive::redact_path(body, p))
            .sum()
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
    /// The decoded success body (owned, so waiters can hold a `'static` definition for it).
    type Output: 'static;

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

/// The longest path parameter value accepted, in bytes. The ids the services issue are
/// 36-character UUIDs; the cap is generous and keeps every URL far below what HTTP stacks
/// accept (`http::Uri` stops at 64 KiB).
pub const MAX_PATH_PARAM_LEN: usize = 1024;

/// What is wrong with a path parameter's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathProblem {
    /// No value, or an empty one (the path would name another resource).
    Missing,
    /// Longer than [`MAX_PATH_PARAM_LEN`] bytes; holds the length.
    TooLong(usize),
    /// A control character (CR, LF, NUL, …) at this byte offset.
    ControlCharacter(usize),
}

impl fmt::Display for PathProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PathProblem::Missing => f.write_str("is missing or empty"),
            PathProblem::TooLong(n) => write!(
                f,
                "is {n} bytes long; at most {MAX_PATH_PARAM_LEN} are accepted"
            ),
            PathProblem::ControlCharacter(at) => {
                write!(f, "has a control character at byte {at}")
            }
        }
    }
}

/// Whether `value` can fill a path placeholder.
pub fn check_path_value(value: &str) -> Result<(), PathProblem> {
    if value.is_empty() {
        return Err(PathProblem::Missing);
    }
    if value.len() > MAX_PATH_PARAM_LEN {
        return Err(PathProblem::TooLong(value.len()));
    }
    match value.char_indices().find(|(_, c)| c.is_control()) {
        Some((at, _)) => Err(PathProblem::ControlCharacter(at)),
        None => Ok(()),
    }
}

/// A path template could not be filled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathError {
    /// The placeholder whose value is missing or unusable.
    pub param: String,
    /// What is wrong with it.
    pub problem: PathProblem,
}

impl fmt::Display for PathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "path parameter `{}` {}", self.param, self.problem)
    }
}

impl std::error::Error for PathError {}

impl PathError {
    /// The call's error: the project id comes from the credentials (configuration), every
    /// other parameter from the call's input (a violation at the parameter's name).
    pub(crate) fn into_error(self) -> crate::Error {
        if self.param == "project_id" {
            return crate::Error::Config(self.to_string());
        }
        let message = self.to_string();
        let violation = crate::validate::Violation {
            message: self.problem.to_string(),
            path: self.param,
            rule: "path_parameter",
        };
        crate::validate::ValidationErrors::from_violations(vec![violation])
            .map_or(crate::Error::Config(message), crate::Error::Validation)
    }
}

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
            .map_or("", |(_, v)| *v);
        check_path_value(value).map_err(|problem| PathError {
            param: name.to_owned(),
            problem,
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
    fn documented_success_statuses() {
        let meta = OperationMeta {
            service: "dcs",
            name: "StopMigrationTaskSync",
            method: "POST",
            path: "/v2/{project_id}/migration-task/{task_id}/sync-stop",
            content_type: "application/json",
            idempotent: true,
            success_status: &[204],
            response: ResponseKind::Empty,
            sensitive_params: &[],
            sensitive_body: &[],
        };
        assert!(meta.documents_success(204));
        assert!(!meta.documents_success(200));
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

    #[test]
    fn over_long_and_control_character_values_are_refused() {
        let long = "a".repeat(MAX_PATH_PARAM_LEN + 1);
        let e = expand_path("/v3/tasks/{task_id}", &[("task_id", &long)]).unwrap_err();
        assert_eq!(e.problem, PathProblem::TooLong(MAX_PATH_PARAM_LEN + 1));
        assert_eq!(
            e.to_string(),
            "path parameter `task_id` is 1025 bytes long; at most 1024 are accepted"
        );
        let at_cap = "é".repeat(MAX_PATH_PARAM_LEN / 2);
        assert!(expand_path("/v3/tasks/{task_id}", &[("task_id", &at_cap)]).is_ok());
        for (value, at) in [("ab\r\nc", 2), ("\0", 0), ("é\u{85}", 2), ("x\u{7f}", 1)] {
            let e = expand_path("/v3/tasks/{task_id}", &[("task_id", value)]).unwrap_err();
            assert_eq!(e.problem, PathProblem::ControlCharacter(at), "{value:?}");
        }
    }
}
