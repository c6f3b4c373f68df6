//! The probe against real servers: Redis 7.0 takes RDB 10, Valkey 8.1 RDB 11; a user without
//! DUMP or CONFIG still gets an answer.

mod target_support;

use redis_migrate::conn::Connection;
use redis_migrate::endpoint::Secret;
use redis_migrate::target::{ServerKind, probe};
use redis_test_server::{Flavor, require};
use std::time::Duration;
use target_support::endpoint;

const T: Duration = Duration::from_secs(5);

#[tokio::test]
async fn each_flavor_reports_its_rdb_version_from_a_real_dump() {
    for (flavor, kind, rdb) in [
        (Flavor::Redis, ServerKind::Redis, 10),
        (Flavor::Valkey, ServerKind::Valkey, 11),
    ] {
        let Some(b) = require(flavor) else {
            continue;
        };
        let server = b.start().unwrap();
        let mut c = Connection::connect(&endpoint(&server.url()), T)
            .await
            .unwrap();
        let info = probe(&mut c, T).await.unwrap();
        assert_eq!(info.server, kind);
        assert_eq!((info.rdb_version, info.rdb_version_probed), (rdb, true));
        assert_eq!(info.databases, Some(16));
        assert!(info.has_functions && info.features.stream_meta);
        assert!(
            !info.features.hash_field_ttl,
            "neither 7.0 nor 8.1 has HPEXPIREAT"
        );
        assert!(info.debug_digest);
        assert!(info.accepts_rdb(rdb.into()) && !info.accepts_rdb(u32::from(rdb) + 1));
        assert_eq!(
            server.call(&["DBSIZE"]).unwrap().as_int(),
            Some(0),
            "probe key left behind"
        );
    }
}

#[tokio::test]
async fn a_restricted_user_falls_back_to_the_version_table() {
    let Some(b) = require(Flavor::Redis) else {
        return;
    };
    let server = b.arg("enable-debug-command", "no").start().unwrap();
    server
        .call(&[
            "ACL", "SETUSER", "app", "on", ">app-pw", "~*", "+@all", "-dump", "-config",
        ])
        .unwrap()
        .ok()
        .unwrap();
    let ep = endpoint(&format!("redis://app@127.0.0.1:{}", server.port()))
        .with_password(Some(Secret::new("app-pw")));
    let mut c = Connection::connect(&ep, T).await.unwrap();
    let info = probe(&mut c, T).await.unwrap();
    assert_eq!((info.rdb_version, info.rdb_version_probed), (10, false));
    assert!(info.version.starts_with("7.0."), "{}", info.version);
    assert_eq!(info.databases, None);
    assert!(!info.debug_digest);
    assert_eq!(server.call(&["DBSIZE"]).unwrap().as_int(), Some(0));
}
