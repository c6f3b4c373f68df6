//! Runs one operation call: validate, fill the path, sign, send, retry, decode.
//!
//! Generated clients hold a [`Runtime`] and call [`Runtime::call`] with a generated operation
//! input; everything with behaviour is here, so it is written and tested once.

use crate::config::{Config, ServiceEndpoints};
use crate::credentials::Credentials;
use crate::error::{DecodeError, Error, ServiceError};
use crate::operation::{Operation, PathError, ResponseKind, expand_path_into};
use crate::signing::encoding::url_encode_into;
use crate::signing::{self, SignableRequest};
use crate::transport::{HttpRequest, HttpResponse, HttpTransport};
use std::borrow::Cow;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant, SystemTime};
use tracing::Instrument;

mod builder;

pub use builder::RuntimeBuilder;

/// A decoded success response and what the HTTP layer said about it.
#[derive(Debug, Clone, PartialEq)]
pub struct Response<T> {
    /// The decoded body.
    pub output: T,
    /// HTTP status (200, 204, …). Named so it does not shadow an output's `status` field.
    pub http_status: u16,
    /// `X-Request-Id`, for support tickets.
    pub request_id: Option<String>,
}

impl<T> Response<T> {
    /// The decoded body.
    pub fn into_inner(self) -> T {
        self.output
    }
}

impl<T> std::ops::Deref for Response<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.output
    }
}

/// Per-call switches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CallOptions {
    /// Skip client-side validation for this call (e.g. to test the server's).
    pub skip_validation: bool,
}

/// Shared, cheap to clone: one per client.
#[derive(Debug, Clone)]
pub struct Runtime {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    config: Config,
    /// Built once: the same for every request.
    user_agent: String,
    credentials: Credentials,
    /// The secret key of AK/SK credentials, prepared once for the configured algorithm.
    signing_key: Option<signing::SigningKey>,
    /// The credential scope of `V11-HMAC-SHA256` (region and service), fixed per client.
    v11_scope: Option<signing::DerivationScope>,
    endpoint: crate::config::Endpoint,
    transport: Arc<dyn HttpTransport>,
    /// Where the project id is looked up when the credentials have none (see
    /// `discovery.rs`): resolved when the client is built with a region, reported when a
    /// lookup needs it.
    iam: Option<Result<crate::config::Endpoint, String>>,
    /// The `V11-HMAC-SHA256` scope of requests to IAM (service `iam`).
    iam_v11_scope: Option<signing::DerivationScope>,
    /// The project id found through IAM, once per client.
    discovered: tokio::sync::OnceCell<String>,
}

impl Runtime {
    /// A builder for the service whose endpoint tables are `endpoints`.
    pub fn builder(endpoints: ServiceEndpoints) -> RuntimeBuilder {
        RuntimeBuilder::new(endpoints)
    }

    /// The configuration in use.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The resolved endpoint.
    pub fn endpoint(&self) -> &str {
        &self.inner.endpoint.url
    }

    /// The project id: from the credentials, or found through IAM (after the first call
    /// that needed one; see `discovery.rs`).
    pub fn project_id(&self) -> Option<&str> {
        self.inner
            .credentials
            .project_id()
            .or_else(|| self.inner.discovered.get().map(String::as_str))
    }

    /// The project id found through IAM, when one was looked up.
    pub(crate) fn inner_discovered(&self) -> &tokio::sync::OnceCell<String> {
        &self.inner.discovered
    }

    /// Where a project lookup goes (see `discovery.rs`).
    pub(crate) fn inner_iam(&self) -> Option<&Result<crate::config::Endpoint, String>> {
        self.inner.iam.as_ref()
    }

    /// Validates, serializes and signs `op` for the time `now`, without sending it: what
    /// would go on the wire (for debugging, pre-signed requests and benchmarks).
    pub fn presign<O: Operation>(
        &self,
        op: &O,
        options: CallOptions,
        now: SystemTime,
    ) -> Result<HttpRequest, Error> {
        let plan = self.plan(op, options)?;
        let headers = self.signed_headers(&plan, now)?;
        // The plan is not needed again: move its URL and body instead of copying them.
        Ok(HttpRequest {
            method: Cow::Borrowed(plan.meta.method),
            url: plan.url,
            headers,
            body: plan.body,
        })
    }

