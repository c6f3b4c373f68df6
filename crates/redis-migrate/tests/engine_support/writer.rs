//! A background writer: one client of the source issuing a workload in rounds until told to
//! stop, counting rounds so that a test can wait for writes to have happened in a phase.

use super::dataset::cmd;
use redis_test_server::{Reply, Server};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

/// What the writer sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Workload {
    /// Writes of every kind in databases 0, 1 and 3: `SELECT`, `SET`, `INCR`,
    /// `INCRBYFLOAT`, `HSET`/`HINCRBY`, `RPUSH`/`LPOP`, `SADD`/`SREM`, `ZADD`/`ZINCRBY`,
    /// `XADD` (trimmed), `XACK`, `EXPIRE` (long) and `PEXPIRE` (short: real expiries),
    /// `DEL`, `MULTI … EXEC`, `EVAL`, `FCALL`, `PFADD`, `SETBIT`, `GEOADD`, `APPEND`.
    Mixed,
    /// Only commands that give the same state when run twice (`SET`, `DEL`, `HSET`,
    /// `SADD`, `SREM`, plain `ZADD`, `PEXPIREAT`, `SELECT`): what survives a cut of the
    /// target link with commands in flight.
    Idempotent,
}

/// A running writer; stops (and joins) on [`Writer::stop`] or when dropped.
pub struct Writer {
    stop: Arc<AtomicBool>,
    rounds: Arc<AtomicU64>,
    handle: Option<JoinHandle<()>>,
}

impl Writer {
    /// Starts writing to `server` on its own connection, pausing `pause` between rounds.
    pub fn start(server: &Server, workload: Workload, pause: Duration) -> Writer {
        let mut c = server.connect().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let rounds = Arc::new(AtomicU64::new(0));
        let (s, r) = (stop.clone(), rounds.clone());
        let handle = std::thread::spawn(move || {
            let mut i: u64 = 0;
            while !s.load(Ordering::SeqCst) {
                let cmds = match workload {
                    Workload::Mixed => mixed(i),
                    Workload::Idempotent => idempotent(i),
                };
                for c_ in &cmds {
                    c.send(c_).unwrap();
                }
                for c_ in &cmds {
                    if let Reply::Error(e) = c.read().unwrap() {
                        panic!("writer: {:?}: {e}", String::from_utf8_lossy(&c_[0]));
                    }
                }
                i += 1;
                r.store(i, Ordering::SeqCst);
                std::thread::sleep(pause);
            }
        });
        Writer {
            stop,
            rounds,
            handle: Some(handle),
        }
    }

    /// Rounds written so far.
    pub fn rounds(&self) -> u64 {
        self.rounds.load(Ordering::SeqCst)
    }

    /// Waits until `n` more rounds than now have been written (bounded).
    pub async fn more(&self, n: u64) {
        let from = self.rounds();
        super::eventually(super::LIMIT, "the writer to make progress", || {
            self.rounds() >= from + n
        })
        .await;
    }

    /// Stops and waits for the last round; returns the rounds written.
    pub fn stop(mut self) -> u64 {
        self.halt();
        self.rounds()
    }

    fn halt(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(h) = self.handle.take()
            && let Err(panic) = h.join()
            && !std::thread::panicking()
        {
            std::panic::resume_unwind(panic);
        }
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        self.halt();
    }
}

fn mixed(i: u64) -> Vec<Vec<Vec<u8>>> {
    let db = ["0", "1", "3"][(i % 3) as usize];
    let n = |m: u64| (i % m).to_string();
    let s = |k: &str| format!("w:{k}");
    vec![
        cmd(&["SELECT", db]),
        cmd(&["SET", &s(&format!("s:{}", n(500))), &format!("v{i}")]),
        cmd(&["INCR", &s(&format!("ctr:{}", n(50)))]),
        cmd(&["INCRBYFLOAT", &s("float"), "0.25"]),
        cmd(&[
            "HSET",
            &s(&format!("h:{}", n(20))),
            &format!("f{}", n(100)),
            &i.to_string(),
        ]),
        cmd(&["HINCRBY", &s(&format!("h:{}", n(20))), "count", "1"]),
        cmd(&["RPUSH", &s(&format!("l:{}", n(10))), &i.to_string()]),
        cmd(&["LPOP", &s(&format!("l:{}", (i + 5) % 10))]),
        cmd(&["SADD", &s("set"), &n(300)]),
        cmd(&["SREM", &s("set"), &((i * 7) % 300).to_string()]),
        cmd(&[
            "ZADD",
            &s("z"),
            &format!("{}.5", n(97)),
            &format!("m{}", n(200)),
        ]),
        cmd(&["ZINCRBY", &s("z"), "1", &format!("m{}", n(50))]),
        cmd(&["XADD", &s("x"), "MAXLEN", "300", "*", "f", &i.to_string()]),
        cmd(&["EXPIRE", &s(&format!("s:{}", (i * 3) % 500)), "3600"]),
        cmd(&["PEXPIRE", &s(&format!("s:{}", (i * 11) % 500)), "700"]),
        cmd(&["DEL", &s(&format!("s:{}", (i * 13) % 500))]),
        cmd(&["MULTI"]),
        cmd(&["INCR", &s("tx:ctr")]),
        cmd(&["SET", &s("tx:last"), &i.to_string()]),
        cmd(&["LPUSH", &s("tx:list"), &i.to_string()]),
        cmd(&["LTRIM", &s("tx:list"), "0", "99"]),
        cmd(&["EXEC"]),
        cmd(&[
            "EVAL",
            "redis.call('SET', KEYS[1], ARGV[1]) return redis.call('INCR', KEYS[2])",
            "2",
            &s(&format!("ev:{}", n(10))),
            &s("ev:ctr"),
            &i.to_string(),
        ]),
        cmd(&["FCALL", "bump", "1", &s("fn:ctr"), "2"]),
        cmd(&["PFADD", &s("hll"), &format!("e{i}")]),
        cmd(&["SETBIT", &s("bits"), &((i * 13) % 100_000).to_string(), "1"]),
        cmd(&[
            "GEOADD",
            &s("geo"),
            &format!("13.{}", n(90)),
            &format!("38.{}", n(90)),
            &format!("p{}", n(100)),
        ]),
        cmd(&["APPEND", &s(&format!("app:{}", n(5))), "x"]),
    ]
}

fn idempotent(i: u64) -> Vec<Vec<Vec<u8>>> {
    let db = ["0", "3"][(i % 2) as usize];
    let n = |m: u64| (i % m).to_string();
    let far = (4_000_000_000_000u64 + i).to_string();
    vec![
        cmd(&["SELECT", db]),
        cmd(&["SET", &format!("i:s:{}", n(400)), &format!("v{i}")]),
        cmd(&["DEL", &format!("i:s:{}", (i * 7) % 400)]),
        cmd(&[
            "HSET",
            &format!("i:h:{}", n(10)),
            &format!("f{}", n(50)),
            &i.to_string(),
        ]),
        cmd(&["SADD", "i:set", &n(200)]),
        cmd(&["SREM", "i:set", &((i * 3) % 200).to_string()]),
        cmd(&["ZADD", "i:z", &n(1000), &format!("m{}", n(100))]),
        cmd(&["PEXPIREAT", &format!("i:s:{}", (i * 5) % 400), &far]),
    ]
}
