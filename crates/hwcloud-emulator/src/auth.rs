//! Caller authentication: AK/SK signatures (all three algorithms of the official SDK core)
//! verified with `hwcloud_core::signing::verify`, or an emulator IAM token.

use std::panic::AssertUnwindSafe;
use std::time::{Duration, SystemTime};

use axum::http::StatusCode;
use hwcloud_core::Secret;
use hwcloud_core::signing::{
    DerivationScope, SignableRequest, VerifyError, header_value as header, parse_authorization,
    verify,
};

use crate::app::App;
use crate::error::ApiError;
use crate::profile::{Profile, codes};

/// Largest accepted distance between `X-Sdk-Date` and the real clock.
pub const MAX_SKEW: Duration = hwcloud_core::signing::DEFAULT_MAX_SKEW;

/// Prefix of accepted IAM tokens: `emulator-token-<project_id>`.
pub const TOKEN_PREFIX: &str = "emulator-token-";

/// Who sent a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The caller's project.
    pub project_id: String,
}

/// A received request, in the form the verifier needs.
pub struct Incoming<'a> {
    pub method: &'a str,
    pub raw_path: &'a str,
    pub query: &'a [(String, String)],
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
}

/// Authenticates a request and checks the `X-Project-Id` header against the caller.
pub fn authenticate(app: &App, req: &Incoming<'_>, svc: &Profile) -> Result<Caller, ApiError> {
    let caller = if let Some(auth) = header(req.headers, "authorization") {
        verify_signature(app, req, auth, svc)?
    } else if let Some(token) = header(req.headers, "x-auth-token") {
        let project = token.trim().strip_prefix(TOKEN_PREFIX).unwrap_or("");
        if project.is_empty() || !app.knows_project(project) {
            return Err(unauthorized("the X-Auth-Token is invalid or expired"));
        }
        Caller {
            project_id: project.to_owned(),
        }
    } else {
        return Err(unauthorized(
            "the request has neither an Authorization header nor an X-Auth-Token",
        ));
    };
    if let Some(p) = header(req.headers, "x-project-id") {
        if p.trim() != caller.project_id {
            return Err(svc.forbidden_project());
        }
    }
    Ok(caller)
}

/// 401 from API Gateway, the same for every service.
fn unauthorized(msg: impl std::fmt::Display) -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        codes::AUTH,
        format!("Incorrect IAM authentication information: {msg}"),
    )
}

fn verify_signature(
    app: &App,
    req: &Incoming<'_>,
    auth: &str,
    svc: &Profile,
) -> Result<Caller, ApiError> {
    let signable = SignableRequest {
        method: req.method,
        path: req.raw_path,
        query: req.query,
        headers: req.headers,
        body: req.body,
    };
    let lookup = |ak: &str| -> Option<Secret> { app.credentials.get(ak).map(|c| c.sk.clone()) };
    let now = SystemTime::now();
    // V11-HMAC-SHA256 derives its key from the region the client signed for (the
    // `Credential=AK/date/region/service` scope): take the region from there, the service
    // from the path. Unparsable headers fall back to the configured region; `verify` then
    // reports what is wrong.
    let region = parse_authorization(auth)
        .ok()
        .and_then(|p| p.credential_scope)
        .and_then(|s| s.split('/').nth(1).map(str::to_owned))
        .filter(|r| !r.is_empty())
        .unwrap_or_else(|| app.region.clone());
    let scope = DerivationScope {
        region,
        service: svc.signing_name.to_owned(),
    };
    // The verifier must never take the server down, whatever the input.
    let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| {
        verify(&signable, now, MAX_SKEW, &lookup, Some(&scope))
    }));
    match outcome {
        Ok(Ok(v)) => {
            let Some(cred) = app.credentials.get(&v.access_key) else {
                return Err(unauthorized(VerifyError::UnknownAccessKey));
            };
            Ok(Caller {
                project_id: cred.project_id.clone(),
            })
        }
        Ok(Err(e)) => Err(unauthorized(e)),
        Err(_) => Err(unauthorized(
            "the Authorization header could not be verified",
        )),
    }
}
