//! `hwcloud dcs wait-migration-task`, `dcs wait-job`, `sms wait-task`: the SDK waiters with a
//! progress bar on a terminal and plain lines otherwise (both on stderr; the final resource
//! goes to stdout).

use crate::runner::{CliError, Outcome, arg, finish, id_arg};
use clap::{Arg, ArgMatches, Command};
use hwcloud_core::operation::Operation;
use hwcloud_core::waiter::{WaitOptions, WaitProgress, Waiter};
use hwcloud_core::{Error, Response};
use hwcloud_dcs::types::MigrationTask;
use hwcloud_sms::types::Task;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::{IsTerminal, Write};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub const DCS_TASK: &str = "wait-migration-task";
pub const DCS_JOB: &str = "wait-job";
pub const SMS_TASK: &str = "wait-task";

fn timing_args(c: Command) -> Command {
    c.arg(
        Arg::new("max-wait")
            .long("max-wait")
            .value_name("SECONDS")
            .default_value("3600")
            .value_parser(positive_seconds)
            .help("Give up after this long (exit 4)"),
    )
    .arg(
        Arg::new("interval")
            .long("interval")
            .value_name("SECONDS")
            .default_value("2")
            .value_parser(positive_seconds)
            .help("Seconds between polls"),
    )
}

pub fn dcs_task_command() -> Command {
    timing_args(
        Command::new(DCS_TASK)
            .about("Wait until a migration task is done (SUCCESS, or INCRMIGEATING for incremental) or, with --until stopped, TERMINATED")
            .arg(Arg::new("task-id").required(true).value_name("TASK_ID"))
            .arg(
                Arg::new("until")
                    .long("until")
                    .value_parser(["done", "stopped"])
                    .default_value("done"),
            ),
    )
}

pub fn dcs_job_command() -> Command {
    timing_args(
        Command::new(DCS_JOB)
            .about("Wait until a background job (e.g. the migration machine's creation) succeeds")
            .arg(Arg::new("job-id").required(true).value_name("JOB_ID")),
    )
}

pub fn sms_task_command() -> Command {
    timing_args(
        Command::new(SMS_TASK)
            .about("Wait until an SMS migration task reaches MIGRATE_SUCCESS")
            .arg(Arg::new("task-id").required(true).value_name("TASK_ID")),
    )
}

/// Parses a `SECONDS` flag value: a positive, finite number of seconds that is not too small
/// to make a delay (so `--interval 0` cannot make a waiter poll with no pause). As a clap value
/// parser, a bad value is a usage error (exit 2) naming the flag.
pub fn positive_seconds(text: &str) -> Result<Duration, String> {
    let bad = || "must be a positive number of seconds".to_owned();
    let secs: f64 = text.parse().map_err(|_| bad())?;
    if !(secs.is_finite() && secs > 0.0) {
        return Err(bad());
    }
    match Duration::try_from_secs_f64(secs) {
        Ok(d) if !d.is_zero() => Ok(d),
        _ => Err(bad()),
    }
}

/// Polls every `interval` (no backoff) and gives up after `max_wait`.
pub fn every(interval: Duration, max_wait: Duration) -> WaitOptions {
    WaitOptions {
        max_wait,
        min_delay: interval,
        max_delay: interval,
    }
}

/// `--interval` and `--max-wait` (both have defaults and are validated by clap).
fn timing(m: &ArgMatches) -> WaitOptions {
    let secs = |id: &str| {
        m.get_one::<Duration>(id)
            .copied()
            .unwrap_or_else(|| unreachable!("--{id} has a default value"))
    };
    every(secs("interval"), secs("max-wait"))
}

/// Progress shown while waiting: a bar on a terminal, plain lines when piped.
#[derive(Clone)]
pub struct Progress {
    bar: Option<ProgressBar>,
    state: Arc<Mutex<ProgressState>>,
}

#[derive(Default)]
struct ProgressState {
    status: String,
    percent: Option<f64>,
    detail: String,
    last_line: String,
}

