//! `--body` from a file and stdin, JSON and table output; validation errors name the field and send nothing.

use super::*;

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
async fn a_wrongly_typed_password_in_the_body_is_not_echoed() {
    let server = RecordingServer::start().await;
    let creds = Creds {
        ak: "AK".into(),
        sk: "SK".into(),
        project: "p".into(),
    };
    let body = serde_json::json!({
        "migration_method": "full_amount_migration",
        "resume_mode": "auto",
        "source_instance": {"addrs": "10.0.0.1:6379", "password": 31415926},
        "target_instance": {"id": "t"}
    });
    let o = run_async(
        Some(&creds),
        args(&[
            "--endpoint",
            &server.url(),
            "dcs",
            "set-online-migration-task",
            "--task-id",
            "00000000-0000-0000-0000-000000000000",
            "--body",
            "-",
        ]),
        Some(body.to_string()),
    )
    .await;
    assert_eq!(code(&o), 2);
    let err = stderr(&o);
    assert!(err.contains("source_instance.password"), "{err}");
    assert!(!err.contains("31415926"), "{err}");
}
