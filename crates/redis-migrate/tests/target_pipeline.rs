//! The pipeline against real servers: acknowledgements, refusals, retries, cuts, stalls,
//! transactions and the byte-rate limit.

mod target_support;

use bytes::Bytes;
use redis_migrate::metrics::Metrics;
use redis_migrate::ratelimit::RateLimit;
use redis_migrate::target::{
    Ack, BatchBuilder, Pipeline, PipelineConfig, PipelineError, Refusal, Replay,
};
use redis_test_server::{Connection, Flavor, Proxy, Reply, require};
use std::sync::Arc;
use std::time::{Duration, Instant};
use target_support::*;

fn set(i: u64, value: &[u8], replay: Replay) -> redis_migrate::target::Batch {
    let key = format!("k{i}");
    key_batch(&[b"SET", key.as_bytes(), value], i + 1, replay)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batches_are_acknowledged_in_order_with_backpressure() {
    let Some(b) = require(Flavor::Redis) else {
        return;
    };
    let server = b.start().unwrap();
    let mut config = fast_config();
    config.window.max_commands = 100;
    let (p, metrics) = pipeline(&server.url(), config).await;
    let mut acked = p.acked();
    within(60, async {
        for i in 0..3000 {
            p.submit(set(i, b"v", Replay::Idempotent)).await.unwrap();
        }
        let a = p.barrier().await.unwrap();
        assert_eq!(
            (a.file_keys, a.keys_written, a.commands),
            (3000, 3000, 3000)
        );
        assert_eq!(acked.borrow_and_update().file_keys, 3000);
        p.close().await.unwrap();
    })
    .await;
    assert_eq!(int(&server, &["DBSIZE"]), 3000);
    let m = metrics.snapshot();
    assert_eq!((m.keys_written, m.target_ops), (3000, 3000));
    assert!(m.target_bytes > 3000 * 20, "{}", m.target_bytes);
    assert!(matches!(
        p.submit(set(0, b"v", Replay::Idempotent)).await,
        Err(PipelineError::Closed)
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrongtype_is_fatal_names_the_key_and_hides_the_value() {
    let Some(b) = require(Flavor::Redis) else {
        return;
    };
    let server = b.start().unwrap();
    server.call(&["SET", "user:7", "a string"]).unwrap();
    let (p, metrics) = pipeline(&server.url(), fast_config()).await;
    let err = within(20, async {
        p.submit(set(0, b"v", Replay::Idempotent)).await.unwrap();
        p.submit(key_batch(
            &[b"RPUSH", b"user:7", b"s3cret-value"],
            2,
            Replay::Idempotent,
        ))
        .await
        .unwrap();
        p.barrier().await.unwrap_err()
    })
    .await;
    assert_eq!(err.refusal(), Some(Refusal::WrongType));
    let text = err.to_string();
    assert!(text.contains("RPUSH on key \"user:7\""), "{text}");
    assert!(text.contains("WRONGTYPE"), "{text}");
    assert!(!format!("{text} {err:?}").contains("s3cret"), "{err:?}");
    assert_eq!(err.acked().map(|a| a.file_keys), Some(1));
    assert!(p.submit(set(1, b"v", Replay::Idempotent)).await.is_err());
    assert_eq!(metrics.snapshot().errors, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn out_of_memory_is_fatal_with_the_key() {
    let Some(b) = require(Flavor::Redis) else {
        return;
    };
    let server = b
        .arg("maxmemory", "2mb")
        .arg("maxmemory-policy", "noeviction")
        .start()
        .unwrap();
    let (p, _) = pipeline(&server.url(), fast_config()).await;
    let value = vec![b'x'; 100_000];
    let err = within(20, async {
        for i in 0..100 {
            if p.submit(set(i, &value, Replay::Idempotent)).await.is_err() {
                break;
            }
        }
        p.barrier().await.unwrap_err()
    })
    .await;
    assert_eq!(err.refusal(), Some(Refusal::OutOfMemory), "{err}");
    assert!(err.to_string().contains("SET on key \"k"), "{err}");
}

/// Writes `n` keys while something on the target makes it refuse for a while.
async fn write_through(p: &Pipeline, n: u64) {
    for i in 0..n {
        p.submit(set(i, format!("value-{i}").as_bytes(), Replay::Idempotent))
            .await
            .unwrap();
    }
    let a = p.barrier().await.unwrap();
    assert_eq!(a.file_keys, n);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn busy_scripts_are_waited_out() {
    let Some(b) = require(Flavor::Redis) else {
        return;
    };
    let server = b.arg("busy-reply-threshold", "100").start().unwrap();
    let addr = server.addr();
    let script = std::thread::spawn(move || {
        let mut c = Connection::open(addr).unwrap();
        c.call(&["EVAL", "while true do end", "0"]).unwrap()
    });
    std::thread::sleep(Duration::from_millis(300));
    let killer = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(1000));
        Connection::open(addr)
            .unwrap()
            .call(&["SCRIPT", "KILL"])
            .unwrap()
    });
    let (p, metrics) = pipeline(&server.url(), fast_config()).await;
    within(30, write_through(&p, 2000)).await;
    assert_eq!(killer.join().unwrap(), Reply::Status(b"OK".to_vec()));
    assert!(matches!(script.join().unwrap(), Reply::Error(_)));
    assert_eq!(int(&server, &["DBSIZE"]), 2000);
    assert_eq!(text(&server, &["GET", "k1999"]), "value-1999");
    let events = metrics.events();
    assert!(
        events.iter().any(|e| e.message.contains("BUSY")),
        "the script must have been seen: {events:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn loading_is_waited_out() {
    let Some(b) = require(Flavor::Redis) else {
        return;
    };
    let server = b.start().unwrap();
    server.call(&["DEBUG", "POPULATE", "20000", "pre"]).unwrap();
    server
        .call(&["CONFIG", "SET", "key-load-delay", "50"])
        .unwrap();
    server
        .call(&[
            "CONFIG",
            "SET",
            "loading-process-events-interval-bytes",
            "1024",
        ])
        .unwrap();
    let addr = server.addr();
    let reload = std::thread::spawn(move || {
        Connection::open(addr)
            .unwrap()
            .call(&["DEBUG", "RELOAD"])
            .unwrap()
    });
    std::thread::sleep(Duration::from_millis(100));
    let (p, metrics) = pipeline(&server.url(), fast_config()).await;
    within(30, write_through(&p, 1000)).await;
    assert_eq!(reload.join().unwrap(), Reply::Status(b"OK".to_vec()));
    assert_eq!(int(&server, &["DBSIZE"]), 21000);
    assert!(
        metrics
            .events()
            .iter()
            .any(|e| e.message.contains("LOADING")),
        "{:?}",
        metrics.events()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cuts_are_survived_by_replaying_idempotent_batches() {
    let Some(b) = require(Flavor::Redis) else {
        return;
    };
    let server = b.start().unwrap();
    let reference = require(Flavor::Redis).unwrap().start().unwrap();
    let proxy = Proxy::start(server.addr()).unwrap();
    proxy.throttle(Some(200_000));
    let (p, metrics) = pipeline(&proxy.url(), fast_config()).await;
    let mut sel = BatchBuilder::new();
    sel.push(&["SELECT", "3"], None);
    p.submit(sel.finish(Ack::None, Replay::Idempotent))
        .await
        .unwrap();
    let mut ref_conn = reference.connect().unwrap();
    ref_conn.call(&["SELECT", "3"]).unwrap();
    let value = vec![b'v'; 1000];
    // 600 kB through a 200 kB/s link: cut it twice while it is busy.
    let cutter = {
        let proxy = &proxy;
        async move {
            for _ in 0..2 {
                tokio::time::sleep(Duration::from_millis(900)).await;
                proxy.cut();
            }
        }
    };
    within(60, async {
        for i in 0..600u64 {
            p.submit(set(i, &value, Replay::Idempotent)).await.unwrap();
        }
        tokio::join!(cutter, async { p.barrier().await.unwrap() });
    })
    .await;
    for i in 0..600u64 {
        ref_conn
            .call(&[&b"SET"[..], format!("k{i}").as_bytes(), &value])
            .unwrap();
    }
    assert_eq!(server.digest().unwrap(), reference.digest().unwrap());
    assert_eq!(int(&server, &["DBSIZE"]), 0, "nothing in db 0");
    assert!(proxy.stats().connections >= 3, "{:?}", proxy.stats());
    assert!(
        metrics
            .events()
            .iter()
            .any(|e| e.message.contains("reconnected"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cut_with_a_stream_command_unconfirmed_is_reported_with_the_offset() {
    let Some(b) = require(Flavor::Redis) else {
        return;
    };
    let server = b.start().unwrap();
    let proxy = Proxy::start(server.addr()).unwrap();
    proxy.throttle(Some(20_000));
    let (p, _) = pipeline(&proxy.url(), fast_config()).await;
    let pad = vec![b'p'; 500];
    let err = within(30, async {
        for i in 0..100u64 {
            let mut b = BatchBuilder::new();
            let key = Bytes::from_static(b"counter");
            b.push(&[&b"INCR"[..], b"counter"], Some(&key));
            b.push(&[&b"SET"[..], b"pad", &pad], None);
            if let Err(e) = p.submit(b.finish(Ack::Offset(i * 10), Replay::Never)).await {
                return e;
            }
            if i == 30 {
                tokio::time::sleep(Duration::from_millis(300)).await;
                proxy.cut();
            }
        }
        p.barrier().await.unwrap_err()
    })
    .await;
    let PipelineError::Unreplayable { acked, .. } = &err else {
        panic!("expected Unreplayable, got {err}");
    };
    let text = err.to_string();
    assert!(text.contains("INCR on key \"counter\""), "{text}");
    assert!(text.contains("must not run twice"), "{text}");
    let counter: i64 = text_or_zero(&server, "counter");
    assert!(
        counter as u64 >= acked.stream_commands / 2,
        "acknowledged commands ran: {counter} vs {acked:?}"
    );
}

fn text_or_zero(server: &redis_test_server::Server, key: &str) -> i64 {
    text(server, &["GET", key]).parse().unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_target_is_left_and_its_old_connection_killed() {
    let Some(b) = require(Flavor::Redis) else {
        return;
    };
    let server = b.start().unwrap();
    let mut config = fast_config();
    config.reply_timeout = Duration::from_millis(400);
    let (p, metrics) = pipeline(&server.url(), config).await;
    // The pipeline is up and answered before the server falls asleep.
    p.submit(set(0, b"v", Replay::Idempotent)).await.unwrap();
    within(10, p.barrier()).await.unwrap();
    let addr = server.addr();
    let sleeper = std::thread::spawn(move || {
        Connection::open(addr)
            .unwrap()
            .call(&["DEBUG", "SLEEP", "1.5"])
            .unwrap()
    });
    std::thread::sleep(Duration::from_millis(100));
    within(30, write_through(&p, 500)).await;
    sleeper.join().unwrap();
    assert_eq!(int(&server, &["DBSIZE"]), 500);
    let events = metrics.events();
    assert!(
        events.iter().any(|e| e.message.contains("no answer")),
        "{events:?}"
    );
    // Only the pipeline's current connection is left besides ours.
    let clients = text(&server, &["CLIENT", "LIST"]);
    assert_eq!(clients.lines().count(), 2, "{clients}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transactions_are_sent_whole_and_checked() {
    let Some(b) = require(Flavor::Redis) else {
        return;
    };
    let server = b.start().unwrap();
    let (p, _) = pipeline(&server.url(), fast_config()).await;
    let mut t = BatchBuilder::new();
    t.push(&["MULTI"], None);
    t.push(&["SET", "a", "1"], None);
    t.push(&["INCRBY", "a", "41"], None);
    t.push(&["EXEC"], None);
    let a = within(10, async {
        p.submit(t.finish(Ack::Offset(77), Replay::Never))
            .await
            .unwrap();
        p.barrier().await.unwrap()
    })
    .await;
    assert_eq!((a.offset, a.stream_commands), (Some(77), 4));
    assert_eq!(text(&server, &["GET", "a"]), "42");

    let mut bad = BatchBuilder::new();
    bad.push(&["MULTI"], None);
    bad.push(&["SET", "b"], Some(&Bytes::from_static(b"b")));
    bad.push(&["EXEC"], None);
    let err = within(10, async {
        p.submit(bad.finish(Ack::Offset(99), Replay::Never))
            .await
            .unwrap();
        p.barrier().await.unwrap_err()
    })
    .await;
    assert!(
        err.to_string().contains("SET on key \"b\""),
        "the queued command is named: {err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_byte_rate_limit_holds_and_can_be_lifted() {
    let Some(b) = require(Flavor::Redis) else {
        return;
    };
    let server = b.start().unwrap();
    let rate = Arc::new(RateLimit::new(Some(100_000)));
    let metrics = Arc::new(Metrics::new());
    let p = Pipeline::connect(
        endpoint(&server.url()),
        PipelineConfig::default(),
        rate.clone(),
        metrics.clone(),
    )
    .await
    .unwrap();
    let value = vec![b'x'; 10_000];
    let start = Instant::now();
    within(30, async {
        for i in 0..30 {
            p.submit(set(i, &value, Replay::Idempotent)).await.unwrap();
        }
        p.barrier().await.unwrap();
    })
    .await;
    // 300 kB at 100 kB/s, with a 10 kB burst: not under 2.5 s.
    assert!(
        start.elapsed() >= Duration::from_millis(2500),
        "{:?}",
        start.elapsed()
    );
    // Lifted while running: 3 MB more would take 30 s at the old limit.
    rate.set(None);
    within(20, async {
        for i in 30..330 {
            p.submit(set(i, &value, Replay::Idempotent)).await.unwrap();
        }
        p.barrier().await.unwrap();
    })
    .await;
    assert!(metrics.snapshot().target_bytes >= 330 * 10_000);
}
