//! One engine run per migration task: resolve the servers, check the network policy, reach
//! both servers, start the engine (`Migration` for an online task, `import_files` for a
//! backup import), then follow it — its phase becomes the task status, its events the task
//! log, its checkpoint is stored — until it ends, is stopped, or the emulator stops.
//! [`super::finish`] records how it ended.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hwcloud_dcs::types::MigrationTaskStatus as Status;
use redis_migrate::conn::Connection;
use redis_migrate::endpoint::Endpoint;
use redis_migrate::engine::{
    Checkpoint, EngineError, ImportOutcome, ImportRunOptions, MigrateOptions, Migration,
    ResumePolicy, SyncMode, import_files,
};
use redis_migrate::metrics::{Event, Metrics, Phase, RateMeter};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::finish::{self, End, Outcome, Why};
use super::mapping::{self, RunKind};
use super::resolve::{self, JobSpec};
use super::state::{Control, Live, RunSlot};
use crate::app::App;
use crate::dcs::model::DcsTask;
use crate::profile::{self, Profile};
use crate::sync::lock;

const SVC: &Profile = &profile::DCS;
/// How often the runner looks at the engine.
const TICK: Duration = Duration::from_millis(200);
/// Limit for reaching a server before the engine starts, and for connecting during a run.
const CONNECT: Duration = Duration::from_secs(5);
/// Longest wait between reconnect attempts in auto resume mode.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// Starts run `run` of task `task_id` of `project` in the background.
pub fn spawn(app: &Arc<App>, project: String, task_id: String, run: u64) {
    let slot = app.plane.open_run(&task_id, run);
    let app = Arc::clone(app);
    tokio::spawn(async move {
        let RunSlot {
            run,
            live,
            mut control,
            done,
            ..
        } = slot;
        tracing::info!(task = %task_id, run, "migration engine run starting");
        let end = drive(&app, &project, &task_id, run, &live, &mut control).await;
        finish::record(&app, &project, &task_id, run, end, &live).await;
        let _ = std::fs::remove_dir_all(app.plane.spool_dir(&format!("{task_id}-{run}")));
        app.plane.close_run(&task_id, run);
        // Before saying it ended: a shutdown that waited for the run then releases the state
        // (and the data directory's lock) with the emulator.
        drop(app);
        let _ = done.send(true);
    });
}

/// The engine, whichever job it runs.
enum Running {
    Online(Migration),
    Import(JoinHandle<Result<ImportOutcome, EngineError>>),
}

impl Running {
    fn is_finished(&self) -> bool {
        match self {
            Running::Online(m) => m.is_finished(),
            Running::Import(h) => h.is_finished(),
        }
    }

    fn checkpoint(&self) -> Option<Checkpoint> {
        match self {
            Running::Online(m) => m.checkpoint(),
            Running::Import(_) => None,
        }
    }

    /// Waits for the end; with `stop`, asks for it first (an import is abandoned).
    async fn end(self, stop: bool) -> Result<Outcome, EngineError> {
        match self {
            Running::Online(m) if stop => m.stop().await.map(Outcome::Online),
            Running::Online(m) => m.wait().await.map(Outcome::Online),
            Running::Import(h) => {
                if stop {
                    h.abort();
                }
                match h.await {
                    Ok(r) => r.map(Outcome::Import),
                    Err(_) if stop => Err(EngineError::StoppedEarly),
                    Err(e) => Err(EngineError::Internal(format!("the import task ended: {e}"))),
                }
            }
        }
    }
}

