//! The one error type every client call returns.
//!
//! Users match on [`Error`]'s variants; [`ServiceError`] keeps everything the cloud said,
//! including the raw body, because the official SDKs drop `error_ext_msg`, `error_param` and
//! `details` (`docs/api-notes.md`, "Error bodies and codes"). No variant ever holds a secret.

use crate::build::BuildError;
use crate::credentials::CredentialsError;
use crate::validate::ValidationErrors;
use std::fmt;
use std::time::Duration;

/// Everything that can go wrong with a call.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input broke documented constraints; nothing was sent.
    #[error("invalid input: {0}")]
    Validation(ValidationErrors),
    /// A builder was missing a required field; nothing was sent.
    #[error(transparent)]
    Build(#[from] BuildError),
    /// No usable credentials.
    #[error(transparent)]
    Credentials(#[from] CredentialsError),
    /// The client configuration cannot work (unknown region, bad endpoint, missing project id).
    #[error("configuration error: {0}")]
    Config(String),
    /// The request could not be completed at the HTTP level.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// The whole call (all attempts and backoff) took longer than allowed.
    #[error("call timed out after {elapsed:?} (limit {limit:?}) during attempt {attempts}")]
    CallTimeout {
        /// Time spent.
        elapsed: Duration,
        /// The configured limit.
        limit: Duration,
        /// Attempts started.
        attempts: u32,
    },
    /// The service answered with an error status.
    #[error(transparent)]
    Service(#[from] Box<ServiceError>),
    /// A waiter saw a failure state.
    #[error("{waiter}: the resource reached the failure state {state:?}")]
    WaitFailed {
        /// Waiter name.
        waiter: &'static str,
        /// The state seen.
        state: String,
        /// Request id of the poll that saw it.
        request_id: Option<String>,
    },
    /// A waiter gave up.
    #[error("{waiter}: gave up after {elapsed:?}; last state {last_state:?}")]
    WaitTimeout {
        /// Waiter name.
        waiter: &'static str,
        /// The last state seen.
        last_state: String,
        /// Time waited.
        elapsed: Duration,
    },
    /// A success response could not be decoded.
    #[error(transparent)]
    Decode(#[from] DecodeError),
}

impl Error {
    /// The service error, when the service answered with an error status.
    pub fn as_service(&self) -> Option<&ServiceError> {
        match self {
            Error::Service(e) => Some(e),
            _ => None,
        }
    }

    /// True for HTTP 404 and DCS.4133 (the migration task does not exist).
    pub fn is_not_found(&self) -> bool {
        self.as_service().is_some_and(ServiceError::is_not_found)
    }

    /// True when trying again later may succeed: connection problems, timeouts, 429 and 5xx.
    /// Whether the runtime actually retries also depends on the operation's idempotency.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Transport(t) => t.is_transient(),
            Error::Service(s) => s.is_retryable(),
            _ => false,
        }
    }

    /// The request id the service gave, if any.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Service(s) => s.request_id.as_deref(),
            Error::Decode(d) => d.request_id.as_deref(),
            Error::WaitFailed { request_id, .. } => request_id.as_deref(),
            _ => None,
        }
    }
}

impl From<ValidationErrors> for Error {
    fn from(e: ValidationErrors) -> Self {
        Error::Validation(e)
    }
}

impl From<ServiceError> for Error {
    fn from(e: ServiceError) -> Self {
        Error::Service(Box::new(e))
    }
}

/// What kind of HTTP-level failure happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportErrorKind {
    /// The connection could not be made; the request never reached the server.
    Connect,
    /// One attempt took longer than the per-attempt timeout.
    Timeout,
    /// Anything else (a broken connection mid-response, a bad URL, TLS).
    Other,
}

/// An HTTP-level failure of one attempt.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{kind:?} error: {message}")]
pub struct TransportError {
    /// The kind, for matching.
    pub kind: TransportErrorKind,
    /// A description without secrets.
    pub message: String,
    /// False only when the request provably never reached the server (connect failure).
    pub maybe_sent: bool,
}

impl TransportError {
    /// A connection failure: the request was not sent.
    pub fn connect(message: impl Into<String>) -> Self {
        TransportError {
            kind: TransportErrorKind::Connect,
            message: message.into(),
            maybe_sent: false,
        }
    }

    /// A per-attempt timeout after the request may have been sent.
    pub fn timeout(message: impl Into<String>) -> Self {
        TransportError {
            kind: TransportErrorKind::Timeout,
            message: message.into(),
            maybe_sent: true,
        }
    }

    /// True when trying again may succeed: connect failures and timeouts, and any failure that
    /// provably happened before the request left.
    pub fn is_transient(&self) -> bool {
        match self.kind {
            TransportErrorKind::Connect | TransportErrorKind::Timeout => true,
            TransportErrorKind::Other => !self.maybe_sent,
        }
    }

