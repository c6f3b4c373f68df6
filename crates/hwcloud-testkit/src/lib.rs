//! A scripted HTTP server on 127.0.0.1 that records every request, for end-to-end tests of
//! the clients (retries, errors, waiters, paginators, wire format).

use axum::body::{Body, to_bytes};
use axum::extract::State;
use axum::http::{Request, Response, StatusCode};
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A request as the server received it.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// Method.
    pub method: String,
    /// Path as sent (still percent-encoded).
    pub path: String,
    /// Raw query string (without `?`), empty when none.
    pub query: String,
    /// Headers, names lower-case, in received order.
    pub headers: Vec<(String, String)>,
    /// Body bytes.
    pub body: Vec<u8>,
    /// When it arrived.
    pub at: Instant,
}

impl Recorded {
    /// The first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        hwcloud_core::signing::header_value(&self.headers, name)
    }

    /// Decoded query pairs in received order.
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        hwcloud_core::signing::encoding::parse_query(&self.query)
    }

    /// Re-verifies the request's signature with the runtime's verifier, as a server would.
    pub fn verify_signature(
        &self,
        access_key: &str,
        secret_key: &str,
    ) -> Result<hwcloud_core::signing::Verified, hwcloud_core::signing::VerifyError> {
        use hwcloud_core::signing::{SignableRequest, verify};
        let query = self.query_pairs();
        let req = SignableRequest {
            method: &self.method,
            path: &self.path,
            query: &query,
            headers: &self.headers,
            body: &self.body,
        };
        let ak = access_key.to_owned();
        let sk = hwcloud_core::Secret::new(secret_key);
        let lookup = move |k: &str| (k == ak).then(|| sk.clone());
        verify(
            &req,
            std::time::SystemTime::now(),
            hwcloud_core::signing::DEFAULT_MAX_SKEW,
            &lookup,
            None,
        )
    }

    /// The body as JSON.
    ///
    /// # Panics
    ///
    /// When the body is not JSON, with the error and an excerpt of the body.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            let text = String::from_utf8_lossy(&self.body);
            let excerpt: String = text.chars().take(200).collect();
            let more = if text.chars().count() > 200 {
                "…"
            } else {
                ""
            };
            panic!(
                "{} {}: body is not JSON ({e}): {excerpt:?}{more}",
                self.method, self.path
            )
        })
    }
}

/// One scripted answer.
#[derive(Debug, Clone)]
pub struct Reply {
    /// Status code.
    pub status: u16,
    /// Extra headers.
    pub headers: Vec<(String, String)>,
    /// Body.
    pub body: Vec<u8>,
    /// Wait this long before answering.
    pub delay: Duration,
}

impl Reply {
    /// A JSON reply.
    pub fn json(status: u16, body: serde_json::Value) -> Self {
        Reply {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.to_string().into_bytes(),
            delay: Duration::ZERO,
        }
    }

    /// A reply with a raw body.
    pub fn raw(status: u16, body: &str) -> Self {
        Reply {
            status,
            headers: Vec::new(),
            body: body.as_bytes().to_vec(),
            delay: Duration::ZERO,
        }
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Delays the answer.
    pub fn delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

#[derive(Default)]
struct Shared {
    replies: Mutex<VecDeque<Reply>>,
    recorded: Mutex<Vec<Recorded>>,
}

/// The server; stops when dropped.
pub struct RecordingServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl RecordingServer {
    /// Starts on an ephemeral port of 127.0.0.1. With no scripted reply left it answers
    /// 200 `{}`.
    pub async fn start() -> Self {
        let shared = Arc::new(Shared::default());
        let app = axum::Router::new()
            .fallback(handle)
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local addr");
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        RecordingServer { addr, shared, task }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The `host:port` the client sends in `Host`.
    pub fn host(&self) -> String {
        self.addr.to_string()
    }

    /// Queues replies.
    pub fn push(&self, reply: Reply) -> &Self {
        lock(&self.shared.replies).push_back(reply);
        self
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<Recorded> {
        lock(&self.shared.recorded).clone()
    }
}

impl Drop for RecordingServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

async fn handle(State(shared): State<Arc<Shared>>, req: Request<Body>) -> Response<Body> {
    let (parts, body) = req.into_parts();
    let body = to_bytes(body, 16 << 20).await.unwrap_or_default().to_vec();
    let headers = hwcloud_core::transport::header_pairs(&parts.headers);
    lock(&shared.recorded).push(Recorded {
        method: parts.method.to_string(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().unwrap_or("").to_owned(),
        headers,
        body,
        at: Instant::now(),
    });
    let reply = lock(&shared.replies)
        .pop_front()
        .unwrap_or_else(|| Reply::json(200, serde_json::json!({})));
    if !reply.delay.is_zero() {
        tokio::time::sleep(reply.delay).await;
    }
    let mut resp = Response::builder()
        .status(StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR));
    for (k, v) in &reply.headers {
        resp = resp.header(k, v);
    }
    resp.body(Body::from(reply.body))
        .unwrap_or_else(|_| Response::new(Body::empty()))
}

/// The path of a seed example body, `rel` relative to `spec/examples/` (e.g.
/// `dcs/create_online_migration_task.request.s000.json`).
pub fn example_path(rel: &str) -> String {
    format!("{}/../../spec/examples/{rel}", env!("CARGO_MANIFEST_DIR"))
}

/// A seed example body decoded as `T` (`serde_json::Value` or a generated type).
pub fn example<T: serde::de::DeserializeOwned>(rel: &str) -> T {
    let path = example_path(rel);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A port on 127.0.0.1 where nothing listens (connections are refused).
pub fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    drop(l);
    port
}

#[cfg(test)]
mod tests {
    use super::Recorded;
    use std::time::Instant;

    fn recorded(body: &[u8]) -> Recorded {
        Recorded {
            method: "POST".into(),
            path: "/v3/tasks".into(),
            query: String::new(),
            headers: Vec::new(),
            body: body.to_vec(),
            at: Instant::now(),
        }
    }

    #[test]
    fn json_decodes_the_body() {
        assert_eq!(
            recorded(br#"{"a": [1, "b"]}"#).json(),
            serde_json::json!({"a": [1, "b"]})
        );
    }

    fn panic_message(body: &[u8]) -> String {
        let r = recorded(body);
        let err = std::panic::catch_unwind(move || r.json()).expect_err("json() must panic");
        err.downcast_ref::<String>()
            .cloned()
            .unwrap_or_else(|| panic!("unexpected panic payload"))
    }

    #[test]
    fn json_panics_with_an_excerpt_on_a_non_json_body() {
        let msg = panic_message(b"not json at all");
        assert!(msg.contains("POST /v3/tasks: body is not JSON"), "{msg}");
        assert!(msg.contains("\"not json at all\""), "{msg}");
        let msg = panic_message(b"");
        assert!(msg.contains("body is not JSON"), "{msg}");
        let long = "x".repeat(1000);
        let msg = panic_message(long.as_bytes());
        assert!(msg.contains(&format!("\"{}\"…", "x".repeat(200))), "{msg}");
        assert!(!msg.contains(&"x".repeat(201)), "{msg}");
    }
}
