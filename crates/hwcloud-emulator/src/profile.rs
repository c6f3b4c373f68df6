//! Everything that differs between the emulated services, in one place: where their paths
//! live, the service name of their `V11-HMAC-SHA256` scope, their error body shape and codes,
//! how they refuse a caller, a project that is not the caller's, an unknown URL and a large
//! body, and the format of their ids.
//!
//! The rest of the request pipeline (authentication, body parsing, fault injection, storage)
//! is written once and reads these values; a new service is one more [`Profile`] in [`ALL`].
//! The bodies themselves are drawn by [`crate::shapes`].
//!
//! Who answers what (DCS API reference, "Error Codes" appendix — `api-ref/source/appendix/
//! error_codes.rst` of `opentelekomcloud-docs/distributed-cache-service` — and the SMS error
//! codes, <https://support.huaweicloud.com/intl/en-us/api-sms/ErrorCode.html>):
//!
//! - DCS answers everything itself with its documented codes: 401 DCS.1001–1004 for a token or
//!   signature it refuses and a project that is not the caller's, 404 DCS.4001 for a URL with
//!   no API. Its `error_code` is at most 9 characters, so no `APIGW.*` code ever appears in a
//!   DCS body.
//! - SMS documents no code for a refused signature or an unknown URL: API Gateway answers
//!   those before SMS sees the request, in the gateway's shape (`APIGW.0301`, `APIGW.0101`).
//!   SMS itself refuses a body over 10,240 bytes (401 SMS.2004) and another project (403
//!   SMS.9004).
//! - For every service, the gateway answers a body over the emulator's `max_body_bytes` (413
//!   `APIGW.0201`) and injected throttling (429 `APIGW.0308`).

use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;

use crate::error::ApiError;
use crate::ids::IdRule;
use crate::response::json;
use crate::shapes::{self, ErrorShape};

