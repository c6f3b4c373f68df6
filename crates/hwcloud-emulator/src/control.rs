//! The control API under `/_emulator/` and `GET /`. The control API answers loopback peers
//! only, or, when a control token is configured, requests carrying it in
//! `X-Emulator-Control-Token` ([`admit`]).
//!
//! | Method | Path | Body | Answer |
//! |---|---|---|---|
//! | GET | `/` | – | `{"service","status":"ok","version"}` |
//! | GET | `/_emulator/clock` | – | clock state |
//! | POST | `/_emulator/clock/advance` | `{"seconds": N}` | clock state |
//! | POST | `/_emulator/clock/speed` | `{"speed": X}` | clock state |
//! | POST | `/_emulator/faults` | `{"count","status","delay_ms","drop","retry_after"}` | `{"pending": n}` |
//! | DELETE | `/_emulator/faults` | – | `{"cleared": n}` |
//! | GET | `/_emulator/requests` | – | `{"requests": [...], "unauthenticated": n}` |
//! | DELETE | `/_emulator/requests` | – | `{"cleared": n}` |
//! | POST | `/_emulator/dcs/instances` | an instance and its backups | `{"instance", "backups"}` |
//! | POST | `/_emulator/sms/sources` | a source server as its agent reports it | the source server |
//!
//! The last two live with their services (`dcs::instances`, `sms::sources`).
//!
//! Errors answer 400 `{"error_code": "EMULATOR.0400", "error_msg", "request_id"}`.

use std::net::IpAddr;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;
use hwcloud_core::Secret;
use serde::Deserialize;
use subtle::ConstantTimeEq;

use crate::app::{App, FaultSpec};
use crate::clock::ClockState;
use crate::error::ApiError;
use crate::listener::Peer;
use crate::profile;
use crate::response::json;
use crate::sync::lock;
use crate::timefmt::iso8601_ms;

const BAD: &str = "EMULATOR.0400";
const DENIED: &str = "EMULATOR.0403";

/// 400 `EMULATOR.0400`, in the gateway's plain shape (the control API is no service): a
/// control request the emulator cannot follow.
pub fn bad(msg: impl Into<String>) -> Response {
    let e = ApiError::gateway(StatusCode::BAD_REQUEST, BAD, msg);
    profile::FALLBACK.respond(&e, "")
}

/// A control request body, or the 400 naming what is wrong with it.
pub fn parse<T: for<'de> Deserialize<'de>>(body: &[u8]) -> Result<T, Box<Response>> {
    serde_json::from_slice(body)
        .map_err(|e| Box::new(bad(format!("invalid control request body: {e}"))))
}

fn clock_json(app: &App, s: ClockState) -> serde_json::Value {
    let now = app.clock.now_ms();
    serde_json::json!({
        "now_ms": now,
        "now": iso8601_ms(now),
        "speed": s.speed,
    })
}

/// `GET /`.
pub async fn health() -> Response {
    json(
        StatusCode::OK,
        &serde_json::json!({
            "service": "hwcloud-emulator",
            "status": "ok",
            "version": env!("CARGO_PKG_VERSION"),
        }),
    )
}