    /// Everything about a call that does not change between attempts.
    fn plan<O: Operation>(&self, op: &O, options: CallOptions) -> Result<Plan, Error> {
        let meta = op.meta();
        if self.inner.config.validate_requests && !options.skip_validation {
            op.validate()?;
        }
        let parts = op
            .to_parts()
            .map_err(|e| Error::Config(format!("cannot serialize the {} body: {e}", meta.name)))?;
        let mut params: Vec<(&str, &str)> = parts
            .path_params
            .iter()
            .map(|(k, v)| (*k, v.as_str()))
            .collect();
        if meta.needs_project_id() {
            let Some(pid) = self.project_id() else {
                return Err(Error::Config(format!(
                    "{} needs a project id: set HUAWEICLOUD_SDK_PROJECT_ID, `project_id` in the profile file, or Credentials::with_project_id, or a region so that it is looked up through IAM on the first call",
                    meta.name
                )));
            };
            params.push(("project_id", pid));
        }
        // One buffer: endpoint, path, query; the path is signed as a slice of it.
        let endpoint = &self.inner.endpoint.url;
        let mut url = String::with_capacity(endpoint.len() + meta.path.len() + 64);
        url.push_str(endpoint);
        let path_start = url.len();
        expand_path_into(meta.path, &params, &mut url).map_err(PathError::into_error)?;
        let path = path_start..url.len();
        encode_query_into(&parts.query, &mut url);
        Ok(Plan {
            meta,
            path,
            url,
            query: parts.query,
            headers: parts.headers,
            body: parts.body.unwrap_or_default(),
            to_iam: false,
        })
    }

    /// Sends `op`, retrying as the policy and the operation's idempotency allow.
    pub async fn call<O: Operation>(
        &self,
        op: &O,
        options: CallOptions,
    ) -> Result<Response<O::Output>, Error> {
        self.ensure_project_id(op.meta()).await?;
        let plan = self.plan(op, options)?;
        let meta = plan.meta;
        let span = tracing::info_span!(
            "hwcloud.call",
            service = meta.service,
            operation = meta.name,
            attempt = tracing::field::Empty,
            status = tracing::field::Empty,
            request_id = tracing::field::Empty,
        );
        let attempt_count = AtomicU32::new(0);
        let attempts = async { self.send_with_retries(&plan, &attempt_count).await };
        let started = Instant::now();
        let resp = match self.inner.config.timeouts.call {
            Some(limit) => {
                match tokio::time::timeout(limit, attempts.instrument(span.clone())).await {
                    Ok(r) => r?,
                    Err(_) => {
                        return Err(Error::CallTimeout {
                            elapsed: started.elapsed(),
                            limit,
                            attempts: attempt_count.load(Ordering::Relaxed),
                        });
                    }
                }
            }
            None => attempts.instrument(span.clone()).await?,
        };
        let request_id = resp.request_id();
        let body: &[u8] = match (meta.response, resp.body.is_empty()) {
            (ResponseKind::Json, true) => b"{}",
            _ => &resp.body,
        };
        match O::parse_output(body) {
            Ok(output) => Ok(Response {
                output,
                http_status: resp.status,
                request_id,
            }),
            Err(e) => Err(Error::Decode(DecodeError::new(
                meta.name,
                resp.status,
                e,
                &resp.body,
                request_id,
            ))),
        }
    }

