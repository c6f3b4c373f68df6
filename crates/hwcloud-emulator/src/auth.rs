//! Caller authentication: AK/SK signatures (all three algorithms of the official SDK core)
//! verified with `hwcloud_core::signing::verify`, or an emulator IAM token.

use std::panic::AssertUnwindSafe;
use std::time::{Duration, SystemTime};

use hwcloud_core::Secret;
use hwcloud_core::signing::{
    DerivationScope, SignableRequest, VerifyError, header_value as header, parse_authorization,
    verify,
};

use crate::app::App;
use crate::error::ApiError;
use crate::profile::{AuthFailure, Profile};

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

/// Authenticates a request and checks the `X-Project-Id` header against the caller; a
/// refusal is answered in `svc`'s words ([`Profile::unauthorized`]).
pub fn authenticate(app: &App, req: &Incoming<'_>, svc: &Profile) -> Result<Caller, ApiError> {
    let caller = identify(app, req, svc).map_err(|why| svc.unauthorized(why))?;
    if let Some(p) = header(req.headers, "x-project-id") {
        if p.trim() != caller.project_id {
            return Err(svc.forbidden_project());
        }
    }
    Ok(caller)
}

/// Who signed or which token came with the request.
fn identify(app: &App, req: &Incoming<'_>, svc: &Profile) -> Result<Caller, AuthFailure> {
    if let Some(auth) = header(req.headers, "authorization") {
        return verify_signature(app, req, auth, svc);
    }
    let Some(token) = header(req.headers, "x-auth-token") else {
        return Err(AuthFailure::Missing);
    };
    let project = token.trim().strip_prefix(TOKEN_PREFIX).unwrap_or("");
    if project.is_empty() || !app.knows_project(project) {
        return Err(AuthFailure::Invalid(
            "the X-Auth-Token is not one the emulator accepts".into(),
        ));
    }
    Ok(Caller {
        project_id: project.to_owned(),
    })
}

fn verify_signature(
    app: &App,
    req: &Incoming<'_>,
    auth: &str,
    svc: &Profile,
) -> Result<Caller, AuthFailure> {
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
                return Err(AuthFailure::Invalid(
                    VerifyError::UnknownAccessKey.to_string(),
                ));
            };
            Ok(Caller {
                project_id: cred.project_id.clone(),
            })
        }
        Ok(Err(e)) => Err(AuthFailure::Invalid(e.to_string())),
        Err(_) => Err(AuthFailure::Invalid(
            "the Authorization header could not be verified".into(),
        )),
    }
}
