//! One function per IAM operation.

use std::sync::Arc;

use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use serde_json::json;
use subtle::ConstantTimeEq;

use super::model::{TokenRequest, derived_id};
use crate::app::App;
use crate::config::DEFAULT_DOMAIN;
use crate::error::ApiError;
use crate::profile::{self, Profile, codes};
use crate::request::{Ctx, parse_body};
use crate::response::json;
use crate::sync::lock;
use crate::timefmt::iso8601_ms;
use crate::tokens::{Issued, new_token};

const SVC: &Profile = &profile::IAM;

/// Who a token is issued to.
struct Grant {
    project_id: String,
    user: String,
    domain: String,
    method: &'static str,
}

/// `POST /v3/auth/tokens`: a token for a configured user (password in the body) or for the
/// caller of a signed or token-authenticated request; `X-Subject-Token` carries it, the body
/// says what it is for and until when (virtual time).
pub async fn create_token(app: &Arc<App>, ctx: Ctx) -> Result<Response, ApiError> {
    let empty = ctx.body.iter().all(u8::is_ascii_whitespace);
    let req: Option<TokenRequest> = if ctx.caller.is_anonymous() || !empty {
        Some(parse_body(SVC, &ctx.body)?)
    } else {
        None
    };
    let grant = match &req {
        Some(r) if ctx.caller.is_anonymous() => by_password(app, r)?,
        _ => Grant {
            project_id: ctx.caller.project_id.clone(),
            domain: domain_of(app, &ctx.caller.project_id),
            method: if ctx.caller.access_key.is_some() {
                "hw_ak_sk"
            } else {
                "token"
            },
            user: ctx.caller.user.clone(),
        },
    };
    if let Some(scope) = req.as_ref().and_then(|r| r.auth.scope.as_ref()) {
        match &scope.project {
            Some(p) if !p.names(&grant.project_id, &app.region) => {
                return Err(ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    codes::IAM_UNAUTHORIZED,
                    format!(
                        "The user has no access to the project named in auth.scope.project (its project is {} in {}).",
                        grant.project_id, app.region
                    ),
                ));
            }
            None if scope.domain.is_some() => {
                return Err(SVC.invalid_param(
                    "auth.scope",
                    "The emulator issues project-scoped tokens only: scope a project (auth.scope.project.name or .id).",
                ));
            }
            _ => {}
        }
    }
    let token = new_token().ok_or_else(|| SVC.internal("No random source to issue a token."))?;
    let now = app.clock.now_ms();
    let expires = now.saturating_add(app.token_ttl_ms);
    lock(&app.tokens).insert(
        &token,
        Issued {
            project_id: grant.project_id.clone(),
            user: grant.user.clone(),
            issued_ms: now,
            expires_ms: expires,
        },
    );
    let domain = json!({"id": derived_id("domain", &grant.domain), "name": grant.domain});
    let body = json!({
        "token": {
            "methods": [grant.method],
            "issued_at": micros(now),
            "expires_at": micros(expires),
            "catalog": [],
            "roles": [{"id": derived_id("role", "te_admin"), "name": "te_admin"}],
            "project": {"id": grant.project_id, "name": app.region, "domain": domain},
            "user": {
                "id": derived_id("user", &grant.user),
                "name": grant.user,
                "domain": domain,
                "password_expires_at": "",
            },
        }
    });
    let mut resp = json(StatusCode::CREATED, &body);
    let value = HeaderValue::from_str(&token).map_err(|_| SVC.internal("token header"))?;
    resp.headers_mut().insert("x-subject-token", value);
    Ok(resp)
}

/// The configured user named in the body, if its password matches (compared in constant
/// time); one answer for an unknown user and a wrong password.
fn by_password(app: &App, req: &TokenRequest) -> Result<Grant, ApiError> {
    let identity = &req.auth.identity;
    if !identity.methods.iter().any(|m| m == "password") {
        return Err(SVC.invalid_param(
            "auth.identity.methods",
            "auth.identity.methods must include \"password\" (or sign the request with an AK/SK).",
        ));
    }
    let Some(pw) = &identity.password else {
        return Err(SVC.invalid_param(
            "auth.identity.password",
            "auth.identity.password is required with the password method.",
        ));
    };
    let u = &pw.user;
    let found = app.user(&u.domain.name, &u.name).filter(|(user, _)| {
        bool::from(
            u.password
                .as_bytes()
                .ct_eq(user.password.expose().as_bytes()),
        )
    });
    let Some((user, project)) = found else {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            codes::IAM_UNAUTHORIZED,
            "The username or password is wrong.",
        ));
    };
    Ok(Grant {
        project_id: project.to_owned(),
        user: user.name.clone(),
        domain: user.domain.clone(),
        method: "password",
    })
}

/// `GET /v3/projects[?name=<region>]`: the caller's project, named after the emulator's
/// region (one project per access key), if it matches the filter.
pub async fn list_projects(app: &Arc<App>, ctx: Ctx) -> Result<Response, ApiError> {
    let name = ctx.query("name");
    let project = &ctx.caller.project_id;
    let domain_id = derived_id("domain", &domain_of(app, project));
    let projects: Vec<serde_json::Value> = if name.is_none_or(|n| n == app.region) {
        vec![json!({
            "id": project,
            "name": app.region,
            "domain_id": domain_id,
            "parent_id": domain_id,
            "description": "",
            "enabled": true,
            "is_domain": false,
            "links": {"self": format!("/v3/projects/{project}")},
        })]
    } else {
        Vec::new()
    };
    let this = match name {
        Some(n) => format!(
            "/v3/projects?name={}",
            hwcloud_core::signing::encoding::url_encode(n)
        ),
        None => "/v3/projects".to_owned(),
    };
    Ok(json(
        StatusCode::OK,
        &json!({"projects": projects, "links": {"self": this, "previous": null, "next": null}}),
    ))
}

/// The account of `project`: its IAM user's, or the documented default.
fn domain_of(app: &App, project: &str) -> String {
    app.credentials
        .values()
        .filter(|c| c.project_id == project)
        .find_map(|c| c.user.as_ref().map(|u| u.domain.clone()))
        .unwrap_or_else(|| DEFAULT_DOMAIN.to_owned())
}

/// IAM's timestamps: microseconds, `2026-01-05T01:29:41.919000Z`.
fn micros(ms: i64) -> String {
    let s = iso8601_ms(ms);
    format!("{}000Z", s.trim_end_matches('Z'))
}
