//! The harness itself: servers start, answer, restart and die with their handle; the proxy
//! forwards, cuts, refuses and throttles.

use redis_test_server::{Connection, Flavor, Proxy, Reply, is_listening, require, wait_until};
use std::time::{Duration, Instant};

#[test]
fn each_flavor_starts_answers_and_is_killed_on_drop() {
    for flavor in [Flavor::Redis, Flavor::Valkey] {
        let Some(builder) = require(flavor) else {
            continue;
        };
        let server = builder.password("test-pw").start().unwrap();
        let addr = server.addr();
        assert_eq!(
            server.call(&["SET", "k", "v"]).unwrap(),
            Reply::Status(b"OK".to_vec())
        );
        assert_eq!(server.call(&["GET", "k"]).unwrap().text(), "v");
        assert_eq!(server.digest().unwrap().len(), 40);
        drop(server);
        assert!(wait_until(Duration::from_secs(5), || !is_listening(addr)));
    }
}

#[test]
fn restart_keeps_port_and_directory() {
    let Some(builder) = require(Flavor::Redis) else {
        return;
    };
    let mut server = builder.start().unwrap();
    server.call(&["SET", "k", "v"]).unwrap();
    server.call(&["SAVE"]).unwrap();
    server.restart().unwrap();
    assert_eq!(server.call(&["GET", "k"]).unwrap().text(), "v");
}

#[test]
fn proxy_forwards_cuts_refuses_and_throttles() {
    let Some(builder) = require(Flavor::Redis) else {
        return;
    };
    let server = builder.start().unwrap();
    let proxy = Proxy::start(server.addr()).unwrap();
    let mut c = Connection::open(proxy.addr()).unwrap();
    assert_eq!(c.call(&["PING"]).unwrap(), Reply::Status(b"PONG".to_vec()));
    proxy.cut();
    assert!(c.call(&["PING"]).is_err(), "a cut link must fail");
    proxy.refuse(true);
    let mut refused = Connection::open(proxy.addr()).unwrap();
    assert!(refused.call(&["PING"]).is_err());
    proxy.refuse(false);
    let mut c = Connection::open(proxy.addr()).unwrap();
    proxy.throttle(Some(100_000));
    let value = vec![b'x'; 300_000];
    let start = Instant::now();
    c.call(&[&b"SET"[..], b"big", &value]).unwrap();
    // 300 kB at 100 kB/s cannot arrive in under two seconds.
    assert!(
        start.elapsed() >= Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
    assert!(proxy.stats().bytes_up >= 300_000);
}
