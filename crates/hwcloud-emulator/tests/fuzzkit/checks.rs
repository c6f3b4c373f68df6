//! The properties every answer must have:
//!
//! - never a 5xx;
//! - for an operation, a status its OpenAPI `responses` list, with a body of the documented
//!   media type that validates against the documented schema (no `writeOnly` field back);
//! - every error in its service's documented shape (DCS `{error_code ≤ 9 chars, error_msg,
//!   error_ext_msg}`, SMS `{error_code, error_msg, error_param?, details 1..20}`, API Gateway
//!   `{error_code: APIGW.*, error_msg, request_id}` only where the gateway answers), and an
//!   `X-Request-Id` on every answer;
//! - a validly signed request is never refused for its signature (401 DCS.1001–1003 or
//!   APIGW.0301);
//! - a request valid for the OpenAPI is not refused as malformed (DCS.4800/4004/4005,
//!   SMS.0400): what the emulator refuses, the documents must say;
//! - a request that must be refused (invalid input, another project, refused authentication,
//!   no operation) is not answered 2xx;
//! - no 2xx answer carries another project's id, except an id the request itself named and
//!   the answer reports as failed (batch operations).

use serde_json::Value;

use super::client::Answer;
use super::plan::{Class, Planned};
use super::schema::{Direction, violations};
use super::spec::{Operation, Service, Spec};
use super::world::World;

/// The codes of a refused signature or token.
const AUTH_CODES: &[&str] = &["DCS.1001", "DCS.1002", "DCS.1003", "APIGW.0301"];

/// The codes of a request refused for its form (not for the state of an object).
const VALIDATION_CODES: &[&str] = &["DCS.4800", "DCS.4004", "DCS.4005", "SMS.0400"];

/// Every property `answer` breaks, in words.
pub fn problems(spec: &Spec, world: &World, p: &Planned, a: &Answer) -> Vec<String> {
    let mut out = Vec::new();
    if a.status >= 500 {
        out.push(format!("answered {} (a 5xx)", a.status));
    }
    if a.request_id.as_deref().is_none_or(str::is_empty) {
        out.push("no X-Request-Id header".to_owned());
    }
    let json: Option<Value> = serde_json::from_slice(&a.body).ok();
    let op = p.op.map(|i| &spec.operations[i]);
    if let Some(op) = op {
        documented(spec, op, a, json.as_ref(), &mut out);
    }
    let service = op.map_or_else(|| service_of_path(&p.req.path), |o| o.service);
    if a.status >= 400 && p.req.method != "HEAD" {
        error_shape(service, p, a, json.as_ref(), &mut out);
    }
    let code = json
        .as_ref()
        .and_then(|j| j["error_code"].as_str())
        .unwrap_or_default();
    if p.req.auth.is_valid() && a.status == 401 && AUTH_CODES.contains(&code) {
        out.push(format!("a validly signed request was refused ({code})"));
    }
    let two = (200..300).contains(&a.status);
    if p.must_refuse && two {
        out.push(format!("{:?} request accepted with {}", p.class, a.status));
    }
    if p.class == Class::Valid && a.status == 400 && VALIDATION_CODES.contains(&code) {
        out.push(format!(
            "refused as invalid ({code}) though valid for the OpenAPI"
        ));
    }
    if p.class == Class::OffSpec && a.status != 404 && a.status != 413 {
        out.push(format!(
            "a request of no operation answered {}, not 404 (or 413)",
            a.status
        ));
    }
    if p.class == Class::BadAuth && a.status != 401 {
        out.push(format!(
            "a refused authentication answered {}, not 401",
            a.status
        ));
    }
    if two {
        if let Some(j) = &json {
            cross_project(p, world, j, &mut out);
        }
    }
    out
}

/// The service whose prefix holds `path`, by whole segments (`/v2x/...` is no DCS path).
fn service_of_path(path: &str) -> Service {
    if path == "/v2" || path.starts_with("/v2/") {
        Service::Dcs
    } else {
        Service::Sms
    }
}

