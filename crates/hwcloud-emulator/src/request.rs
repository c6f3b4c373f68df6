//! Request parsing shared by the services: body decoding with field paths, query and path
//! parameters.

use axum::body::Bytes;
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

use crate::auth::Caller;
use crate::error::{ApiError, Service, codes};

/// A matched, authenticated service request.
pub struct Ctx {
    /// Who sent it.
    pub caller: Caller,
    /// Decoded path parameters by placeholder name.
    pub params: Vec<(&'static str, String)>,
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
    pub fn query_i32(&self, svc: Service, name: &str) -> Result<Option<i32>, ApiError> {
        match self.query(name) {
            None => Ok(None),
            Some(v) => v.trim().parse::<i32>().map(Some).map_err(|_| {
                ApiError::invalid_param(
                    svc.invalid_code(),
                    name,
                    format!("Invalid request parameter: query parameter {name} must be an integer, got `{}`", truncate(v, 64)),
                )
            }),
        }
    }
}

/// `input` once its generated `validate()` passes; otherwise 400 listing every violation in
/// `svc`'s shape.
pub fn validated<I: hwcloud_core::operation::Operation>(
    svc: Service,
    input: I,
) -> Result<I, ApiError> {
    input
        .validate()
        .map_err(|e| ApiError::validation(svc, &e))?;
    Ok(input)
}

/// At most `n` characters of `s` (for echoing input in messages).
pub fn truncate(s: &str, n: usize) -> String {
    let mut out: String = s.chars().take(n).collect();
    if s.chars().nth(n).is_some() {
        out.push('…');
    }
    out
}

/// Decodes a JSON request body into `T`, naming the offending field on failure.
pub fn parse_body<T: DeserializeOwned>(svc: Service, body: &[u8]) -> Result<T, ApiError> {
    let (empty_code, not_json_code, invalid) = match svc {
        Service::Dcs => (
            codes::DCS_EMPTY_BODY,
            codes::DCS_NOT_JSON,
            codes::DCS_INVALID,
        ),
        Service::Sms => (codes::SMS_INVALID, codes::SMS_INVALID, codes::SMS_INVALID),
    };
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            empty_code,
            "The request body is empty; a JSON object is required.",
        ));
    }
    let value: serde_json::Value = serde_json::from_slice(body).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            not_json_code,
            format!("The request body is not valid JSON: {e}"),
        )
    })?;
    if !value.is_object() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            not_json_code,
            "The request body must be a JSON object.",
        ));
    }
    serde_path_to_error::deserialize::<_, T>(value).map_err(|e| {
        let parent = e.path().to_string();
        let inner = e.inner().to_string();
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
        ApiError::invalid_param(
            invalid,
            &path,
            format!("Invalid request parameter: {path}: {msg}"),
        )
    })
}

/// Splits a raw query string into decoded pairs.
pub fn parse_query(raw: Option<&str>) -> Vec<(String, String)> {
    raw.map(hwcloud_core::signing::encoding::parse_query)
        .unwrap_or_default()
}

/// Checks an id path parameter: 1..=`max` characters from `[A-Za-z0-9_.-]`.
pub fn check_id(value: &str, max: usize) -> bool {
    !value.is_empty()
        && value.len() <= max
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let e = parse_body::<Outer>(Service::Dcs, br#"{"target":{}}"#).unwrap_err();
        assert_eq!(e.params, ["target.id"]);
        let e = parse_body::<Outer>(Service::Dcs, br#"{"target":{"id":"x"},"n":"q"}"#).unwrap_err();
        assert_eq!(e.params, ["n"]);
        assert!(e.msg.contains("n: invalid type"), "{}", e.msg);
        let e = parse_body::<Outer>(Service::Dcs, b"{").unwrap_err();
        assert_eq!(e.code, codes::DCS_NOT_JSON);
        let e = parse_body::<Outer>(Service::Dcs, b" ").unwrap_err();
        assert_eq!(e.code, codes::DCS_EMPTY_BODY);
    }
}
