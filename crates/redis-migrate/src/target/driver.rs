//! The connection task behind a [`super::Pipeline`]: a writer and a reply reader per
//! connection, and the recovery loop around them (retry after `BUSY`/`LOADING`, reconnect
//! after a cut).

use super::batch::{CmdInfo, display_key};
use super::error::PipelineError;
use super::pipeline::Shared;
use super::reply::{self, ErrorClass};
use super::window::{Refused, Unreplayable};
use crate::conn::{ConnError, Connection, Reader, Writer};
use crate::metrics::{Level, Metrics};
use crate::resp::Frame;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How one attempt on a connection ended.
enum End {
    /// `close()` was called and everything is acknowledged.
    Closed,
    /// The pipeline failed (already recorded).
    Failed,
    /// A retryable refusal; every written command has been answered.
    Halted,
    /// The connection broke, stalled, or was left in a state it cannot be used in.
    Lost(String),
}

/// How often the reader looks at the clock and the state while waiting for a reply.
const TICK: Duration = Duration::from_millis(100);

pub(super) async fn run(shared: Arc<Shared>, mut first: Connection) {
    let mut client_id = client_id(&mut first).await;
    let (mut r, mut w) = first.into_split();
    let mut retries = Budget::default();
    let mut reconnects = Budget::default();
    loop {
        let Some(cause) = run_connection(&shared, &mut r, &mut w, &mut retries).await else {
            return;
        };
        shared.metrics.event(
            Level::Warn,
            format!("target {}: {cause}; reconnecting", shared.addr),
        );
        let Some(db) = plan(&shared, &cause) else {
            return;
        };
        let mut last = cause;
        loop {
            let Some(mut conn) = reconnect(&shared, &mut reconnects, &last).await else {
                return;
            };
            // The old connection may still hold commands a stalled server has not run yet:
            // end it before anything is sent again.
            if let Some(old) = client_id {
                let _ = conn
                    .call_timeout(
                        &["CLIENT", "KILL", "ID", &old.to_string()],
                        shared.config.connect_timeout,
                    )
                    .await;
            }
            client_id = self::client_id(&mut conn).await;
            (r, w) = conn.into_split();
            match select_db(&shared, &mut r, &mut w, &mut retries, db, false).await {
                Ok(true) => break,
                Ok(false) => return,
                Err(e) => last = e.to_string(),
            }
        }
    }
}

/// Attempts on one connection, retrying after `BUSY`/`LOADING`, until it breaks (`Some`, with
/// the cause) or the pipeline ends (`None`).
async fn run_connection(
    shared: &Shared,
    r: &mut Reader,
    w: &mut Writer,
    retries: &mut Budget,
) -> Option<String> {
    loop {
        match attempt(shared, r, w).await {
            End::Closed | End::Failed => return None,
            End::Lost(e) => return Some(e),
            End::Halted => {
                let db = retry_after_refusal(shared, retries).await?;
                match select_db(shared, r, w, retries, db, true).await {
                    Ok(true) => {}
                    Ok(false) => return None,
                    Err(e) => return Some(e.to_string()),
                }
            }
        }
    }
}

/// Counts attempts since the last acknowledged progress.
#[derive(Default)]
struct Budget {
    used: u32,
    at_batches: u64,
}

impl Budget {
    /// The next attempt number, starting again at 1 when batches were acknowledged since.
    fn next(&mut self, batches_acked: u64) -> u32 {
        if batches_acked != self.at_batches {
            self.used = 0;
            self.at_batches = batches_acked;
        }
        self.used += 1;
        self.used
    }
}

async fn client_id(conn: &mut Connection) -> Option<i64> {
    match conn
        .call_timeout(&["CLIENT", "ID"], Duration::from_secs(5))
        .await
    {
        Ok(Frame::Integer(id)) => Some(id),
        _ => None,
    }
}

/// Runs the writer and the reader on one connection until one of them ends the attempt.
async fn attempt(shared: &Shared, r: &mut Reader, w: &mut Writer) -> End {
    shared.lock().writer_stopped = false;
    let writer = write_loop(shared, w);
    let reader = read_loop(shared, r);
    tokio::pin!(writer, reader);
    let mut writer_done = false;
    loop {
        tokio::select! {
            res = &mut writer, if !writer_done => match res {
                Err(e) => return End::Lost(e.to_string()),
                Ok(()) => {
                    writer_done = true;
                    let st = shared.lock();
                    if st.failed.is_some() {
                        return End::Failed;
                    }
                    if st.window.drained() {
                        return End::Halted;
                    }
                }
            },
            end = &mut reader => return end,
        }
    }
}

