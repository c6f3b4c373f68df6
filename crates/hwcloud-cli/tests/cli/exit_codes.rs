//! Exit codes for success, usage, validation, service, transport and credential failures.

use super::*;

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
