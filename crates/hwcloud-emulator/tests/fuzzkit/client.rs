//! Sends one fuzz request, signed as the SDK signs (`hwcloud_core::signing::sign`, the
//! headers the runtime sends: `Host`, `Content-Type`, `X-Sdk-Date`, optional
//! `X-Project-Id`), or with a deliberately broken authentication.

use std::time::{Duration, SystemTime};

use hwcloud_core::Secret;
use hwcloud_core::signing::{Algorithm, DerivationScope, SignableRequest, format_sdk_date, sign};
use hwcloud_emulator::Credential;

/// How a request authenticates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    /// Correctly signed with this algorithm.
    Signed(Algorithm),
    /// No `Authorization` header.
    Missing,
    /// Signed with a secret key that is not the credential's.
    WrongSecret,
    /// Signed, then the body was changed.
    Tampered,
    /// `X-Sdk-Date` an hour old.
    Stale,
    /// An `Authorization` value that is no signature.
    Garbage,
}

impl Auth {
    /// Whether the emulator must accept the caller.
    pub fn is_valid(self) -> bool {
        matches!(self, Auth::Signed(_))
    }
}

/// One request, as generated (never holds a secret).
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    /// The path as sent (already safe for a URL: ids are drawn from URL-safe characters or
    /// percent-encoded).
    pub path: String,
    pub query: Vec<(String, String)>,
    pub content_type: String,
    pub extra_headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub auth: Auth,
}

/// The answer, as far as the checks need it.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub content_type: Option<String>,
    pub request_id: Option<String>,
    pub body: Vec<u8>,
}

/// A signing HTTP client for one emulator.
#[derive(Clone)]
pub struct Sender {
    http: reqwest::Client,
    base: String,
    host: String,
}

impl Sender {
    pub fn new(base: String, host: String) -> Self {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .expect("an HTTP client without TLS settings builds");
        Self { http, base, host }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// Signs `req` with `cred` (as `req.auth` says) and sends it.
    pub async fn send(&self, cred: &Credential, req: &Request) -> Result<Answer, String> {
        let date = match req.auth {
            Auth::Stale => SystemTime::now() - Duration::from_secs(3600),
            _ => SystemTime::now(),
        };
        let mut headers: Vec<(String, String)> = vec![
            ("Host".into(), self.host.clone()),
            ("Content-Type".into(), req.content_type.clone()),
            ("X-Sdk-Date".into(), format_sdk_date(date)),
        ];
        headers.extend(req.extra_headers.iter().cloned());
        let secret = match req.auth {
            Auth::WrongSecret => Secret::new("not-the-secret-key".to_owned()),
            _ => Secret::new(cred.sk.expose().to_owned()),
        };
        let algorithm = match req.auth {
            Auth::Signed(a) => a,
            _ => Algorithm::HmacSha256,
        };
        let scope = DerivationScope {
            region: "eu-west-0".into(),
            service: if req.path.starts_with("/v3") {
                "sms"
            } else {
                "dcs"
            }
            .into(),
        };
        let signed = sign(
            algorithm,
            &cred.ak,
            &secret,
            Some(&scope),
            &SignableRequest {
                method: &req.method,
                path: &req.path,
                query: &req.query,
                headers: &headers,
                body: &req.body,
            },
        )
        .map_err(|e| format!("signing failed: {e}"))?;
        let mut url = format!("{}{}", self.base, req.path);
        if !req.query.is_empty() {
            let q: Vec<String> = req
                .query
                .iter()
                .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
                .collect();
            url.push('?');
            url.push_str(&q.join("&"));
        }
        let method = reqwest::Method::from_bytes(req.method.as_bytes())
            .map_err(|e| format!("method {}: {e}", req.method))?;
        let mut rb = self.http.request(method, url);
        for (k, v) in &headers {
            rb = rb.header(k.as_str(), v.as_str());
        }
        match req.auth {
            Auth::Missing => {}
            Auth::Garbage => rb = rb.header("Authorization", "SDK-HMAC-SHA256 nothing=here"),
            _ => rb = rb.header("Authorization", signed.authorization),
        }
        let body = if req.auth == Auth::Tampered {
            let mut b = req.body.clone();
            b.extend_from_slice(b" ");
            b
        } else {
            req.body.clone()
        };
        let resp = rb.body(body).send().await.map_err(|e| {
            let mut text = format!("transport error: {e}");
            let mut src = std::error::Error::source(&e);
            while let Some(s) = src {
                text.push_str(&format!(": {s}"));
                src = s.source();
            }
            text
        })?;
        let header = |n: &str| {
            resp.headers()
                .get(n)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let status = resp.status().as_u16();
        let content_type = header("content-type");
        let request_id = header("x-request-id");
        let body = resp
            .bytes()
            .await
            .map_err(|e| format!("reading the body: {e}"))?
            .to_vec();
        Ok(Answer {
            status,
            content_type,
            request_id,
            body,
        })
    }

    /// A call of the control API (loopback, no signature): JSON in, JSON out.
    pub async fn control(
        &self,
        path: &str,
        body: serde_json::Value,
    ) -> Result<serde_json::Value, String> {
        let resp = self
            .http
            .post(format!("{}{path}", self.base))
            .json(&body)
            .send()
            .await
            .map_err(|e| format!("{path}: {e}"))?;
        let status = resp.status();
        let v: serde_json::Value = resp.json().await.map_err(|e| format!("{path}: {e}"))?;
        if !status.is_success() {
            return Err(format!("{path}: {status} {v}"));
        }
        Ok(v)
    }
}

/// Percent-encodes a query key or value as the SDK does.
pub fn encode(s: &str) -> String {
    hwcloud_core::signing::encoding::url_encode(s)
}
