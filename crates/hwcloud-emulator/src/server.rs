//! The emulator server: the builder that opens the state and binds the address, the router,
//! and the handle of a running emulator.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use axum::routing::{get, post};
use axum::{Router, middleware};
use hwcloud_core::Secret;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::app::App;
use crate::clock::{self, ClockHandle, ClockState};
use crate::config::{Credential, DEFAULT_REGION, Timings};
use crate::dataplane::setup::{self, DataPlaneOptions, RealInstance};
use crate::listener::{self, Closer, Peer};
use crate::requestlog::RequestLog;
use crate::store::{Store, StoreError};
use crate::tokens::TokenStore;
use crate::{control, dataplane, dcs, pipeline, sms};

/// Default largest accepted request body (1 MiB).
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;
/// Default number of requests served at once.
pub const DEFAULT_CONCURRENCY_LIMIT: usize = 256;
/// How long an issued IAM token stays valid by default (IAM: 24 hours).
pub const DEFAULT_TOKEN_TTL: std::time::Duration = std::time::Duration::from_secs(24 * 3600);
/// How long a shutdown lets requests in flight finish before closing their connections.
pub const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(1);

/// Why the emulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    /// The state could not be opened.
    #[error("cannot open the emulator state: {0}")]
    Store(#[from] StoreError),
    /// The listen address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The cause.
        source: std::io::Error,
    },
    /// An option is out of range.
    #[error("invalid emulator configuration: {0}")]
    Config(String),
}

/// Entry point: `Emulator::builder()`.
#[derive(Debug, Clone, Copy)]
pub struct Emulator;

impl Emulator {
    /// A builder with the defaults: in memory, test credential, speed 1, `127.0.0.1:0`.
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder::default()
    }
}

/// Options of one emulator.
#[derive(Debug, Clone)]
pub struct EmulatorBuilder {
    credentials: Vec<Credential>,
    data_dir: Option<PathBuf>,
    speed: Option<f64>,
    timings: Timings,
    listen: SocketAddr,
    region: String,
    max_body_bytes: usize,
    concurrency_limit: usize,
    control_token: Option<Secret>,
    token_ttl: std::time::Duration,
    /// Redis-backed instances, networks, OBS folder (`crate::builder_dataplane`).
    pub(crate) dataplane: DataPlaneOptions,
}

impl Default for EmulatorBuilder {
    fn default() -> Self {
        Self {
            credentials: Vec::new(),
            data_dir: None,
            speed: None,
            timings: Timings::default(),
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            region: DEFAULT_REGION.to_owned(),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            concurrency_limit: DEFAULT_CONCURRENCY_LIMIT,
            control_token: None,
            token_ttl: DEFAULT_TOKEN_TTL,
            dataplane: DataPlaneOptions::default(),
        }
    }
}

impl EmulatorBuilder {
    /// Accepts this credential. With none, the documented test credential is used.
    pub fn credential(mut self, c: Credential) -> Self {
        self.credentials.push(c);
        self
    }

    /// Accepts these credentials too.
    pub fn credentials(mut self, cs: impl IntoIterator<Item = Credential>) -> Self {
        self.credentials.extend(cs);
        self
    }

    /// Also accepts `HUAWEICLOUD_SDK_AK`/`_SK`/`_PROJECT_ID` from the environment, if set.
    pub fn env_credentials(mut self) -> Self {
        if let Some(c) = Credential::from_env() {
            self.credentials.push(c);
        }
        self
    }

