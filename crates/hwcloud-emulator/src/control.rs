//! The control API under `/_emulator/` (no authentication; loopback only) and `GET /`.
//!
//! | Method | Path | Body | Answer |
//! |---|---|---|---|
//! | GET | `/` | – | `{"service","status":"ok","version"}` |
//! | GET | `/_emulator/clock` | – | clock state |
//! | POST | `/_emulator/clock/advance` | `{"seconds": N}` | clock state |
//! | POST | `/_emulator/clock/speed` | `{"speed": X}` | clock state |
//! | POST | `/_emulator/faults` | `{"count","status","delay_ms","drop","retry_after"}` | `{"pending": n}` |
//! | DELETE | `/_emulator/faults` | – | `{"cleared": n}` |
//! | GET | `/_emulator/requests` | – | `{"requests": [...]}` |
//! | DELETE | `/_emulator/requests` | – | `{"cleared": n}` |
//! | POST | `/_emulator/dcs/instances` | an instance and its backups | `{"instance", "backups"}` |
//! | POST | `/_emulator/sms/sources` | a source server as its agent reports it | the source server |
//!
//! The last two live with their services (`dcs::instances`, `sms::sources`).
//!
//! Errors answer 400 `{"error_code": "EMULATOR.0400", "error_msg", "request_id"}`.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use crate::app::{App, FaultSpec};
use crate::clock::ClockState;
use crate::error::ApiError;
use crate::profile;
use crate::response::json;
use crate::sync::lock;
use crate::timefmt::iso8601_ms;

const BAD: &str = "EMULATOR.0400";

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
    let q = lock(&app.requests);
    let list: Vec<_> = q.iter().cloned().collect();
    drop(q);
    json(StatusCode::OK, &serde_json::json!({ "requests": list }))
}

/// `DELETE /_emulator/requests`.
pub async fn requests_clear(State(app): State<Arc<App>>) -> Response {
    let mut q = lock(&app.requests);
    let n = q.len();
    q.clear();
    json(StatusCode::OK, &serde_json::json!({ "cleared": n }))
}
