//! Logging in as a replica (ACL user, default-user password), and the errors of a wrong
//! password and of a source that refuses replication.

mod replica_support;

use redis_migrate::metrics::Metrics;
use redis_migrate::replica::handshake::HandshakeError;
use redis_migrate::replica::{ReplError, Replication};
use redis_test_server::{Flavor, require};
use replica_support::*;
use std::sync::Arc;

async fn start_err(o: redis_migrate::replica::SourceOptions) -> ReplError {
    let r = tokio::time::timeout(LIMIT, Replication::start(o, None, Arc::new(Metrics::new())))
        .await
        .expect("start took too long");
    match r {
        Ok(_) => panic!("start succeeded"),
        Err(e) => e,
    }
}

#[tokio::test]
async fn an_acl_user_with_the_replication_commands_syncs() {
    let Some(b) = require(Flavor::Redis) else {
        return;
    };
    let server = b.start().unwrap();
    server
        .call(&[
            "ACL",
            "SETUSER",
            "repl",
            "on",
            ">repl-pw",
            "+psync",
            "+replconf",
            "+sync",
            "+ping",
        ])
        .unwrap()
        .ok()
        .unwrap();
    set(&server, "k", "v");
    let spool = tempfile::tempdir().unwrap();
    let o = with_login(
        options(&server.url(), spool.path()),
        Some("repl"),
        "repl-pw",
    );
    let (mut r, _) = start(o, None).await;
    assert_valid_rdb(&full_sync(&mut r).await);
    set(&server, "k2", "v2");
    let cmds = commands_until(&mut r, settled_offset(&server)).await;
    assert_eq!(set_keys(&cmds), ["k2"]);
}

#[tokio::test]
async fn the_default_user_password_logs_in() {
    let Some(b) = require(Flavor::Valkey) else {
        return;
    };
    let server = b.password("default-pw").start().unwrap();
    let spool = tempfile::tempdir().unwrap();
    let o = with_login(options(&server.url(), spool.path()), None, "default-pw");
    let (mut r, _) = start(o, None).await;
    assert_valid_rdb(&full_sync(&mut r).await);
}

#[tokio::test]
async fn a_wrong_password_fails_clearly_without_showing_it() {
    let Some(b) = require(Flavor::Redis) else {
        return;
    };
    let server = b.password("right-pw").start().unwrap();
    let spool = tempfile::tempdir().unwrap();
    let o = with_login(options(&server.url(), spool.path()), None, "wrong-pw-1234");
    let e = start_err(o).await;
    let shown = format!("{e} / {e:?}");
    assert!(
        matches!(
            &e,
            ReplError::Handshake {
                source: HandshakeError::Auth { .. },
                ..
            }
        ),
        "{shown}"
    );
    assert!(!shown.contains("wrong-pw-1234"), "{shown}");
    assert!(shown.contains(&server.port().to_string()), "{shown}");
    assert!(!e.is_transient());

    // No password at all: the source says one is needed.
    let e = start_err(options(&server.url(), spool.path())).await;
    assert!(
        matches!(
            &e,
            ReplError::Handshake {
                source: HandshakeError::PasswordRequired { .. },
                ..
            }
        ),
        "{e}"
    );
}

fn assert_refused(e: &ReplError) {
    let text = e.to_string();
    assert!(
        matches!(
            e,
            ReplError::Handshake {
                source: HandshakeError::Refused {
                    command: "PSYNC",
                    ..
                },
                ..
            }
        ),
        "{text}"
    );
    assert!(text.contains("the source refuses PSYNC"), "{text}");
    assert!(text.contains("rename-command PSYNC"), "{text}");
    assert!(text.contains("+psync +sync +replconf"), "{text}");
}

#[tokio::test]
async fn an_acl_user_without_psync_is_told_what_to_grant() {
    let Some(b) = require(Flavor::Redis) else {
        return;
    };
    let server = b.start().unwrap();
    server
        .call(&[
            "ACL",
            "SETUSER",
            "norepl",
            "on",
            ">pw",
            "+replconf",
            "+ping",
        ])
        .unwrap()
        .ok()
        .unwrap();
    let spool = tempfile::tempdir().unwrap();
    let o = with_login(options(&server.url(), spool.path()), Some("norepl"), "pw");
    let e = start_err(o).await;
    assert_refused(&e);
    assert!(e.to_string().contains("NOPERM"), "{e}");
}

#[tokio::test]
async fn a_renamed_psync_is_told_what_to_enable() {
    let Some(b) = require(Flavor::Valkey) else {
        return;
    };
    let conf = tempfile::tempdir().unwrap();
    let path = conf.path().join("rename.conf");
    std::fs::write(
        &path,
        "rename-command PSYNC \"\"\nrename-command SYNC \"\"\n",
    )
    .unwrap();
    let server = b.arg("include", path.to_str().unwrap()).start().unwrap();
    let spool = tempfile::tempdir().unwrap();
    let e = start_err(options(&server.url(), spool.path())).await;
    assert_refused(&e);
    assert!(e.to_string().contains("unknown command"), "{e}");
}