    /// Any other failure; the request may have been sent.
    pub fn other(message: impl Into<String>) -> Self {
        TransportError {
            kind: TransportErrorKind::Other,
            message: message.into(),
            maybe_sent: true,
        }
    }
}

/// One entry of SMS `details`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorDetail {
    /// `error_code` of the detail.
    pub code: Option<String>,
    /// `error_msg` of the detail.
    pub message: Option<String>,
}

/// The service answered with an error status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceError {
    /// HTTP status.
    pub status: u16,
    /// `error_code` (or `errorCode`, or nested `error.code`); the status as text when absent,
    /// as the official SDK does.
    pub code: String,
    /// `error_msg` (or `errorMsg`, or nested `error.message`); the raw body when not JSON.
    pub message: String,
    /// DCS `error_ext_msg`.
    pub ext_message: Option<String>,
    /// SMS `encoded_authorization_message`: the encrypted reason for an IAM denial.
    pub encoded_authorization_message: Option<String>,
    /// SMS `error_param`.
    pub error_params: Vec<String>,
    /// SMS `details`.
    pub details: Vec<ErrorDetail>,
    /// `X-Request-Id` of the response.
    pub request_id: Option<String>,
    /// The raw body, as received (lossy UTF-8).
    pub body: String,
}

impl ServiceError {
    /// Parses an error response the way the official SDK core does (its
    /// `exception_handler.py`), keeping the extra DCS and SMS fields and the raw body.
    pub fn parse(status: u16, request_id: Option<String>, body: &[u8]) -> Self {
        let raw = String::from_utf8_lossy(body).into_owned();
        let mut e = ServiceError {
            status,
            code: status.to_string(),
            message: String::new(),
            ext_message: None,
            encoded_authorization_message: None,
            error_params: Vec::new(),
            details: Vec::new(),
            request_id,
            body: raw.clone(),
        };
        match serde_json::from_slice::<serde_json::Value>(body) {
            Ok(v) => {
                if let Some((code, msg)) = find_code_message(&v) {
                    if let Some(c) = code {
                        e.code = c;
                    }
                    e.message = msg.unwrap_or_default();
                } else {
                    e.message = raw.trim().to_owned();
                }
                if let Some(obj) = v.as_object() {
                    e.ext_message = str_field(obj, "error_ext_msg");
                    e.encoded_authorization_message =
                        str_field(obj, "encoded_authorization_message");
                    if let Some(params) = obj.get("error_param").and_then(|p| p.as_array()) {
                        e.error_params = params.iter().map(value_text).collect();
                    }
                    if let Some(details) = obj.get("details").and_then(|d| d.as_array()) {
                        e.details = details
                            .iter()
                            .filter_map(|d| d.as_object())
                            .map(|d| ErrorDetail {
                                code: str_field(d, "error_code"),
                                message: str_field(d, "error_msg"),
                            })
                            .collect();
                    }
                }
            }
            Err(_) => e.message = raw.trim().to_owned(),
        }
        e
    }

    /// True for HTTP 404 and DCS.4133.
    pub fn is_not_found(&self) -> bool {
        self.status == 404 || self.code == "DCS.4133"
    }

    /// True for 429 and 5xx.
    pub fn is_retryable(&self) -> bool {
        self.status == 429 || self.status >= 500
    }
}

impl fmt::Display for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "service error: HTTP {} {}", self.status, self.code)?;
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " (request id {id})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ServiceError {}

fn str_field(obj: &serde_json::Map<String, serde_json::Value>, key: &str) -> Option<String> {
    obj.get(key).filter(|v| !v.is_null()).map(value_text)
}

fn value_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// First (code, message) pair, in the official order: `error_code`/`error_msg`, then
/// `errorCode`/`errorMsg`, then `code`/`message`, then the same inside nested objects.
fn find_code_message(v: &serde_json::Value) -> Option<(Option<String>, Option<String>)> {
    let obj = v.as_object()?;
    for (c, m) in [
        ("error_code", "error_msg"),
        ("errorCode", "errorMsg"),
        ("code", "message"),
    ] {
        let code = str_field(obj, c);
        let msg = str_field(obj, m);
        if code.is_some() || msg.is_some() {
            return Some((code, msg));
        }
    }
    obj.values().find_map(find_code_message)
}

/// A success response whose body did not decode into the operation's output.
#[derive(Debug, Clone, thiserror::Error)]
#[error(
    "could not decode the {operation} response (HTTP {status}): {cause}; body starts with {excerpt:?}"
)]
pub struct DecodeError {
    /// Operation name.
    pub operation: &'static str,
    /// HTTP status.
    pub status: u16,
    /// The serde error.
    pub cause: String,
    /// The first 512 bytes of the body (lossy UTF-8).
    pub excerpt: String,
    /// `X-Request-Id` of the response.
    pub request_id: Option<String>,
}

