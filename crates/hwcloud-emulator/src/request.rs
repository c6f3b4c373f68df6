//! Request parsing shared by the services: body decoding with field paths, query and path
//! parameters, the generated `validate()`, paging.

use axum::body::Bytes;
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

use hwcloud_core::operation::OperationMeta;
use hwcloud_core::{ValidationErrors, Violation};

use crate::auth::Caller;
use crate::error::ApiError;
use crate::profile::Profile;
use hwcloud_core::sensitive::without_values;

/// Decoded path parameters by placeholder name.
pub type PathParams = Vec<(&'static str, String)>;

/// A matched, authenticated service request.
pub struct Ctx {
    /// Who sent it.
    pub caller: Caller,
    /// Decoded path parameters by placeholder name.
    pub params: PathParams,
    /// Decoded query pairs in received order.
    pub query: Vec<(String, String)>,
    /// Raw body.
    pub body: Bytes,
}

impl Ctx {
    /// A path parameter ("" when absent, which the route table prevents).
    pub fn param(&self, name: &str) -> &str {
        self.params
            .iter()
            .find(|(k, _)| *k == name)
            .map_or("", |(_, v)| v.as_str())
    }

    /// The first value of query parameter `name`.
    pub fn query(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Query parameter `name` as an `i32`, naming the parameter when it is not one.
    pub fn query_i32(&self, svc: &Profile, name: &str) -> Result<Option<i32>, ApiError> {
        match self.query(name) {
            None => Ok(None),
            Some(v) => v.trim().parse::<i32>().map(Some).map_err(|_| {
                svc.invalid_param(
                    name,
                    format!("Invalid request parameter: query parameter {name} must be an integer, got `{}`", truncate(v, 64)),
                )
            }),
        }
    }
}

/// `input` once its generated `validate()` passes; otherwise 400 listing every violation in
/// `svc`'s shape. A violation of a field the spec marks sensitive is told by path and rule
/// only, whatever its message would quote.
pub fn validated<I: hwcloud_core::operation::Operation>(
    svc: &Profile,
    input: I,
) -> Result<I, ApiError> {
    input
        .validate()
        .map_err(|e| svc.validation(&without_secrets(input.meta(), e)))?;
    Ok(input)
}

/// `errs` with the messages of violations at sensitive fields or parameters replaced.
fn without_secrets(meta: &OperationMeta, errs: ValidationErrors) -> ValidationErrors {
    let secret =
        |v: &Violation| meta.is_sensitive_field(&v.path) || meta.is_sensitive_param(&v.path);
    if !errs.violations().iter().any(secret) {
        return errs;
    }
    let masked = errs
        .violations()
        .iter()
        .map(|v| Violation {
            message: if secret(v) {
                "the value is not accepted (not shown: the field is sensitive)".to_owned()
            } else {
                v.message.clone()
            },
            ..v.clone()
        })
        .collect();
    ValidationErrors::from_violations(masked).unwrap_or(errs)
}

/// At most `n` characters of `s` (for echoing input in messages).
pub fn truncate(s: &str, n: usize) -> String {
    crate::error::clip(s, n)
}

/// Decodes a JSON request body into `T`, naming the offending field on failure.
pub fn parse_body<T: DeserializeOwned>(svc: &Profile, body: &[u8]) -> Result<T, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            svc.codes.empty_body,
            "The request body is empty; a JSON object is required.",
        ));
    }
    let value: serde_json::Value = serde_json::from_slice(body).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            svc.codes.not_json,
            format!(
                "The request body is not valid JSON: {}",
                without_values(&e.to_string())
            ),
        )
    })?;
    if !value.is_object() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            svc.codes.not_json,
            "The request body must be a JSON object.",
        ));
    }
    serde_path_to_error::deserialize::<_, T>(value).map_err(|e| {
        let parent = e.path().to_string();
        // Path and expected type only: the value sent is never echoed (it may be a secret).
        let inner = without_values(&e.inner().to_string());
        // "missing field `x`" is reported at the parent object: name the field itself.
        let path = match inner
            .strip_prefix("missing field `")
            .and_then(|r| r.strip_suffix('`'))
        {
            Some(field) if parent == "." => field.to_owned(),
            Some(field) => format!("{parent}.{field}"),
            None if parent == "." => "(body)".to_owned(),
            None => parent,
        };
        let msg = if inner.starts_with("missing field") {
            "is required but missing".to_owned()
        } else {
            inner
        };
        svc.invalid_param(&path, format!("Invalid request parameter: {path}: {msg}"))
    })
}

/// Splits a raw query string into decoded pairs.
pub fn parse_query(raw: Option<&str>) -> Vec<(String, String)> {
    raw.map(hwcloud_core::signing::encoding::parse_query)
        .unwrap_or_default()
}

/// One page of `items`: their total count (saturated to `i32`, as the APIs count) and the
/// items from `offset` (default 0), at most `limit` (default `default_limit`). A negative
/// offset or limit counts as absent.
pub fn page<T>(
    items: Vec<T>,
    offset: Option<i32>,
    limit: Option<i32>,
    default_limit: usize,
) -> (i32, Vec<T>) {
    let total = count(items.len());
    let (offset, limit) = window(offset, limit, default_limit);
    (total, items.into_iter().skip(offset).take(limit).collect())
}

/// The `offset` (default 0) and `limit` (default `default_limit`) of a page; a negative one
/// counts as absent.
pub fn window(offset: Option<i32>, limit: Option<i32>, default_limit: usize) -> (usize, usize) {
    let offset = offset.and_then(|o| usize::try_from(o).ok()).unwrap_or(0);
    let limit = limit
        .and_then(|l| usize::try_from(l).ok())
        .unwrap_or(default_limit);
    (offset, limit)
}

