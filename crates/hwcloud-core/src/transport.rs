//! The HTTP layer behind a small trait, so tests (ours and users') can replace it.
//!
//! [`ReqwestTransport`] is the real one (rustls, no OpenSSL). With the `test-util` feature,
//! `transport::ReplayTransport` answers from a scripted list and
//! records what was sent.

use crate::error::TransportError;
use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

/// A fully prepared request: URL, signed headers, body.
///
/// Method and header texts are `Cow<'static, str>` because most of them are fixed names
/// (`Host`, `X-Sdk-Date`, `application/json`…) that cost nothing to borrow; per-call values
/// are owned.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// Upper-case method.
    pub method: Cow<'static, str>,
    /// Absolute URL including the encoded query.
    pub url: String,
    /// Headers in send order.
    pub headers: Vec<(Cow<'static, str>, Cow<'static, str>)>,
    /// Body bytes (empty for none).
    pub body: Vec<u8>,
}

/// Whether a header carries a credential (`Authorization`, `X-Auth-Token`,
/// `X-Security-Token`, any case): what request logs and `Debug` output mask.
pub fn is_credential_header(name: &str) -> bool {
    ["authorization", "x-auth-token", "x-security-token"]
        .iter()
        .any(|c| name.eq_ignore_ascii_case(c))
}

/// The headers of `map` as `(name, value)` pairs in map order: names lower-case (as `http`
/// stores them), values decoded as UTF-8 lossily.
pub fn header_pairs(map: &http::HeaderMap) -> Vec<(String, String)> {
    map.iter()
        .map(|(k, v)| {
            (
                k.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect()
}

impl HttpRequest {
    /// The first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        crate::signing::header_value(&self.headers, name)
    }
}

impl std::fmt::Debug for HttpRequest {
    /// Prints headers with credentials masked, and the body length only: bodies carry Redis
    /// passwords.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(k, v)| {
                if is_credential_header(k) {
                    (k.as_ref(), "***")
                } else {
                    (k.as_ref(), v.as_ref())
                }
            })
            .collect();
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &headers)
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// A response as received.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HttpResponse {
    /// HTTP status.
    pub status: u16,
    /// Headers (names lower-case).
    pub headers: Vec<(String, String)>,
    /// Body bytes.
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// The first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        crate::signing::header_value(&self.headers, name)
    }

    /// `X-Request-Id` (the official SDK also falls back to lower case; names compare
    /// case-insensitively here anyway).
    pub fn request_id(&self) -> Option<String> {
        self.header("x-request-id").map(str::to_owned)
    }
}

/// A boxed future, so the trait stays object-safe.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Sends one request (one attempt). Retries, signing and timeouts of the whole call are the
/// runtime's job.
pub trait HttpTransport: Send + Sync + std::fmt::Debug {
    /// Sends `req`, failing with a timeout error after `timeout`.
    fn send(
        &self,
        req: HttpRequest,
        timeout: Duration,
    ) -> BoxFuture<'_, Result<HttpResponse, TransportError>>;
}

/// The real transport: reqwest with rustls.
#[derive(Debug, Clone)]
pub struct ReqwestTransport {
    client: reqwest::Client,
}

impl ReqwestTransport {
    /// A transport with the given connect timeout. Redirects are not followed (as the
    /// official SDK).
    pub fn new(connect_timeout: Duration) -> Result<Self, String> {
        let client = reqwest::Client::builder()
            .connect_timeout(connect_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        Ok(ReqwestTransport { client })
    }
}

impl HttpTransport for ReqwestTransport {
    fn send(
        &self,
        req: HttpRequest,
        timeout: Duration,
    ) -> BoxFuture<'_, Result<HttpResponse, TransportError>> {
        Box::pin(async move {
            let method = reqwest::Method::from_bytes(req.method.as_bytes())
                .map_err(|_| TransportError::other(format!("bad method {:?}", req.method)))?;
            let mut builder = self.client.request(method, &req.url).timeout(timeout);
            for (k, v) in &req.headers {
                // Host comes from the URL; reqwest writes it.
                if !k.eq_ignore_ascii_case("host") {
                    builder = builder.header(k.as_ref(), v.as_ref());
                }
            }
            if !req.body.is_empty() {
                builder = builder.body(req.body);
            }
            let resp = builder.send().await.map_err(classify)?;
            let status = resp.status().as_u16();
            let headers = header_pairs(resp.headers());
            let body = resp.bytes().await.map_err(classify)?.to_vec();
            Ok(HttpResponse {
                status,
                headers,
                body,
            })
        })
    }
}

