//! Support for the tests with real Redis servers: servers, data, writers, and the DCS client
//! calls of a migration, all through our Rust SDK (`hwcloud-dcs`).
#![allow(dead_code)]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use hwcloud_core::Credentials;
use hwcloud_dcs::types::{
    ConfigMigrationInstanceBody, MigrationMethod, MigrationTask, MigrationTaskStats, ResumeMode,
};
use hwcloud_emulator::{Emulator, EmulatorHandle, RedisEndpoint};
use redis_test_server::{Flavor, Server, ServerBuilder};

/// A Redis server builder, or `None` (after printing why) when redis-server is missing.
pub fn redis() -> Option<ServerBuilder> {
    redis_test_server::require(Flavor::Redis)
}

/// `n` plain servers, or `None` when redis-server is missing.
pub fn servers(n: usize) -> Option<Vec<Server>> {
    (0..n)
        .map(|_| redis().map(|b| b.start().expect("redis-server starts")))
        .collect()
}

/// The engine endpoint of `s` (no password).
/// A source and a target server, or `None` (with the reason printed) when none can start.
pub fn pair() -> Option<(Server, Server)> {
    let mut v = servers(2)?;
    let target = v.pop()?;
    let source = v.pop()?;
    Some((source, target))
}

/// An emulator whose instance `target` is backed by the server `target`.
pub async fn with_target(target: &Server) -> EmulatorHandle {
    Emulator::builder()
        .instance("target", endpoint(target))
        .start()
        .await
        .expect("the emulator starts")
}

pub fn endpoint(s: &Server) -> RedisEndpoint {
    RedisEndpoint::parse(&s.url()).unwrap()
}

/// `127.0.0.1:PORT` of a server, as `source_instance.addrs`.
pub fn addrs(s: &Server) -> String {
    format!("127.0.0.1:{}", s.port())
}

pub fn client(emu: &EmulatorHandle) -> hwcloud_dcs::Client {
    let c = emu.default_credential();
    hwcloud_dcs::Client::builder()
        .endpoint(emu.base_url())
        .credentials(Credentials::new(&c.ak, c.sk.expose()).with_project_id(&c.project_id))
        .build()
        .unwrap()
}

/// Writes `n` keys of every type (strings, some with a TTL, hashes, lists, sets, sorted sets,
/// streams), pipelined.
pub fn load(s: &Server, n: usize, prefix: &str) {
    let mut c = s.connect().unwrap();
    let mut sent = 0;
    for i in 0..n {
        let k = format!("{prefix}:{i}");
        match i % 7 {
            0 => c.send(&["SET", &k, &format!("value-{i}")]).unwrap(),
            1 => c
                .send(&["SET", &k, &"x".repeat(i % 300), "EX", "3600"])
                .unwrap(),
            2 => c
                .send(&["HSET", &k, "a", "1", "b", &i.to_string()])
                .unwrap(),
            3 => c.send(&["RPUSH", &k, "x", "y", &i.to_string()]).unwrap(),
            4 => c.send(&["SADD", &k, "m1", "m2", &i.to_string()]).unwrap(),
            5 => c
                .send(&["ZADD", &k, "1", "one", "2.5", &i.to_string()])
                .unwrap(),
            _ => c.send(&["XADD", &k, "*", "f", &i.to_string()]).unwrap(),
        }
        sent += 1;
        if sent == 500 {
            for _ in 0..sent {
                c.read().unwrap();
            }
            sent = 0;
        }
    }
    for _ in 0..sent {
        c.read().unwrap();
    }
}

/// Keys in db 0.
pub fn dbsize(s: &Server) -> i64 {
    s.call(&["DBSIZE"]).unwrap().as_int().unwrap()
}

/// A thread writing to a server until stopped; counts its commands.
pub struct Writer {
    stop: Arc<AtomicBool>,
    pub count: Arc<AtomicU64>,
    thread: Option<JoinHandle<()>>,
}

impl Writer {
    pub fn start(s: &Server, prefix: &str) -> Writer {
        let mut c = s.connect().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let count = Arc::new(AtomicU64::new(0));
        let (st, n, prefix) = (stop.clone(), count.clone(), prefix.to_owned());
        let thread = std::thread::spawn(move || {
            let mut i = 0u64;
            // Bounded: stopped by the test, and at most a minute in any case.
            let deadline = Instant::now() + Duration::from_secs(60);
            while !st.load(Ordering::Relaxed) && Instant::now() < deadline {
                let k = format!("{prefix}:{}", i % 500);
                let r = match i % 5 {
                    0 => c.call(&["SET", &k, &i.to_string()]),
                    1 => c.call(&["INCR", &format!("{prefix}:counter")]),
                    2 => c.call(&["HSET", &format!("{k}:h"), "f", &i.to_string()]),
                    3 => c.call(&["LPUSH", &format!("{prefix}:list"), &i.to_string()]),
                    _ => c.call(&["ZADD", &format!("{prefix}:z"), &i.to_string(), &k]),
                };
                if r.is_err() {
                    break;
                }
                i += 1;
                n.store(i, Ordering::Relaxed);
                if i % 50 == 0 {
                    std::thread::sleep(Duration::from_millis(2));
                }
            }
        });
        Writer {
            stop,
            count,
            thread: Some(thread),
        }
    }