/// Writes whatever the window hands out, in rate-limited pieces. Returns when halted at a
/// batch boundary or when the pipeline failed.
async fn write_loop(shared: &Shared, w: &mut Writer) -> Result<(), ConnError> {
    loop {
        let work = shared.work.notified();
        tokio::pin!(work);
        work.as_mut().enable();
        let parts = {
            let mut st = shared.lock();
            if st.failed.is_some() {
                st.writer_stopped = true;
                return Ok(());
            }
            let parts = st.window.next_write(shared.rate.piece());
            if parts.is_empty() && st.window.halted().is_some() {
                st.writer_stopped = true;
                drop(st);
                shared.wake_reader.notify_waiters();
                return Ok(());
            }
            parts
        };
        if parts.is_empty() {
            work.await;
            continue;
        }
        let n: usize = parts.iter().map(|p| p.len()).sum();
        shared.rate.acquire(n).await;
        for p in &parts {
            w.queue_raw(p);
        }
        w.flush().await?;
        Metrics::add(&shared.metrics.target_bytes, n as u64);
        shared.lock().last_progress = Instant::now();
    }
}

/// Reads replies into the window until the attempt ends.
async fn read_loop(shared: &Shared, r: &mut Reader) -> End {
    loop {
        let wake = shared.wake_reader.notified();
        tokio::pin!(wake);
        wake.as_mut().enable();
        if let Some(end) = check(shared) {
            return end;
        }
        let frame = tokio::select! {
            f = r.read_frame() => f,
            () = &mut wake => continue,
            () = tokio::time::sleep(TICK) => continue,
        };
        let mut frame = match frame {
            Ok(f) => f,
            Err(e) => return End::Lost(e.to_string()),
        };
        // Every reply already received is taken under one lock, and published once.
        let mut st = shared.lock();
        st.last_progress = Instant::now();
        loop {
            if let Err(refused) = st.window.on_reply(frame) {
                let acked = st.window.acked();
                drop(st);
                shared.fail(refused_error(shared, refused, acked));
                return End::Failed;
            }
            if st.window.poisoned() {
                shared.publish(&st);
                return End::Lost(format!(
                    "{}: EXEC was refused and the server keeps the transaction open",
                    shared.addr
                ));
            }
            match r.try_frame() {
                Ok(Some(f)) => frame = f,
                Ok(None) => break,
                Err(e) => {
                    shared.publish(&st);
                    return End::Lost(e.to_string());
                }
            }
        }
        shared.publish(&st);
        if st.window.halted().is_some() && !st.writer_stopped {
            // The writer may be idle, waiting for work: it has to notice the halt and stop.
            drop(st);
            shared.work.notify_waiters();
        }
    }
}

/// Whether the attempt is over, judging from the state alone.
fn check(shared: &Shared) -> Option<End> {
    let st = shared.lock();
    if st.failed.is_some() {
        return Some(End::Failed);
    }
    if st.closing && st.window.is_empty() {
        return Some(End::Closed);
    }
    let drained = st.window.drained();
    if st.window.halted().is_some() && st.writer_stopped && drained {
        return Some(End::Halted);
    }
    let stalled = st.last_progress.elapsed();
    if !drained && stalled >= shared.config.reply_timeout {
        let e = ConnError::Timeout {
            addr: shared.addr.clone(),
            what: "replies",
            after: stalled,
        };
        return Some(End::Lost(e.to_string()));
    }
    None
}

fn refused_error(shared: &Shared, r: Refused, acked: super::Acked) -> PipelineError {
    PipelineError::Refused {
        addr: shared.addr.clone(),
        command: r.cmd.name_upper(),
        key: r.cmd.key_display(),
        db: r.db,
        refusal: r.refusal,
        message: reply::describe(&r.line),
        acked,
    }
}