fn classify(e: reqwest::Error) -> TransportError {
    let (connect, timeout) = (e.is_connect(), e.is_timeout());
    // The whole cause chain ("error sending request: … Connection refused"), without the URL.
    let e = e.without_url();
    let mut message = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        message.push_str(": ");
        message.push_str(&s.to_string());
        source = s.source();
    }
    if connect {
        TransportError::connect(message)
    } else if timeout {
        TransportError::timeout(message)
    } else {
        TransportError::other(message)
    }
}

#[cfg(feature = "test-util")]
pub use replay::{ReplayTransport, Reply};

#[cfg(feature = "test-util")]
mod replay {
    use super::*;
    use std::collections::VecDeque;
    use std::sync::{Arc, Mutex};

    /// One scripted answer.
    #[derive(Debug, Clone)]
    pub enum Reply {
        /// Answer with this response.
        Response(HttpResponse),
        /// Fail with this transport error.
        Error(TransportError),
    }

    impl Reply {
        /// A JSON response with `status`.
        pub fn json(status: u16, body: serde_json::Value) -> Self {
            Reply::Response(HttpResponse {
                status,
                headers: vec![
                    ("content-type".into(), "application/json".into()),
                    ("x-request-id".into(), "replay-request-id".into()),
                ],
                body: body.to_string().into_bytes(),
            })
        }

        /// A response with no body.
        pub fn empty(status: u16) -> Self {
            Reply::Response(HttpResponse {
                status,
                ..Default::default()
            })
        }
    }

    /// A transport that answers from a script and records every request, for unit tests of
    /// code that uses the clients. Running out of replies is an error, not a panic.
    #[derive(Debug, Clone, Default)]
    pub struct ReplayTransport {
        replies: Arc<Mutex<VecDeque<Reply>>>,
        sent: Arc<Mutex<Vec<HttpRequest>>>,
    }

    impl ReplayTransport {
        /// A transport that will answer with `replies` in order.
        pub fn new(replies: impl IntoIterator<Item = Reply>) -> Self {
            ReplayTransport {
                replies: Arc::new(Mutex::new(replies.into_iter().collect())),
                sent: Arc::default(),
            }
        }

        /// Adds a reply at the end of the script.
        pub fn push(&self, reply: Reply) {
            lock(&self.replies).push_back(reply);
        }

        /// The requests sent so far.
        pub fn requests(&self) -> Vec<HttpRequest> {
            lock(&self.sent).clone()
        }

        /// Replies not yet used.
        pub fn remaining(&self) -> usize {
            lock(&self.replies).len()
        }
    }

    fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
        m.lock().unwrap_or_else(|p| p.into_inner())
    }

    impl HttpTransport for ReplayTransport {
        fn send(
            &self,
            req: HttpRequest,
            _timeout: Duration,
        ) -> BoxFuture<'_, Result<HttpResponse, TransportError>> {
            lock(&self.sent).push(req);
            let next = lock(&self.replies).pop_front();
            Box::pin(async move {
                match next {
                    Some(Reply::Response(r)) => Ok(r),
                    Some(Reply::Error(e)) => Err(e),
                    None => Err(TransportError::other("ReplayTransport has no reply left")),
                }
            })
        }
    }
}
