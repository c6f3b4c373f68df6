//! The control API cannot leak or be abused: the request log masks every sensitive field and
//! bounds what it keeps, unauthenticated requests are only counted, a control token locks
//! the control API, one emulator per data directory, and a shutdown is not held up by a
//! client that never finishes its request.

mod common;

use std::time::{Duration, Instant};

use common::*;
use hwcloud_emulator::{CONTROL_TOKEN_HEADER, Emulator, EmulatorError, StoreError};
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;

async fn requests(base: &str) -> Value {
    reqwest::get(format!("{base}/_emulator/requests"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_request_log_never_holds_a_password() {
    let emu = start_frozen().await;
    let c = Client::new(&emu, cred1());
    let base = emu.base_url();
    let a = c
        .call(
            "POST",
            &c.dcs("/migration/instance"),
            Some(online_body("log")),
        )
        .await;
    let id = a.body["instance_id"].as_str().unwrap().to_owned();
    let mut cfg = configure_body("full_amount_migration");
    cfg["source_instance"]["password"] = json!("source-pass-d41d8cd9");
    cfg["target_instance"]["password"] = json!(31415926);
    c.call("POST", &c.dcs(&format!("/migration/{id}/task")), Some(cfg))
        .await;
    let import = json!({
        "task_name": "imp", "migration_type": "backupfile_import",
        "migration_method": "full_amount_migration",
        "backup_files": {"file_source": "self_build_obs", "bucket_name": "b",
                         "files": [{"file_name": "a.rdb"}]},
        "target_instance": {"id": "3c6b1c5e-1111-2222-3333-444455556666",
                            "password": "target-pass-8f00b204"},
        "padding": "p".repeat(20_000)
    });
    c.call("POST", &c.dcs("/migration-task"), Some(import))
        .await;
    let log = requests(&base).await;
    let text = log.to_string();
    for secret in [
        "source-pass-d41d8cd9",
        "31415926",
        "target-pass-8f00b204",
        "secret-one",
    ] {
        assert!(!text.contains(secret), "{secret} in the request log");
    }
    let entries = log["requests"].as_array().unwrap();
    assert_eq!(entries.len(), 3, "{log}");
    let set = &entries[1];
    let body: Value = serde_json::from_str(set["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["source_instance"]["password"], "***");
    assert_eq!(body["target_instance"]["password"], "***");
    // A large body keeps a few KiB.
    let import = &entries[2];
    assert!(
        import["body"].as_str().unwrap().len() <= 4 * 1024 + 32,
        "{import}"
    );
    assert!(import["body_bytes"].as_u64().unwrap() > 20_000);
    emu.shutdown().await;
}

#[tokio::test]
async fn unauthenticated_requests_are_counted_not_kept() {
    let emu = start_frozen().await;
    let c = Client::new(&emu, cred1());
    let wrong = Tweak {
        sk_override: Some("wrong".into()),
        ..Tweak::default()
    };
    let big = json!({"name": "x".repeat(200_000)});
    for _ in 0..20 {
        let a = c
            .call_t(
                "POST",
                &c.dcs("/migration/instance"),
                Some(big.clone()),
                wrong.clone(),
            )
            .await;
        assert_eq!(a.status, 401);
    }
    c.call("GET", "/v9/nothing", None).await;
    let log = requests(&emu.base_url()).await;
    assert_eq!(log["requests"], json!([]), "{log}");
    assert_eq!(log["unauthenticated"], 21);
    emu.shutdown().await;
}

#[tokio::test]
async fn a_control_token_locks_the_control_api() {
    let emu = Emulator::builder()
        .credential(cred1())
        .control_token("tok-7f3a")
        .start()
        .await
        .unwrap();
    let http = reqwest::Client::new();
    let clock = format!("{}/_emulator/clock", emu.base_url());
    let r = http.get(&clock).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error_code"], "EMULATOR.0403");
    let r = http
        .get(&clock)
        .header(CONTROL_TOKEN_HEADER, "tok-7f3b")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = http
        .post(format!("{}/_emulator/faults", emu.base_url()))
        .json(&json!({"status": 503}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        403,
        "no fault can be injected without the token"
    );
    let r = http
        .get(&clock)
        .header(CONTROL_TOKEN_HEADER, "tok-7f3a")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // The service APIs do not need it.
    let c = Client::new(&emu, cred1());
    assert_eq!(
        c.call("GET", &c.dcs("/migration-tasks"), None).await.status,
        200
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn one_emulator_per_data_directory() {
    let dir = tempfile::tempdir().unwrap();
    let first = Emulator::builder()
        .data_dir(dir.path())
        .start()
        .await
        .unwrap();
    let second = Emulator::builder().data_dir(dir.path()).start().await;
    match second {
        Err(EmulatorError::Store(StoreError::Locked { holder, .. })) => {
            assert_eq!(holder, Some(std::process::id()));
        }
        other => panic!("a second emulator on the same directory must be refused: {other:?}"),
    }
    first.shutdown().await;
    let again = Emulator::builder().data_dir(dir.path()).start().await;
    again
        .expect("free once the first has shut down")
        .shutdown()
        .await;
}

#[tokio::test]
async fn a_half_sent_request_does_not_hold_up_the_shutdown() {
    let dir = tempfile::tempdir().unwrap();
    let emu = Emulator::builder()
        .data_dir(dir.path())
        .start()
        .await
        .unwrap();
    let mut stuck = tokio::net::TcpStream::connect(emu.local_addr())
        .await
        .unwrap();
    stuck
        .write_all(b"POST /v3/tasks HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
        .await
        .unwrap();
    let mut headers_only = tokio::net::TcpStream::connect(emu.local_addr())
        .await
        .unwrap();
    headers_only
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let started = Instant::now();
    tokio::time::timeout(Duration::from_secs(20), emu.shutdown())
        .await
        .expect("the shutdown finishes although two clients never finish their requests");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    // The data directory is free again: nothing of the old server lingers.
    let again = Emulator::builder().data_dir(dir.path()).start().await;
    again
        .expect("the old server let go of the directory")
        .shutdown()
        .await;
    drop((stuck, headers_only));
}
