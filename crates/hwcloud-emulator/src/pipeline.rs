//! The request pipeline every service request goes through (everything that is not `GET /`
//! or `/_emulator/...`), the same for every service: what differs is read from the service's
//! [`Profile`].
//!
//! Order of checks: body limit of the gateway (413) → route (404; the route names the
//! service, an unrouted path is answered by the service of its prefix) → authentication
//! (401) and project (401/403) → the service's own body limit → fault injection → operation
//! (400 validation, then the handler); every authenticated request is then recorded in the
//! request log (secrets masked, parts bounded), whatever the answer; the others are counted.

use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;

use crate::app::App;
use crate::auth::{Caller, Incoming, authenticate, has_credentials};
use crate::clock::real_now_ms;
use crate::error::ApiError;
use crate::ids::hex_id;
use crate::profile::{self, Profile, codes};
use crate::request::{Ctx, parse_query};
use crate::requestlog::RecordedRequest;
use crate::routing::{Route, match_route};
use hwcloud_core::operation::OperationMeta;
use hwcloud_core::transport::header_pairs;

/// Axum fallback handler serving every service.
pub async fn serve(State(app): State<Arc<App>>, req: Request) -> Response {
    let request_id = hex_id(32);
    let (parts, body) = req.into_parts();
    let raw_path = parts.uri.path().to_owned();
    let method = parts.method.as_str().to_owned();
    let raw_query = parts.uri.query().map(str::to_owned);
    let headers = header_pairs(&parts.headers);

    let declared = parts
        .headers
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let too_large = declared.is_some_and(|n| n > app.max_body_bytes as u64);
    let body: Option<Bytes> = if too_large {
        None
    } else {
        axum::body::to_bytes(body, app.max_body_bytes).await.ok()
    };

    // A body left unread (over the limit) leaves the connection unusable: say so, or a client
    // reuses it for its next request and that request fails on a closed connection.
    let unread = body.is_none();
    let received_ms = real_now_ms();
    let kept_body = body.clone();
    let (outcome, authenticated) = serve_operation(
        &app,
        &method,
        &raw_path,
        raw_query.as_deref(),
        &headers,
        body,
    )
    .await;
    // Recorded once the handler is done, so the texts move into the log instead of being
    // copied; only authenticated requests are kept, masked and cut ([`crate::requestlog`]).
    match authenticated {
        Some(meta) => app.record(RecordedRequest::new(
            meta,
            received_ms,
            method,
            raw_path,
            raw_query,
            headers,
            kept_body.as_deref().unwrap_or_default(),
        )),
        None => app.count_unauthenticated(),
    }
    let mut resp = match outcome {
        Outcome::Answer(Ok(r)) => r,
        Outcome::Answer(Err((svc, e))) => {
            if e.status.is_server_error() {
                tracing::warn!(code = %e.code, msg = %e.msg, "server error answer");
            }
            svc.respond(&e, &request_id)
        }
        Outcome::Dropped => return dropped_connection(),
    };
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        resp.headers_mut().insert("x-request-id", v);
    }
    if unread {
        resp.headers_mut().insert(
            axum::http::header::CONNECTION,
            HeaderValue::from_static("close"),
        );
    }
    resp
}

/// What became of a request: an answer (an error carries the service that renders it), or
/// a connection dropped by an injected fault.
enum Outcome {
    Answer(Result<Response, (&'static Profile, ApiError)>),
    Dropped,
}

fn injected(status: StatusCode, svc: &Profile, retry_after: Option<u64>) -> ApiError {
    let code = if status == StatusCode::TOO_MANY_REQUESTS {
        codes::THROTTLED
    } else if status.is_server_error() {
        svc.codes.internal
    } else {
        svc.codes.invalid
    };
    let msg = format!("Injected fault: HTTP {}", status.as_u16());
    let mut e = if status == StatusCode::TOO_MANY_REQUESTS {
        ApiError::gateway(status, code, msg)
    } else {
        ApiError::new(status, code, msg)
    };
    e.retry_after = retry_after;
    e
}

/// An answer whose body fails at once: the connection is closed without a complete response.
fn dropped_connection() -> Response {
    let stream = futures_util::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "fault injection: connection dropped",
        ))
    });
    let mut resp = Response::new(Body::from_stream(stream));
    resp.headers_mut().insert(
        axum::http::header::CONTENT_LENGTH,
        HeaderValue::from_static("1024"),
    );
    resp
}

/// Refuses a body over the gateway's limit, routes, authenticates, checks the project and
/// the service's body limit, applies a pending fault and serves. Also answers the operation
/// the caller was authenticated for, if any.
async fn serve_operation(
    app: &Arc<App>,
    method: &str,
    raw_path: &str,
    raw_query: Option<&str>,
    headers: &[(String, String)],
    body: Option<Bytes>,
) -> (Outcome, Option<&'static OperationMeta>) {
    let Some(body) = body else {
        let e = ApiError::gateway(
            StatusCode::PAYLOAD_TOO_LARGE,
            codes::TOO_LARGE,
            format!(
                "Request entity too large: the body exceeds {} bytes.",
                app.max_body_bytes
            ),
        );
        return (Outcome::Answer(Err((profile::for_path(raw_path), e))), None);
    };
    let Some(Route { op, meta, params }) = match_route(method, raw_path) else {
        let svc = profile::for_path(raw_path);
        let e = svc.unknown_url(method, raw_path);
        return (Outcome::Answer(Err((svc, e))), None);
    };
    let svc = op.profile();
    let query = parse_query(raw_query);
    let incoming = Incoming {
        method,
        raw_path,
        query: &query,
        headers,
        body: &body,
    };
    let anonymous = op.anonymous_allowed() && !has_credentials(headers);
    let caller = if anonymous {
        Caller::anonymous()
    } else {
        match authenticate(app, &incoming, svc) {
            Ok(c) => c,
            Err(e) => return (Outcome::Answer(Err((svc, e))), None),
        }
    };
    // An anonymous request is not kept in the request log (it is counted).
    let logged = (!anonymous).then_some(meta);
    let checked = (|| {
        if let Some((_, project)) = params.iter().find(|(k, _)| *k == svc.project_id.param) {
            svc.project_id.check(project)?;
            if *project != caller.project_id {
                return Err(svc.forbidden_project());
            }
        }
        svc.check_body(body.len())
    })();
    if let Err(e) = checked {
        return (Outcome::Answer(Err((svc, e))), logged);
    }
    if let Some(fault) = app.take_fault() {
        if let Some(d) = fault.delay_ms {
            tokio::time::sleep(Duration::from_millis(d.min(600_000))).await;
        }
        if fault.drop {
            return (Outcome::Dropped, logged);
        }
        if let Some(status) = fault.status.and_then(|s| StatusCode::from_u16(s).ok()) {
            let e = injected(status, svc, fault.retry_after);
            return (Outcome::Answer(Err((svc, e))), logged);
        }
    }
    let ctx = Ctx {
        caller,
        params,
        query,
        body,
    };
    let answer = op.serve(app, ctx).await.map_err(|e| (svc, e));
    (Outcome::Answer(answer), logged)
}
