//! The generated client over the real runtime and HTTP, against a scripted server on
//! 127.0.0.1: retries, timeouts, error parsing, waiters, paginators, mocks.

use futures_util::StreamExt;
use hwcloud_core::error::TransportErrorKind;
use hwcloud_core::transport::{
    BoxFuture, HttpRequest, HttpResponse, HttpTransport, ReqwestTransport,
};
use hwcloud_core::{Credentials, Error, RetryPolicy};
use hwcloud_dcs::Client;
use hwcloud_testkit::{RecordingServer, Reply, closed_port};
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

mod credentials_and_mocks;
mod errors_and_validation;
mod paginators;
mod retries_and_timeouts;
mod waiters;

const PROJECT: &str = "0123456789abcdef0123456789abcdef";

fn token_credentials() -> Credentials {
    Credentials::token("iam-token-value").with_project_id(PROJECT)
}

fn client(endpoint: &str) -> Client {
    counting_client(endpoint).0
}

/// Counts attempts reaching the real transport.
#[derive(Debug)]
struct Counting {
    inner: ReqwestTransport,
    calls: Arc<AtomicU32>,
}

impl HttpTransport for Counting {
    fn send(
        &self,
        req: HttpRequest,
        timeout: Duration,
    ) -> BoxFuture<'_, Result<HttpResponse, hwcloud_core::error::TransportError>> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.inner.send(req, timeout)
    }
}

fn counting_client(endpoint: &str) -> (Client, Arc<AtomicU32>) {
    let calls = Arc::new(AtomicU32::new(0));
    let transport = Counting {
        inner: ReqwestTransport::new(Duration::from_secs(2)).unwrap(),
        calls: calls.clone(),
    };
    let c = Client::builder()
        .endpoint(endpoint)
        .credentials(token_credentials())
        .transport(Arc::new(transport))
        .configure(|c| {
            c.retry = RetryPolicy {
                max_attempts: 3,
                base_delay: Duration::from_millis(5),
                max_delay: Duration::from_millis(20),
                ..Default::default()
            };
        })
        .build()
        .unwrap();
    (c, calls)
}

fn task(status: &str) -> serde_json::Value {
    json!({"task_id": "t1", "task_name": "n", "status": status, "migration_type": "online_migration"})
}
