//! The life of the replication link: the first connection (made by `Replication::start`),
//! then, after each cut, a reconnection (`auto`: exponential backoff, forever, until stopped)
//! or a stop with the resume point (`manual`). Messages to the consumer go through a small
//! channel; the data itself goes through the spools.

use super::ack::AckState;
use super::link::Established;
use super::{ReplError, ResumeMode, ResumePoint, SourceOptions};
use crate::conn::Connection;
use crate::metrics::{Level, Metrics, Phase};
use crate::spool::{SpoolReader, SpoolWriter};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch};

/// First delay between attempts; doubled up to the mode's `max_backoff`.
const FIRST_BACKOFF: Duration = Duration::from_millis(100);
/// Shortest delay between attempts, whatever `max_backoff` says.
const MIN_BACKOFF: Duration = Duration::from_millis(50);

/// From the session to the consumer.
#[derive(Debug)]
pub(super) enum Msg {
    /// A full resync: the snapshot, then the stream from `offset + 1`.
    Full {
        replid: String,
        offset: u64,
        rdb: SpoolReader,
        rdb_size: Option<u64>,
        stream: SpoolReader,
    },
    /// A stream resumed with no stream before it (a start with a resume point).
    Continue { offset: u64, stream: SpoolReader },
    /// Manual mode: the link is gone.
    Lost {
        reason: String,
        resume: Option<ResumePoint>,
    },
    /// Replication cannot go on.
    Fatal(ReplError),
}

/// The session's state, kept across connections.
#[derive(Debug)]
pub(super) struct Session {
    pub(super) opts: SourceOptions,
    pub(super) metrics: Arc<Metrics>,
    pub(super) ack: Arc<AckState>,
    tx: mpsc::Sender<Msg>,
    /// Where the next `PSYNC` starts: the end of the last whole command spooled.
    pub(super) resume: Option<ResumePoint>,
    /// The stream spool of the current phase; a `+CONTINUE` appends to it.
    pub(super) stream: Option<SpoolWriter>,
}

/// Exponential delays, capped.
#[derive(Debug)]
struct Backoff {
    next: Duration,
    max: Duration,
    attempt: u32,
}

impl Backoff {
    fn new(max: Duration) -> Self {
        let max = max.max(MIN_BACKOFF);
        Self {
            next: FIRST_BACKOFF.min(max),
            max,
            attempt: 0,
        }
    }

    /// The next delay, at least `floor` (capped by the maximum).
    fn next_at_least(&mut self, floor: Duration) -> Duration {
        self.next().max(floor.min(self.max))
    }

    fn next(&mut self) -> Duration {
        let d = self.next;
        self.next = (self.next * 2).min(self.max);
        self.attempt = self.attempt.saturating_add(1);
        d
    }

    fn reset(&mut self) {
        *self = Backoff::new(self.max);
    }
}

impl Session {
    pub(super) fn new(
        opts: SourceOptions,
        metrics: Arc<Metrics>,
        ack: Arc<AckState>,
        tx: mpsc::Sender<Msg>,
        resume: Option<ResumePoint>,
    ) -> Self {
        Self {
            opts,
            metrics,
            ack,
            tx,
            resume,
            stream: None,
        }
    }

    pub(super) async fn send(&self, msg: Msg) -> Result<(), ()> {
        self.tx.send(msg).await.map_err(|_| ())
    }

    fn max_backoff(&self) -> Option<Duration> {
        match self.opts.resume {
            ResumeMode::Auto { max_backoff } => Some(max_backoff),
            ResumeMode::Manual => None,
        }
    }

    /// The first connection. Errors are returned at once (a wrong address, password or a
    /// refusing source should not hang a start), except "not ready" answers in auto mode,
    /// which are waited out.
    pub(super) async fn establish_first(&self) -> Result<(Connection, Established), ReplError> {
        let mut backoff = Backoff::new(self.max_backoff().unwrap_or_default());
        loop {
            match self.establish().await {
                Err(ReplError::NotReady {
                    addr,
                    reason,
                    after,
                }) if self.max_backoff().is_some() => {
                    let wait = backoff.next_at_least(after);
                    self.metrics.event(
                        Level::Warn,
                        format!("source {addr} is not ready ({reason}); retrying in {wait:?}"),
                    );
                    tokio::time::sleep(wait).await;
                }
                other => return other,
            }
        }
    }

    /// Runs links until stopped, a fatal error, or (manual mode) the first cut.
    pub(super) async fn run(
        mut self,
        first: (Connection, Established),
        mut stop: watch::Receiver<bool>,
    ) {
        let mut next = Some(first);
        let mut backoff = Backoff::new(self.max_backoff().unwrap_or_default());
        let mut phase_before_cut = None;
        loop {
            let (conn, est) = match next.take() {
                Some(link) => link,
                None => {
                    let attempt = tokio::select! {
                        _ = stop.changed() => return,
                        r = self.establish() => r,
                    };
                    match attempt {
                        Ok(link) => {
                            backoff.reset();
                            if let Some(p) = phase_before_cut.take() {
                                self.metrics.set_phase(p);
                            }
                            link
                        }
                        Err(e) => {
                            if !self.after_failure(e, &mut backoff, &mut stop).await {
                                return;
                            }
                            continue;
                        }
                    }
                }
            };
            let ended = tokio::select! {
                _ = stop.changed() => return,
                e = self.run_link(conn, est) => e,
            };
            if self.tx.is_closed() {
                return;
            }
            if phase_before_cut.is_none() {
                phase_before_cut = Some(self.metrics.phase());
            }
            if !self.after_failure(ended, &mut backoff, &mut stop).await {
                return;
            }
        }
    }

    /// Reports a failed link or attempt; waits before the next attempt. Returns whether to
    /// go on.
    async fn after_failure(
        &mut self,
        error: ReplError,
        backoff: &mut Backoff,
        stop: &mut watch::Receiver<bool>,
    ) -> bool {
        let addr = self.opts.endpoint.addr();
        if self.tx.is_closed() {
            return false;
        }
        match self.max_backoff() {
            Some(_) if error.is_transient() => {
                let wait = match &error {
                    ReplError::NotReady { after, .. } => backoff.next_at_least(*after),
                    _ => backoff.next(),
                };
                self.metrics.event(
                    Level::Warn,
                    format!(
                        "link to source {addr} lost: {error}; reconnecting in {wait:?} (attempt {})",
                        backoff.attempt
                    ),
                );
                self.metrics.set_phase(Phase::Reconnecting);
                tokio::select! {
                    _ = stop.changed() => false,
                    _ = tokio::time::sleep(wait) => true,
                }
            }
            None if error.is_transient() => {
                let reason = error.to_string();
                self.metrics.event(
                    Level::Error,
                    format!("link to source {addr} lost: {reason}; stopped (manual resume)"),
                );
                self.end_stream();
                let resume = self.resume.clone();
                let _ = self.send(Msg::Lost { reason, resume }).await;
                false
            }
            _ => {
                self.metrics.event(
                    Level::Error,
                    format!("replication from source {addr} stopped: {error}"),
                );
                self.end_stream();
                let _ = self.send(Msg::Fatal(error)).await;
                false
            }
        }
    }

    /// Lets the consumer drain what the stream spool holds, then see its end.
    fn end_stream(&mut self) {
        if let Some(w) = self.stream.take() {
            w.finish();
        }
    }
}