impl DecodeError {
    /// Builds a decode error with a bounded body excerpt.
    pub fn new(
        operation: &'static str,
        status: u16,
        cause: impl fmt::Display,
        body: &[u8],
        request_id: Option<String>,
    ) -> Self {
        let cut = body.len().min(512);
        DecodeError {
            operation,
            status,
            cause: cause.to_string(),
            excerpt: String::from_utf8_lossy(&body[..cut]).into_owned(),
            request_id,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_id_of_every_error_that_carries_one() {
        let service: Error = ServiceError::parse(404, Some("r-svc".into()), b"{}").into();
        assert_eq!(service.request_id(), Some("r-svc"));
        let waited = Error::WaitFailed {
            waiter: "MigrationTaskDone",
            state: "FAILED".into(),
            request_id: Some("r-wait".into()),
        };
        assert_eq!(waited.request_id(), Some("r-wait"));
        assert_eq!(Error::Config("x".into()).request_id(), None);
    }

    fn parse(status: u16, body: &str) -> ServiceError {
        ServiceError::parse(status, Some("req-1".into()), body.as_bytes())
    }

    #[test]
    fn dcs_body() {
        let e = parse(
            400,
            r#"{"error_code":"DCS.4133","error_msg":"Migration task does not exist.","error_ext_msg":null}"#,
        );
        assert_eq!(e.code, "DCS.4133");
        assert_eq!(e.message, "Migration task does not exist.");
        assert_eq!(e.ext_message, None);
        assert!(e.is_not_found());
        assert!(!e.is_retryable());
        assert_eq!(
            e.to_string(),
            "service error: HTTP 400 DCS.4133: Migration task does not exist. (request id req-1)"
        );
    }

    #[test]
    fn dcs_body_with_ext_message() {
        let e = parse(
            500,
            r#"{"error_code":"DCS.5000","error_msg":"Internal","error_ext_msg":"more"}"#,
        );
        assert_eq!(e.ext_message.as_deref(), Some("more"));
        assert!(e.is_retryable());
    }

    #[test]
    fn sms_body_with_extras() {
        let e = parse(
            403,
            r#"{"error_code":"SMS.9004","error_msg":"denied","encoded_authorization_message":"enc","error_param":["a","b"],"details":[{"error_code":"SMS.1","error_msg":"x"}]}"#,
        );
        assert_eq!(e.code, "SMS.9004");
        assert_eq!(e.encoded_authorization_message.as_deref(), Some("enc"));
        assert_eq!(e.error_params, ["a", "b"]);
        assert_eq!(
            e.details,
            [ErrorDetail {
                code: Some("SMS.1".into()),
                message: Some("x".into())
            }]
        );
    }

    #[test]
    fn nested_error_object() {
        let e = parse(
            404,
            r#"{"error":{"code":"111404022","message":"The instance does not exist."}}"#,
        );
        assert_eq!(e.code, "111404022");
        assert_eq!(e.message, "The instance does not exist.");
        assert!(e.is_not_found());
    }

    #[test]
    fn camel_case_body() {
        let e = parse(
            401,
            r#"{"errorCode":"APIGW.0301","errorMsg":"Incorrect IAM authentication information"}"#,
        );
        assert_eq!(e.code, "APIGW.0301");
    }

    #[test]
    fn non_json_body() {
        let e = parse(502, "<html>Bad Gateway</html>\n");
        assert_eq!(e.code, "502");
        assert_eq!(e.message, "<html>Bad Gateway</html>");
        assert!(e.is_retryable());
        assert_eq!(e.body, "<html>Bad Gateway</html>\n");
    }

    #[test]
    fn empty_body() {
        let e = parse(503, "");
        assert_eq!(e.code, "503");
        assert_eq!(e.message, "");
        assert_eq!(
            e.to_string(),
            "service error: HTTP 503 503 (request id req-1)"
        );
    }

    #[test]
    fn json_without_code() {
        let e = parse(400, r#"{"foo":1}"#);
        assert_eq!(e.code, "400");
        assert_eq!(e.message, r#"{"foo":1}"#);
    }

    #[test]
    fn numeric_code_kept_as_text() {
        let e = parse(400, r#"{"error_code":111400017,"error_msg":"bad"}"#);
        assert_eq!(e.code, "111400017");
    }

    #[test]
    fn transient_transport_errors() {
        assert!(TransportError::connect("refused").is_transient());
        assert!(TransportError::timeout("slow").is_transient());
        assert!(!TransportError::other("reset mid-body").is_transient());
        let unsent = TransportError {
            maybe_sent: false,
            ..TransportError::other("bad header")
        };
        assert!(unsent.is_transient());
        assert!(Error::from(TransportError::connect("x")).is_retryable());
    }

    #[test]
    fn decode_error_excerpt_is_bounded() {
        let body = vec![b'x'; 2000];
        let d = DecodeError::new("ShowTask", 200, "eof", &body, None);
        assert_eq!(d.excerpt.len(), 512);
    }
}
