//! The `hwcloud` subcommands of the cutover, instance, backup, source-server, task-update and
//! speed-limit operations, and `sms create-task --from-source`, against a recording server on
//! 127.0.0.1 that checks paths and signatures.

use hwcloud_testkit::{RecordingServer, Reply, example, example_path};
use serde_json::{Value, json};
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_hwcloud");
const AK: &str = "CLIWIRETESTAK0000002";
const SK: &str = "cli-wire-secret-2";
const PROJECT: &str = "0123456789abcdef0123456789abcdef";

/// Runs `hwcloud --endpoint URL ARGS…` with only test credentials in its environment, on a
/// blocking thread so the recording server keeps serving.
async fn hwcloud(url: &str, args: &[&str]) -> Output {
    let mut all = vec!["--endpoint".to_string(), url.to_string()];
    all.extend(args.iter().map(|s| s.to_string()));
    tokio::task::spawn_blocking(move || {
        let home = tempfile::tempdir().unwrap();
        Command::new(BIN)
            .args(&all)
            .env_clear()
            .env("HOME", home.path())
            .env("HUAWEICLOUD_SDK_AK", AK)
            .env("HUAWEICLOUD_SDK_SK", SK)
            .env("HUAWEICLOUD_SDK_PROJECT_ID", PROJECT)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    })
    .await
    .unwrap()
}

fn ok(o: &Output) -> Value {
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).unwrap_or(Value::Null)
}

#[tokio::test(flavor = "multi_thread")]
async fn every_new_subcommand_is_sent_signed() {
    let server = RecordingServer::start().await;
    let url = server.url();
    let p = format!("/v2/{PROJECT}");
    let exchange = example_path("dcs/exchange_instance_ip.request.json");
    let speed = example_path("sms/update_speed.request.json");
    let cases: Vec<(Vec<&str>, &str, String, Reply)> = vec![
        (
            vec![
                "dcs",
                "update-migration-task",
                "--task-id",
                "t1",
                "--resume-mode",
                "manual",
            ],
            "PUT",
            format!("{p}/migration-task/t1"),
            Reply::raw(200, ""),
        ),
        (
            vec![
                "dcs",
                "exchange-instance-ip",
                "--task-id",
                "t1",
                "--body",
                &exchange,
            ],
            "POST",
            format!("{p}/migration-task/t1/exchange-ip"),
            Reply::raw(204, ""),
        ),
        (
            vec!["dcs", "rollback-exchange-instance-ip", "--task-id", "t1"],
            "POST",
            format!("{p}/migration-task/t1/rollback-ip"),
            Reply::raw(204, ""),
        ),
        (
            vec!["dcs", "list-instances", "--status", "RUNNING"],
            "GET",
            format!("{p}/instances"),
            Reply::json(200, example("dcs/list_instances.response.200.json")),
        ),
        (
            vec!["dcs", "show-instance", "--instance-id", "i1"],
            "GET",
            format!("{p}/instances/i1"),
            Reply::json(200, example("dcs/show_instance.response.200.json")),
        ),
        (
            vec!["dcs", "list-backup-records", "--instance-id", "i1"],
            "GET",
            format!("{p}/instances/i1/backups"),
            Reply::json(200, example("dcs/list_backup_records.response.200.json")),
        ),
        (
            vec!["sms", "show-server", "--source-id", "s1"],
            "GET",
            "/v3/sources/s1".into(),
            Reply::json(200, example("sms/show_server.response.200.json")),
        ),
        (
            vec!["sms", "list-servers", "--connected", "true"],
            "GET",
            "/v3/sources".into(),
            Reply::json(200, example("sms/list_servers.response.200.json")),
        ),
        (
            vec!["sms", "update-task", "--task-id", "t1", "--name", "renamed"],
            "PUT",
            "/v3/tasks/t1".into(),
            Reply::json(200, json!({"id": "t1"})),
        ),
        (
            vec!["sms", "shows-speed-limits", "--task-id", "t1"],
            "GET",
            "/v3/tasks/t1/speed-limit".into(),
            Reply::json(200, example("sms/shows_speed_limits.response.200.json")),
        ),
        (
            vec!["sms", "update-speed", "--task-id", "t1", "--body", &speed],
            "POST",
            "/v3/tasks/t1/speed-limit".into(),
            Reply::raw(200, "ok"),
        ),
    ];
    for (args, method, path, reply) in cases {
        server.push(reply);
        let o = hwcloud(&url, &args).await;
        ok(&o);
        let r = server.requests().pop().unwrap();
        assert_eq!(
            (r.method.as_str(), r.path.as_str()),
            (method, path.as_str()),
            "{args:?}"
        );
        r.verify_signature(AK, SK).unwrap();
    }
    let reqs = server.requests();
    assert_eq!(reqs[0].json(), json!({"resume_mode": "manual"}));
    assert_eq!(reqs[3].query, "status=RUNNING");
    assert_eq!(reqs[8].json(), json!({"name": "renamed"}));
    assert_eq!(
        reqs[10].json(),
        example::<Value>("sms/update_speed.request.json")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn create_task_from_a_source_server() {
    let server = RecordingServer::start().await;
    let url = server.url();
    let shown: Value = example("sms/show_server.response.200.json");
    server.push(Reply::json(200, shown.clone()));
    server.push(Reply::json(200, json!({"id": "new-task"})));
    let o = hwcloud(
        &url,
        &[
            "sms",
            "create-task",
            "--from-source",
            "2c9a8b10",
            "--name",
            "web-01",
            "--type",
            "MIGRATE_BLOCK",
            "--region-name",
            "ap-southeast-3",
            "--region-id",
            "ap-southeast-3",
            "--project-name",
            "ap-southeast-3",
            "--body-project-id",
            PROJECT,
        ],
    )
    .await;
    assert_eq!(ok(&o), json!({"id": "new-task"}));
    let reqs = server.requests();
    assert_eq!(
        (reqs[0].method.as_str(), reqs[0].path.as_str()),
        ("GET", "/v3/sources/2c9a8b10")
    );
    assert_eq!(
        (reqs[1].method.as_str(), reqs[1].path.as_str()),
        ("POST", "/v3/tasks")
    );
    for r in &reqs {
        r.verify_signature(AK, SK).unwrap();
    }
    let body = reqs[1].json();
    assert_eq!(body["source_server"], json!({"id": "2c9a8b10"}));
    assert_eq!(body["os_type"], "LINUX");
    assert_eq!(body["name"], "web-01");
    // The target disks are the recommended layout, minus what CreateTask does not take.
    let recommended = &shown["init_target_server"]["disks"][0];
    let disk = &body["target_server"]["disks"][0];
    for k in ["name", "size", "device_use"] {
        assert_eq!(disk[k], recommended[k], "{k}");
    }
    assert!(disk.get("used_size").is_none());
    assert_eq!(disk["physical_volumes"], recommended["physical_volumes"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn create_task_from_a_source_without_a_layout_sends_nothing() {
    let server = RecordingServer::start().await;
    server.push(Reply::json(200, json!({"id": "s1", "os_type": "LINUX"})));
    let o = hwcloud(
        &server.url(),
        &["sms", "create-task", "--from-source", "s1", "--name", "x"],
    )
    .await;
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("init_target_server.disks"), "{err}");
    assert_eq!(server.requests().len(), 1, "only ShowServer was sent");
}