    /// Keeps state in `dir` (one SQLite file), surviving restarts.
    pub fn data_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.data_dir = Some(dir.into());
        self
    }

    /// Keeps state in memory only (the default).
    pub fn in_memory(mut self) -> Self {
        self.data_dir = None;
        self
    }

    /// Virtual seconds per real second (default 1; a stored clock keeps its own otherwise).
    pub fn clock_speed(mut self, speed: f64) -> Self {
        self.speed = Some(speed);
        self
    }

    /// Lifecycle step durations (virtual time).
    pub fn timings(mut self, t: Timings) -> Self {
        self.timings = t;
        self
    }

    /// Listen address (default `127.0.0.1:0`: a free port).
    pub fn listen_addr(mut self, addr: SocketAddr) -> Self {
        self.listen = addr;
        self
    }

    /// Region of the `V11-HMAC-SHA256` derivation scope when a malformed header names none
    /// (default `eu-west-0`); well-formed V11 headers are verified for the region they name.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = region.into();
        self
    }

    /// Largest accepted request body (default 1 MiB); larger ones get 413.
    pub fn max_body_bytes(mut self, n: usize) -> Self {
        self.max_body_bytes = n;
        self
    }

    /// Requests served at once (default 256); more wait.
    pub fn concurrency_limit(mut self, n: usize) -> Self {
        self.concurrency_limit = n.max(1);
        self
    }

    /// Requires this token (header `X-Emulator-Control-Token`) for the control API under
    /// `/_emulator/`, from every peer. Without one, the control API answers loopback peers
    /// only.
    pub fn control_token(mut self, token: impl Into<Secret>) -> Self {
        self.control_token = Some(token.into());
        self
    }

    /// How long an IAM token the emulator issues stays valid, in virtual time (default 24 h,
    /// as IAM documents).
    pub fn token_ttl(mut self, ttl: std::time::Duration) -> Self {
        self.token_ttl = ttl;
        self
    }

    /// Opens the state, binds the address and starts serving.
    pub async fn start(self) -> Result<EmulatorHandle, EmulatorError> {
        let mut credentials = self.credentials;
        if credentials.is_empty() {
            credentials.push(Credential::test_default());
        }
        let mut map = HashMap::new();
        for c in &credentials {
            map.insert(c.ak.clone(), c.clone());
        }
        let data_dir = self.data_dir.clone();
        let store = Arc::new(
            tokio::task::spawn_blocking(move || Store::open(data_dir.as_deref()))
                .await
                .map_err(|e| EmulatorError::Config(e.to_string()))??,
        );
        let persisted = ClockState::load(&store)?;
        let initial = persisted.unwrap_or_else(|| {
            let now = clock::real_now_ms();
            ClockState {
                anchor_real_ms: now,
                anchor_virtual_ms: now,
                speed: 1.0,
            }
        });
        let clock = ClockHandle::new(initial, Arc::clone(&store));
        if let Some(speed) = self.speed {
            clock
                .set_speed(speed)
                .map_err(|e| EmulatorError::Config(e.to_string()))?;
        } else if persisted.is_none() {
            clock
                .set_speed(1.0)
                .map_err(|e| EmulatorError::Config(e.to_string()))?;
        }
        let default_project = credentials[0].project_id.clone();
        let plane = setup::plane(&self.dataplane, self.data_dir.as_deref(), default_project)
            .map_err(EmulatorError::Config)?;
        let app = Arc::new(App {
            store,
            clock: clock.clone(),
            credentials: map,
            timings: self.timings,
            region: self.region,
            max_body_bytes: self.max_body_bytes,
            faults: Mutex::new(VecDeque::new()),
            requests: Mutex::new(RequestLog::default()),
            control_token: self.control_token,
            tokens: Mutex::new(TokenStore::default()),
            token_ttl_ms: crate::config::ms(self.token_ttl),
            plane: Arc::new(plane),
        });
        let real = match setup::start(&app, &self.dataplane).await {
            Ok(r) => r,
            Err(e) => {
                app.plane.stop_spawned();
                return Err(EmulatorError::Config(e));
            }
        };
        let listener = tokio::net::TcpListener::bind(self.listen)
            .await
            .map_err(|source| EmulatorError::Bind {
                addr: self.listen,
                source,
            })?;
        let addr = listener
            .local_addr()
            .map_err(|source| EmulatorError::Bind {
                addr: self.listen,
                source,
            })?;
        let router = router(Arc::clone(&app))
            .layer(tower::limit::GlobalConcurrencyLimitLayer::new(
                self.concurrency_limit,
            ))
            .into_make_service_with_connect_info::<Peer>();
        let (listener, closer) = listener::closable(listener);
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            axum::serve(listener, router)
                .with_graceful_shutdown(async move {
                    let _ = rx.await;
                })
                .await
        });
        tracing::info!(%addr, "hwcloud emulator listening");
        if !addr.ip().to_canonical().is_loopback() {
            tracing::warn!(
                %addr,
                "the emulator listens on a non-loopback address: anyone who can reach it can \
                 use the accepted credentials' projects; its control API stays loopback-only \
                 unless a control token is set"
            );
        }
        Ok(EmulatorHandle {
            app,
            real,
            addr,
            clock,
            credentials,
            data_dir: self.data_dir,
            shutdown: Some(tx),
            closer: Some(closer),
            task: Some(task),
        })
    }
}