/// After a drained retryable refusal: counts the attempt, waits, and plans the resend.
/// Returns the database to select, `None` when the pipeline failed.
async fn retry_after_refusal(shared: &Shared, budget: &mut Budget) -> Option<u32> {
    let (reject, batches) = {
        let st = shared.lock();
        (st.window.halted().cloned(), st.window.acked().batches)
    };
    let Some(reject) = reject else {
        return plan(shared, "");
    };
    let n = budget.next(batches);
    let message = reply::describe(&reject.line);
    if n > shared.config.retry.attempts {
        let acked = shared.lock().window.acked();
        shared.fail(PipelineError::RetriesExhausted {
            addr: shared.addr.clone(),
            command: reject.info.name_upper(),
            key: reject.info.key_display(),
            message,
            attempts: n - 1,
            acked,
        });
        return None;
    }
    let delay = shared.config.retry.delay(n);
    shared.metrics.event(
        Level::Warn,
        format!(
            "target {}: {}{} answered \"{message}\"; retrying in {delay:?} (attempt {n})",
            shared.addr,
            reject.info.name_upper(),
            on_key(&reject.info),
        ),
    );
    tokio::time::sleep(delay).await;
    let cause = format!(
        "the target answered \"{message}\" to {} and ran later commands before it",
        reject.info.name_upper()
    );
    plan(shared, &cause)
}

fn on_key(cmd: &CmdInfo) -> String {
    cmd.key
        .as_deref()
        .map(|k| format!(" on key \"{}\"", display_key(k)))
        .unwrap_or_default()
}

/// Decides what to resend; fails the pipeline when something must not run twice. Returns the
/// database to select.
fn plan(shared: &Shared, cause: &str) -> Option<u32> {
    let mut st = shared.lock();
    match st.window.plan() {
        Ok(db) => Some(db),
        Err(Unreplayable { cmd, .. }) => {
            let acked = st.window.acked();
            drop(st);
            shared.fail(PipelineError::Unreplayable {
                addr: shared.addr.clone(),
                command: cmd.name_upper(),
                key: cmd.key_display(),
                cause: cause.to_owned(),
                acked,
            });
            None
        }
    }
}

/// Selects the database the resend starts in. On a fresh connection database 0 needs no
/// `SELECT`. `Ok(false)` when the pipeline failed.
async fn select_db(
    shared: &Shared,
    r: &mut Reader,
    w: &mut Writer,
    budget: &mut Budget,
    db: u32,
    same_connection: bool,
) -> Result<bool, ConnError> {
    let (uses_select, batches) = {
        let st = shared.lock();
        (st.window.uses_select(), st.window.acked().batches)
    };
    if db == 0 && !(same_connection && uses_select) {
        return Ok(true);
    }
    loop {
        w.queue(&["SELECT", &db.to_string()]);
        w.flush().await?;
        let reply = tokio::time::timeout(shared.config.reply_timeout, r.read_frame())
            .await
            .map_err(|_| ConnError::Timeout {
                addr: shared.addr.clone(),
                what: "SELECT",
                after: shared.config.reply_timeout,
            })??;
        let Frame::Error(line) = reply else {
            return Ok(true);
        };
        let n = budget.next(batches);
        match reply::classify(&line) {
            ErrorClass::Retryable if n <= shared.config.retry.attempts => {
                tokio::time::sleep(shared.config.retry.delay(n)).await;
            }
            class => {
                let acked = shared.lock().window.acked();
                let refusal = match class {
                    ErrorClass::Fatal(r) => r,
                    ErrorClass::Retryable => super::Refusal::Other,
                };
                shared.fail(PipelineError::Refused {
                    addr: shared.addr.clone(),
                    command: "SELECT".into(),
                    key: None,
                    db,
                    refusal,
                    message: reply::describe(&line),
                    acked,
                });
                return Ok(false);
            }
        }
    }
}

/// Connects again with backoff; `None` when the pipeline failed.
async fn reconnect(shared: &Shared, budget: &mut Budget, cause: &str) -> Option<Connection> {
    let mut last = cause.to_owned();
    loop {
        let batches = shared.lock().window.acked().batches;
        let n = budget.next(batches);
        if n > shared.config.reconnect.attempts {
            let acked = shared.lock().window.acked();
            shared.fail(PipelineError::Disconnected {
                addr: shared.addr.clone(),
                attempts: n - 1,
                cause: last,
                acked,
            });
            return None;
        }
        tokio::time::sleep(shared.config.reconnect.delay(n)).await;
        if shared.lock().failed.is_some() {
            return None;
        }
        match Connection::connect(&shared.endpoint, shared.config.connect_timeout).await {
            Ok(c) => {
                shared.metrics.event(
                    Level::Info,
                    format!("target {}: reconnected (attempt {n})", shared.addr),
                );
                return Some(c);
            }
            Err(e) if e.is_transient() => last = e.to_string(),
            Err(e) => {
                let acked = shared.lock().window.acked();
                shared.fail(PipelineError::Disconnected {
                    addr: shared.addr.clone(),
                    attempts: n,
                    cause: e.to_string(),
                    acked,
                });
                return None;
            }
        }
    }
}
