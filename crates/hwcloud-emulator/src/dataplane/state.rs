//! The data plane's live state, held by the shared [`App`](crate::app::App): where the
//! emulator may connect, the OBS folder, the passwords it was given (in memory only), the
//! engine runs in progress and the `redis-server` processes it started.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use redis_migrate::endpoint::Secret;
use redis_migrate::metrics::{Metrics, Rates};
use tokio::sync::watch;

use super::netpolicy::NetPolicy;
use super::spawn::SpawnedRedis;
use crate::sync::lock;

/// What a runner is asked to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    /// Go on.
    Run,
    /// The task was stopped (or deleted): stop the engine cleanly and record the end.
    Stop,
    /// The emulator is stopping: stop the engine cleanly, keep the task's status so that the
    /// next start with the same data directory resumes it.
    Shutdown,
}

/// Figures of a run that the counters alone do not give.
#[derive(Debug, Clone, Copy, Default)]
pub struct Live {
    /// Bytes and commands per second into the target, over the last second.
    pub rates: Rates,
    /// The snapshot has been written (incremental phase reached, or a full sync done).
    pub snapshot_done: bool,
}

/// A run in progress.
#[derive(Debug)]
struct RunHandle {
    run: u64,
    metrics: Arc<Metrics>,
    live: Arc<Mutex<Live>>,
    control: watch::Sender<Control>,
    done: watch::Receiver<bool>,
}

/// What a runner keeps to talk to the plane.
#[derive(Debug)]
pub struct RunSlot {
    pub run: u64,
    pub live: Arc<Mutex<Live>>,
    pub control: watch::Receiver<Control>,
    pub done: watch::Sender<bool>,
}

/// The data plane.
#[derive(Debug)]
pub struct Plane {
    pub net: NetPolicy,
    /// The project of instances registered without one (the first configured credential's).
    pub default_project: String,
    pub obs_dir: Option<PathBuf>,
    work_dir: PathBuf,
    _temp: Option<tempfile::TempDir>,
    secrets: Mutex<HashMap<String, Secret>>,
    runs: Mutex<HashMap<String, RunHandle>>,
    next_run: AtomicU64,
    spawned: Mutex<Vec<SpawnedRedis>>,
}

impl Plane {
    /// Spools and backups go under `data_dir/dataplane` when state is durable, else into a
    /// temporary directory removed with the plane.
    pub fn new(
        net: NetPolicy,
        obs_dir: Option<PathBuf>,
        data_dir: Option<&Path>,
        default_project: String,
    ) -> std::io::Result<Self> {
        let (work_dir, temp) = match data_dir {
            Some(d) => (d.join("dataplane"), None),
            None => {
                let t = tempfile::Builder::new()
                    .prefix("hwcloud-emulator-")
                    .tempdir()?;
                (t.path().to_owned(), Some(t))
            }
        };
        std::fs::create_dir_all(work_dir.join("backups"))?;
        Ok(Self {
            net,
            default_project,
            obs_dir,
            work_dir,
            _temp: temp,
            secrets: Mutex::default(),
            runs: Mutex::default(),
            // Unique across restarts too, so a record never names a run of this process by
            // chance.
            next_run: AtomicU64::new(crate::clock::real_now_ms().unsigned_abs()),
            spawned: Mutex::default(),
        })
    }

    /// The spool directory of one engine run (`name`: the task id and run, or a backup).
    pub fn spool_dir(&self, name: &str) -> PathBuf {
        self.work_dir.join("spool").join(name)
    }

    /// Where backups the emulator takes are kept.
    pub fn backup_dir(&self) -> PathBuf {
        self.work_dir.join("backups")
    }

    /// Keeps (or with `None` forgets) a password under `key` (`instance/<project>/<id>` or
    /// `task/<id>/source`), in memory only.
    pub fn set_secret(&self, key: &str, secret: Option<Secret>) {
        let mut s = lock(&self.secrets);
        match secret {
            Some(v) => s.insert(key.to_owned(), v),
            None => s.remove(key),
        };
    }

