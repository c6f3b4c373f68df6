//! One pipelined connection to the target: batches go out back to back, replies are checked
//! in order, and progress moves only when the target has answered.
//!
//! [`Pipeline::submit`] waits while the in-flight window is full (commands and bytes), so a
//! slow target slows the producer instead of growing memory. A task owns the connection: a
//! writer (rate-limited, in pieces) and a reply reader run side by side; on a retryable
//! refusal or a cut the task recovers as [`super::window`] decides (reconnect, re-`SELECT`,
//! resend) or stops with a [`PipelineError`] that every caller sees.

use super::batch::Batch;
use super::driver;
use super::error::PipelineError;
use super::window::{Acked, Window, WindowLimits};
use crate::conn::{ConnError, Connection};
use crate::endpoint::Endpoint;
use crate::metrics::Metrics;
use crate::ratelimit::RateLimit;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::sync::{Notify, mpsc, watch};
use tokio::task::JoinHandle;

/// Exponential backoff with a bounded number of attempts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub first: Duration,
    pub max: Duration,
    pub attempts: u32,
}

impl Backoff {
    /// The wait before attempt `n` (1-based): `first × 2^(n-1)`, at most `max`.
    pub fn delay(&self, n: u32) -> Duration {
        let factor = 1u32 << n.saturating_sub(1).min(16);
        self.first.saturating_mul(factor).min(self.max)
    }
}

/// How the pipeline behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PipelineConfig {
    /// In-flight bounds: 8192 commands and 16 MiB by default (a batch of small snapshot keys
    /// holds up to 1024 commands).
    pub window: WindowLimits,
    pub connect_timeout: Duration,
    /// With commands unanswered and nothing written or read for this long, the connection is
    /// treated as cut (a stalled target).
    pub reply_timeout: Duration,
    /// Reconnects after a cut: 100 ms doubling to 5 s, 10 attempts.
    pub reconnect: Backoff,
    /// Retries of a retryable refusal (`BUSY`, `LOADING`): 50 ms doubling to 1 s, 120
    /// attempts (about two minutes).
    pub retry: Backoff,
}

impl Default for PipelineConfig {
    fn default() -> Self {
        Self {
            window: WindowLimits {
                max_commands: 8192,
                max_bytes: 16 * 1024 * 1024,
            },
            connect_timeout: Duration::from_secs(10),
            reply_timeout: Duration::from_secs(60),
            reconnect: Backoff {
                first: Duration::from_millis(100),
                max: Duration::from_secs(5),
                attempts: 10,
            },
            retry: Backoff {
                first: Duration::from_millis(50),
                max: Duration::from_secs(1),
                attempts: 120,
            },
        }
    }
}

/// State shared by the handle and the connection task.
#[derive(Debug)]
pub(super) struct Shared {
    pub addr: String,
    pub endpoint: Endpoint,
    pub config: PipelineConfig,
    pub metrics: Arc<Metrics>,
    pub rate: Arc<RateLimit>,
    pub state: Mutex<State>,
    /// Window space freed, everything acknowledged, or the pipeline failed.
    pub space: Notify,
    /// A batch was submitted or the writer may resume.
    pub work: Notify,
    /// The reader should look at the state (close requested, writer stopped).
    pub wake_reader: Notify,
    pub acked_tx: watch::Sender<Acked>,
}

#[derive(Debug)]
pub(super) struct State {
    pub window: Window,
    pub failed: Option<PipelineError>,
    pub closing: bool,
    pub writer_stopped: bool,
    pub last_progress: Instant,
}

impl Shared {
    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Publishes the window's acknowledgements (metrics, watch) after a change.
    pub fn publish(&self, st: &State) {
        let now = st.window.acked();
        let before = *self.acked_tx.borrow();
        if now == before {
            return;
        }
        let m = &self.metrics;
        Metrics::add(&m.target_ops, now.commands - before.commands);
        Metrics::add(&m.keys_written, now.keys_written - before.keys_written);
        Metrics::add(
            &m.commands_applied,
            now.stream_commands - before.stream_commands,
        );
        if let Some(offset) = now.offset {
            m.offset_applied
                .fetch_max(offset, std::sync::atomic::Ordering::Relaxed);
        }
        self.acked_tx.send_replace(now);
        self.space.notify_waiters();
    }

    /// Stops the pipeline with `err` (the first error wins) and wakes every waiter.
    pub fn fail(&self, err: PipelineError) {
        let mut st = self.lock();
        if st.failed.is_none() {
            self.metrics
                .event(crate::metrics::Level::Error, err.to_string());
            st.failed = Some(err);
        }
        drop(st);
        self.space.notify_waiters();
        self.work.notify_waiters();
    }
}

