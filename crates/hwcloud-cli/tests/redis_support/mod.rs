//! Shared by the `redis_*` CLI tests: the `hwcloud` binary run against real Redis servers
//! with a controlled environment and bounded waits, and a small dataset of several types.
#![allow(dead_code)]

use redis_test_server::{Reply, Server};
use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_hwcloud");

/// The longest any run or wait of these tests may take.
pub const LIMIT: Duration = Duration::from_secs(90);

/// A `hwcloud` started in the background; its output is collected as it comes.
pub struct Running {
    child: Child,
    out: Arc<Mutex<Vec<u8>>>,
    err: Arc<Mutex<Vec<u8>>>,
    readers: Vec<std::thread::JoinHandle<()>>,
    _home: tempfile::TempDir,
}

/// How a run ended.
#[derive(Debug)]
pub struct Finished {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

fn collect(
    mut from: impl Read + Send + 'static,
    into: Arc<Mutex<Vec<u8>>>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = from.read(&mut buf) {
            if n == 0 {
                break;
            }
            into.lock().unwrap().extend_from_slice(&buf[..n]);
        }
    })
}

/// Starts `hwcloud args` with only `env` (plus a fresh HOME and PATH) in its environment.
pub fn start(env: &[(&str, &str)], args: &[&str]) -> Running {
    let home = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .env_clear()
        .env("HOME", home.path())
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    let (out, err) = (Arc::default(), Arc::default());
    let readers = vec![
        collect(child.stdout.take().unwrap(), Arc::clone(&out)),
        collect(child.stderr.take().unwrap(), Arc::clone(&err)),
    ];
    Running {
        child,
        out,
        err,
        readers,
        _home: home,
    }
}

/// Runs `hwcloud args` to its end (killed and failed after [`LIMIT`]).
pub fn run(env: &[(&str, &str)], args: &[&str]) -> Finished {
    start(env, args).wait()
}

impl Running {
    /// What it wrote to stderr so far.
    pub fn stderr_so_far(&self) -> String {
        String::from_utf8_lossy(&self.err.lock().unwrap()).into_owned()
    }

    pub fn is_running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    /// Sends SIGTERM (with `kill`, as an operator would).
    pub fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success(), "kill -TERM failed");
    }

    /// Waits for the exit, at most [`LIMIT`] (then kills it and fails the test).
    pub fn wait(mut self) -> Finished {
        let deadline = Instant::now() + LIMIT;
        let status = loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                break s;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!(
                    "hwcloud did not exit within {LIMIT:?}; stderr:\n{}",
                    self.stderr_so_far()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        for r in self.readers.drain(..) {
            r.join().unwrap();
        }
        Finished {
            code: status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&self.out.lock().unwrap()).into_owned(),
            stderr: String::from_utf8_lossy(&self.err.lock().unwrap()).into_owned(),
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Polls `check` every 25 ms; panics with `what` after [`LIMIT`].
pub fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + LIMIT;
    while !check() {
        assert!(Instant::now() < deadline, "not within {LIMIT:?}: {what}");
        std::thread::sleep(Duration::from_millis(25));
    }
}

/// Runs a command and panics on an error reply.
pub fn ok(server: &Server, cmd: &[&str]) -> Reply {
    match server.call(cmd).unwrap() {
        Reply::Error(e) => panic!("{cmd:?}: {e}"),
        r => r,
    }
}

/// Whether `key` exists in database `db`.
pub fn exists_in(server: &Server, db: u32, key: &str) -> bool {
    let mut c = server.connect().unwrap();
    c.call(&["SELECT", &db.to_string()]).unwrap().ok().unwrap();
    c.call(&["EXISTS", key]).unwrap().as_int() == Some(1)
}

/// Keys of several types in databases 0 and 2, some with TTLs and binary names.
pub fn fill(server: &Server, tag: &str) {
    let mut c = server.connect().unwrap();
    let mut cmds: Vec<Vec<String>> = Vec::new();
    let v = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    for i in 0..300 {
        cmds.push(v(&["SET", &format!("{tag}:s:{i}"), &format!("value {i}")]));
    }
    cmds.push(v(&["RPUSH", &format!("{tag}:list"), "a", "b", "c"]));
    cmds.push(v(&["SADD", &format!("{tag}:set"), "1", "2", "x"]));
    cmds.push(v(&["HSET", &format!("{tag}:hash"), "f", "1", "g", "2"]));
    cmds.push(v(&[
        "ZADD",
        &format!("{tag}:zset"),
        "1.5",
        "m",
        "-inf",
        "n",
    ]));
    cmds.push(v(&["XADD", &format!("{tag}:stream"), "1-1", "k", "v"]));
    cmds.push(v(&["SET", &format!("{tag}:ttl"), "t", "EX", "3600"]));
    cmds.push(v(&["SET", &format!("{tag}:bin\r\n"), "\r\n"]));
    cmds.push(v(&["SELECT", "2"]));
    cmds.push(v(&["SET", &format!("{tag}:db2"), "two"]));
    for cmd in &cmds {
        let r = c.call(cmd).unwrap();
        assert!(!matches!(r, Reply::Error(_)), "{cmd:?}: {r:?}");
    }
}

/// `DEBUG DIGEST` equal on both servers, polled for up to 10 s (a stream still being
/// applied).
pub fn assert_same_data(source: &Server, target: &Server) {
    let a = source.digest().unwrap();
    assert_ne!(a, "0".repeat(40), "the source is empty");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let b = target.digest().unwrap();
        if a == b {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "digests differ: source {a}, target {b}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}