/// Runs the engine until it ends; never writes the end itself.
async fn drive(
    app: &Arc<App>,
    project: &str,
    task_id: &str,
    run: u64,
    live: &Arc<Mutex<Live>>,
    control: &mut watch::Receiver<Control>,
) -> End {
    let (job, kind) = match load_job(app, project, task_id, run).await {
        Some(Ok(j)) => j,
        Some(Err(reason)) => return End::Refused(reason),
        None => return End::Abandoned,
    };
    let servers: Vec<String> = job
        .endpoints()
        .iter()
        .map(|(side, ep)| format!("{side} {ep}"))
        .collect();
    tracing::info!(task = %task_id, run, "migration engine run: {}", servers.join(", "));
    for (_, ep) in job.endpoints() {
        if let Err(reason) = app.plane.net.check(&ep.host, ep.port).await {
            return End::Refused(reason);
        }
    }
    if let Err(reason) = reach(&job).await {
        return End::Refused(reason);
    }
    let metrics = Arc::new(Metrics::new());
    let running = start(app, &format!("{task_id}-{run}"), &job, &metrics);
    let metrics = match &running {
        Running::Online(m) => m.metrics(),
        Running::Import(_) => metrics,
    };
    app.plane.attach_metrics(task_id, run, metrics.clone());
    // An import has no sampler of its own: count the target's keys for the statistics.
    let sampler = (kind == RunKind::Import).then(|| {
        let (target, m) = (job.servers().1.clone(), metrics.clone());
        tokio::spawn(async move {
            loop {
                if let Some(n) = sample_keys(&target).await {
                    m.target_keys.store(n, std::sync::atomic::Ordering::Relaxed);
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        })
    });
    let mut watch = Watch {
        app,
        project,
        task_id,
        run,
        kind,
        metrics: &metrics,
        live,
        meter: RateMeter::new(metrics.snapshot()),
        rated_at: Instant::now(),
        seen: 0,
        status: None,
        checkpoint: None,
        saved_at: Instant::now(),
    };
    let why = loop {
        tokio::select! {
            _ = tokio::time::sleep(TICK) => {}
            _ = control.changed() => {}
        }
        match *control.borrow_and_update() {
            Control::Run => {}
            Control::Stop => break Why::Stop,
            Control::Shutdown => break Why::Shutdown,
        }
        if !watch.tick(&running).await {
            break Why::Abandoned;
        }
        if running.is_finished() {
            break Why::Done;
        }
    };
    if let Some(s) = sampler {
        s.abort();
    }
    let checkpoint = running.checkpoint();
    let result = running.end(why != Why::Done).await;
    if result.is_ok() && why == Why::Done {
        lock(live).snapshot_done = true;
    }
    // Exact final counts (the engine samples them only every few seconds).
    let (source, target) = job.servers();
    let relaxed = std::sync::atomic::Ordering::Relaxed;
    if let Some(n) = match source {
        Some(s) => sample_keys(s).await,
        None => None,
    } {
        metrics.source_keys.store(n, relaxed);
    }
    if let Some(n) = sample_keys(target).await {
        metrics.target_keys.store(n, relaxed);
    }
    let (events, _) = metrics.events_after(watch.seen);
    End::Finished {
        why,
        kind,
        result,
        checkpoint: checkpoint.or(watch.checkpoint),
        events,
        metrics,
    }
}

/// The job of the run, or `None` when the task is gone or belongs to another run.
async fn load_job(
    app: &Arc<App>,
    project: &str,
    task_id: &str,
    run: u64,
) -> Option<Result<(JobSpec, RunKind), String>> {
    let (plane, project, id) = (app.plane.clone(), project.to_owned(), task_id.to_owned());
    let found = app
        .tx(SVC, move |db, _now| {
            let Some(task) = DcsTask::load(db, &project, &id)? else {
                return Ok(None);
            };
            if task.engine.as_ref().is_none_or(|e| e.run != run) {
                return Ok(None);
            }
            Ok(Some(resolve::job_for(&plane, db, &task)?))
        })
        .await
        .ok()??;
    Some(found.map(|job| {
        let kind = match &job {
            JobSpec::Online { incremental, .. } => RunKind::Online {
                incremental: *incremental,
            },
            JobSpec::Import { .. } => RunKind::Import,
        };
        (job, kind)
    }))
}

/// Connects (and logs in) to every server once, so that an unreachable server or a wrong
/// password fails the task at once with the reason instead of being retried forever.
async fn reach(job: &JobSpec) -> Result<(), String> {
    for (name, ep) in job.endpoints() {
        if let Err(e) = Connection::connect(ep, CONNECT).await {
            return Err(format!("cannot use the {name} {ep}: {e}"));
        }
    }
    Ok(())
}

/// Starts the engine for `job`, spooling under `spool_name`.
fn start(app: &App, spool_name: &str, job: &JobSpec, metrics: &Arc<Metrics>) -> Running {
    let spool = app.plane.spool_dir(spool_name);
    let _ = std::fs::create_dir_all(&spool);
    match job.clone() {
        JobSpec::Online {
            source,
            target,
            incremental,
            manual,
            bandwidth,
            resume_from,
        } => {
            let mut opts = MigrateOptions::new(source, target, spool);
            opts.mode = if incremental {
                SyncMode::Incremental
            } else {
                SyncMode::Full
            };
            opts.resume = if manual {
                ResumePolicy::Manual
            } else {
                ResumePolicy::Auto {
                    max_backoff: MAX_BACKOFF,
                }
            };
            opts.bandwidth = bandwidth;
            opts.resume_from = resume_from;
            opts.connect_timeout = CONNECT;
            Running::Online(Migration::start(opts))
        }
        JobSpec::Import { files, target } => {
            let mut opts = ImportRunOptions::new(target);
            opts.import.spill_dir = Some(spool);
            opts.connect_timeout = CONNECT;
            let m = metrics.clone();
            Running::Import(tokio::spawn(
                async move { import_files(&files, opts, m).await },
            ))
        }
    }
}

/// Keys on a server (`INFO keyspace`, all databases), or `None` when it cannot tell.
async fn sample_keys(ep: &Endpoint) -> Option<u64> {
    let mut c = Connection::connect(ep, Duration::from_secs(2)).await.ok()?;
    let reply = c
        .call_timeout(&["INFO", "keyspace"], Duration::from_secs(2))
        .await
        .ok()?;
    let text = String::from_utf8_lossy(reply.as_bytes()?).into_owned();
    Some(redis_migrate::engine::keyspace_keys(&text))
}

/// What the runner follows between ticks.
struct Watch<'a> {
    app: &'a Arc<App>,
    project: &'a str,
    task_id: &'a str,
    run: u64,
    kind: RunKind,
    metrics: &'a Arc<Metrics>,
    live: &'a Arc<Mutex<Live>>,
    meter: RateMeter,
    rated_at: Instant,
    /// Engine events already written to the task log.
    seen: u64,
    /// The status last written.
    status: Option<Status>,
    /// The checkpoint last stored.
    checkpoint: Option<Checkpoint>,
    saved_at: Instant,
}

impl Watch<'_> {
    /// One look at the engine; false when the task is gone or taken over by another run.
    async fn tick(&mut self, running: &Running) -> bool {
        let phase = self.metrics.phase();
        {
            let mut live = lock(self.live);
            if self.rated_at.elapsed() >= Duration::from_secs(1) {
                live.rates = self.meter.rates(self.metrics.snapshot());
                self.rated_at = Instant::now();
            }
            if phase == Phase::Incremental {
                live.snapshot_done = true;
            }
        }
        let status =
            mapping::status_for(phase, self.kind).filter(|s| self.status.as_ref() != Some(s));
        let (events, total) = self.metrics.events_after(self.seen);
        let checkpoint = running.checkpoint().filter(|c| {
            self.checkpoint.as_ref() != Some(c) && self.saved_at.elapsed() >= Duration::from_secs(1)
        });
        if status.is_none() && events.is_empty() && checkpoint.is_none() {
            return true;
        }
        let write = Progress {
            status: status.clone(),
            events,
            checkpoint: checkpoint.clone(),
        };
        match write
            .save(self.app, self.project, self.task_id, self.run)
            .await
        {
            Ok(false) => false,
            Ok(true) => {
                self.seen = total;
                if status.is_some() {
                    self.status = status;
                }
                if checkpoint.is_some() {
                    self.checkpoint = checkpoint;
                    self.saved_at = Instant::now();
                }
                true
            }
            // Storage trouble: try again at the next tick.
            Err(_) => true,
        }
    }
}

/// What changed since the last tick.
struct Progress {
    status: Option<Status>,
    events: Vec<Event>,
    checkpoint: Option<Checkpoint>,
}

impl Progress {
    async fn save(
        self,
        app: &Arc<App>,
        project: &str,
        task_id: &str,
        run: u64,
    ) -> Result<bool, crate::error::ApiError> {
        let (project, id) = (project.to_owned(), task_id.to_owned());
        app.tx(SVC, move |db, now| {
            let Some(mut task) = DcsTask::load(db, &project, &id)? else {
                return Ok(false);
            };
            let current = task.status(now);
            let Some(e) = task.engine.as_mut().filter(|e| e.run == run) else {
                return Ok(false);
            };
            e.log(mapping::log_lines(self.events, now));
            if let Some(c) = self.checkpoint {
                e.checkpoint = Some(mapping::stored(c));
            }
            let settled = matches!(
                current,
                Status::Terminating | Status::Terminated | Status::Failed | Status::Success
            );
            if let Some(st) = self.status.filter(|s| !settled && *s != current) {
                let message = finish::running_message(&st);
                task.timeline.push(now, st, message);
            }
            task.save(db)?;
            Ok(true)
        })
        .await
    }
}