/// `GET /_emulator/clock`.
pub async fn clock_get(State(app): State<Arc<App>>) -> Response {
    let s = app.clock.snapshot();
    json(StatusCode::OK, &clock_json(&app, s))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Advance {
    seconds: f64,
}

/// `POST /_emulator/clock/advance`.
pub async fn clock_advance(State(app): State<Arc<App>>, body: Bytes) -> Response {
    let a: Advance = match parse(&body) {
        Ok(a) => a,
        Err(r) => return *r,
    };
    match app.clock.advance_secs(a.seconds) {
        Ok(s) => json(StatusCode::OK, &clock_json(&app, s)),
        Err(e) => bad(e.to_string()),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Speed {
    speed: f64,
}

/// `POST /_emulator/clock/speed`.
pub async fn clock_speed(State(app): State<Arc<App>>, body: Bytes) -> Response {
    let s: Speed = match parse(&body) {
        Ok(s) => s,
        Err(r) => return *r,
    };
    match app.clock.set_speed(s.speed) {
        Ok(s) => json(StatusCode::OK, &clock_json(&app, s)),
        Err(e) => bad(e.to_string()),
    }
}

/// `POST /_emulator/faults`.
pub async fn faults_add(State(app): State<Arc<App>>, body: Bytes) -> Response {
    let f: FaultSpec = match parse(&body) {
        Ok(f) => f,
        Err(r) => return *r,
    };
    if f.count == 0 {
        return bad("count must be at least 1");
    }
    if let Some(s) = f.status {
        if !(400..=599).contains(&s) {
            return bad("status must be an HTTP error status (400..=599)");
        }
    }
    if f.status.is_none() && f.delay_ms.is_none() && !f.drop {
        return bad("a fault needs at least one of status, delay_ms or drop");
    }
    let pending = app.add_fault(f);
    json(StatusCode::OK, &serde_json::json!({ "pending": pending }))
}

/// `DELETE /_emulator/faults`.
pub async fn faults_clear(State(app): State<Arc<App>>) -> Response {
    let n = app.clear_faults();
    json(StatusCode::OK, &serde_json::json!({ "cleared": n }))
}

/// `GET /_emulator/requests`.
pub async fn requests_list(State(app): State<Arc<App>>) -> Response {
    let (list, unauthenticated) = lock(&app.requests).snapshot();
    json(
        StatusCode::OK,
        &serde_json::json!({ "requests": list, "unauthenticated": unauthenticated }),
    )
}

/// `DELETE /_emulator/requests`.
pub async fn requests_clear(State(app): State<Arc<App>>) -> Response {
    let n = lock(&app.requests).clear();
    json(StatusCode::OK, &serde_json::json!({ "cleared": n }))
}

/// Why a peer may not use the control API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denied {
    /// No control token is configured and the peer is not on this machine's loopback.
    NotLoopback,
    /// A control token is configured and the request does not carry it.
    NoToken,
    /// A control token is configured and the request carries another one.
    WrongToken,
}

/// The access rule of the control API: with a configured token, every request must carry it
/// (compared in constant time); without one, only loopback peers are served (IPv4-mapped
/// IPv6 loopback included).
pub fn admit(
    peer: IpAddr,
    configured: Option<&Secret>,
    presented: Option<&str>,
) -> Result<(), Denied> {
    match configured {
        None if peer.to_canonical().is_loopback() => Ok(()),
        None => Err(Denied::NotLoopback),
        Some(token) => {
            let presented = presented.ok_or(Denied::NoToken)?;
            let same: bool = presented.as_bytes().ct_eq(token.expose().as_bytes()).into();
            if same {
                Ok(())
            } else {
                Err(Denied::WrongToken)
            }
        }
    }
}

/// Header carrying the control token.
pub const TOKEN_HEADER: &str = "x-emulator-control-token";

/// Middleware in front of every `/_emulator/` route: [`admit`], or 403 `EMULATOR.0403`.
pub async fn guard(
    State(app): State<Arc<App>>,
    ConnectInfo(Peer(peer)): ConnectInfo<Peer>,
    req: Request,
    next: Next,
) -> Response {
    let presented = req
        .headers()
        .get(TOKEN_HEADER)
        .and_then(|v| v.to_str().ok());
    match admit(peer.ip(), app.control_token.as_ref(), presented) {
        Ok(()) => next.run(req).await,
        Err(why) => {
            let msg = match why {
                Denied::NotLoopback => {
                    "The control API answers loopback peers only (start the emulator with a control token to use it from elsewhere)."
                }
                Denied::NoToken => "The control API needs the X-Emulator-Control-Token header.",
                Denied::WrongToken => "The X-Emulator-Control-Token is not the configured one.",
            };
            let e = ApiError::gateway(StatusCode::FORBIDDEN, DENIED, msg);
            profile::FALLBACK.respond(&e, "")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_only_without_a_token_and_the_token_everywhere_with_one() {
        let v4 = |s: &str| s.parse::<IpAddr>().unwrap();
        for ok in ["127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"] {
            assert_eq!(admit(v4(ok), None, None), Ok(()), "{ok}");
        }
        for far in [
            "10.0.0.1",
            "192.168.1.2",
            "::ffff:10.0.0.1",
            "2001:db8::1",
            "0.0.0.0",
        ] {
            assert_eq!(
                admit(v4(far), None, Some("x")),
                Err(Denied::NotLoopback),
                "{far}"
            );
        }
        let token = Secret::new("s3cret-token".to_owned());
        for peer in ["127.0.0.1", "10.0.0.1"] {
            let peer = v4(peer);
            assert_eq!(admit(peer, Some(&token), None), Err(Denied::NoToken));
            assert_eq!(
                admit(peer, Some(&token), Some("s3cret")),
                Err(Denied::WrongToken)
            );
            assert_eq!(
                admit(peer, Some(&token), Some("s3cret-token!")),
                Err(Denied::WrongToken)
            );
            assert_eq!(admit(peer, Some(&token), Some("s3cret-token")), Ok(()));
        }
    }
}
