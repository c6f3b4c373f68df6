//! The incremental phase against a real target: a replication stream through the applier and
//! the pipeline gives the same data as running it directly, keeps pre-existing data on a
//! dropped FLUSHALL, acknowledges the last offset, and survives cuts when its writes are
//! idempotent.

mod target_support;

use bytes::BytesMut;
use redis_migrate::apply::{Applier, ApplyOptions, Step};
use redis_migrate::resp::{Command, Limits, parse_command};
use redis_migrate::target::Pipeline;
use redis_test_server::{Flavor, Proxy, Server, require};
use std::time::Duration;
use target_support::*;

/// A stream as the source would send it: writes, a transaction, db changes, chatter.
fn stream(n: usize) -> Vec<Command> {
    let mut wire = BytesMut::new();
    let mut add = |args: &[&str]| redis_migrate::resp::encode_command(&mut wire, args);
    add(&["SELECT", "0"]);
    for i in 0..n {
        let k = format!("k{}", i % 50);
        add(&["SET", &k, &format!("v{i}"), "PXAT", "99999999999999"]);
        add(&["HSET", "h", &k, &i.to_string()]);
        if i % 7 == 0 {
            add(&["PING"]);
            add(&["MULTI"]);
            add(&["SADD", "s", &k]);
            add(&["DEL", &format!("k{}", (i + 1) % 50)]);
            add(&["EXEC"]);
        }
        if i % 11 == 0 {
            add(&["SELECT", "1"]);
            add(&["ZADD", "z", &i.to_string(), &k]);
            add(&["SELECT", "0"]);
            add(&["REPLCONF", "GETACK", "*"]);
            add(&["FLUSHALL"]);
        }
    }
    let mut out = Vec::new();
    while let Some(c) = parse_command(&mut wire, &Limits::default()).unwrap() {
        out.push(c);
    }
    out
}

/// Runs the stream directly on `server`, minus what the applier drops.
fn run_directly(server: &Server, cmds: &[Command]) {
    let mut c = server.connect().unwrap();
    for cmd in cmds {
        if ["PING", "REPLCONF", "FLUSHALL"].iter().any(|n| cmd.is(n)) {
            continue;
        }
        let args: Vec<&[u8]> = cmd.args().collect();
        c.call(&args).unwrap().ok().unwrap();
    }
}

/// Applies the stream through the pipeline; returns the last offset and the drop count.
async fn apply(p: &Pipeline, cmds: &[Command]) -> (u64, u64) {
    let mut a = Applier::new(ApplyOptions::default());
    let mut offset = 1000;
    for c in cmds {
        offset += c.wire_len() as u64;
        match a.push(c, offset).unwrap() {
            Step::Send(b) | Step::Drop(b) => p.submit(b).await.unwrap(),
            Step::Hold => {}
        }
    }
    (offset, a.dropped())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stream_gives_the_same_data_and_acknowledges_its_last_offset() {
    let (Some(t), Some(r)) = (require(Flavor::Redis), require(Flavor::Redis)) else {
        return;
    };
    let target = t.start().unwrap();
    let reference = r.start().unwrap();
    for s in [&target, &reference] {
        s.call(&["SET", "pre-existing", "kept"]).unwrap();
    }
    let cmds = stream(300);
    run_directly(&reference, &cmds);
    let (p, metrics) = pipeline(&target.url(), fast_config()).await;
    let (last, dropped) = within(60, apply(&p, &cmds)).await;
    let acked = within(30, p.barrier()).await.unwrap();
    assert_eq!(acked.offset, Some(last));
    assert_eq!(metrics.snapshot().offset_applied, last);
    assert!(dropped >= 300 / 7 + 2 * (300 / 11));
    assert_eq!(
        text(&target, &["GET", "pre-existing"]),
        "kept",
        "FLUSHALL dropped"
    );
    assert_eq!(target.digest().unwrap(), reference.digest().unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idempotent_streams_survive_cuts() {
    let (Some(t), Some(r)) = (require(Flavor::Valkey), require(Flavor::Valkey)) else {
        return;
    };
    let target = t.start().unwrap();
    let reference = r.start().unwrap();
    let cmds = stream(400);
    run_directly(&reference, &cmds);
    let proxy = Proxy::start(target.addr()).unwrap();
    proxy.throttle(Some(60_000));
    let (p, _) = pipeline(&proxy.url(), fast_config()).await;
    let cutter = async {
        for _ in 0..2 {
            tokio::time::sleep(Duration::from_millis(600)).await;
            proxy.cut();
        }
    };
    let applied = async {
        apply(&p, &cmds).await;
        p.barrier().await.unwrap()
    };
    let (acked, ()) = within(60, async { tokio::join!(applied, cutter) }).await;
    assert!(acked.offset.is_some());
    assert!(proxy.stats().connections >= 2, "{:?}", proxy.stats());
    assert_eq!(target.digest().unwrap(), reference.digest().unwrap());
}