fn documented(
    spec: &Spec,
    op: &Operation,
    a: &Answer,
    json: Option<&Value>,
    out: &mut Vec<String>,
) {
    let Some(doc_resp) = op.responses.get(&a.status) else {
        out.push(format!(
            "status {} is not documented for {} (documented: {:?})",
            a.status,
            op.id,
            op.responses.keys().collect::<Vec<_>>()
        ));
        return;
    };
    match (&doc_resp.media, &doc_resp.schema) {
        (None, _) => {
            if !a.body.is_empty() {
                out.push(format!(
                    "{} {} documents no body, got {} bytes",
                    op.id,
                    a.status,
                    a.body.len()
                ));
            }
        }
        (Some(media), schema) if media.starts_with("application/json") => {
            let ct = a.content_type.as_deref().unwrap_or_default();
            if !ct.starts_with("application/json") {
                out.push(format!("content type {ct:?}, documented {media}"));
            }
            match (json, schema) {
                (None, _) => out.push(format!("{} {}: the body is not JSON", op.id, a.status)),
                (Some(v), Some(s)) => {
                    for e in violations(spec.doc(op.service), s, v, Direction::Response)
                        .into_iter()
                        .take(5)
                    {
                        out.push(format!(
                            "{} {} body breaks its schema: {e}",
                            op.id, a.status
                        ));
                    }
                }
                _ => {}
            }
        }
        (Some(media), _) => {
            let ct = a.content_type.as_deref().unwrap_or_default();
            let main = media.split(';').next().unwrap_or_default();
            if !ct.starts_with(main) {
                out.push(format!("content type {ct:?}, documented {media}"));
            }
        }
    }
}

fn nonempty(v: &Value, k: &str) -> bool {
    v[k].as_str().is_some_and(|s| !s.is_empty())
}

fn items_1_to_20(v: &Value, k: &str) -> bool {
    v[k].as_array().is_some_and(|a| (1..=20).contains(&a.len()))
}

fn error_shape(
    service: Service,
    p: &Planned,
    a: &Answer,
    json: Option<&Value>,
    out: &mut Vec<String>,
) {
    let Some(v) = json else {
        out.push(format!("{} error body is not JSON", a.status));
        return;
    };
    let code = v["error_code"].as_str().unwrap_or_default();
    if code.is_empty() || !nonempty(v, "error_msg") {
        out.push(format!(
            "{} error without error_code or error_msg: {v}",
            a.status
        ));
        return;
    }
    if let Some(gw) = code.strip_prefix("APIGW.") {
        // The gateway answers: a body over its limit (413), injected throttling (429), and on
        // SMS paths a refused signature (0301) and a path of no API (0101).
        let allowed = a.status == 413 && gw == "0201"
            || service == Service::Sms
                && (a.status == 401 && gw == "0301" || a.status == 404 && gw == "0101");
        if !allowed {
            out.push(format!(
                "API Gateway answered {} {code} on {}",
                a.status, p.req.path
            ));
        }
        if v["request_id"].as_str() != a.request_id.as_deref() {
            out.push("gateway request_id differs from X-Request-Id".to_owned());
        }
        return;
    }
    match service {
        Service::Dcs => {
            if code.len() > 9 || !code.starts_with("DCS.") {
                out.push(format!(
                    "DCS error code {code:?} is not a DCS code of at most 9 characters"
                ));
            }
            if !v
                .get("error_ext_msg")
                .is_some_and(|x| x.is_null() || x.is_string())
            {
                out.push("DCS error without error_ext_msg (null or text)".to_owned());
            }
        }
        Service::Sms => {
            if !code.starts_with("SMS.") {
                out.push(format!("SMS error code {code:?} is not an SMS code"));
            }
            if v.get("error_param").is_some() && !items_1_to_20(v, "error_param") {
                out.push("SMS error_param must hold 1 to 20 items".to_owned());
            }
            if !items_1_to_20(v, "details") {
                out.push("SMS details must hold 1 to 20 items".to_owned());
            }
            if v.get("encoded_authorization_message").is_some() && a.status != 403 {
                out.push("encoded_authorization_message outside a 403".to_owned());
            }
        }
    }
}

/// No other project's data in a 2xx answer.
fn cross_project(p: &Planned, world: &World, body: &Value, out: &mut Vec<String>) {
    let mut foreign = Vec::new();
    world.foreign_ids_in(p.signer, body, &mut foreign);
    // A batch answer names each requested id; another project's may appear only as failed.
    let failed: Vec<&str> = body["migration_tasks"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|t| t["result"] != "success")
        .filter_map(|t| t["task_id"].as_str())
        .collect();
    for id in foreign {
        if !(p.sent_foreign.contains(&id) && failed.contains(&id.as_str())) {
            out.push(format!(
                "another project's id {id} in a {} answer",
                p.class_name()
            ));
        }
    }
}

impl Planned {
    pub fn class_name(&self) -> String {
        format!("{:?}", self.class)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A path belongs to DCS by its whole first segment (the 1,000,000-request run drew
    /// `/v2gx6/...`, which the gateway rightly answered).
    #[test]
    fn service_prefixes_are_whole_segments() {
        assert_eq!(service_of_path("/v2"), Service::Dcs);
        assert_eq!(service_of_path("/v2/p/migration-tasks"), Service::Dcs);
        assert_eq!(service_of_path("/v2gx6/uwopdcb"), Service::Sms);
        assert_eq!(service_of_path("/v3/tasks"), Service::Sms);
    }
}