    pub(crate) async fn send_with_retries(
        &self,
        plan: &Plan,
        attempt_count: &AtomicU32,
    ) -> Result<HttpResponse, Error> {
        let idempotent = plan.meta.idempotent;
        let policy = self.inner.config.retry;
        let span = tracing::Span::current();
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            attempt_count.store(attempt, Ordering::Relaxed);
            span.record("attempt", attempt);
            let req = HttpRequest {
                method: Cow::Borrowed(plan.meta.method),
                url: plan.url.clone(),
                headers: self.signed_headers(plan, SystemTime::now())?,
                body: plan.body.clone(),
            };
            let outcome = self
                .inner
                .transport
                .send(req, self.inner.config.timeouts.attempt)
                .await;
            let last = attempt >= policy.max_attempts.max(1);
            match outcome {
                Ok(resp) if resp.status < 400 => {
                    span.record("status", resp.status);
                    if let Some(id) = resp.header("x-request-id") {
                        span.record("request_id", id);
                    }
                    if !plan.meta.documents_success(resp.status) {
                        tracing::warn!(
                            status = resp.status,
                            documented = ?plan.meta.success_status,
                            "success status the spec does not document; accepted"
                        );
                    }
                    tracing::debug!(status = resp.status, "call succeeded");
                    return Ok(resp);
                }
                Ok(resp) => {
                    span.record("status", resp.status);
                    let err = ServiceError::parse(resp.status, resp.request_id(), &resp.body);
                    if let Some(id) = &err.request_id {
                        span.record("request_id", id.as_str());
                    }
                    if last || !idempotent || !err.is_retryable() {
                        tracing::debug!(status = err.status, code = %err.code, "call failed");
                        return Err(err.into());
                    }
                    let delay = retry_after(&resp)
                        .map(|d| d.min(policy.max_retry_after))
                        .unwrap_or_else(|| policy.backoff(attempt));
                    tracing::info!(status = err.status, code = %err.code, ?delay, "retrying");
                    tokio::time::sleep(delay).await;
                }
                Err(e) => {
                    let retryable = e.is_transient() && (idempotent || !e.maybe_sent);
                    if last || !retryable {
                        tracing::debug!(error = %e, "call failed");
                        return Err(e.into());
                    }
                    let delay = policy.backoff(attempt);
                    tracing::info!(error = %e, ?delay, "retrying");
                    tokio::time::sleep(delay).await;
                }
            }
        }
    }

    /// The headers of one attempt, signed for `now` (a fresh `X-Sdk-Date` each attempt).
    fn signed_headers(&self, p: &Plan, now: SystemTime) -> Result<Headers, Error> {
        let inner = &self.inner;
        let owned = |v: &str| Cow::Owned(v.to_owned());
        let mut headers: Headers = Vec::with_capacity(8);
        let (host, v11_scope) = match (&inner.iam, p.to_iam) {
            (Some(Ok(iam)), true) => (&iam.host, inner.iam_v11_scope.as_ref()),
            _ => (&inner.endpoint.host, inner.v11_scope.as_ref()),
        };
        headers.push(("Host".into(), owned(host)));
        let project_id = self.project_id();
        headers.push(("Content-Type".into(), p.meta.content_type.into()));
        for (k, v) in &p.headers {
            headers.push((owned(k), owned(v)));
        }
        match &inner.credentials {
            Credentials::AkSk {
                access_key,
                security_token,
                ..
            } => {
                headers.push(("X-Sdk-Date".into(), signing::format_sdk_date(now).into()));
                if let Some(pid) = project_id {
                    headers.push(("X-Project-Id".into(), owned(pid)));
                }
                if let Some(t) = security_token {
                    headers.push(("X-Security-Token".into(), owned(t.expose())));
                }
                if let Some((name, value)) =
                    signing::unsigned_payload_header(inner.config.algorithm, &headers)
                {
                    headers.push((name.into(), value.into()));
                }
                let signable = SignableRequest {
                    method: p.meta.method,
                    path: p.path(),
                    query: &p.query,
                    headers: &headers,
                    body: &p.body,
                };
                let key = inner
                    .signing_key
                    .as_ref()
                    .expect("AK/SK credentials have a signing key");
                let authorization = key
                    .authorization(access_key, v11_scope, &signable)
                    .map_err(|e| Error::Config(format!("cannot sign the request: {e}")))?;
                headers.push(("Authorization".into(), authorization.into()));
            }
            Credentials::Token { token, .. } => {
                if let Some(pid) = project_id {
                    headers.push(("X-Project-Id".into(), owned(pid)));
                }
                headers.push(("X-Auth-Token".into(), owned(token.expose())));
            }
        }
        headers.push(("User-Agent".into(), owned(&inner.user_agent)));
        Ok(headers)
    }
}

/// Request headers: fixed names and values are borrowed, per-call ones owned.
type Headers = Vec<(Cow<'static, str>, Cow<'static, str>)>;

/// Everything about a call that does not change between attempts.
pub(crate) struct Plan {
    pub(crate) meta: &'static crate::operation::OperationMeta,
    /// Where the path (as sent, percent-encoded) sits in `url`.
    pub(crate) path: std::ops::Range<usize>,
    pub(crate) url: String,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
    /// Sent to IAM (the project lookup): its host and `V11` scope instead of the service's.
    pub(crate) to_iam: bool,
}

impl Plan {
    fn path(&self) -> &str {
        &self.url[self.path.clone()]
    }
}

/// `Retry-After` as seconds or an HTTP date.
fn retry_after(resp: &HttpResponse) -> Option<Duration> {
    let v = resp.header("retry-after")?.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(v).ok()?;
    Some(at.duration_since(SystemTime::now()).unwrap_or_default())
}

/// `?k=v&…` with RFC 3986 encoding (space as `%20`), in the given order.
pub fn encode_query(query: &[(String, String)]) -> String {
    let mut out = String::new();
    encode_query_into(query, &mut out);
    out
}

/// [`encode_query`] appending to `out`.
pub(crate) fn encode_query_into(query: &[(String, String)], out: &mut String) {
    for (i, (k, v)) in query.iter().enumerate() {
        out.push(if i == 0 { '?' } else { '&' });
        url_encode_into(k, out);
        out.push('=');
        url_encode_into(v, out);
    }
}

#[cfg(test)]
mod tests;
