//! The emulator refuses what a signature does not cover, as the service's gateway does: a body
//! swapped under an unsigned payload-hash header, a signature that leaves out `Host`, and a
//! second `Authorization` header. Raw requests, signed here, sent with reqwest.

mod common;

use std::time::SystemTime;

use common::*;
use hwcloud_core::signing::{Algorithm, SignableRequest, body_hash, format_sdk_date, sign};
use serde_json::{Value, json};

/// One raw request: what is signed, then what is changed before sending.
struct Attempt {
    method: &'static str,
    path: String,
    body: Vec<u8>,
    /// Leave `Host` out of the signed headers (reqwest still sends it).
    sign_host: bool,
    /// Sent in place of the signed body.
    body_sent: Option<Vec<u8>>,
    /// Added after signing, so not covered by the signature.
    unsigned_headers: Vec<(String, String)>,
    /// A second `Authorization` header sent after the valid one.
    second_authorization: Option<String>,
}

impl Attempt {
    fn new(method: &'static str, path: String, body: &Value) -> Self {
        Attempt {
            method,
            path,
            body: serde_json::to_vec(body).unwrap(),
            sign_host: true,
            body_sent: None,
            unsigned_headers: Vec::new(),
            second_authorization: None,
        }
    }

    async fn send(self, c: &Client) -> Answer {
        let mut headers = vec![
            ("Content-Type".to_owned(), "application/json".to_owned()),
            ("X-Sdk-Date".to_owned(), format_sdk_date(SystemTime::now())),
        ];
        if self.sign_host {
            headers.push(("Host".to_owned(), c.host.clone()));
        }
        let signed = sign(
            Algorithm::HmacSha256,
            &c.cred.ak,
            &c.cred.sk,
            None,
            &SignableRequest {
                method: self.method,
                path: &self.path,
                query: &[],
                headers: &headers,
                body: &self.body,
            },
        )
        .expect("signs");
        let method = reqwest::Method::from_bytes(self.method.as_bytes()).unwrap();
        let mut rb = c.http.request(method, format!("{}{}", c.base, self.path));
        for (k, v) in headers.iter().chain(&self.unsigned_headers) {
            rb = rb.header(k, v);
        }
        // `header` appends: a second value does not replace the first.
        rb = rb.header("Authorization", signed.authorization);
        if let Some(second) = self.second_authorization {
            rb = rb.header("Authorization", second);
        }
        let resp = rb
            .body(self.body_sent.unwrap_or(self.body))
            .send()
            .await
            .expect("request sent");
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let raw = resp.bytes().await.expect("body").to_vec();
        Answer {
            status,
            headers,
            body: serde_json::from_slice(&raw).unwrap_or(Value::Null),
            raw,
        }
    }
}

/// A create request per service: DCS online migration, SMS task.
fn creates(c: &Client) -> [(bool, Attempt); 2] {
    [
        (
            true,
            Attempt::new("POST", c.dcs("/migration/instance"), &online_body("strict")),
        ),
        (
            false,
            Attempt::new("POST", "/v3/tasks".into(), &json!({"name": "strict"})),
        ),
    ]
}

/// Sends both services' create request changed by `tweak` and checks each is refused with the
/// auth error and a message containing `why`; nothing is created.
async fn refused_everywhere(tweak: fn(&mut Attempt), why: &str) {
    let emu = start_frozen().await;
    let c = Client::new(&emu, cred1());
    for (dcs, mut attempt) in creates(&c) {
        tweak(&mut attempt);
        let a = attempt.send(&c).await;
        // DCS refuses with its own code; on SMS paths API Gateway answers.
        if dcs {
            assert_dcs_error(&a, 401, "DCS.1001");
        } else {
            assert_gateway_error(&a, 401, "APIGW.0301");
        }
        let msg = a.body["error_msg"].as_str().unwrap_or_default();
        assert!(msg.contains(why), "dcs={dcs}: {a:?}");
        assert!(!msg.contains("secret-one"), "{msg}");
    }
    assert_eq!(c.task_count().await, 0, "no refused request changed state");
    emu.shutdown().await;
}

#[tokio::test]
async fn the_untouched_requests_get_past_authentication() {
    let emu = start_frozen().await;
    let c = Client::new(&emu, cred1());
    for (dcs, attempt) in creates(&c) {
        let a = attempt.send(&c).await;
        assert_ne!(a.status, 401, "dcs={dcs}: {a:?}");
    }
    assert_eq!(c.task_count().await, 1);
    emu.shutdown().await;
}

#[tokio::test]
async fn a_body_swapped_under_an_unsigned_content_hash_is_refused() {
    refused_everywhere(
        |attempt| {
            attempt.unsigned_headers.push((
                "X-Sdk-Content-Sha256".into(),
                body_hash(Algorithm::HmacSha256, &attempt.body),
            ));
            attempt.body_sent = Some(
                serde_json::to_vec(&json!({"name": "swapped", "description": "not signed"}))
                    .unwrap(),
            );
        },
        "signature does not match",
    )
    .await;
}

#[tokio::test]
async fn a_signature_without_host_is_refused() {
    refused_everywhere(
        |attempt| attempt.sign_host = false,
        "SignedHeaders must include host",
    )
    .await;
}

#[tokio::test]
async fn a_second_authorization_header_is_refused() {
    refused_everywhere(
        |attempt| attempt.second_authorization = Some("SDK-HMAC-SHA256 garbage".into()),
        "authorization header appears more than once",
    )
    .await;
}
