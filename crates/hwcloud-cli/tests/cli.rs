//! The `hwcloud` binary end to end: exit codes, `--body` from a file and stdin, validation
//! errors, JSON and table output, `--all`, the wait commands (against an emulator started
//! in the test), and the seed operations' signed bodies (against a recording server).

use hwcloud_core::json_equivalence;
use hwcloud_emulator::{Emulator, EmulatorHandle};
use hwcloud_testkit::{RecordingServer, Reply, closed_port, example_path};
use serde_json::Value;
use std::io::Write;
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_hwcloud");

struct Creds {
    ak: String,
    sk: String,
    project: String,
}

/// Runs `hwcloud` with only the given credentials in its environment.
fn run(creds: Option<&Creds>, args: &[&str], stdin: Option<&str>) -> Output {
    let home = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .env_clear()
        .env("HOME", home.path())
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(c) = creds {
        cmd.env("HUAWEICLOUD_SDK_AK", &c.ak)
            .env("HUAWEICLOUD_SDK_SK", &c.sk)
            .env("HUAWEICLOUD_SDK_PROJECT_ID", &c.project);
    }
    let mut child = cmd.spawn().unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).unwrap();
    }
    drop(input);
    child.wait_with_output().unwrap()
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", stdout(o), stderr(o)))
}

async fn emulator() -> (EmulatorHandle, Creds) {
    let h = Emulator::builder()
        .in_memory()
        .clock_speed(20.0)
        .start()
        .await
        .unwrap();
    let c = h.default_credential();
    let creds = Creds {
        ak: c.ak.clone(),
        sk: c.sk.expose().to_owned(),
        project: c.project_id.clone(),
    };
    (h, creds)
}

