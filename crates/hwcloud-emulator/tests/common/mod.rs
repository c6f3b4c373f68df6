//! Test helpers: a tiny signing HTTP client for the emulator.
#![allow(dead_code)]

use std::time::{Duration, SystemTime};

use hwcloud_core::Secret;
use hwcloud_core::signing::{Algorithm, DerivationScope, SignableRequest, format_sdk_date, sign};
use hwcloud_emulator::{Credential, Emulator, EmulatorHandle, Timings};
use serde_json::Value;

pub const P1: &str = "0123456789abcdef0123456789abcdef";
pub const P2: &str = "fedcba9876543210fedcba9876543210";

pub fn cred1() -> Credential {
    Credential::new("AKPROJECTONE00000001", "secret-one", P1)
}

pub fn cred2() -> Credential {
    Credential::new("AKPROJECTTWO00000002", "secret-two", P2)
}

/// An emulator with a frozen clock (advance it explicitly) and two projects.
pub async fn start_frozen() -> EmulatorHandle {
    Emulator::builder()
        .credential(cred1())
        .credential(cred2())
        .clock_speed(0.0)
        .timings(Timings::default())
        .start()
        .await
        .expect("emulator starts")
}

pub fn encode(s: &str) -> String {
    hwcloud_core::signing::encoding::url_encode(s)
}

/// What to do to a request before sending it.
#[derive(Clone, Default)]
pub struct Tweak {
    pub algorithm: Option<Algorithm>,
    pub date: Option<SystemTime>,
    pub sk_override: Option<String>,
    pub body_after_signing: Option<Vec<u8>>,
    pub no_auth: bool,
    pub authorization: Option<String>,
    pub extra_headers: Vec<(String, String)>,
    pub project_header: Option<String>,
    pub region: Option<String>,
}

#[derive(Clone)]
pub struct Client {
    pub http: reqwest::Client,
    pub base: String,
    pub host: String,
    pub cred: Credential,
}

pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
    pub raw: Vec<u8>,
}

impl std::fmt::Debug for Answer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status, String::from_utf8_lossy(&self.raw))
    }
}

impl Client {
    pub fn new(emu: &EmulatorHandle, cred: Credential) -> Self {
        Self {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .unwrap(),
            base: emu.base_url(),
            host: emu.local_addr().to_string(),
            cred,
        }
    }

    pub fn project(&self) -> &str {
        &self.cred.project_id
    }

    pub async fn call(&self, method: &str, path: &str, body: Option<Value>) -> Answer {
        self.call_q(method, path, &[], body, Tweak::default()).await
    }

    pub async fn call_t(&self, method: &str, path: &str, body: Option<Value>, t: Tweak) -> Answer {
        self.call_q(method, path, &[], body, t).await
    }

    pub async fn call_q(
        &self,
        method: &str,
        path: &str,
        query: &[(&str, &str)],
        body: Option<Value>,
        t: Tweak,
    ) -> Answer {
        let bytes = body
            .map(|b| serde_json::to_vec(&b).unwrap())
            .unwrap_or_default();
        self.send_raw(method, path, query, bytes, t).await
    }

    pub fn try_send_raw(
        &self,
        method: &str,
        path: &str,
        query: &[(&str, &str)],
        body: Vec<u8>,
        t: Tweak,
    ) -> reqwest::RequestBuilder {
        let query: Vec<(String, String)> = query
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let date = format_sdk_date(t.date.unwrap_or_else(SystemTime::now));
        let mut headers: Vec<(String, String)> = vec![
            ("Host".into(), self.host.clone()),
            ("Content-Type".into(), "application/json".into()),
            ("X-Sdk-Date".into(), date),
        ];
        if let Some(p) = &t.project_header {
            headers.push(("X-Project-Id".into(), p.clone()));
        }
        headers.extend(t.extra_headers.iter().cloned());
        let sk = Secret::new(
            t.sk_override
                .clone()
                .unwrap_or_else(|| self.cred.sk.expose().to_owned()),
        );
        let algorithm = t.algorithm.unwrap_or(Algorithm::HmacSha256);
        let scope = DerivationScope {
            region: t.region.clone().unwrap_or_else(|| "eu-west-0".into()),
            service: if path.starts_with("/v3/auth") || path.starts_with("/v3/projects") {
                "iam".into()
            } else if path.starts_with("/v3") {
                "sms".into()
            } else {
                "dcs".into()
            },
        };
        let out = sign(
            algorithm,
            &self.cred.ak,
            &sk,
            Some(&scope),
            &SignableRequest {
                method,
                path,
                query: &query,
                headers: &headers,
                body: &body,
            },
        )
        .expect("signs");
        let mut url = format!("{}{}", self.base, path);
        if !query.is_empty() {
            url.push('?');
            url.push_str(
                &query
                    .iter()
                    .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
                    .collect::<Vec<_>>()
                    .join("&"),
            );
        }
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut rb = self.http.request(m, url);
        for (k, v) in &headers {
            rb = rb.header(k.as_str(), v.as_str());
        }
        if !t.no_auth {
            rb = rb.header(
                "Authorization",
                t.authorization.clone().unwrap_or(out.authorization),
            );
        }
        rb.body(t.body_after_signing.clone().unwrap_or(body))
    }