    pub fn stop(mut self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            t.join().unwrap();
        }
        self.count.load(Ordering::Relaxed)
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// How an online task is configured.
pub struct Online<'a> {
    pub source_addrs: Option<String>,
    pub source_id: Option<&'a str>,
    pub source_password: Option<&'a str>,
    pub target_id: &'a str,
    pub incremental: bool,
    pub manual: bool,
    pub bandwidth_mb: Option<u32>,
}

impl Default for Online<'_> {
    fn default() -> Self {
        Self {
            source_addrs: None,
            source_id: None,
            source_password: None,
            target_id: "target",
            incremental: false,
            manual: false,
            bandwidth_mb: None,
        }
    }
}

/// Creates an online task, waits for its machine and configures it; answers its id.
pub async fn online_task(client: &hwcloud_dcs::Client, o: Online<'_>) -> String {
    let created = client
        .create_online_migration_task()
        .name("real-online")
        .vpc_id("vpc")
        .subnet_id("subnet")
        .security_group_id("sg")
        .send()
        .await
        .unwrap();
    let id = created.output.instance_id.clone().unwrap();
    client
        .wait_until_job_done(created.output.job_id.clone().unwrap())
        .delays(Duration::from_millis(50), Duration::from_millis(100))
        .max_wait(Duration::from_secs(20))
        .wait()
        .await
        .unwrap();
    let mut set = client
        .set_online_migration_task()
        .task_id(&id)
        .migration_method(if o.incremental {
            MigrationMethod::Incremental
        } else {
            MigrationMethod::FullAmount
        })
        .resume_mode(if o.manual {
            ResumeMode::Manual
        } else {
            ResumeMode::Auto
        })
        .source_instance(ConfigMigrationInstanceBody {
            id: o.source_id.map(str::to_owned),
            addrs: o.source_addrs,
            password: o.source_password.map(str::to_owned),
        })
        .target_instance(ConfigMigrationInstanceBody {
            id: Some(o.target_id.to_owned()),
            ..Default::default()
        });
    if let Some(mb) = o.bandwidth_mb {
        set = set.bandwidth_limit_mb(mb.to_string());
    }
    set.send().await.unwrap();
    id
}

pub async fn show(client: &hwcloud_dcs::Client, id: &str) -> MigrationTask {
    client
        .show_migration_task()
        .task_id(id)
        .send()
        .await
        .unwrap()
        .output
}

pub async fn stats(client: &hwcloud_dcs::Client, id: &str) -> MigrationTaskStats {
    client
        .show_migration_task_stats()
        .task_id(id)
        .send()
        .await
        .unwrap()
        .output
}

pub fn num(v: &Option<hwcloud_core::NumberOrString>) -> i64 {
    v.as_ref().and_then(|n| n.as_f64()).unwrap_or(-1.0) as i64
}

/// Every log message of a task, oldest first.
pub async fn logs(client: &hwcloud_dcs::Client, id: &str) -> Vec<String> {
    let out = client
        .list_migration_task_logs()
        .task_id(id)
        .limit(1000)
        .send()
        .await
        .unwrap()
        .output;
    out.migration_logs
        .unwrap_or_default()
        .into_iter()
        .map(|l| {
            format!(
                "{} {}",
                l.log_level.map(|l| l.to_string()).unwrap_or_default(),
                l.message.unwrap_or_default()
            )
        })
        .collect()
}

/// Waits (at most `limit`) until the task's status is `want`; panics with the task's logs
/// otherwise.
pub async fn wait_status(client: &hwcloud_dcs::Client, id: &str, want: &str, limit: Duration) {
    let deadline = Instant::now() + limit;
    loop {
        let t = show(client, id).await;
        let st = t.status.map(|s| s.to_string()).unwrap_or_default();
        if st == want {
            return;
        }
        if Instant::now() > deadline || (st == "FAILED" && want != "FAILED") {
            panic!(
                "task {id} is {st}, expected {want}; logs:\n{}",
                logs(client, id).await.join("\n")
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits until `check` holds for the task's statistics (at most `limit`).
pub async fn wait_stats(
    client: &hwcloud_dcs::Client,
    id: &str,
    limit: Duration,
    check: impl Fn(&MigrationTaskStats) -> bool,
) -> MigrationTaskStats {
    let deadline = Instant::now() + limit;
    loop {
        let s = stats(client, id).await;
        if check(&s) {
            return s;
        }
        assert!(
            Instant::now() < deadline,
            "stats never matched: {s:?}; logs:\n{}",
            logs(client, id).await.join("\n")
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits until both servers hold the same data (digests equal), at most `limit`.
pub fn wait_equal(a: &Server, b: &Server, limit: Duration) -> bool {
    redis_test_server::wait_until(
        limit,
        || matches!((a.digest(), b.digest()), (Ok(x), Ok(y)) if x == y),
    )
}

/// Waits until a log line of the task contains `text` (at most `limit`); answers the log.
pub async fn wait_log(
    client: &hwcloud_dcs::Client,
    id: &str,
    text: &str,
    limit: Duration,
) -> Vec<String> {
    let deadline = Instant::now() + limit;
    loop {
        let l = logs(client, id).await;
        if count(&l, text) > 0 {
            return l;
        }
        assert!(
            Instant::now() < deadline,
            "no log line with {text:?}: {l:#?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// How many log lines contain `text`.
pub fn count(logs: &[String], text: &str) -> usize {
    logs.iter().filter(|l| l.contains(text)).count()
}