impl Progress {
    /// A bar labelled `what` when stderr is a terminal, else plain lines.
    pub fn new(what: &str) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let b = ProgressBar::new(100);
            b.set_style(
                ProgressStyle::with_template(
                    "{spinner} {prefix} [{bar:30}] {pos:>3}% {msg} ({elapsed})",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
            );
            b.set_prefix(what.to_owned());
            b.enable_steady_tick(Duration::from_millis(120));
            b
        });
        Progress {
            bar,
            state: Arc::default(),
        }
    }

    pub fn status(&self, status: &str) {
        self.update(|s| s.status = status.to_owned());
    }

    pub fn stats(&self, percent: Option<f64>, detail: String) {
        self.update(|s| {
            if percent.is_some() {
                s.percent = percent;
            }
            s.detail = detail;
        });
    }

    fn update(&self, f: impl FnOnce(&mut ProgressState)) {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut s);
        let pct = s.percent.map(|p| p.clamp(0.0, 100.0));
        let mut msg = format!(
            "status={}",
            if s.status.is_empty() { "?" } else { &s.status }
        );
        if let Some(p) = pct {
            msg.push_str(&format!(" progress={p:.0}%"));
        }
        if !s.detail.is_empty() {
            msg.push(' ');
            msg.push_str(&s.detail);
        }
        match &self.bar {
            Some(bar) => {
                if let Some(p) = pct {
                    bar.set_position(p as u64);
                }
                bar.set_message(msg);
            }
            None => {
                if msg != s.last_line {
                    let _ = writeln!(std::io::stderr(), "{msg}");
                    s.last_line = msg;
                }
            }
        }
    }

    pub fn finish(&self, ok: bool) {
        if let Some(bar) = &self.bar {
            if ok {
                bar.set_position(100);
            }
            bar.finish();
        }
    }
}

fn num(v: &Option<hwcloud_core::NumberOrString>) -> Option<f64> {
    v.as_ref().and_then(|n| n.as_f64())
}

/// Which state a migration-task wait ends at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Until {
    /// SUCCESS, or INCRMIGEATING for incremental migration.
    Done,
    /// TERMINATED.
    Stopped,
}