/// `run` on a blocking thread, so the in-process emulator keeps serving.
async fn run_async(creds: Option<&Creds>, args: Vec<String>, stdin: Option<String>) -> Output {
    let creds = creds.map(|c| Creds {
        ak: c.ak.clone(),
        sk: c.sk.clone(),
        project: c.project.clone(),
    });
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run(creds.as_ref(), &args, stdin.as_deref())
    })
    .await
    .unwrap()
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn exit_codes() {
    let (emu, creds) = emulator().await;
    let url = emu.base_url();

    // 0: success.
    let o = run_async(
        Some(&creds),
        args(&["--endpoint", &url, "dcs", "list-migration-task"]),
        None,
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(json(&o)["count"], 0);

    // 2: usage (missing required flag) and validation (limit out of range).
    let o = run_async(
        Some(&creds),
        args(&["--endpoint", &url, "dcs", "show-migration-task"]),
        None,
    )
    .await;
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("--task-id"), "{}", stderr(&o));
    let o = run_async(
        Some(&creds),
        args(&[
            "--endpoint",
            &url,
            "dcs",
            "list-migration-task",
            "--limit",
            "5000",
        ]),
        None,
    )
    .await;
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("limit"), "{}", stderr(&o));
    let o = run_async(
        Some(&creds),
        args(&[
            "--endpoint",
            &url,
            "dcs",
            "list-migration-task",
            "--limit",
            "ten",
        ]),
        None,
    )
    .await;
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("--limit"), "{}", stderr(&o));

    // 3: service error, printed with status, code, message and request id.
    let o = run_async(
        Some(&creds),
        args(&[
            "--endpoint",
            &url,
            "dcs",
            "show-migration-task",
            "--task-id",
            "no-such-task",
        ]),
        None,
    )
    .await;
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    let err = stderr(&o);
    for part in [
        "status:     400",
        "code:       DCS.4133",
        "message:",
        "request id:",
    ] {
        assert!(err.contains(part), "{part} missing in {err}");
    }

    // 4: transport.
    let closed = format!("http://127.0.0.1:{}", closed_port());
    let o = run_async(
        Some(&creds),
        args(&[
            "--endpoint",
            &closed,
            "--timeout",
            "5",
            "dcs",
            "list-migration-task",
        ]),
        None,
    )
    .await;
    assert_eq!(code(&o), 4, "{}", stderr(&o));

    // 5: no credentials (empty env, empty HOME), and a region that does not exist.
    let o = run_async(
        None,
        args(&["--endpoint", &url, "dcs", "list-migration-task"]),
        None,
    )
    .await;
    assert_eq!(code(&o), 5);
    assert!(stderr(&o).contains("HUAWEICLOUD_SDK_AK"), "{}", stderr(&o));
    let o = run_async(
        Some(&creds),
        args(&["--region", "mars-1", "dcs", "list-migration-task"]),
        None,
    )
    .await;
    assert_eq!(code(&o), 5);
    assert!(stderr(&o).contains("unknown region"), "{}", stderr(&o));

    // Wrong secret key: the emulator refuses with 401 → exit 3.
    let wrong = Creds {
        sk: "wrong".into(),
        ..creds
    };
    let o = run_async(
        Some(&wrong),
        args(&["--endpoint", &url, "dcs", "list-migration-task"]),
        None,
    )
    .await;
    assert_eq!(code(&o), 3);
    assert!(stderr(&o).contains("401"), "{}", stderr(&o));
    assert!(
        !stderr(&o).contains("wrong"),
        "secret printed: {}",
        stderr(&o)
    );
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn body_from_file_and_stdin_and_output_formats() {
    let (emu, creds) = emulator().await;
    let url = emu.base_url();
    let file = example_path("sms/create_task.request.s001.json");
    let o = run_async(
        Some(&creds),
        args(&["--endpoint", &url, "sms", "create-task", "--body", &file]),
        None,
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let id1 = json(&o)["id"].as_str().unwrap().to_owned();

    let text = std::fs::read_to_string(&file).unwrap();
    let o = run_async(
        Some(&creds),
        args(&[
            "--endpoint",
            &url,
            "sms",
            "create-task",
            "--body",
            "-",
            "--name",
            "from-stdin",
        ]),
        Some(text),
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let id2 = json(&o)["id"].as_str().unwrap().to_owned();

    let o = run_async(
        Some(&creds),
        args(&["--endpoint", &url, "sms", "show-task", "--task-id", &id2]),
        None,
    )
    .await;
    assert_eq!(json(&o)["name"], "from-stdin");

    // Table output.
    let o = run_async(
        Some(&creds),
        args(&[
            "--endpoint",
            &url,
            "--output",
            "table",
            "sms",
            "list-tasks",
            "--all",
        ]),
        None,
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let table = stdout(&o);
    // A bordered table; columns in the order the SMS task type declares its fields.
    let header = table.lines().nth(1).unwrap();
    let at = |name: &str| header.find(&format!(" {name} ")).unwrap_or(usize::MAX);
    assert!(at("id") < at("name") && at("name") < at("state"), "{table}");
    assert!(at("state") < usize::MAX, "{table}");
    assert!(table.contains(&id1) && table.contains(&id2), "{table}");
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn validation_errors_name_the_field_and_send_nothing() {
    let server = RecordingServer::start().await;
    let creds = Creds {
        ak: "AK".into(),
        sk: "SK".into(),
        project: "p".into(),
    };
    let mut body: Value = serde_json::from_str(
        &std::fs::read_to_string(example_path("sms/create_task.request.s001.json")).unwrap(),
    )
    .unwrap();
    body["target_server"]["disks"][0]["name"] = Value::String("x".repeat(300));
    body["speed_limit"] = Value::from(5000);
    let o = run_async(
        Some(&creds),
        args(&[
            "--endpoint",
            &server.url(),
            "sms",
            "create-task",
            "--body",
            "-",
        ]),
        Some(body.to_string()),
    )
    .await;
    assert_eq!(code(&o), 2);
    let err = stderr(&o);
    assert!(err.contains("target_server.disks[0].name"), "{err}");
    assert!(err.contains("speed_limit"), "{err}");
    // A type error in the body names its path too.
    body["target_server"]["disks"][0]["size"] = Value::String("big".into());
    let o = run_async(
        Some(&creds),
        args(&[
            "--endpoint",
            &server.url(),
            "sms",
            "create-task",
            "--body",
            "-",
        ]),
        Some(body.to_string()),
    )
    .await;
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("target_server.disks[0].size"),
        "{}",
        stderr(&o)
    );
    // Invalid JSON names line and column.
    let o = run_async(
        Some(&creds),
        args(&[
            "--endpoint",
            &server.url(),
            "sms",
            "create-task",
            "--body",
            "-",
        ]),
        Some("{\n  \"name\": ,\n}".into()),
    )
    .await;
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("line 2"), "{}", stderr(&o));
    assert!(server.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn all_follows_pagination() {
    let (emu, creds) = emulator().await;
    let url = emu.base_url();
    let file = example_path("dcs/create_migration_task.request.backup_import.json");
    for _ in 0..5 {
        let o = run_async(
            Some(&creds),
            args(&[
                "--endpoint",
                &url,
                "dcs",
                "create-migration-task",
                "--body",
                &file,
            ]),
            None,
        )
        .await;
        assert_eq!(code(&o), 0, "{}", stderr(&o));
    }
    let o = run_async(
        Some(&creds),
        args(&[
            "--endpoint",
            &url,
            "dcs",
            "list-migration-task",
            "--limit",
            "2",
        ]),
        None,
    )
    .await;
    assert_eq!(json(&o)["migration_tasks"].as_array().unwrap().len(), 2);
    let o = run_async(
        Some(&creds),
        args(&[
            "--endpoint",
            &url,
            "dcs",
            "list-migration-task",
            "--limit",
            "2",
            "--all",
        ]),
        None,
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(json(&o).as_array().unwrap().len(), 5);
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn wait_commands() {
    let (emu, creds) = emulator().await;
    let url = emu.base_url();
    let e = |a: &[&str]| {
        let mut v = args(&["--endpoint", &url]);
        v.extend(args(a));
        v
    };
    // DCS: create-online → wait-job → configure → wait-migration-task → stop → wait stopped.
    let o = run_async(
        Some(&creds),
        e(&[
            "dcs",
            "create-online-migration-task",
            "--body",
            &example_path("dcs/create_online_migration_task.request.s000.json"),
        ]),
        None,
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let created = json(&o);
    let task = created["instance_id"].as_str().unwrap().to_owned();
    let job = created["job_id"].as_str().unwrap().to_owned();
    let o = run_async(
        Some(&creds),
        e(&["dcs", "wait-job", &job, "--interval", "0.05"]),
        None,
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(json(&o)["status"], "SUCCESS");

    let o = run_async(
        Some(&creds),
        e(&[
            "dcs",
            "set-online-migration-task",
            "--task-id",
            &task,
            "--body",
            &example_path("dcs/set_online_migration_task.request.s004.json"),
        ]),
        None,
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = run_async(
        Some(&creds),
        e(&["dcs", "wait-migration-task", &task, "--interval", "0.05"]),
        None,
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    // The S004 body asks for incremental migration: the wait ends in the steady state.
    assert_eq!(json(&o)["status"], "INCRMIGEATING");
    // Piped: plain progress lines on stderr.
    let progress = stderr(&o);
    assert!(
        progress.lines().any(|l| l.starts_with("status=")),
        "{progress}"
    );

    let o = run_async(
        Some(&creds),
        e(&["dcs", "stop-migration-task", "--task-id", &task]),
        None,
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = run_async(
        Some(&creds),
        e(&[
            "dcs",
            "wait-migration-task",
            &task,
            "--until",
            "stopped",
            "--interval",
            "0.05",
        ]),
        None,
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(json(&o)["status"], "TERMINATED");

    // SMS: create → start → wait-task.
    let o = run_async(
        Some(&creds),
        e(&[
            "sms",
            "create-task",
            "--body",
            &example_path("sms/create_task.request.s001.json"),
        ]),
        None,
    )
    .await;
    let id = json(&o)["id"].as_str().unwrap().to_owned();
    let o = run_async(
        Some(&creds),
        e(&[
            "sms",
            "update-task-status",
            "--task-id",
            &id,
            "--operation",
            "start",
        ]),
        None,
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = run_async(
        Some(&creds),
        e(&["sms", "wait-task", &id, "--interval", "0.05"]),
        None,
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(json(&o)["state"], "MIGRATE_SUCCESS");

    // A wait that runs out of time exits 4: a task that is never started stays READY.
    let o = run_async(
        Some(&creds),
        e(&[
            "sms",
            "create-task",
            "--body",
            &example_path("sms/create_task.request.s001.json"),
        ]),
        None,
    )
    .await;
    let idle = json(&o)["id"].as_str().unwrap().to_owned();
    let o = run_async(
        Some(&creds),
        e(&[
            "sms",
            "wait-task",
            &idle,
            "--max-wait",
            "0.3",
            "--interval",
            "0.05",
        ]),
        None,
    )
    .await;
    assert_eq!(code(&o), 4, "{}", stderr(&o));
    assert!(stderr(&o).contains("READY"), "{}", stderr(&o));
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn seed_operations_are_sent_signed_with_the_seed_bodies() {
    let server = RecordingServer::start().await;
    let creds = Creds {
        ak: "CLIWIRETESTAK0000001".into(),
        sk: "cli-wire-secret".into(),
        project: "0123456789abcdef0123456789abcdef".into(),
    };
    let url = server.url();
    let cases = [
        (
            "dcs",
            "create-migration-task",
            "dcs/create_migration_task.request.s003.json",
            None,
            "/v2/0123456789abcdef0123456789abcdef/migration-task",
        ),
        (
            "dcs",
            "create-online-migration-task",
            "dcs/create_online_migration_task.request.s000.json",
            None,
            "/v2/0123456789abcdef0123456789abcdef/migration/instance",
        ),
        (
            "dcs",
            "set-online-migration-task",
            "dcs/set_online_migration_task.request.s004.json",
            Some("task-1"),
            "/v2/0123456789abcdef0123456789abcdef/migration/task-1/task",
        ),
        (
            "sms",
            "create-task",
            "sms/create_task.request.s001.json",
            None,
            "/v3/tasks",
        ),
    ];
    for (service, op, file, task, path) in cases {
        server.push(Reply::json(200, serde_json::json!({})));
        let mut a = args(&[
            "--endpoint",
            &url,
            service,
            op,
            "--body",
            &example_path(file),
        ]);
        if let Some(t) = task {
            a.extend(args(&["--task-id", t]));
        }
        let o = run_async(Some(&creds), a, None).await;
        assert_eq!(code(&o), 0, "{op}: {}", stderr(&o));
        let r = server.requests().pop().unwrap();
        assert_eq!((r.method.as_str(), r.path.as_str()), ("POST", path));
        r.verify_signature(&creds.ak, &creds.sk).unwrap();
        let expected: Value =
            serde_json::from_str(&std::fs::read_to_string(example_path(file)).unwrap()).unwrap();
        json_equivalence::check(&expected, &r.json(), &[]).unwrap_or_else(|e| panic!("{op}: {e}"));
    }
}

#[test]
fn completions_and_help() {
    for shell in ["bash", "zsh", "fish"] {
        let o = run(None, &["completions", shell], None);
        assert_eq!(code(&o), 0);
        assert!(
            stdout(&o).contains("create-online-migration-task"),
            "{shell}"
        );
    }
    let o = run(None, &["dcs", "--help"], None);
    assert_eq!(code(&o), 0);
    for op in [
        "create-migration-task",
        "set-online-migration-task",
        "wait-migration-task",
        "wait-job",
        "list-migration-task-logs",
    ] {
        assert!(stdout(&o).contains(op), "{op}");
    }
    // Credentials are never flags.
    let o = run(None, &["--help"], None);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let help = stdout(&o);
    for flag in ["--endpoint ", "--region ", "--project-id "] {
        assert!(help.contains(flag), "{flag} missing from help:\n{help}");
    }
    for flag in ["--sk ", "--ak ", "--secret", "--password", "--token"] {
        assert!(!help.contains(flag), "{flag} in help");
    }
}

/// The README's main job in its simulated form (`--simulated`, as on a machine without
/// redis-server): `hwcloud demo` on the embedded emulator, with no credentials and no network,
/// runs every flow to the end. The real form is in `tests/demo.rs`.
#[test]
fn demo_main_job_runs_every_flow() {
    let o = run(None, &["demo", "--simulated"], None);
    assert_eq!(code(&o), 0, "{}\n{}", stdout(&o), stderr(&o));
    let out = stdout(&o);
    for step in [
        "Create the migration machine",
        "status INCRMIGEATING",
        "status TERMINATED",
        "show now answers not found (DCS.4133)",
        "== DCS backup-file import ==",
        "state MIGRATE_SUCCESS",
        "All flows finished",
    ] {
        assert!(out.contains(step), "{step:?} missing in:\n{out}");
    }
}
