//! The error answer every layer returns, independent of the body shape it is rendered in.
//!
//! Which shape, which codes and which texts a service uses is its
//! [`Profile`](crate::profile::Profile)'s business; an `ApiError` only carries the parts.

use axum::http::StatusCode;
use hwcloud_core::ValidationErrors;

/// An error answer, independent of the shape it is rendered in.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// `error_code`.
    pub code: String,
    /// `error_msg`.
    pub msg: String,
    /// Field paths concerned (`error_param` for SMS; listed in `error_ext_msg` for DCS).
    pub params: Vec<String>,
    /// Per-violation details (`details` for SMS).
    pub details: Vec<(String, String)>,
    /// `Retry-After` seconds.
    pub retry_after: Option<u64>,
    /// Answered by API Gateway before any service saw the request (signature refused for a
    /// service that documents no code of its own, no API at this path, body over the
    /// gateway's limit, throttling): rendered in the gateway's shape, whatever the service.
    pub gateway: bool,
}

impl ApiError {
    /// A plain error.
    pub fn new(status: StatusCode, code: &str, msg: impl Into<String>) -> Self {
        Self {
            status,
            code: code.to_owned(),
            msg: msg.into(),
            params: Vec::new(),
            details: Vec::new(),
            retry_after: None,
            gateway: false,
        }
    }

    /// An answer of API Gateway (`APIGW.*` codes), in the gateway's own shape.
    pub fn gateway(status: StatusCode, code: &str, msg: impl Into<String>) -> Self {
        Self {
            gateway: true,
            ..Self::new(status, code, msg)
        }
    }

    /// 400 with `code`, naming the field `param`.
    pub fn invalid_param(code: &str, param: &str, msg: impl Into<String>) -> Self {
        let msg = msg.into();
        let mut e = Self::new(StatusCode::BAD_REQUEST, code, msg.clone());
        e.params.push(param.to_owned());
        e.details.push((code.to_owned(), msg));
        e
    }

    /// 400 with `code` listing every violation with its field path.
    pub fn validation(code: &str, errs: &ValidationErrors) -> Self {
        let mut e = Self::new(
            StatusCode::BAD_REQUEST,
            code,
            format!("Invalid request parameter: {errs}"),
        );
        for v in errs.violations() {
            if !e.params.contains(&v.path) {
                e.params.push(v.path.clone());
            }
            e.details.push((code.to_owned(), v.to_string()));
        }
        e
    }

    /// This error, or for a 500 the same with `code` (a 500 raised where the service was not
    /// known, such as a storage failure, takes the code of the service that failed).
    pub fn with_server_error_code(mut self, code: &str) -> Self {
        if self.status == StatusCode::INTERNAL_SERVER_ERROR {
            code.clone_into(&mut self.code);
        }
        self
    }
}

/// At most `n` characters of `s`, ending in `…` when cut (for echoing input in messages).
pub fn clip(s: &str, n: usize) -> String {
    match s.char_indices().nth(n) {
        None => s.to_owned(),
        Some(_) => {
            let keep = n.saturating_sub(1);
            let end = s.char_indices().nth(keep).map_or(s.len(), |(i, _)| i);
            format!("{}…", &s[..end])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clip_counts_characters_and_marks_the_cut() {
        assert_eq!(clip("abc", 3), "abc");
        assert_eq!(clip("abcd", 3), "ab…");
        assert_eq!(clip("ééééé", 2), "é…");
        assert_eq!(clip("", 0), "");
    }
}