/// Runs `waiter` with `options`, calling `on_poll` with `progress` after every poll; then
/// stops `side_task` (if any) and finishes the progress display.
async fn watch<O>(
    waiter: Waiter<O>,
    options: WaitOptions,
    progress: Progress,
    side_task: Option<tokio::task::JoinHandle<()>>,
    on_poll: impl Fn(&Progress, &WaitProgress<'_, O::Output>) + Send + 'static,
) -> Result<Response<O::Output>, Error>
where
    O: Operation,
    O::Output: serde::Serialize,
{
    let p = progress.clone();
    let result = waiter
        .options(options)
        .on_progress(move |w| on_poll(&p, w))
        .wait()
        .await;
    if let Some(task) = side_task {
        task.abort();
    }
    progress.finish(result.is_ok());
    result
}

/// Waits for a migration task with the SDK waiter, showing its status; a side task polls
/// `/stats` for percent and keys. Used by `wait-migration-task` and by `demo`.
pub async fn migration_task_with_progress(
    client: &hwcloud_dcs::Client,
    task_id: &str,
    until: Until,
    options: WaitOptions,
) -> Result<Response<MigrationTask>, Error> {
    let progress = Progress::new(&format!("task {task_id}"));
    let stats = {
        let (client, id, p) = (client.clone(), task_id.to_owned(), progress.clone());
        let every = options.min_delay.max(Duration::from_millis(50));
        tokio::spawn(async move {
            loop {
                if let Ok(s) = client
                    .show_migration_task_stats()
                    .task_id(id.clone())
                    .send()
                    .await
                {
                    let keys = match (num(&s.target_dbsize), num(&s.source_dbsize)) {
                        (Some(t), Some(src)) => format!("keys={t:.0}/{src:.0}"),
                        (Some(t), None) => format!("keys={t:.0}"),
                        _ => String::new(),
                    };
                    p.stats(num(&s.full_migration_progress), keys);
                }
                tokio::time::sleep(every).await;
            }
        })
    };
    let waiter = match until {
        Until::Stopped => client.wait_until_migration_task_stopped(task_id),
        Until::Done => client.wait_until_migration_task_done(task_id),
    };
    watch(waiter, options, progress, Some(stats), |p, w| {
        p.status(w.state)
    })
    .await
}

/// Waits for an SMS task with the SDK waiter, showing its state and current sub-task.
/// Used by `sms wait-task` and by `demo`.
pub async fn sms_task_with_progress(
    client: &hwcloud_sms::Client,
    task_id: &str,
    options: WaitOptions,
) -> Result<Response<Task>, Error> {
    let progress = Progress::new(&format!("task {task_id}"));
    let waiter = client.wait_until_task_done(task_id);
    watch(waiter, options, progress, None, |p, w| {
        p.status(w.state);
        let (pct, current) = sms_progress(w.output);
        p.stats(pct, current);
    })
    .await
}

/// `dcs wait-migration-task`.
pub async fn dcs_task(client: &hwcloud_dcs::Client, m: &ArgMatches) -> Result<Outcome, CliError> {
    let until = if arg(m, "until") == "stopped" {
        Until::Stopped
    } else {
        Until::Done
    };
    let task_id = id_arg(m, "task-id", "TASK_ID")?;
    finish(migration_task_with_progress(client, &task_id, until, timing(m)).await)
}

/// `dcs wait-job`.
pub async fn dcs_job(client: &hwcloud_dcs::Client, m: &ArgMatches) -> Result<Outcome, CliError> {
    let job_id = id_arg(m, "job-id", "JOB_ID")?;
    let progress = Progress::new(&format!("job {job_id}"));
    let waiter = client.wait_until_job_done(job_id);
    finish(watch(waiter, timing(m), progress, None, |p, w| p.status(w.state)).await)
}

/// `sms wait-task`.
pub async fn sms_task(client: &hwcloud_sms::Client, m: &ArgMatches) -> Result<Outcome, CliError> {
    let task_id = id_arg(m, "task-id", "TASK_ID")?;
    finish(sms_task_with_progress(client, &task_id, timing(m)).await)
}

/// The running sub-task's progress and name: SMS adds sub-tasks as the migration moves on,
/// so the last one is the current step.
pub fn sms_progress(task: &hwcloud_sms::types::Task) -> (Option<f64>, String) {
    let subs = task.sub_tasks.as_deref().unwrap_or_default();
    match subs.last() {
        Some(last) => {
            let done = subs.iter().filter(|s| s.progress == Some(100)).count();
            let name = last.name.as_deref().unwrap_or("?");
            (
                last.progress.map(f64::from),
                format!("step={name} steps_done={done}"),
            )
        }
        None => (None, String::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_must_be_positive_and_finite() {
        assert_eq!(positive_seconds("2"), Ok(Duration::from_secs(2)));
        assert_eq!(positive_seconds("0.05"), Ok(Duration::from_millis(50)));
        for bad in [
            "0", "-1", "0.0", "1e-30", "nan", "inf", "-inf", "1e300", "x", "",
        ] {
            assert!(positive_seconds(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn timing_flags_become_fixed_delays() {
        let m = dcs_job_command()
            .try_get_matches_from(["wait-job", "J", "--interval", "0.5", "--max-wait", "9"])
            .unwrap();
        assert_eq!(
            timing(&m),
            WaitOptions {
                max_wait: Duration::from_secs(9),
                min_delay: Duration::from_millis(500),
                max_delay: Duration::from_millis(500),
            }
        );
        let m = sms_task_command()
            .try_get_matches_from(["wait-task", "T"])
            .unwrap();
        assert_eq!(
            timing(&m),
            every(Duration::from_secs(2), Duration::from_secs(3600))
        );
    }

    #[test]
    fn non_positive_timing_is_a_usage_error_naming_the_flag() {
        for (flag, value) in [
            ("--interval", "0"),
            ("--interval", "-1"),
            ("--max-wait", "0"),
            ("--max-wait", "inf"),
        ] {
            let e = dcs_task_command()
                .try_get_matches_from(["wait-migration-task", "T", &format!("{flag}={value}")])
                .unwrap_err();
            assert_eq!(e.kind(), clap::error::ErrorKind::ValueValidation);
            assert!(e.use_stderr());
            assert!(e.to_string().contains(flag), "{e}");
        }
    }
}
