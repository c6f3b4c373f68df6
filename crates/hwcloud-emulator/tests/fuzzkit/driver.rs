//! The run: starts an emulator with two projects, registers their objects and sentinels,
//! sends the requests from concurrent workers (each signs as one project, so both projects
//! work at once), checks every answer, moves the virtual clock so tasks progress, and at the
//! end reads the sentinels back.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fastrand::Rng;
use hwcloud_emulator::{Credential, Emulator, EmulatorHandle, Timings};
use serde_json::Value;

use super::checks::problems;
use super::client::Sender;
use super::plan::{Class, Planned, Projects, draw_class, off_spec, plan};
use super::setup;
use super::spec::Spec;
use super::world::{Kind, World};

/// The gateway's body limit in the fuzzed emulator (small, so that over-limit bodies are
/// cheap to send).
pub const MAX_BODY: usize = 64 * 1024;

/// What to run.
#[derive(Debug, Clone)]
pub struct Config {
    pub requests: usize,
    pub seed: u64,
    pub workers: usize,
    /// Virtual seconds the clock moves every 200 requests.
    pub clock_step_secs: f64,
    /// Store the state in SQLite (in this directory) instead of memory.
    pub data_dir: Option<std::path::PathBuf>,
}

/// Counts for one operation (or `(no operation)`).
#[derive(Debug, Default, Clone)]
pub struct OpStats {
    pub requests: u64,
    pub by_class: BTreeMap<String, u64>,
    pub by_status: BTreeMap<u16, u64>,
}

/// One broken property, with what is needed to replay and read it (never a credential).
#[derive(Debug, Clone)]
pub struct Failure {
    pub worker: usize,
    pub index: usize,
    pub text: String,
}

/// Everything a run found.
#[derive(Debug, Default)]
pub struct Report {
    pub seed: u64,
    pub requests: u64,
    pub elapsed: Duration,
    pub per_op: BTreeMap<String, OpStats>,
    pub by_status: BTreeMap<u16, u64>,
    pub by_class: BTreeMap<String, u64>,
    /// Valid requests refused with a validation code, by operation and code, with the
    /// first message.
    pub valid_refused: BTreeMap<String, (u64, String)>,
    pub failures: Vec<Failure>,
    pub failure_count: u64,
}

/// At most this many failures are kept in full.
const KEEP: usize = 50;

impl Report {
    fn merge(&mut self, other: Report) {
        self.requests += other.requests;
        for (k, s) in other.per_op {
            let e = self.per_op.entry(k).or_default();
            e.requests += s.requests;
            for (c, n) in s.by_class {
                *e.by_class.entry(c).or_default() += n;
            }
            for (c, n) in s.by_status {
                *e.by_status.entry(c).or_default() += n;
            }
        }
        for (k, n) in other.by_status {
            *self.by_status.entry(k).or_default() += n;
        }
        for (k, n) in other.by_class {
            *self.by_class.entry(k).or_default() += n;
        }
        for (k, (n, msg)) in other.valid_refused {
            let e = self.valid_refused.entry(k).or_insert((0, msg));
            e.0 += n;
        }
        self.failure_count += other.failure_count;
        let room = KEEP.saturating_sub(self.failures.len());
        self.failures.extend(other.failures.into_iter().take(room));
    }

    fn fail(&mut self, worker: usize, index: usize, text: String) {
        self.failure_count += 1;
        if self.failures.len() < KEEP {
            self.failures.push(Failure {
                worker,
                index,
                text,
            });
        }
    }
}