/// The writer to one target. Dropping it stops the connection task.
#[derive(Debug)]
pub struct Pipeline {
    shared: Arc<Shared>,
    task: Mutex<Option<JoinHandle<()>>>,
}

impl Pipeline {
    /// Connects (logging in when the endpoint has a password) and starts the connection task.
    /// The connection starts in database 0; batches `SELECT` what they need.
    pub async fn connect(
        endpoint: Endpoint,
        config: PipelineConfig,
        rate: Arc<RateLimit>,
        metrics: Arc<Metrics>,
    ) -> Result<Pipeline, ConnError> {
        let conn = Connection::connect(&endpoint, config.connect_timeout).await?;
        let (acked_tx, _) = watch::channel(Acked::default());
        let shared = Arc::new(Shared {
            addr: endpoint.addr(),
            endpoint,
            config,
            metrics,
            rate,
            state: Mutex::new(State {
                window: Window::new(config.window),
                failed: None,
                closing: false,
                writer_stopped: false,
                last_progress: Instant::now(),
            }),
            space: Notify::new(),
            work: Notify::new(),
            wake_reader: Notify::new(),
            acked_tx,
        });
        let task = tokio::spawn(driver::run(shared.clone(), conn));
        Ok(Pipeline {
            shared,
            task: Mutex::new(Some(task)),
        })
    }

    /// `host:port` of the target.
    pub fn addr(&self) -> &str {
        &self.shared.addr
    }

    /// Queues a batch, waiting while the window is full. Fails once the pipeline has failed.
    pub async fn submit(&self, batch: Batch) -> Result<(), PipelineError> {
        loop {
            let space = self.shared.space.notified();
            tokio::pin!(space);
            space.as_mut().enable();
            {
                let mut st = self.shared.lock();
                if let Some(e) = &st.failed {
                    return Err(e.clone());
                }
                if st.closing {
                    return Err(PipelineError::Closed);
                }
                if st.window.has_room(&batch) {
                    st.window.push(batch);
                    self.shared.publish(&st);
                    drop(st);
                    self.shared.work.notify_waiters();
                    return Ok(());
                }
            }
            space.await;
        }
    }

    /// Submits every batch from `rx` in order (the snapshot visitor's channel), then waits
    /// until all are acknowledged.
    pub async fn submit_all(&self, mut rx: mpsc::Receiver<Batch>) -> Result<Acked, PipelineError> {
        while let Some(batch) = rx.recv().await {
            self.submit(batch).await?;
        }
        self.barrier().await
    }

    /// Waits until everything submitted is acknowledged.
    pub async fn barrier(&self) -> Result<Acked, PipelineError> {
        loop {
            let space = self.shared.space.notified();
            tokio::pin!(space);
            space.as_mut().enable();
            {
                let st = self.shared.lock();
                if let Some(e) = &st.failed {
                    return Err(e.clone());
                }
                if st.window.is_empty() {
                    return Ok(st.window.acked());
                }
            }
            space.await;
        }
    }

    /// What the target has acknowledged; changes as replies arrive.
    pub fn acked(&self) -> watch::Receiver<Acked> {
        self.shared.acked_tx.subscribe()
    }

    /// The error that stopped the pipeline, if it has stopped.
    pub fn error(&self) -> Option<PipelineError> {
        self.shared.lock().failed.clone()
    }

    /// Resolves once the pipeline has failed, with the error (never, while it works): for a
    /// caller that waits on something else and must not miss a failure meanwhile.
    pub async fn failed(&self) -> PipelineError {
        loop {
            let space = self.shared.space.notified();
            tokio::pin!(space);
            space.as_mut().enable();
            if let Some(e) = self.error() {
                return e;
            }
            space.await;
        }
    }

    /// Waits for everything to be acknowledged, then closes the connection.
    pub async fn close(&self) -> Result<Acked, PipelineError> {
        let acked = self.barrier().await?;
        self.shared.lock().closing = true;
        self.shared.wake_reader.notify_waiters();
        let task = self.task.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(task) = task {
            let _ = task.await;
        }
        match self.error() {
            Some(e) => Err(e),
            None => Ok(acked),
        }
    }
}

impl Drop for Pipeline {
    fn drop(&mut self) {
        if let Some(task) = self.task.lock().unwrap_or_else(|e| e.into_inner()).take() {
            task.abort();
        }
    }
}