/// Error codes the emulator answers with. The `APIGW.*` codes are API Gateway's (rendered in
/// the gateway's shape); the service codes are those of the DCS and SMS error-code
/// references, or the emulator's own where SMS documents none.
pub mod codes {
    /// Gateway 401: signature, access key, date or token refused (services without codes of
    /// their own for it).
    pub const AUTH: &str = "APIGW.0301";
    /// Gateway 404: no API at this method and path.
    pub const NO_API: &str = "APIGW.0101";
    /// Gateway 413: request body too large.
    pub const TOO_LARGE: &str = "APIGW.0201";
    /// Gateway 429: throttled (fault injection).
    pub const THROTTLED: &str = "APIGW.0308";
    /// DCS 401: invalid token (also a refused signature).
    pub const DCS_BAD_TOKEN: &str = "DCS.1001";
    /// DCS 401: token expired.
    pub const DCS_TOKEN_EXPIRED: &str = "DCS.1002";
    /// DCS 401: no token (nor signature) in the request.
    pub const DCS_NO_TOKEN: &str = "DCS.1003";
    /// DCS 401: the project ID does not match the token (path or `X-Project-Id`).
    pub const DCS_PROJECT_MISMATCH: &str = "DCS.1004";
    /// DCS 404: the requested URL does not exist.
    pub const DCS_NO_URL: &str = "DCS.4001";
    /// DCS 400: invalid project ID format.
    pub const DCS_BAD_PROJECT: &str = "DCS.4002";
    /// DCS 400: empty request body.
    pub const DCS_EMPTY_BODY: &str = "DCS.4004";
    /// DCS 400: body is not JSON.
    pub const DCS_NOT_JSON: &str = "DCS.4005";
    /// DCS 400: operation not allowed in the task's current state.
    pub const DCS_BAD_STATE: &str = "DCS.4026";
    /// DCS 400: "Invalid {0} parameter in the request": a job id that names no job (the
    /// documented 400 example of ShowJobInfo, "Querying the Job Execution Result of a
    /// Tenant"; DCS documents no job-specific code).
    pub const DCS_NO_JOB: &str = "DCS.4063";
    /// DCS 400: invalid task ID format.
    pub const DCS_BAD_TASK_ID: &str = "DCS.4070";
    /// DCS 400: migration task does not exist.
    pub const DCS_NO_TASK: &str = "DCS.4133";
    /// DCS 400: invalid parameter (generic validation).
    pub const DCS_INVALID: &str = "DCS.4800";
    /// DCS 404: instance does not exist (OTC error codes).
    pub const DCS_NO_INSTANCE: &str = "DCS.3022";
    /// DCS 500: internal error.
    pub const DCS_INTERNAL: &str = "DCS.5000";
    /// SMS 400: invalid parameter (emulator choice; SMS documents no generic code).
    pub const SMS_INVALID: &str = "SMS.0400";
    /// SMS 403: no permission (project header is not the caller's).
    pub const SMS_FORBIDDEN: &str = "SMS.9004";
    /// SMS 404: task does not exist (the emulator's code; SMS documents none, ShowTask
    /// declares the 404).
    pub const SMS_NO_TASK: &str = "SMS.0404";
    /// SMS 400: only created/monitored tasks can be paused.
    pub const SMS_CANNOT_STOP: &str = "SMS.1038";
    /// SMS 400: only paused tasks can be resumed (a ready task's first start is no resume).
    pub const SMS_CANNOT_START: &str = "SMS.1039";
    /// SMS 400: only tasks whose migration failed can be restarted.
    pub const SMS_CANNOT_RESTART: &str = "SMS.1040";
    /// SMS 401: the request body is larger than 10,240 bytes.
    pub const SMS_BODY_TOO_LARGE: &str = "SMS.2004";
    /// SMS 400: running or stopping tasks cannot be deleted.
    pub const SMS_CANNOT_DELETE: &str = "SMS.2015";
    /// SMS 500: backend exception.
    pub const SMS_INTERNAL: &str = "SMS.2007";
    /// IAM answers carry their HTTP status as code (Keystone shape); these name the cases
    /// inside the emulator only.
    pub const IAM_INVALID: &str = "IAM.400";
    pub const IAM_UNAUTHORIZED: &str = "IAM.401";
    pub const IAM_FORBIDDEN: &str = "IAM.403";
    pub const IAM_NOT_FOUND: &str = "IAM.404";
    pub const IAM_INTERNAL: &str = "IAM.500";
}

/// One emulated service, as far as the shared request pipeline is concerned.
#[derive(Debug)]
pub struct Profile {
    /// Service name in a `V11-HMAC-SHA256` derivation scope (`dcs`, `sms`).
    pub signing_name: &'static str,
    /// Path prefixes of the service (`/v2`, `/v3`): a request under one that matches no
    /// route is answered in this service's words. The longest matching prefix wins.
    pub path_prefixes: &'static [&'static str],
    /// How error bodies look.
    pub error_shape: ErrorShape,
    /// The codes of the answers every service gives.
    pub codes: ServiceCodes,
    /// How the service itself refuses a caller; `None`: API Gateway does (401 APIGW.0301 in
    /// its own shape).
    pub auth: Option<AuthCodes>,
    /// The answer to a project (path or `X-Project-Id`) that is not the caller's.
    pub project_mismatch: Refusal,
    /// `error_code` of the 404 for a URL with no API under the service's prefix; `None`: API
    /// Gateway answers (404 APIGW.0101).
    pub unknown_url: Option<&'static str>,
    /// The service's own limit on request bodies, if it documents one.
    pub body_limit: Option<BodyLimit>,
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
    /// 500 (and injected 5xx).
    pub internal: &'static str,
}

/// A service's own 401 codes.
#[derive(Debug, Clone, Copy)]
pub struct AuthCodes {
    /// Neither a signature nor a token.
    pub missing: &'static str,
    /// A refused signature or token.
    pub invalid: &'static str,
    /// A token that has expired.
    pub expired: &'static str,
}

/// A fixed refusal: status, code, message.
#[derive(Debug, Clone, Copy)]
pub struct Refusal {
    pub status: StatusCode,
    pub code: &'static str,
    pub msg: &'static str,
}

/// A documented largest request body, and the answer to a larger one.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimit {
    pub bytes: usize,
    pub refusal: Refusal,
}