    pub fn secret(&self, key: &str) -> Option<Secret> {
        lock(&self.secrets).get(key).cloned()
    }

    /// A new run number.
    pub fn next_run(&self) -> u64 {
        self.next_run.fetch_add(1, Ordering::Relaxed)
    }

    /// Registers run `run` of `task_id` and hands its side to the runner. A run of the task
    /// still registered is asked to stop.
    pub fn open_run(&self, task_id: &str, run: u64) -> RunSlot {
        let metrics = Arc::new(Metrics::new());
        metrics.set_phase(redis_migrate::metrics::Phase::Connecting);
        let live = Arc::new(Mutex::new(Live::default()));
        let (control, control_rx) = watch::channel(Control::Run);
        let (done_tx, done) = watch::channel(false);
        let old = lock(&self.runs).insert(
            task_id.to_owned(),
            RunHandle {
                run,
                metrics,
                live: live.clone(),
                control,
                done,
            },
        );
        if let Some(old) = old {
            let _ = old.control.send(Control::Stop);
        }
        RunSlot {
            run,
            live,
            control: control_rx,
            done: done_tx,
        }
    }

    /// Shows the counters of the engine that run `run` of `task_id` started.
    pub fn attach_metrics(&self, task_id: &str, run: u64, metrics: Arc<Metrics>) {
        if let Some(r) = lock(&self.runs).get_mut(task_id).filter(|r| r.run == run) {
            r.metrics = metrics;
        }
    }

    /// Forgets run `run` of `task_id` (when it is still the registered one).
    pub fn close_run(&self, task_id: &str, run: u64) {
        let mut runs = lock(&self.runs);
        if runs.get(task_id).is_some_and(|r| r.run == run) {
            runs.remove(task_id);
        }
    }

    /// The counters and live figures of the run of `task_id`, if one is in progress.
    pub fn live(&self, task_id: &str) -> Option<(Arc<Metrics>, Live)> {
        lock(&self.runs)
            .get(task_id)
            .map(|r| (r.metrics.clone(), *lock(&r.live)))
    }

    pub fn is_running(&self, task_id: &str) -> bool {
        lock(&self.runs).contains_key(task_id)
    }

    /// Asks the run of `task_id` to stop; answers a receiver that turns true once it ended.
    pub fn signal(&self, task_id: &str, c: Control) -> Option<watch::Receiver<bool>> {
        let runs = lock(&self.runs);
        let r = runs.get(task_id)?;
        let _ = r.control.send(c);
        Some(r.done.clone())
    }

    /// Asks every run to stop for a shutdown; answers their end receivers.
    pub fn shutdown_runs(&self) -> Vec<watch::Receiver<bool>> {
        lock(&self.runs)
            .values()
            .map(|r| {
                let _ = r.control.send(Control::Shutdown);
                r.done.clone()
            })
            .collect()
    }

    /// Keeps a started `redis-server` until the plane stops them.
    pub fn adopt(&self, server: SpawnedRedis) {
        lock(&self.spawned).push(server);
    }

    /// Stops every `redis-server` the emulator started.
    pub fn stop_spawned(&self) {
        let servers: Vec<SpawnedRedis> = lock(&self.spawned).drain(..).collect();
        drop(servers);
    }

    /// The pids of the `redis-server` processes the emulator started, with their ids.
    pub fn spawned(&self) -> Vec<(String, u16, u32)> {
        lock(&self.spawned)
            .iter()
            .map(|s| (s.id.clone(), s.port, s.pid()))
            .collect()
    }
}

/// Waits until `done` turns true, at most `limit`.
pub async fn wait_done(mut done: watch::Receiver<bool>, limit: std::time::Duration) {
    let _ = tokio::time::timeout(limit, done.wait_for(|d| *d)).await;
}
