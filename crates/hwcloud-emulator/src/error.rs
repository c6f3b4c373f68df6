//! Error answers in each service's documented body shape (api-facts §3).
//!
//! - DCS: `{"error_code", "error_msg", "error_ext_msg"}`.
//! - SMS: `{"error_code", "error_msg", "error_param": [...], "details": [{"error_code",
//!   "error_msg"}], "encoded_authorization_message"?}`.
//!
//! Every answer also carries an `X-Request-Id` header.

use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use hwcloud_core::ValidationErrors;

use crate::response::json;
use crate::store::StoreError;

/// Which service's error shape an answer uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    /// DCS v2 (`/v2/...`), also used for paths of no service.
    Dcs,
    /// SMS v3 (`/v3/...`).
    Sms,
}

impl Service {
    /// The code of a 400 validation answer.
    pub fn invalid_code(self) -> &'static str {
        match self {
            Service::Dcs => codes::DCS_INVALID,
            Service::Sms => codes::SMS_INVALID,
        }
    }

    /// The code of a 500 answer.
    pub fn internal_code(self) -> &'static str {
        match self {
            Service::Dcs => codes::DCS_INTERNAL,
            Service::Sms => codes::SMS_INTERNAL,
        }
    }

    /// The service a request path belongs to.
    pub fn from_path(path: &str) -> Self {
        if path == "/v3" || path.starts_with("/v3/") {
            Service::Sms
        } else {
            Service::Dcs
        }
    }
}

