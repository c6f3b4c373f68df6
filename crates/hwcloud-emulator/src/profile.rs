//! Everything that differs between the emulated services, in one place: where their paths
//! live, the service name of their `V11-HMAC-SHA256` scope, their error body shape and codes,
//! the rule for a project that is not the caller's, and the format of their ids.
//!
//! The rest of the request pipeline (authentication, body parsing, fault injection, storage)
//! is written once and reads these values; a new service is one more [`Profile`] in [`ALL`].
//!
//! Error shapes, as the services document them (the `DcsErrorBody` and `SmsErrorBody`
//! schemas of `spec/dcs.yaml` and `spec/sms.yaml`; the DCS error-code appendix,
//! `api-ref/source/appendix/error_codes.rst` of `opentelekomcloud-docs/distributed-cache-service`;
//! the SMS error codes, <https://support.huaweicloud.com/intl/en-us/api-sms/ErrorCode.html>):
//!
//! - DCS: `{"error_code", "error_msg", "error_ext_msg"}`.
//! - SMS: `{"error_code", "error_msg", "error_param": [...], "details": [{"error_code",
//!   "error_msg"}], "encoded_authorization_message"?}`.

use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;

use crate::error::ApiError;
use crate::ids::IdRule;
use crate::response::json;

/// Error codes the emulator answers with. The `APIGW.*` codes are API Gateway's (they come
/// before the service sees the request, the same for every service); the service codes are
/// those of the DCS and SMS error-code references, or the emulator's own where SMS documents
/// none.
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
    /// DCS 404: instance does not exist (OTC error codes).
    pub const DCS_NO_INSTANCE: &str = "DCS.3022";
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

/// One emulated service, as far as the shared request pipeline is concerned.
#[derive(Debug)]
pub struct Profile {
    /// Service name in a `V11-HMAC-SHA256` derivation scope (`dcs`, `sms`).
    pub signing_name: &'static str,
    /// First path segment of the service's operations (`/v2`, `/v3`): a request under it,
    /// routed or not, is answered in this service's shape.
    pub path_prefix: &'static str,
    /// How error bodies look.
    pub error_shape: ErrorShape,
    /// The codes of the answers every service gives.
    pub codes: ServiceCodes,
    /// `error_msg` of the 403 for a project that is not the caller's.
    pub forbidden_project_msg: &'static str,
    /// `{project_id}` in a path.
    pub project_id: IdRule,
    /// `{task_id}` in a path or a task id in a batch body.
    pub task_id: IdRule,
}

/// The codes of the answers every service gives, in one service's words.
#[derive(Debug, Clone, Copy)]
pub struct ServiceCodes {
    /// 400: a request parameter or body field is invalid.
    pub invalid: &'static str,
    /// 400: the body is empty where one is required.
    pub empty_body: &'static str,
    /// 400: the body is not a JSON object.
    pub not_json: &'static str,
    /// 403: the project named by the request is not the caller's.
    pub forbidden_project: &'static str,
    /// 500 (and injected 5xx).
    pub internal: &'static str,
}

/// The error body shapes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorShape {
    /// `{"error_code", "error_msg", "error_ext_msg"}`; `error_ext_msg` lists every violation
    /// of a validation error, otherwise `""`.
    Dcs,
    /// `{"error_code", "error_msg", "error_param", "details", "encoded_authorization_message"}`
    /// (the last only on 403).
    Sms,
}

/// DCS v2 (`/v2/...`).
pub static DCS: Profile = Profile {
    signing_name: "dcs",
    path_prefix: "/v2",
    error_shape: ErrorShape::Dcs,
    codes: ServiceCodes {
        invalid: codes::DCS_INVALID,
        empty_body: codes::DCS_EMPTY_BODY,
        not_json: codes::DCS_NOT_JSON,
        forbidden_project: codes::DCS_PROJECT_MISMATCH,
        internal: codes::DCS_INTERNAL,
    },
    forbidden_project_msg: "The project ID in the request does not match the credentials.",
    project_id: IdRule {
        param: "project_id",
        max: 64,
        code: codes::DCS_BAD_PROJECT,
        head: "Invalid project ID format",
    },
    task_id: IdRule {
        param: "task_id",
        max: 64,
        code: codes::DCS_BAD_TASK_ID,
        head: "Invalid task ID format",
    },
};

/// SMS v3 (`/v3/...`). SMS documents no code for a bad body or parameter: the emulator
/// answers all of them with its own SMS.0400.
pub static SMS: Profile = Profile {
    signing_name: "sms",
    path_prefix: "/v3",
    error_shape: ErrorShape::Sms,
    codes: ServiceCodes {
        invalid: codes::SMS_INVALID,
        empty_body: codes::SMS_INVALID,
        not_json: codes::SMS_INVALID,
        forbidden_project: codes::SMS_FORBIDDEN,
        internal: codes::SMS_INTERNAL,
    },
    forbidden_project_msg: "You do not have permission to perform this action on this project.",
    // SMS paths carry no project; the rule is there for completeness.
    project_id: IdRule {
        param: "project_id",
        max: 64,
        code: codes::SMS_INVALID,
        head: "Invalid request parameter",
    },
    task_id: IdRule {
        param: "task_id",
        max: 36,
        code: codes::SMS_INVALID,
        head: "Invalid request parameter",
    },
};