/// Why a caller was not authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthFailure {
    /// Neither `Authorization` nor `X-Auth-Token`.
    Missing,
    /// A signature or token that is refused (why, never quoting a secret).
    Invalid(String),
    /// A token the emulator issued that has expired.
    Expired,
}

/// DCS v2 (`/v2/...`).
pub static DCS: Profile = Profile {
    signing_name: "dcs",
    path_prefixes: &["/v2"],
    error_shape: ErrorShape::Dcs,
    codes: ServiceCodes {
        invalid: codes::DCS_INVALID,
        empty_body: codes::DCS_EMPTY_BODY,
        not_json: codes::DCS_NOT_JSON,
        internal: codes::DCS_INTERNAL,
    },
    auth: Some(AuthCodes {
        missing: codes::DCS_NO_TOKEN,
        invalid: codes::DCS_BAD_TOKEN,
        expired: codes::DCS_TOKEN_EXPIRED,
    }),
    project_mismatch: Refusal {
        status: StatusCode::UNAUTHORIZED,
        code: codes::DCS_PROJECT_MISMATCH,
        msg: "Project ID does not match the token.",
    },
    unknown_url: Some(codes::DCS_NO_URL),
    body_limit: None,
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
    path_prefixes: &["/v3"],
    error_shape: ErrorShape::Sms,
    codes: ServiceCodes {
        invalid: codes::SMS_INVALID,
        empty_body: codes::SMS_INVALID,
        not_json: codes::SMS_INVALID,
        internal: codes::SMS_INTERNAL,
    },
    auth: None,
    project_mismatch: Refusal {
        status: StatusCode::FORBIDDEN,
        code: codes::SMS_FORBIDDEN,
        msg: "You do not have permission to perform this action on this project.",
    },
    unknown_url: None,
    // The SMS error codes (out-of-date list): SMS.2004, 401, body over 10,240 bytes.
    body_limit: Some(BodyLimit {
        bytes: 10_240,
        refusal: Refusal {
            status: StatusCode::UNAUTHORIZED,
            code: codes::SMS_BODY_TOO_LARGE,
            msg: "The request body is larger than 10,240 bytes.",
        },
    }),
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

/// IAM, as far as the emulator serves it (`POST /v3/auth/tokens`, `GET /v3/projects`): its
/// paths share `/v3` with SMS, so it owns the longer prefixes `/v3/auth` and `/v3/projects`,
/// and answers in its own Keystone-style shape (the code in the body is the HTTP status).
pub static IAM: Profile = Profile {
    signing_name: "iam",
    path_prefixes: &["/v3/auth", "/v3/projects"],
    error_shape: ErrorShape::Iam,
    codes: ServiceCodes {
        invalid: codes::IAM_INVALID,
        empty_body: codes::IAM_INVALID,
        not_json: codes::IAM_INVALID,
        internal: codes::IAM_INTERNAL,
    },
    auth: Some(AuthCodes {
        missing: codes::IAM_UNAUTHORIZED,
        invalid: codes::IAM_UNAUTHORIZED,
        expired: codes::IAM_UNAUTHORIZED,
    }),
    project_mismatch: Refusal {
        status: StatusCode::FORBIDDEN,
        code: codes::IAM_FORBIDDEN,
        msg: "The project in the request is not the caller's.",
    },
    unknown_url: Some(codes::IAM_NOT_FOUND),
    body_limit: None,
    project_id: IdRule {
        param: "project_id",
        max: 64,
        code: codes::IAM_INVALID,
        head: "Invalid project ID",
    },
    task_id: IdRule {
        param: "task_id",
        max: 64,
        code: codes::IAM_INVALID,
        head: "Invalid ID",
    },
};

/// Every service, matched against request paths by their longest prefix.
pub static ALL: [&Profile; 3] = [&DCS, &SMS, &IAM];

/// The service a path that belongs to none (`/`, unknown prefixes) is given. It must be one
/// whose unknown URLs API Gateway answers ([`Profile::unknown_url`] `None`): no service
/// answers for a path outside its prefixes.
pub static FALLBACK: &Profile = &SMS;

/// The service a request path belongs to: the one with the longest matching prefix
/// ([`FALLBACK`] for none). Routed requests take their service from their route instead.
pub fn for_path(path: &str) -> &'static Profile {
    let under = |prefix: &str| {
        path.strip_prefix(prefix)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    };
    ALL.iter()
        .copied()
        .flat_map(|p| p.path_prefixes.iter().map(move |prefix| (p, *prefix)))
        .filter(|(_, prefix)| under(prefix))
        .max_by_key(|(_, prefix)| prefix.len())
        .map_or(FALLBACK, |(p, _)| p)
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

    /// 401: the caller is not authenticated, in this service's words or the gateway's.
    pub fn unauthorized(&self, why: AuthFailure) -> ApiError {
        let status = StatusCode::UNAUTHORIZED;
        let Some(codes) = self.auth else {
            let detail = match why {
                AuthFailure::Missing => {
                    "the request has neither an Authorization header nor an X-Auth-Token".into()
                }
                AuthFailure::Invalid(m) => m,
                AuthFailure::Expired => "the X-Auth-Token has expired".into(),
            };
            return ApiError::gateway(
                status,
                codes::AUTH,
                format!("Incorrect IAM authentication information: {detail}"),
            );
        };
        match why {
            AuthFailure::Missing => ApiError::new(
                status,
                codes.missing,
                "No token in the request: send an Authorization signature or an X-Auth-Token.",
            ),
            AuthFailure::Invalid(m) => {
                ApiError::new(status, codes.invalid, format!("Invalid token: {m}"))
            }
            AuthFailure::Expired => ApiError::new(
                status,
                codes.expired,
                "Token expired: obtain a new one with POST /v3/auth/tokens.",
            ),
        }
    }

    /// The project named by the request (path or `X-Project-Id`) is not the caller's.
    pub fn forbidden_project(&self) -> ApiError {
        let r = self.project_mismatch;
        ApiError::new(r.status, r.code, r.msg)
    }

    /// 404: no API at `method` `path` under this service's prefix.
    pub fn unknown_url(&self, method: &str, path: &str) -> ApiError {
        let shown = crate::error::clip(path, 256);
        match self.unknown_url {
            Some(code) => ApiError::new(
                StatusCode::NOT_FOUND,
                code,
                format!("The requested URL does not exist: {method} {shown}"),
            ),
            None => ApiError::gateway(
                StatusCode::NOT_FOUND,
                codes::NO_API,
                format!("The API does not exist or has not been published: {method} {shown}"),
            ),
        }
    }

    /// `Ok` unless `len` is over the service's documented body limit.
    pub fn check_body(&self, len: usize) -> Result<(), ApiError> {
        match self.body_limit {
            Some(l) if len > l.bytes => Err(ApiError::new(
                l.refusal.status,
                l.refusal.code,
                l.refusal.msg,
            )),
            _ => Ok(()),
        }
    }

    /// The JSON error body in this service's shape (or the gateway's).
    pub fn error_body(&self, e: &ApiError, request_id: &str) -> serde_json::Value {
        shapes::render(self.error_shape, e, request_id)
    }

    /// The full HTTP answer for `e`, with its `Retry-After`.
    pub fn respond(&self, e: &ApiError, request_id: &str) -> Response {
        let mut resp = json(e.status, &self.error_body(e, request_id));
        if let Some(secs) = e.retry_after {
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                resp.headers_mut()
                    .insert(axum::http::header::RETRY_AFTER, v);
            }
        }
        resp
    }
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
            ("/v3tasks", "sms"),
            ("/v3/auth/tokens", "iam"),
            ("/v3/projects", "iam"),
            ("/v3/authx", "sms"),
            ("/", "sms"),
            ("/v2x", "sms"),
            ("/v4/anything", "sms"),
        ] {
            assert_eq!(for_path(path).signing_name, signing_name, "{path}");
        }
        assert!(
            FALLBACK.unknown_url.is_none(),
            "the gateway answers unknown paths"
        );
    }
}