    pub async fn send_raw(
        &self,
        method: &str,
        path: &str,
        query: &[(&str, &str)],
        body: Vec<u8>,
        t: Tweak,
    ) -> Answer {
        let resp = self
            .try_send_raw(method, path, query, body, t)
            .send()
            .await
            .expect("request sent");
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let raw = resp.bytes().await.expect("body").to_vec();
        let body = serde_json::from_slice(&raw).unwrap_or(Value::Null);
        Answer {
            status,
            headers,
            body,
            raw,
        }
    }

    // ---- DCS shortcuts ----

    pub fn dcs(&self, rest: &str) -> String {
        format!("/v2/{}{}", self.project(), rest)
    }

    pub async fn show(&self, id: &str) -> Answer {
        self.call("GET", &self.dcs(&format!("/migration-task/{id}")), None)
            .await
    }

    pub async fn status(&self, id: &str) -> String {
        let a = self.show(id).await;
        assert_eq!(a.status, 200, "{a:?}");
        a.body["status"].as_str().unwrap().to_owned()
    }

    pub async fn task_count(&self) -> u64 {
        let a = self
            .call_q(
                "GET",
                &self.dcs("/migration-tasks"),
                &[("limit", "1000")],
                None,
                Tweak::default(),
            )
            .await;
        assert_eq!(a.status, 200, "{a:?}");
        a.body["count"].as_u64().unwrap()
    }
}

/// Every DCS error answer has this shape.
pub fn assert_dcs_error(a: &Answer, status: u16, code: &str) {
    assert_eq!(a.status, status, "{a:?}");
    assert_eq!(a.body["error_code"], code, "{a:?}");
    assert!(
        a.body["error_msg"].as_str().is_some_and(|m| !m.is_empty()),
        "{a:?}"
    );
    assert!(
        a.body["error_code"].as_str().is_some_and(|c| c.len() <= 9),
        "DCS error codes are at most 9 characters: {a:?}"
    );
    assert!(
        a.body
            .get("error_ext_msg")
            .is_some_and(|x| x.is_null() || x.is_string()),
        "{a:?}"
    );
    assert!(a.headers.contains_key("x-request-id"));
}

/// Every answer of API Gateway (before any service) has this shape.
pub fn assert_gateway_error(a: &Answer, status: u16, code: &str) {
    assert_eq!(a.status, status, "{a:?}");
    assert_eq!(a.body["error_code"], code, "{a:?}");
    assert!(code.starts_with("APIGW."), "{code}");
    assert!(
        a.body["error_msg"].as_str().is_some_and(|m| !m.is_empty()),
        "{a:?}"
    );
    assert_eq!(
        a.body["request_id"].as_str(),
        a.headers.get("x-request-id").and_then(|v| v.to_str().ok()),
        "{a:?}"
    );
    assert!(a.body.get("error_param").is_none() && a.body.get("error_ext_msg").is_none());
}

/// Every SMS error answer has this shape.
pub fn assert_sms_error(a: &Answer, status: u16, code: &str) {
    assert_eq!(a.status, status, "{a:?}");
    assert_eq!(a.body["error_code"], code, "{a:?}");
    assert!(
        a.body["error_msg"].as_str().is_some_and(|m| !m.is_empty()),
        "{a:?}"
    );
    // `error_param` and `details` hold 1 to 20 items; `error_param` may be absent.
    assert!(
        a.body
            .get("error_param")
            .is_none_or(|p| p.as_array().is_some_and(|p| (1..=20).contains(&p.len()))),
        "{a:?}"
    );
    assert!(
        a.body["details"]
            .as_array()
            .is_some_and(|d| (1..=20).contains(&d.len())),
        "{a:?}"
    );
}

pub fn online_body(name: &str) -> Value {
    serde_json::json!({
        "name": name,
        "description": "test",
        "vpc_id": "2b2f6f5c-0e65-4a6f-8e8a-0c8d2b6b9a11",
        "subnet_id": "8c3d6f5c-0e65-4a6f-8e8a-0c8d2b6b9a22",
        "security_group_id": "5a1f6f5c-0e65-4a6f-8e8a-0c8d2b6b9a33"
    })
}

pub fn configure_body(method: &str) -> Value {
    serde_json::json!({
        "migration_method": method,
        "resume_mode": "auto",
        "bandwidth_limit_mb": "100",
        "source_instance": {"addrs": "10.0.0.5:6379", "password": "source-pass"},
        "target_instance": {"id": "3c6b1c5e-1111-2222-3333-444455556666", "password": "target-pass"}
    })
}

pub async fn advance(emu: &EmulatorHandle, secs: f64) {
    emu.clock().advance_secs(secs).unwrap();
}