/// Every service, matched against request paths in this order.
pub static ALL: [&Profile; 2] = [&DCS, &SMS];

/// The service whose error shape answers a path that belongs to none (`/`, unknown
/// prefixes) and the control API's errors.
pub static FALLBACK: &Profile = &DCS;

/// The service a request path belongs to ([`FALLBACK`] for none).
pub fn for_path(path: &str) -> &'static Profile {
    ALL.iter()
        .copied()
        .find(|p| {
            path.strip_prefix(p.path_prefix)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        })
        .unwrap_or(FALLBACK)
}

impl Profile {
    /// 400 listing every violation of a generated `validate()`.
    pub fn validation(&self, errs: &hwcloud_core::ValidationErrors) -> ApiError {
        ApiError::validation(self.codes.invalid, errs)
    }

    /// 400 naming the invalid field or parameter `param`.
    pub fn invalid_param(&self, param: &str, msg: impl Into<String>) -> ApiError {
        ApiError::invalid_param(self.codes.invalid, param, msg)
    }

    /// 500 in this service's words.
    pub fn internal(&self, msg: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, self.codes.internal, msg)
    }

    /// `e`, with this service's internal-error code when it is a 500 raised where the service
    /// was not known (a storage failure converted inside a transaction).
    pub fn claim(&self, e: ApiError) -> ApiError {
        e.with_server_error_code(self.codes.internal)
    }

    /// 403: the project named by the request (path or `X-Project-Id`) is not the caller's.
    pub fn forbidden_project(&self) -> ApiError {
        ApiError::new(
            StatusCode::FORBIDDEN,
            self.codes.forbidden_project,
            self.forbidden_project_msg,
        )
    }

    /// The JSON error body in this service's shape.
    pub fn error_body(&self, e: &ApiError) -> serde_json::Value {
        match self.error_shape {
            ErrorShape::Dcs => dcs_error_body(e),
            ErrorShape::Sms => sms_error_body(e),
        }
    }

    /// The full HTTP answer for `e` in this service's shape, with its `Retry-After`.
    pub fn respond(&self, e: &ApiError) -> Response {
        let mut resp = json(e.status, &self.error_body(e));
        if let Some(secs) = e.retry_after {
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                resp.headers_mut()
                    .insert(axum::http::header::RETRY_AFTER, v);
            }
        }
        resp
    }
}

fn dcs_error_body(e: &ApiError) -> serde_json::Value {
    let ext = if e.details.len() > 1 || !e.params.is_empty() {
        e.details
            .iter()
            .map(|(_, m)| m.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    } else {
        String::new()
    };
    let body = hwcloud_dcs::types::DcsErrorBody {
        error_code: Some(e.code.clone()),
        error_msg: Some(e.msg.clone()),
        error_ext_msg: Some(ext),
        ..Default::default()
    };
    serde_json::to_value(body).unwrap_or_default()
}

fn sms_error_body(e: &ApiError) -> serde_json::Value {
    let detail = |c: &str, m: &str| hwcloud_sms::types::SmsErrorDetail {
        error_code: Some(c.to_owned()),
        error_msg: Some(m.to_owned()),
        ..Default::default()
    };
    let details = if e.details.is_empty() {
        vec![detail(&e.code, &e.msg)]
    } else {
        e.details.iter().map(|(c, m)| detail(c, m)).collect()
    };
    let body = hwcloud_sms::types::SmsErrorBody {
        error_code: Some(e.code.clone()),
        error_msg: Some(e.msg.clone()),
        encoded_authorization_message: (e.status == StatusCode::FORBIDDEN).then(String::new),
        error_param: Some(e.params.clone()),
        details: Some(details),
        ..Default::default()
    };
    serde_json::to_value(body).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::StoreError;

    #[test]
    fn a_storage_failure_answers_with_the_failing_services_code() {
        let from_store = || ApiError::from(StoreError::Type);
        assert_eq!(SMS.claim(from_store()).code, codes::SMS_INTERNAL);
        assert_eq!(DCS.claim(from_store()).code, codes::DCS_INTERNAL);
        // Other answers keep their code.
        let not_found = ApiError::new(StatusCode::NOT_FOUND, codes::SMS_NO_TASK, "no task t");
        assert_eq!(DCS.claim(not_found).code, codes::SMS_NO_TASK);
    }

    #[test]
    fn paths_belong_to_the_service_of_their_prefix() {
        for (path, signing_name) in [
            ("/v3", "sms"),
            ("/v3/tasks/x", "sms"),
            ("/v2/p/migration-task", "dcs"),
            ("/v3tasks", "dcs"),
            ("/", "dcs"),
            ("/v4/anything", "dcs"),
        ] {
            assert_eq!(for_path(path).signing_name, signing_name, "{path}");
        }
    }
}