/// A count as the APIs send it (`i32`, saturated).
pub fn count(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::check_id;
    use crate::profile::{DCS, codes};

    #[test]
    fn decodes_percent_and_keeps_bad_escapes() {
        assert_eq!(
            parse_query(Some("offset=1&name=a%26b&flag")),
            vec![
                ("offset".into(), "1".into()),
                ("name".into(), "a&b".into()),
                ("flag".into(), String::new())
            ]
        );
    }

    #[test]
    fn ids_and_pages() {
        assert!(check_id("a-b_c.9", 7, codes::DCS_INVALID, "x", "Invalid").is_ok());
        for bad in ["", "a-b_c.9!", "a b", "12345678"] {
            let e = check_id(
                bad,
                7,
                codes::DCS_BAD_TASK_ID,
                "task_id",
                "Invalid task ID format",
            )
            .unwrap_err();
            assert_eq!(
                (e.status, e.code.as_str()),
                (StatusCode::BAD_REQUEST, codes::DCS_BAD_TASK_ID)
            );
            assert_eq!(e.params, ["task_id"]);
            assert!(
                e.msg
                    .starts_with("Invalid task ID format: task_id must be 1 to 7"),
                "{}",
                e.msg
            );
        }
        assert_eq!(page(vec![1, 2, 3, 4], None, None, 3), (4, vec![1, 2, 3]));
        assert_eq!(page(vec![1, 2, 3, 4], Some(1), Some(2), 3), (4, vec![2, 3]));
        assert_eq!(
            page(vec![1, 2, 3, 4], Some(-1), Some(-5), 2),
            (4, vec![1, 2])
        );
        assert_eq!(page(vec![1, 2], Some(5), Some(0), 10), (2, vec![]));
    }

    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Inner {
        id: String,
    }
    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Outer {
        target: Inner,
        n: Option<i32>,
    }

    #[test]
    fn body_errors_name_the_field() {
        let e = parse_body::<Outer>(&DCS, br#"{"target":{}}"#).unwrap_err();
        assert_eq!(e.params, ["target.id"]);
        let e = parse_body::<Outer>(&DCS, br#"{"target":{"id":"x"},"n":"q"}"#).unwrap_err();
        assert_eq!(e.params, ["n"]);
        assert!(e.msg.contains("n: invalid type"), "{}", e.msg);
        // A wrongly typed value is never echoed, only its kind and what was expected.
        let e = parse_body::<Outer>(&DCS, br#"{"target":{"id":31415926}}"#).unwrap_err();
        assert_eq!(e.params, ["target.id"]);
        assert!(!e.msg.contains("31415926"), "{}", e.msg);
        assert!(
            e.msg.contains("invalid type: integer, expected a string"),
            "{}",
            e.msg
        );
        let e = parse_body::<Outer>(&DCS, b"{").unwrap_err();
        assert_eq!(e.code, codes::DCS_NOT_JSON);
        let e = parse_body::<Outer>(&DCS, b" ").unwrap_err();
        assert_eq!(e.code, codes::DCS_EMPTY_BODY);
    }

    proptest::proptest! {
        /// Whatever value of the wrong type is sent, the error names the field and the
        /// expected type, never the value.
        #[test]
        fn a_wrongly_typed_value_is_never_echoed(
            digits in "[1-9][0-9]{10,17}",
            word in "Zq[a-zA-Z0-9 ,`\"'.:-]{2,40}",
        ) {
            for sent in [
                digits.clone(),
                serde_json::to_string(&word).unwrap(),
                format!("[{}]", serde_json::to_string(&word).unwrap()),
                format!("{{\"k\": {}}}", serde_json::to_string(&word).unwrap()),
            ] {
                let body = format!(r#"{{"target":{{"id":"x"}},"n":{sent}}}"#);
                let e = parse_body::<Outer>(&DCS, body.as_bytes()).unwrap_err();
                proptest::prop_assert_eq!(&e.params, &vec!["n".to_owned()]);
                proptest::prop_assert!(!e.msg.contains(&digits), "{}", e.msg);
                proptest::prop_assert!(!e.msg.contains(&word), "{}", e.msg);
                // A string is what `target.id` wants; every other kind is refused there too.
                if !sent.starts_with('"') {
                    let body = format!(r#"{{"target":{{"id":{sent}}}}}"#);
                    let again = parse_body::<Outer>(&DCS, body.as_bytes()).unwrap_err();
                    proptest::prop_assert!(!again.msg.contains(&digits), "{}", again.msg);
                    proptest::prop_assert!(!again.msg.contains(&word), "{}", again.msg);
                }
            }
        }
    }

    /// A violation at a field the spec marks sensitive keeps its path and rule, never the
    /// message (which may quote the value).
    #[test]
    fn violations_of_sensitive_fields_are_told_by_path_and_rule() {
        let meta = &hwcloud_dcs::operations::set_online_migration_task::META;
        let errs = ValidationErrors::from_violations(vec![
            Violation {
                path: "source_instance.password".into(),
                rule: "pattern",
                message: "`hunter2` does not match".into(),
            },
            Violation {
                path: "bandwidth_limit_mb".into(),
                rule: "integer_range",
                message: "`0` is out of range".into(),
            },
        ])
        .unwrap();
        let shown = without_secrets(meta, errs).to_string();
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(
            shown.contains("source_instance.password") && shown.contains("[pattern]"),
            "{shown}"
        );
        assert!(shown.contains("`0` is out of range"), "{shown}");
    }
}
