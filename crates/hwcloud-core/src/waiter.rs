//! Waiters: poll an operation until a state field reaches a success or failure value of a
//! spec-defined [`WaiterDef`], with backoff, a maximum wait and a progress callback.

use crate::error::Error;
use crate::operation::Operation;
use crate::runtime::{CallOptions, Response, Runtime};
use crate::waiter_def::{WaitOutcome, WaiterDef};
use std::time::{Duration, Instant};

/// How long and how often to poll.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WaitOptions {
    /// Give up after this long.
    pub max_wait: Duration,
    /// First delay between polls.
    pub min_delay: Duration,
    /// Delays grow ×1.5 per poll up to this.
    pub max_delay: Duration,
}

impl Default for WaitOptions {
    fn default() -> Self {
        WaitOptions {
            max_wait: Duration::from_secs(3600),
            min_delay: Duration::from_secs(2),
            max_delay: Duration::from_secs(30),
        }
    }
}

/// What a progress callback sees after each poll.
#[derive(Debug)]
pub struct WaitProgress<'a, T> {
    /// The state field's wire value (empty when absent).
    pub state: &'a str,
    /// Polls so far (1 after the first).
    pub polls: u32,
    /// Time since the wait started.
    pub elapsed: Duration,
    /// The whole polled response.
    pub output: &'a T,
}

type ProgressFn<T> = Box<dyn FnMut(&WaitProgress<'_, T>) + Send>;

/// A wait in preparation; run it with [`Waiter::wait`].
pub struct Waiter<O: Operation> {
    runtime: Runtime,
    input: O,
    def: &'static WaiterDef<O::Output>,
    options: WaitOptions,
    progress: Option<ProgressFn<O::Output>>,
}

impl<O: Operation> std::fmt::Debug for Waiter<O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Waiter")
            .field("waiter", &self.def.name)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl<O: Operation> Waiter<O> {
    /// A waiter polling `input` until `def` says done.
    pub fn new(runtime: Runtime, input: O, def: &'static WaiterDef<O::Output>) -> Self {
        Waiter {
            runtime,
            input,
            def,
            options: WaitOptions::default(),
            progress: None,
        }
    }

    /// Gives up after `max_wait`.
    pub fn max_wait(mut self, max_wait: Duration) -> Self {
        self.options.max_wait = max_wait;
        self
    }

    /// Polling delays: first `min`, growing to `max`.
    pub fn delays(mut self, min: Duration, max: Duration) -> Self {
        self.options.min_delay = min;
        self.options.max_delay = max.max(min);
        self
    }

    /// Replaces all options.
    pub fn options(mut self, options: WaitOptions) -> Self {
        self.options = options;
        self
    }

    /// Called after every poll with the state and the response.
    pub fn on_progress(
        mut self,
        f: impl FnMut(&WaitProgress<'_, O::Output>) + Send + 'static,
    ) -> Self {
        self.progress = Some(Box::new(f));
        self
    }

    /// Polls until success (the last response), failure ([`Error::WaitFailed`]) or
    /// timeout ([`Error::WaitTimeout`]). Errors of the polled call end the wait.
    pub async fn wait(mut self) -> Result<Response<O::Output>, Error> {
        let started = Instant::now();
        let mut delay = self.options.min_delay;
        let mut polls = 0u32;
        loop {
            let resp = self
                .runtime
                .call(&self.input, CallOptions::default())
                .await?;
            polls += 1;
            let state = self.def.state_of(&resp.output).to_owned();
            let elapsed = started.elapsed();
            if let Some(cb) = self.progress.as_mut() {
                cb(&WaitProgress {
                    state: &state,
                    polls,
                    elapsed,
                    output: &resp.output,
                });
            }
            match self.def.classify(&state) {
                WaitOutcome::Success => return Ok(resp),
                WaitOutcome::Failure => {
                    return Err(Error::WaitFailed {
                        waiter: self.def.name,
                        state,
                        request_id: resp.request_id,
                    });
                }
                WaitOutcome::Pending => {}
            }
            let left = self.options.max_wait.saturating_sub(elapsed);
            if left.is_zero() {
                return Err(Error::WaitTimeout {
                    waiter: self.def.name,
                    last_state: state,
                    elapsed,
                });
            }
            tokio::time::sleep(delay.min(left)).await;
            delay = delay.mul_f64(1.5).min(self.options.max_delay);
        }
    }
}