/// The seed of request `i` of worker `w` (splitmix64 of the three), so any request can be
/// drawn again from the run's seed.
pub fn request_seed(seed: u64, w: usize, i: usize) -> u64 {
    let mut z = seed ^ ((w as u64) << 48) ^ (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn credentials() -> [Credential; 2] {
    [
        Credential::new(
            "AKFUZZPROJECTONE0001",
            "fuzz-secret-one",
            "0123456789abcdef0123456789abcdef",
        ),
        Credential::new(
            "AKFUZZPROJECTTWO0002",
            "fuzz-secret-two",
            "fedcba9876543210fedcba9876543210",
        ),
    ]
}

fn excerpt(bytes: &[u8], n: usize) -> String {
    let s = String::from_utf8_lossy(bytes);
    if s.chars().count() > n {
        format!(
            "{}… ({} bytes)",
            s.chars().take(n).collect::<String>(),
            bytes.len()
        )
    } else {
        s.into_owned()
    }
}

/// Records the objects a 2xx answer created, so later requests name them.
fn learn(spec: &Spec, world: &mut World, p: &Planned, body: &Value) {
    let Some(op) = p.op.map(|i| &spec.operations[i]) else {
        return;
    };
    if p.class != Class::Valid && !matches!(p.class, Class::Invalid(_)) {
        return;
    }
    // The task of a lifecycle step moves on to the pool of the next step.
    let task = p.req.path.split('/').nth(4).unwrap_or_default().to_owned();
    let sent: Value = serde_json::from_slice(&p.req.body).unwrap_or(Value::Null);
    match op.id.as_str() {
        "SetOnlineMigrationTask"
            if sent["migration_method"] == "incremental_migration"
                && sent["source_instance"]["id"].is_string()
                && sent["target_instance"]["id"].is_string() =>
        {
            world.add(p.signer, Kind::Incremental, &task);
        }
        "ExchangeInstanceIp" => world.add(p.signer, Kind::Exchanged, &task),
        _ => {}
    }
    let found: &[(&str, Kind)] = match op.id.as_str() {
        "CreateOnlineMigrationTask" => &[
            ("instance_id", Kind::DcsTask),
            ("instance_id", Kind::NewOnline),
            ("job_id", Kind::Job),
        ],
        "CreateMigrationTask" => &[("id", Kind::DcsTask)],
        "CreateTask" => &[("id", Kind::SmsTask)],
        _ => &[],
    };
    for (k, kind) in found {
        if let Some(id) = body[*k].as_str() {
            world.add(p.signer, *kind, id);
        }
    }
}

async fn start(cfg: &Config) -> Result<(EmulatorHandle, Sender, Arc<Mutex<World>>), String> {
    let [a, b] = credentials();
    let builder = match &cfg.data_dir {
        Some(dir) => Emulator::builder().data_dir(dir),
        None => Emulator::builder().in_memory(),
    };
    let emu = builder
        .credential(a.clone())
        .credential(b.clone())
        .clock_speed(0.0)
        .timings(Timings::default())
        .max_body_bytes(MAX_BODY)
        .start()
        .await
        .map_err(|e| format!("the emulator did not start: {e}"))?;
    let sender = Sender::new(emu.base_url(), emu.local_addr().to_string());
    let mut world = World::default();
    for (i, c) in [&a, &b].into_iter().enumerate() {
        setup::register(&sender, &mut world, i, &c.project_id).await?;
        setup::sentinels(&sender, emu.clock(), c, &mut world, i).await?;
    }
    // Let the sentinels settle (full: SUCCESS; incremental: INCRMIGEATING), then record them.
    emu.clock().advance_secs(60.0).map_err(|e| e.to_string())?;
    for (i, c) in [&a, &b].into_iter().enumerate() {
        let p = setup::snapshot(&sender, c, &mut world, i, true).await;
        if !p.is_empty() {
            return Err(p.join("; "));
        }
    }
    Ok((emu, sender, Arc::new(Mutex::new(world))))
}

/// Runs the fuzzer as `cfg` says.
pub async fn run(cfg: Config) -> Result<Report, String> {
    let spec = Arc::new(Spec::load()?);
    let (emu, sender, world) = start(&cfg).await?;
    let creds = credentials();
    let started = Instant::now();
    let emu = Arc::new(emu);
    // Set when a request gets no answer: the emulator may hang, so the run stops there.
    let stop = Arc::new(AtomicBool::new(false));
    let (seed, clock_step) = (cfg.seed, cfg.clock_step_secs);
    let mut tasks = Vec::new();
    for w in 0..cfg.workers.max(1) {
        let (spec, sender, world, emu) = (spec.clone(), sender.clone(), world.clone(), emu.clone());
        let (creds, stop) = (creds.clone(), stop.clone());
        let share =
            cfg.requests / cfg.workers.max(1) + usize::from(w < cfg.requests % cfg.workers.max(1));
        tasks.push(tokio::spawn(async move {
            let mut report = Report::default();
            let signer = w % 2;
            let ids = [creds[0].project_id.as_str(), creds[1].project_id.as_str()];
            for i in 0..share {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let mut rng = Rng::with_seed(request_seed(seed, w, i));
                let planned = {
                    let world = world.lock().expect("world lock");
                    let projects = Projects { ids };
                    match draw_class(&mut rng) {
                        Class::OffSpec => off_spec(&spec, signer, &projects, MAX_BODY, &mut rng),
                        class => {
                            let oi = rng.usize(..spec.operations.len());
                            plan(&spec, oi, class, signer, &projects, &world, &mut rng)
                        }
                    }
                };
                let answer = match sender.send(&creds[signer], &planned.req).await {
                    Ok(a) => a,
                    Err(e) => {
                        stop.store(true, Ordering::Relaxed);
                        report.requests += 1;
                        report.fail(w, i, describe(seed, w, i, &planned, None, &[e]));
                        continue;
                    }
                };
                let json: Option<Value> = serde_json::from_slice(&answer.body).ok();
                let found = {
                    let mut world = world.lock().expect("world lock");
                    if (200..300).contains(&answer.status) {
                        // 204 answers (an IP switch) have no body but move a lifecycle on.
                        learn(
                            &spec,
                            &mut world,
                            &planned,
                            json.as_ref().unwrap_or(&Value::Null),
                        );
                    }
                    let found = problems(&spec, &world, &planned, &answer);
                    // From now on an echo of a referenced id is no leak (the sender named it);
                    // task and job ids never get this pass, and this answer was checked without it.
                    if planned.class == Class::Cross && !planned.req.body.is_empty() {
                        let echoable: Vec<String> = planned
                            .sent_foreign
                            .iter()
                            .filter(|id| world.references.contains(*id))
                            .cloned()
                            .collect();
                        world.mentioned[signer].extend(echoable);
                    }
                    found
                };
                tally(&spec, &mut report, &planned, answer.status, json.as_ref());
                if !found.is_empty() {
                    report.fail(w, i, describe(seed, w, i, &planned, Some(&answer), &found));
                }
                if w == 0 && i % 200 == 199 {
                    let _ = emu.clock().advance_secs(clock_step);
                }
            }
            report
        }));
    }
    let mut report = Report {
        seed: cfg.seed,
        ..Report::default()
    };
    for t in tasks {
        report.merge(t.await.map_err(|e| format!("a worker panicked: {e}"))?);
    }
    report.elapsed = started.elapsed();
    let mut world = world.lock().expect("world lock").clone();
    for (i, c) in creds.iter().enumerate() {
        for p in setup::snapshot(&sender, c, &mut world, i, false).await {
            report.fail(usize::MAX, 0, p);
        }
    }
    if let Ok(emu) = Arc::try_unwrap(emu) {
        emu.shutdown().await;
    }
    Ok(report)
}

fn tally(spec: &Spec, r: &mut Report, p: &Planned, status: u16, json: Option<&Value>) {
    r.requests += 1;
    let name = p.op.map_or("(no operation)".to_owned(), |i| {
        spec.operations[i].id.clone()
    });
    let class = class_label(p.class);
    let e = r.per_op.entry(name.clone()).or_default();
    e.requests += 1;
    *e.by_class.entry(class.clone()).or_default() += 1;
    *e.by_status.entry(status).or_default() += 1;
    *r.by_status.entry(status).or_default() += 1;
    *r.by_class.entry(class).or_default() += 1;
    if p.class == Class::Valid && status == 400 {
        if let Some(code) = json.and_then(|j| j["error_code"].as_str()) {
            if code == "DCS.4800" || code == "SMS.0400" {
                let msg = json
                    .map(|j| format!("{} {}", j["error_msg"], j["error_ext_msg"]))
                    .unwrap_or_default();
                r.valid_refused
                    .entry(format!("{name} {code}"))
                    .or_insert((0, msg))
                    .0 += 1;
            }
        }
    }
}

/// A short name of a request class for the summary.
pub fn class_label(c: Class) -> String {
    match c {
        Class::Valid => "valid".into(),
        Class::Invalid(_) => "invalid".into(),
        Class::Cross => "cross-project".into(),
        Class::BadAuth => "refused-auth".into(),
        Class::OffSpec => "no-operation".into(),
    }
}

fn describe(
    seed: u64,
    w: usize,
    i: usize,
    p: &Planned,
    a: Option<&super::client::Answer>,
    found: &[String],
) -> String {
    let query: Vec<String> = p
        .req
        .query
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    let answer = a.map_or("no answer".to_owned(), |a| {
        format!("{} {}", a.status, excerpt(&a.body, 400))
    });
    format!(
        "seed {seed} worker {w} request {i} ({:?}, signer project {}, auth {:?}): {} {}{}{} body {}\n  -> {answer}\n  problems: {}",
        p.class,
        p.signer,
        p.req.auth,
        p.req.method,
        p.req.path,
        if query.is_empty() { "" } else { "?" },
        query.join("&"),
        excerpt(&p.req.body, 4000),
        found.join("; ")
    )
}
