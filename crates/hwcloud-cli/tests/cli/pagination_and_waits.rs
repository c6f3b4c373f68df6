//! `--all` follows pagination; the wait commands against an emulator started in the test.

use super::*;

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