fn router(app: Arc<App>) -> Router {
    let fb = pipeline::serve;
    let control = Router::new()
        .route("/_emulator/clock", get(control::clock_get).fallback(fb))
        .route(
            "/_emulator/clock/advance",
            post(control::clock_advance).fallback(fb),
        )
        .route(
            "/_emulator/clock/speed",
            post(control::clock_speed).fallback(fb),
        )
        .route(
            "/_emulator/faults",
            post(control::faults_add)
                .delete(control::faults_clear)
                .fallback(fb),
        )
        .route(
            "/_emulator/requests",
            get(control::requests_list)
                .delete(control::requests_clear)
                .fallback(fb),
        )
        .route(
            "/_emulator/dcs/instances",
            post(dcs::register_instance).fallback(fb),
        )
        .route(
            "/_emulator/sms/sources",
            post(sms::register_source).fallback(fb),
        )
        .route(
            "/_emulator/instances",
            get(dataplane::control::list)
                .post(dataplane::control::register)
                .fallback(fb),
        )
        .route(
            "/_emulator/instances/{id}/backups",
            post(dataplane::control::take_backup).fallback(fb),
        )
        .route_layer(middleware::from_fn_with_state(
            Arc::clone(&app),
            control::guard,
        ));
    Router::new()
        .route("/", get(control::health).fallback(fb))
        .merge(control)
        .fallback(fb)
        .with_state(app)
}

/// A running emulator. Dropping it stops the server (like [`EmulatorHandle::shutdown`],
/// without waiting) and the `redis-server` processes it started.
pub struct EmulatorHandle {
    pub(crate) app: Arc<App>,
    pub(crate) real: Vec<RealInstance>,
    addr: SocketAddr,
    clock: ClockHandle,
    credentials: Vec<Credential>,
    data_dir: Option<PathBuf>,
    shutdown: Option<oneshot::Sender<()>>,
    closer: Option<Closer>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl std::fmt::Debug for EmulatorHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmulatorHandle")
            .field("addr", &self.addr)
            .field("data_dir", &self.data_dir)
            .field("real_instances", &self.real)
            .finish_non_exhaustive()
    }
}

impl EmulatorHandle {
    /// `http://127.0.0.1:PORT` (no trailing slash).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The bound address.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The virtual clock.
    pub fn clock(&self) -> &ClockHandle {
        &self.clock
    }

    /// Accepted credentials (the test default when none were configured).
    pub fn credentials(&self) -> &[Credential] {
        &self.credentials
    }

    /// The first accepted credential.
    pub fn default_credential(&self) -> &Credential {
        // `start` always puts at least one credential in the list.
        &self.credentials[0]
    }

    /// The data directory, when state is durable.
    pub fn data_dir(&self) -> Option<&std::path::Path> {
        self.data_dir.as_deref()
    }

    /// Stops accepting connections, lets running requests finish for at most
    /// [`SHUTDOWN_GRACE`], then closes the connections still open (a client that sent half a
    /// request and waits cannot hold the emulator up); then stops the engines cleanly (their
    /// tasks resume at the next start with the same data directory) and the `redis-server`
    /// processes it started, and waits.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(mut task) = self.task.take() {
            if tokio::time::timeout(SHUTDOWN_GRACE, &mut task)
                .await
                .is_err()
            {
                tracing::info!("closing the connections still open after the shutdown grace");
                if let Some(c) = &self.closer {
                    c.close();
                }
                let _ = task.await;
            }
        }
        setup::shutdown(&self.app).await;
    }

    /// Serves until `signal` completes (e.g. ctrl-c), then shuts down gracefully.
    pub async fn run_until(self, signal: impl std::future::Future<Output = ()>) {
        signal.await;
        self.shutdown().await;
    }
}

impl Drop for EmulatorHandle {
    /// Stops the server without waiting: new connections are refused at once, and those
    /// still open after [`SHUTDOWN_GRACE`] are closed; so are the `redis-server` processes
    /// it started.
    fn drop(&mut self) {
        // The engines are asked to stop and the redis-server processes are killed at once.
        let _ = self.app.plane.shutdown_runs();
        self.app.plane.stop_spawned();
        let (Some(closer), Some(_)) = (self.closer.take(), self.task.as_ref()) else {
            return;
        };
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            rt.spawn(async move {
                tokio::time::sleep(SHUTDOWN_GRACE).await;
                closer.close();
            });
        }
    }
}
