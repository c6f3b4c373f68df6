//! Shared server state: what every request handler reaches through `State<Arc<App>>`, and
//! the one way handlers touch storage ([`App::tx`]).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use axum::http::StatusCode;
use hwcloud_core::Secret;
use serde::{Deserialize, Serialize};

use crate::clock::ClockHandle;
use crate::config::{Credential, IamUser, Timings};
use crate::dataplane::state::Plane;
use crate::error::ApiError;
use crate::profile::{Profile, codes};
use crate::requestlog::{RecordedRequest, RequestLog};
use crate::store::{Db, Store, StoreError};
use crate::sync::lock;
use crate::tokens::TokenStore;

/// A fault to inject into the next service requests (`POST /_emulator/faults`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultSpec {
    /// How many service requests it applies to (default 1).
    #[serde(default = "one")]
    pub count: u32,
    /// Answer with this HTTP status (in the service's error shape) instead of serving.
    #[serde(default)]
    pub status: Option<u16>,
    /// Wait this long before answering.
    #[serde(default)]
    pub delay_ms: Option<u64>,
    /// Close the connection without a complete answer.
    #[serde(default)]
    pub drop: bool,
    /// `Retry-After` seconds to send with `status`.
    #[serde(default)]
    pub retry_after: Option<u64>,
}

fn one() -> u32 {
    1
}

/// Everything a request handler needs.
pub struct App {
    pub store: Arc<Store>,
    pub clock: ClockHandle,
    pub credentials: HashMap<String, Credential>,
    pub timings: Timings,
    pub region: String,
    pub max_body_bytes: usize,
    pub faults: Mutex<VecDeque<FaultSpec>>,
    pub requests: Mutex<RequestLog>,
    /// When set, the control API wants this token from every peer; otherwise it answers
    /// loopback peers only.
    pub control_token: Option<Secret>,
    /// IAM tokens issued by `POST /v3/auth/tokens`.
    pub tokens: Mutex<TokenStore>,
    /// How long an issued token is valid, in virtual ms.
    pub token_ttl_ms: i64,
    /// The data plane: Redis-backed instances and the engine runs of their tasks.
    pub plane: Arc<Plane>,
}

impl App {
    /// True when some credential belongs to `project_id`.
    pub fn knows_project(&self, project_id: &str) -> bool {
        self.credentials
            .values()
            .any(|c| c.project_id == project_id)
    }

    /// Every configured project id, sorted, each once.
    pub fn projects(&self) -> Vec<String> {
        let mut projects: Vec<String> = self
            .credentials
            .values()
            .map(|c| c.project_id.clone())
            .collect();
        projects.sort();
        projects.dedup();
        projects
    }

    /// The IAM user `name` of the account `domain` and the project it belongs to.
    pub fn user(&self, domain: &str, name: &str) -> Option<(&IamUser, &str)> {
        self.credentials.values().find_map(|c| {
            let u = c.user.as_ref()?;
            (u.domain == domain && u.name == name).then_some((u, c.project_id.as_str()))
        })
    }

    /// Records an authenticated request (masked and bounded already).
    pub fn record(&self, r: RecordedRequest) {
        lock(&self.requests).push(r);
    }

    /// Counts a request whose caller was not authenticated.
    pub fn count_unauthenticated(&self) {
        lock(&self.requests).count_unauthenticated();
    }

    /// Takes one use of the first pending fault.
    pub fn take_fault(&self) -> Option<FaultSpec> {
        let mut q = lock(&self.faults);
        let front = q.front_mut()?;
        let out = front.clone();
        front.count = front.count.saturating_sub(1);
        if front.count == 0 {
            q.pop_front();
        }
        Some(out)
    }

    /// Queues a fault; answers how many fault uses are then pending.
    pub fn add_fault(&self, f: FaultSpec) -> u64 {
        let mut q = lock(&self.faults);
        q.push_back(f);
        pending(&q)
    }

    /// Drops every pending fault; answers how many fault uses were pending.
    pub fn clear_faults(&self) -> u64 {
        let mut q = lock(&self.faults);
        let n = pending(&q);
        q.clear();
        n
    }

    /// Runs `f` with the virtual time in one storage transaction: inline for the in-memory
    /// store, on a blocking thread for the durable one (its commit waits for the disk).
    /// A failure of the storage itself answers 500 with `svc`'s internal-error code.
    pub async fn tx<T, F>(self: &Arc<Self>, svc: &Profile, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Db<'_>, i64) -> Result<T, ApiError> + Send + 'static,
    {
        let result = if self.store.is_in_memory() {
            self.store.transaction(|db| f(db, self.clock.now_ms()))
        } else {
            let app = Arc::clone(self);
            tokio::task::spawn_blocking(move || {
                app.store.transaction(|db| {
                    let now = app.clock.now_ms();
                    f(db, now)
                })
            })
            .await
            .map_err(|_| svc.internal("Internal service error."))?
        };
        result.map_err(|e| svc.claim(e))
    }
}

/// Fault uses left in `faults`.
fn pending(faults: &VecDeque<FaultSpec>) -> u64 {
    faults.iter().map(|f| u64::from(f.count)).sum()
}

/// A storage failure is a 500; [`App::tx`] gives it the code of the service whose request
/// failed ([`Profile::claim`]).
impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        tracing::error!(error = %e, "storage failure");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            codes::DCS_INTERNAL,
            "Internal service error (storage).",
        )
    }
}