/// Error codes the emulator answers with. The `APIGW.*` codes are API Gateway's (they come
/// before the service sees the request); the service codes come from api-facts §3.
pub mod codes {
    /// 401: signature, access key, date or token refused.
    pub const AUTH: &str = "APIGW.0301";
    /// 404: no API at this method and path.
    pub const NO_API: &str = "APIGW.0101";
    /// 413: request body too large.
    pub const TOO_LARGE: &str = "APIGW.0201";
    /// 429: throttled (fault injection).
    pub const THROTTLED: &str = "APIGW.0308";
    /// DCS 400: invalid project ID format.
    pub const DCS_BAD_PROJECT: &str = "DCS.4002";
    /// DCS 400: empty request body.
    pub const DCS_EMPTY_BODY: &str = "DCS.4004";
    /// DCS 400: body is not JSON.
    pub const DCS_NOT_JSON: &str = "DCS.4005";
    /// DCS 400: operation not allowed in the task's current state.
    pub const DCS_BAD_STATE: &str = "DCS.4026";
    /// DCS 400: invalid task ID format.
    pub const DCS_BAD_TASK_ID: &str = "DCS.4070";
    /// DCS 400: migration task does not exist.
    pub const DCS_NO_TASK: &str = "DCS.4133";
    /// DCS 400: invalid parameter (generic validation).
    pub const DCS_INVALID: &str = "DCS.4800";
    /// DCS 403: project in the path/header is not the caller's.
    pub const DCS_PROJECT_MISMATCH: &str = "DCS.1004";
    /// DCS 404: job does not exist.
    pub const DCS_NO_JOB: &str = "DCS.4001";
    /// DCS 500: internal error.
    pub const DCS_INTERNAL: &str = "DCS.5000";
    /// SMS 400: invalid parameter (emulator choice; SMS documents no generic code).
    pub const SMS_INVALID: &str = "SMS.0400";
    /// SMS 403: no permission (project header is not the caller's).
    pub const SMS_FORBIDDEN: &str = "SMS.9004";
    /// SMS 404: task does not exist (emulator choice; SMS documents no code).
    pub const SMS_NO_TASK: &str = "SMS.0404";
    /// SMS 400: only created/monitored tasks can be paused.
    pub const SMS_CANNOT_STOP: &str = "SMS.1038";
    /// SMS 400: only ready or paused tasks can be started.
    pub const SMS_CANNOT_START: &str = "SMS.1039";
    /// SMS 400: only stopped, failed or finished tasks can be restarted.
    pub const SMS_CANNOT_RESTART: &str = "SMS.1040";
    /// SMS 400: running or stopping tasks cannot be deleted.
    pub const SMS_CANNOT_DELETE: &str = "SMS.2015";
    /// SMS 500: backend exception.
    pub const SMS_INTERNAL: &str = "SMS.2007";
}

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

    /// 400 listing every violation with its field path.
    pub fn validation(svc: Service, errs: &ValidationErrors) -> Self {
        let code = svc.invalid_code();
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

    /// 401 from API Gateway.
    pub fn unauthorized(msg: impl std::fmt::Display) -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            codes::AUTH,
            format!("Incorrect IAM authentication information: {msg}"),
        )
    }

    /// 500 in the service's words.
    pub fn internal(svc: Service, msg: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, svc.internal_code(), msg)
    }

    /// A 500 raised where the service was not known (a storage failure converted inside a
    /// transaction) takes `svc`'s internal-error code.
    pub fn in_service(mut self, svc: Service) -> Self {
        if self.status == StatusCode::INTERNAL_SERVER_ERROR {
            self.code = svc.internal_code().to_owned();
        }
        self
    }

    /// The DCS "task does not exist" answer.
    pub fn dcs_no_task(task_id: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            codes::DCS_NO_TASK,
            format!("The migration task {task_id} does not exist."),
        )
    }

    /// The SMS "task does not exist" answer.
    pub fn sms_no_task(task_id: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            codes::SMS_NO_TASK,
            format!("The task {task_id} does not exist."),
        )
    }

    /// The JSON body in `svc`'s shape.
    pub fn body(&self, svc: Service) -> serde_json::Value {
        match svc {
            Service::Dcs => {
                let ext = if self.details.len() > 1 || !self.params.is_empty() {
                    self.details
                        .iter()
                        .map(|(_, m)| m.as_str())
                        .collect::<Vec<_>>()
                        .join("; ")
                } else {
                    String::new()
                };
                let body = hwcloud_dcs::types::DcsErrorBody {
                    error_code: Some(self.code.clone()),
                    error_msg: Some(self.msg.clone()),
                    error_ext_msg: Some(ext),
                    ..Default::default()
                };
                serde_json::to_value(body).unwrap_or_default()
            }
            Service::Sms => {
                let detail = |c: &str, m: &str| hwcloud_sms::types::SmsErrorDetail {
                    error_code: Some(c.to_owned()),
                    error_msg: Some(m.to_owned()),
                    ..Default::default()
                };
                let details = if self.details.is_empty() {
                    vec![detail(&self.code, &self.msg)]
                } else {
                    self.details.iter().map(|(c, m)| detail(c, m)).collect()
                };
                let body = hwcloud_sms::types::SmsErrorBody {
                    error_code: Some(self.code.clone()),
                    error_msg: Some(self.msg.clone()),
                    encoded_authorization_message: (self.status == StatusCode::FORBIDDEN)
                        .then(String::new),
                    error_param: Some(self.params.clone()),
                    details: Some(details),
                    ..Default::default()
                };
                serde_json::to_value(body).unwrap_or_default()
            }
        }
    }

    /// The full HTTP answer in `svc`'s shape.
    pub fn into_response_for(self, svc: Service) -> Response {
        let mut resp = json(self.status, &self.body(svc));
        if let Some(secs) = self.retry_after {
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                resp.headers_mut()
                    .insert(axum::http::header::RETRY_AFTER, v);
            }
        }
        resp
    }
}

/// A storage failure is a 500; [`App::tx`](crate::app::App::tx) gives it the code of the
/// service whose request failed ([`ApiError::in_service`]).
impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        tracing::error!(error = %e, "storage failure");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            codes::DCS_INTERNAL,
            "Internal service error (storage).",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_storage_failure_answers_with_the_failing_services_code() {
        let from_store = || ApiError::from(StoreError::Type);
        assert_eq!(
            from_store().in_service(Service::Sms).code,
            codes::SMS_INTERNAL
        );
        assert_eq!(
            from_store().in_service(Service::Dcs).code,
            codes::DCS_INTERNAL
        );
        // Other answers keep their code.
        let not_found = ApiError::sms_no_task("t").in_service(Service::Dcs);
        assert_eq!(not_found.code, codes::SMS_NO_TASK);
    }
}
