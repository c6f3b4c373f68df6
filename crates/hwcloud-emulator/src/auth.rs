//! Caller authentication: AK/SK signatures (all three algorithms of the official SDK core)
//! verified with `hwcloud_core::signing::verify`, or an IAM token the emulator issued
//! (`POST /v3/auth/tokens`) that has not expired on its virtual clock.

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
use crate::sync::lock;
use crate::tokens::TokenCheck;

/// Largest accepted distance between `X-Sdk-Date` and the real clock.
pub const MAX_SKEW: Duration = hwcloud_core::signing::DEFAULT_MAX_SKEW;

/// Who sent a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The caller's project (empty for an anonymous caller).
    pub project_id: String,
    /// The access key that signed the request, or the user a token was issued to.
    pub user: String,
    /// The access key, when the request was signed.
    pub access_key: Option<String>,
}

impl Caller {
    /// No credentials at all: only operations that authenticate by their body (IAM's token
    /// call with a password) accept it.
    pub fn anonymous() -> Self {
        Self {
            project_id: String::new(),
            user: String::new(),
            access_key: None,
        }
    }

    /// True for [`Caller::anonymous`].
    pub fn is_anonymous(&self) -> bool {
        self.project_id.is_empty()
    }
}

/// True when the request carries a signature or a token.
pub fn has_credentials(headers: &[(String, String)]) -> bool {
    header(headers, "authorization").is_some() || header(headers, "x-auth-token").is_some()
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
    let check = lock(&app.tokens).check(token, app.clock.now_ms());
    match check {
        TokenCheck::Valid(t) => Ok(Caller {
            project_id: t.project_id,
            user: t.user,
            access_key: None,
        }),
        TokenCheck::Expired => Err(AuthFailure::Expired),
        TokenCheck::Unknown => Err(AuthFailure::Invalid(
            "the X-Auth-Token was not issued by this emulator (POST /v3/auth/tokens issues one)"
                .into(),
        )),
    }
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
                user: v.access_key.clone(),
                access_key: Some(v.access_key),
            })
        }
        Ok(Err(e)) => Err(AuthFailure::Invalid(e.to_string())),
        Err(_) => Err(AuthFailure::Invalid(
            "the Authorization header could not be verified".into(),
        )),
    }
}
