//! Error bodies, as each party that can answer documents them. Pure functions from an
//! [`ApiError`] to JSON; which shape a request gets is its service's
//! [`Profile`](crate::profile::Profile) business.
//!
//! - DCS (the `DcsErrorBody` schema of `spec/dcs.yaml`; DCS API reference, "Error Codes"):
//!   `{"error_code", "error_msg", "error_ext_msg"}`. `error_ext_msg` is documented as unused
//!   and null: it is `null` unless there is something to add (the list of every violation
//!   of a validation error).
//! - SMS (the `SmsErrorBody` schema of `spec/sms.yaml`; SMS API reference, e.g. "Creating a
//!   Migration Task", status code 403): `{"error_code", "error_msg", "error_param"?,
//!   "details", "encoded_authorization_message"?}` with `error_param` and `details` holding
//!   1 to 20 items; `error_param` is left out when no parameter is concerned, and
//!   `encoded_authorization_message` is sent on 403 only.
//! - IAM (Keystone-style, IAM API reference, "Obtaining a User Token"): `{"error": {"code",
//!   "title", "message"}}` with the HTTP status as `code`.
//! - API Gateway (API Gateway reference, "Error Codes"): `{"error_code": "APIGW.xxxx",
//!   "error_msg", "request_id"}`, for what the gateway answers before any service sees the
//!   request ([`ApiError::gateway`]).

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::error::ApiError;

/// Most items of an SMS `error_param` or `details` list.
pub const SMS_MAX_ITEMS: usize = 20;
/// Longest DCS `error_msg` and `error_ext_msg`, in characters.
pub const DCS_MAX_TEXT: usize = 1024;
/// Longest SMS `error_msg` (and, here, each detail message and field path), in characters.
pub const SMS_MAX_TEXT: usize = 255;
/// Longest message of the gateway and of IAM (no documented limit; the DCS one is kept).
pub const OTHER_MAX_TEXT: usize = 1024;
/// Ends a text cut to its documented length.
pub const CUT_MARKER: &str = "… (truncated)";

/// `s` within `max` characters: cut, ending in [`CUT_MARKER`], when longer.
pub fn bounded(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let keep = max.saturating_sub(CUT_MARKER.chars().count());
    let mut out: String = s.chars().take(keep).collect();
    out.push_str(CUT_MARKER);
    out
}

/// How a service's error bodies look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorShape {
    /// `{"error_code", "error_msg", "error_ext_msg"}`.
    Dcs,
    /// `{"error_code", "error_msg", "error_param"?, "details", "encoded_authorization_message"?}`.
    Sms,
    /// `{"error": {"code", "title", "message"}}`.
    Iam,
}

/// The body of `e`: the gateway's shape when the gateway answered it, `shape` otherwise.
pub fn render(shape: ErrorShape, e: &ApiError, request_id: &str) -> Value {
    if e.gateway {
        return gateway_body(e, request_id);
    }
    match shape {
        ErrorShape::Dcs => dcs_body(e),
        ErrorShape::Sms => sms_body(e),
        ErrorShape::Iam => iam_body(e),
    }
}

fn gateway_body(e: &ApiError, request_id: &str) -> Value {
    json!({
        "error_code": e.code,
        "error_msg": bounded(&e.msg, OTHER_MAX_TEXT),
        "request_id": request_id,
    })
}

fn dcs_body(e: &ApiError) -> Value {
    // Only a validation error with several violations has more to say than its message.
    let ext = (e.details.len() > 1).then(|| {
        let all = e
            .details
            .iter()
            .map(|(_, m)| m.as_str())
            .collect::<Vec<_>>()
            .join("; ");
        bounded(&all, DCS_MAX_TEXT)
    });
    json!({
        "error_code": e.code,
        "error_msg": bounded(&e.msg, DCS_MAX_TEXT),
        "error_ext_msg": ext,
    })
}

fn sms_body(e: &ApiError) -> Value {
    let detail = |c: &str, m: &str| hwcloud_sms::types::SmsErrorDetail {
        error_code: Some(bounded(c, SMS_MAX_TEXT)),
        error_msg: Some(bounded(m, SMS_MAX_TEXT)),
        ..Default::default()
    };
    let details = if e.details.is_empty() {
        vec![detail(&e.code, &e.msg)]
    } else {
        e.details
            .iter()
            .take(SMS_MAX_ITEMS)
            .map(|(c, m)| detail(c, m))
            .collect()
    };
    let params: Vec<String> = e
        .params
        .iter()
        .take(SMS_MAX_ITEMS)
        .map(|p| bounded(p, SMS_MAX_TEXT))
        .collect();
    let body = hwcloud_sms::types::SmsErrorBody {
        error_code: Some(bounded(&e.code, SMS_MAX_TEXT)),
        error_msg: Some(bounded(&e.msg, SMS_MAX_TEXT)),
        encoded_authorization_message: (e.status == StatusCode::FORBIDDEN).then(String::new),
        error_param: (!params.is_empty()).then_some(params),
        details: Some(details),
        ..Default::default()
    };
    serde_json::to_value(body).unwrap_or_default()
}

