//! The standalone `hwcloud emulator serve` with `--data-dir`: tasks answered 200 survive a
//! SIGKILL during concurrent creates, and the lifecycle continues after the restart.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use hwcloud_core::Secret;
use hwcloud_core::signing::{Algorithm, SignableRequest, format_sdk_date, sign};
use hwcloud_testkit::closed_port;
use serde_json::{Value, json};

const AK: &str = "AKDURABILITYTEST0001";
const SK: &str = "durability-secret";
const PROJECT: &str = "aaaabbbbccccddddeeeeffff00001111";

/// A running `hwcloud emulator serve`, killed and reaped when dropped (also when a test
/// fails between spawn and shutdown).
struct Server(Option<Child>);

impl Server {
    fn spawn(cmd: &mut Command) -> Self {
        Server(Some(cmd.spawn().expect("hwcloud starts")))
    }

    fn child(&mut self) -> &mut Child {
        self.0.as_mut().expect("the server is running")
    }

    /// SIGKILL, then reap.
    fn kill(&mut self) {
        let child = self.child();
        child.kill().expect("SIGKILL");
        child.wait().expect("reaped");
        self.0 = None;
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut child) = self.0.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn spawn(port: u16, dir: &Path, creds: &Path) -> Server {
    Server::spawn(
        Command::new(env!("CARGO_BIN_EXE_hwcloud"))
            .args(["emulator", "serve", "--listen"])
            .arg(format!("127.0.0.1:{port}"))
            .arg("--data-dir")
            .arg(dir)
            .arg("--credentials")
            .arg(creds)
            .env_remove("HUAWEICLOUD_SDK_AK")
            .env_remove("HUAWEICLOUD_SDK_SK")
            .env_remove("HUAWEICLOUD_SDK_PROJECT_ID")
            .stdout(Stdio::piped())
            .stderr(Stdio::null()),
    )
}

async fn wait_healthy(http: &reqwest::Client, base: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(r) = http.get(format!("{base}/")).send().await {
            if r.status() == 200 {
                return;
            }
        }
        assert!(Instant::now() < deadline, "emulator did not become healthy");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn call(
    http: &reqwest::Client,
    port: u16,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> reqwest::Result<(u16, Value)> {
    let host = format!("127.0.0.1:{port}");
    let bytes = body
        .map(|b| serde_json::to_vec(&b).unwrap())
        .unwrap_or_default();
    let headers = vec![
        ("Host".to_owned(), host.clone()),
        ("Content-Type".to_owned(), "application/json".to_owned()),
        ("X-Sdk-Date".to_owned(), format_sdk_date(SystemTime::now())),
    ];
    let out = sign(
        Algorithm::HmacSha256,
        AK,
        &Secret::new(SK),
        None,
        &SignableRequest {
            method,
            path,
            query: &[],
            headers: &headers,
            body: &bytes,
        },
    )
    .unwrap();
    let mut rb = http.request(
        reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
        format!("http://{host}{path}"),
    );
    for (k, v) in &headers {
        rb = rb.header(k.as_str(), v.as_str());
    }
    let r = rb
        .header("Authorization", out.authorization)
        .body(bytes)
        .send()
        .await?;
    let status = r.status().as_u16();
    let raw = r.bytes().await?;
    Ok((status, serde_json::from_slice(&raw).unwrap_or(Value::Null)))
}

fn online_body(i: usize) -> Value {
    json!({"name": format!("durable-{i}"), "vpc_id": "v", "subnet_id": "s", "security_group_id": "g"})
}

fn sms_body(i: usize) -> Value {
    json!({"name": format!("durable-{i}"), "type": "MIGRATE_FILE", "source_server": {"id": format!("src-{i}")},
           "target_server": {}, "region_name": "cn-north-4", "region_id": "cn-north-4",
           "project_name": "cn-north-4", "project_id": PROJECT})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn tasks_answered_200_survive_kill_9_and_lifecycles_continue() {
    let dir = tempfile::tempdir().unwrap();
    let creds = dir.path().join("credentials.json");
    std::fs::write(
        &creds,
        json!([{"ak": AK, "sk": SK, "project_id": PROJECT}]).to_string(),
    )
    .unwrap();
    let data = dir.path().join("state");
    let port = closed_port();
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();

    let mut server = spawn(port, &data, &creds);
    wait_healthy(&http, &base).await;

    // Concurrent creators record every id that was answered 200.
    let dcs_ids = Arc::new(Mutex::new(Vec::<String>::new()));
    let sms_ids = Arc::new(Mutex::new(Vec::<String>::new()));
    let mut workers = Vec::new();
    for w in 0..6 {
        let http = http.clone();
        let dcs_ids = Arc::clone(&dcs_ids);
        let sms_ids = Arc::clone(&sms_ids);
        workers.push(tokio::spawn(async move {
            for i in 0.. {
                let n = w * 100_000 + i;
                let r = if n % 2 == 0 {
                    call(
                        &http,
                        port,
                        "POST",
                        &format!("/v2/{PROJECT}/migration/instance"),
                        Some(online_body(n)),
                    )
                    .await
                } else {
                    call(&http, port, "POST", "/v3/tasks", Some(sms_body(n))).await
                };
                match r {
                    Ok((200, v)) if n % 2 == 0 => dcs_ids
                        .lock()
                        .unwrap()
                        .push(v["instance_id"].as_str().unwrap().to_owned()),
                    Ok((200, v)) => sms_ids
                        .lock()
                        .unwrap()
                        .push(v["id"].as_str().unwrap().to_owned()),
                    Ok((s, v)) => panic!("unexpected {s}: {v}"),
                    Err(_) => return, // the server is gone
                }
            }
        }));
    }
    // Let them run, then SIGKILL mid-flight.
    let deadline = Instant::now() + Duration::from_secs(20);
    while dcs_ids.lock().unwrap().len() + sms_ids.lock().unwrap().len() < 200 {
        assert!(Instant::now() < deadline, "creates too slow");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    server.kill();
    for w in workers {
        w.await.expect("worker ok");
    }
    let dcs_ids = dcs_ids.lock().unwrap().clone();
    let sms_ids = sms_ids.lock().unwrap().clone();
    assert!(dcs_ids.len() + sms_ids.len() >= 200);

    // Restart on the same data directory: every acknowledged task is there.
    let mut server = spawn(port, &data, &creds);
    wait_healthy(&http, &base).await;
    for id in &dcs_ids {
        let (s, v) = call(
            &http,
            port,
            "GET",
            &format!("/v2/{PROJECT}/migration-task/{id}"),
            None,
        )
        .await
        .unwrap();
        assert_eq!(s, 200, "DCS task {id} lost: {v}");
    }
    for id in &sms_ids {
        let (s, v) = call(&http, port, "GET", &format!("/v3/tasks/{id}"), None)
            .await
            .unwrap();
        assert_eq!(s, 200, "SMS task {id} lost: {v}");
        assert_eq!(v["state"], "READY");
    }
    let (_, list) = call(
        &http,
        port,
        "GET",
        &format!("/v2/{PROJECT}/migration-tasks"),
        None,
    )
    .await
    .unwrap();
    assert!(list["count"].as_u64().unwrap() >= dcs_ids.len() as u64);

    // The lifecycle continues from the stored timestamps: the first task's job has finished
    // (1 virtual second at speed 1) and it can be configured.
    let id = &dcs_ids[0];
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (_, v) = call(
            &http,
            port,
            "GET",
            &format!("/v2/{PROJECT}/migration-task/{id}"),
            None,
        )
        .await
        .unwrap();
        if v["status"] == "RUNNING" {
            break;
        }
        assert!(Instant::now() < deadline, "{v}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let cfg = json!({"migration_method": "full_amount_migration", "resume_mode": "auto",
                     "source_instance": {"addrs": "10.0.0.1:6379"}, "target_instance": {"id": "t"}});
    let (s, v) = call(
        &http,
        port,
        "POST",
        &format!("/v2/{PROJECT}/migration/{id}/task"),
        Some(cfg),
    )
    .await
    .unwrap();
    assert_eq!(s, 200, "{v}");

    // Graceful stop on SIGTERM: exit code 0.
    let status = Command::new("kill")
        .arg("-TERM")
        .arg(server.child().id().to_string())
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Some(code) = server.child().try_wait().unwrap() {
            assert!(code.success(), "exit status {code:?}");
            // Exited cleanly: nothing left for the guard to kill.
            server.0.take();
            break;
        }
        // On failure the guard kills and reaps the server.
        assert!(Instant::now() < deadline, "no graceful shutdown");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[test]
fn serve_prints_the_test_default_credential_and_never_a_user_secret() {
    use std::io::{BufRead, BufReader};
    use std::sync::mpsc::{RecvTimeoutError, channel};
    let dir = tempfile::tempdir().unwrap();
    for (with_file, expect_default) in [(false, true), (true, false)] {
        let port = closed_port();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_hwcloud"));
        cmd.args(["emulator", "serve", "--in-memory", "--listen"])
            .arg(format!("127.0.0.1:{port}"))
            .env_remove("HUAWEICLOUD_SDK_AK")
            .env_remove("HUAWEICLOUD_SDK_SK")
            .env_remove("HUAWEICLOUD_SDK_PROJECT_ID")
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        if with_file {
            let creds = dir.path().join("c.json");
            std::fs::write(
                &creds,
                json!([{"ak": AK, "sk": SK, "project_id": PROJECT}]).to_string(),
            )
            .unwrap();
            cmd.arg("--credentials").arg(&creds);
        }
        let mut server = Server::spawn(&mut cmd);
        // Read on a thread so that a server that never prints the banner fails the test
        // instead of hanging it; the thread ends when the killed server closes its stdout.
        let out = BufReader::new(server.child().stdout.take().unwrap());
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            for line in out.lines() {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let timeout = Duration::from_secs(30);
        let deadline = Instant::now() + timeout;
        let mut text = String::new();
        let mut complete = false;
        // The banner ends with the control API line.
        for _ in 0..20 {
            match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok(line) => {
                    let line = line.expect("stdout is UTF-8");
                    text.push_str(&line);
                    text.push('\n');
                    if line.starts_with("control API") {
                        complete = true;
                        break;
                    }
                }
                Err(RecvTimeoutError::Timeout) => panic!("no banner within {timeout:?}:\n{text}"),
                Err(RecvTimeoutError::Disconnected) => break,
            }
        }
        drop(server);
        assert!(complete, "the banner has no control API line:\n{text}");
        assert!(text.contains(&format!("127.0.0.1:{port}")), "{text}");
        if expect_default {
            assert!(
                text.contains("EMULATORTESTAK0000001") && text.contains("emulator-test-secret-key"),
                "{text}"
            );
        } else {
            assert!(text.contains(AK), "{text}");
            assert!(!text.contains(SK), "a user secret was printed: {text}");
        }
    }
}

#[test]
fn bad_credentials_file_is_refused_without_echoing_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let creds = dir.path().join("bad.json");
    std::fs::write(&creds, r#"[{"ak": "A", "sk": "very-secret-value"}]"#).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_hwcloud"))
        .args([
            "emulator",
            "serve",
            "--in-memory",
            "--listen",
            "127.0.0.1:0",
            "--credentials",
        ])
        .arg(&creds)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("credentials file"), "{err}");
    assert!(!err.contains("very-secret-value"), "{err}");
}
