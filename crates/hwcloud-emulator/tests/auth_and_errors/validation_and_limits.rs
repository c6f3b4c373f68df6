//! Validation errors name the field; unknown routes and oversized bodies are refused.

use super::*;

#[tokio::test]
async fn validation_errors_name_the_field() {
    let emu = start_frozen().await;
    let c = Client::new(&emu, cred1());
    // Missing nested field.
    let mut b = online_body("x");
    b.as_object_mut().unwrap().remove("vpc_id");
    let a = c.call("POST", &c.dcs("/migration/instance"), Some(b)).await;
    assert_dcs_error(&a, 400, "DCS.4800");
    assert!(
        a.body["error_msg"].as_str().unwrap().contains("vpc_id"),
        "{a:?}"
    );
    // Wrong type.
    let mut b = online_body("x");
    b["name"] = json!(42);
    let a = c.call("POST", &c.dcs("/migration/instance"), Some(b)).await;
    assert_dcs_error(&a, 400, "DCS.4800");
    assert!(
        a.body["error_msg"].as_str().unwrap().contains("name"),
        "{a:?}"
    );
    // Unknown enum values and range, all reported at once.
    let created = c
        .call(
            "POST",
            &c.dcs("/migration/instance"),
            Some(online_body("cfg")),
        )
        .await;
    let id = created.body["instance_id"].as_str().unwrap().to_owned();
    let mut cfg = configure_body("sideways_migration");
    cfg["resume_mode"] = json!("sometimes");
    cfg["bandwidth_limit_mb"] = json!("99999");
    let a = c
        .call("POST", &c.dcs(&format!("/migration/{id}/task")), Some(cfg))
        .await;
    assert_dcs_error(&a, 400, "DCS.4800");
    let msg = a.body["error_msg"].as_str().unwrap();
    for f in ["migration_method", "resume_mode", "bandwidth_limit_mb"] {
        assert!(msg.contains(f), "{f} in {msg}");
    }
    // Cross-field rule.
    let imp = json!({
        "task_name": "i",
        "migration_type": "backupfile_import",
        "migration_method": "full_amount_migration",
        "target_instance": {"id": "x"}
    });
    let a = c.call("POST", &c.dcs("/migration-task"), Some(imp)).await;
    assert_dcs_error(&a, 400, "DCS.4800");
    assert!(
        a.body["error_msg"]
            .as_str()
            .unwrap()
            .contains("backup_files"),
        "{a:?}"
    );
    // Batch restart: at most 50.
    let ids: Vec<String> = (0..51).map(|i| format!("t{i}")).collect();
    let a = c
        .call(
            "POST",
            &c.dcs("/migration-tasks/batch-restart"),
            Some(json!({"migration_tasks": ids})),
        )
        .await;
    assert_dcs_error(&a, 400, "DCS.4800");
    assert!(
        a.body["error_msg"]
            .as_str()
            .unwrap()
            .contains("migration_tasks")
    );
    // Not JSON, empty, not an object.
    let a = c
        .send_raw(
            "POST",
            &c.dcs("/migration/instance"),
            &[],
            b"{not json".to_vec(),
            Tweak::default(),
        )
        .await;
    assert_dcs_error(&a, 400, "DCS.4005");
    let a = c
        .send_raw(
            "POST",
            &c.dcs("/migration/instance"),
            &[],
            Vec::new(),
            Tweak::default(),
        )
        .await;
    assert_dcs_error(&a, 400, "DCS.4004");
    let a = c
        .send_raw(
            "POST",
            &c.dcs("/migration/instance"),
            &[],
            b"[1,2]".to_vec(),
            Tweak::default(),
        )
        .await;
    assert_dcs_error(&a, 400, "DCS.4005");
    // Query parameters.
    for (k, v) in [
        ("limit", "abc"),
        ("limit", "0"),
        ("limit", "1001"),
        ("offset", "-1"),
    ] {
        let a = c
            .call_q(
                "GET",
                &c.dcs("/migration-tasks"),
                &[(k, v)],
                None,
                Tweak::default(),
            )
            .await;
        assert_dcs_error(&a, 400, "DCS.4800");
        assert!(a.body["error_msg"].as_str().unwrap().contains(k), "{a:?}");
    }
    let a = c
        .call_q(
            "GET",
            &c.dcs(&format!("/migration-task/{id}/logs")),
            &[("log_level", "LOUD")],
            None,
            Tweak::default(),
        )
        .await;
    assert_dcs_error(&a, 400, "DCS.4800");
    assert!(a.body["error_msg"].as_str().unwrap().contains("log_level"));
    // Bad path parameters.
    let a = c.show("bad%20id").await;
    assert_dcs_error(&a, 400, "DCS.4070");
    let a = c
        .call("GET", "/v2/not%20a%20project/migration-tasks", None)
        .await;
    assert_dcs_error(&a, 400, "DCS.4002");
    assert_eq!(c.task_count().await, 1);
    emu.shutdown().await;
}

#[tokio::test]
async fn unknown_routes_and_oversized_bodies() {
    let emu = Emulator::builder()
        .credential(cred1())
        .max_body_bytes(1024 * 1024)
        .start()
        .await
        .unwrap();
    let c = Client::new(&emu, cred1());
    // DCS: DCS.4001 "the requested URL does not exist"; elsewhere API Gateway answers.
    let a = c.call("GET", &c.dcs("/no-such-thing"), None).await;
    assert_dcs_error(&a, 404, "DCS.4001");
    let a = c.call("PUT", &c.dcs("/migration-tasks"), None).await;
    assert_dcs_error(&a, 404, "DCS.4001");
    let a = c.call("GET", "/v3/nothing", None).await;
    assert_gateway_error(&a, 404, "APIGW.0101");
    let a = c.call("POST", "/", None).await;
    assert_gateway_error(&a, 404, "APIGW.0101");
    let big = vec![b'x'; 1024 * 1024 + 1];
    let a = c
        .send_raw(
            "POST",
            &c.dcs("/migration/instance"),
            &[],
            big.clone(),
            Tweak::default(),
        )
        .await;
    assert_gateway_error(&a, 413, "APIGW.0201");
    // The body was left unread, so the connection is closed, and said so: a client that
    // reused it would fail its next request (found by the OpenAPI fuzzer, tests/fuzz.rs).
    assert_eq!(a.headers["connection"], "close", "{a:?}");
    let a = c
        .send_raw("POST", "/v3/tasks", &[], big, Tweak::default())
        .await;
    assert_gateway_error(&a, 413, "APIGW.0201");
    assert_eq!(a.headers["connection"], "close", "{a:?}");
    // Answers whose body was read keep the connection.
    let a = c.call("GET", &c.dcs("/migration-tasks"), None).await;
    assert_eq!(a.status, 200, "{a:?}");
    assert!(a.headers.get("connection").is_none(), "{a:?}");
    emu.shutdown().await;
}