fn iam_body(e: &ApiError) -> Value {
    json!({
        "error": {
            "code": e.status.as_u16(),
            "title": e.status.canonical_reason().unwrap_or("Error"),
            "message": bounded(&e.msg, OTHER_MAX_TEXT),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn violations(n: usize) -> ApiError {
        let mut e = ApiError::new(StatusCode::BAD_REQUEST, "X.1", "bad");
        for i in 0..n {
            e.params.push(format!("f{i}"));
            e.details.push(("X.1".into(), format!("f{i}: wrong")));
        }
        e
    }

    #[test]
    fn dcs_ext_msg_is_null_unless_there_is_more_to_say() {
        let plain = render(ErrorShape::Dcs, &violations(0), "r");
        assert_eq!(plain["error_ext_msg"], Value::Null);
        assert!(plain.as_object().unwrap().contains_key("error_ext_msg"));
        let one = render(ErrorShape::Dcs, &violations(1), "r");
        assert_eq!(one["error_ext_msg"], Value::Null);
        let two = render(ErrorShape::Dcs, &violations(2), "r");
        assert_eq!(two["error_ext_msg"], "f0: wrong; f1: wrong");
    }

    #[test]
    fn sms_lists_hold_one_to_twenty_items_or_are_absent() {
        let none = render(ErrorShape::Sms, &violations(0), "r");
        assert!(none.get("error_param").is_none(), "{none}");
        assert_eq!(none["details"].as_array().unwrap().len(), 1);
        let many = render(ErrorShape::Sms, &violations(25), "r");
        assert_eq!(many["error_param"].as_array().unwrap().len(), SMS_MAX_ITEMS);
        assert_eq!(many["details"].as_array().unwrap().len(), SMS_MAX_ITEMS);
        assert!(many.get("encoded_authorization_message").is_none());
        let denied = ApiError::new(StatusCode::FORBIDDEN, "SMS.9004", "no");
        let denied = render(ErrorShape::Sms, &denied, "r");
        assert_eq!(denied["encoded_authorization_message"], "");
    }

    #[test]
    fn texts_are_cut_to_their_documented_length_with_a_marker() {
        let mut e = violations(30);
        e.msg = "m".repeat(5000);
        e.params[0] = "p".repeat(400);
        e.details[0].1 = "d".repeat(3000);
        let chars = |v: &Value| v.as_str().unwrap().chars().count();
        let dcs = render(ErrorShape::Dcs, &e, "r");
        assert_eq!(chars(&dcs["error_msg"]), DCS_MAX_TEXT);
        assert!(dcs["error_msg"].as_str().unwrap().ends_with(CUT_MARKER));
        assert_eq!(chars(&dcs["error_ext_msg"]), DCS_MAX_TEXT);
        let sms = render(ErrorShape::Sms, &e, "r");
        assert_eq!(chars(&sms["error_msg"]), SMS_MAX_TEXT);
        assert_eq!(chars(&sms["error_param"][0]), SMS_MAX_TEXT);
        assert_eq!(chars(&sms["details"][0]["error_msg"]), SMS_MAX_TEXT);
        let gw = ApiError::gateway(StatusCode::NOT_FOUND, "APIGW.0101", "g".repeat(9000));
        assert_eq!(
            chars(&render(ErrorShape::Dcs, &gw, "r")["error_msg"]),
            OTHER_MAX_TEXT
        );
        // Short texts are left alone; multi-byte characters count as one.
        assert_eq!(bounded("é".repeat(10).as_str(), 10), "é".repeat(10));
        assert_eq!(bounded("é".repeat(20).as_str(), 14).chars().count(), 14);
    }

    proptest::proptest! {
        /// Whatever the texts and counts, every rendered text is within its documented
        /// length and every list within 1 to 20 items (or absent).
        #[test]
        fn rendered_errors_are_always_within_their_bounds(
            msg in ".{0,1500}",
            n in 0usize..40,
            len in 0usize..400,
        ) {
            let mut e = violations(n);
            e.msg = msg;
            for p in &mut e.params { p.push_str(&"x".repeat(len)); }
            let count = |v: &Value| v.as_str().map_or(0, |s| s.chars().count());
            let dcs = render(ErrorShape::Dcs, &e, "r");
            proptest::prop_assert!(count(&dcs["error_msg"]) <= DCS_MAX_TEXT);
            proptest::prop_assert!(count(&dcs["error_ext_msg"]) <= DCS_MAX_TEXT);
            let sms = render(ErrorShape::Sms, &e, "r");
            proptest::prop_assert!(count(&sms["error_msg"]) <= SMS_MAX_TEXT);
            for list in ["error_param", "details"] {
                if let Some(items) = sms.get(list) {
                    let items = items.as_array().unwrap();
                    proptest::prop_assert!((1..=SMS_MAX_ITEMS).contains(&items.len()));
                }
            }
            for p in sms.get("error_param").and_then(Value::as_array).into_iter().flatten() {
                proptest::prop_assert!(count(p) <= SMS_MAX_TEXT);
            }
        }
    }

    #[test]
    fn gateway_and_iam_answers_keep_their_own_shapes() {
        let gw = ApiError::gateway(StatusCode::NOT_FOUND, "APIGW.0101", "no API");
        for shape in [ErrorShape::Dcs, ErrorShape::Sms, ErrorShape::Iam] {
            assert_eq!(
                render(shape, &gw, "req-1"),
                json!({"error_code": "APIGW.0101", "error_msg": "no API", "request_id": "req-1"})
            );
        }
        let iam = ApiError::new(StatusCode::UNAUTHORIZED, "IAM", "who are you");
        assert_eq!(
            render(ErrorShape::Iam, &iam, "r"),
            json!({"error": {"code": 401, "title": "Unauthorized", "message": "who are you"}})
        );
    }
}
