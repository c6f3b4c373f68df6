//! Authentication refusals, project isolation, validation errors, limits and faults.

mod common;

use std::time::{Duration, SystemTime};

use common::*;
use hwcloud_core::signing::Algorithm;
use hwcloud_emulator::{Credential, Emulator};
use serde_json::json;

#[tokio::test]
async fn all_three_signing_algorithms_are_accepted() {
    let emu = start_frozen().await;
    let c = Client::new(&emu, cred1());
    for alg in [
        Algorithm::HmacSha256,
        Algorithm::HmacSm3,
        Algorithm::V11HmacSha256,
    ] {
        for region in ["eu-west-0", "cn-north-4"] {
            let t = Tweak {
                algorithm: Some(alg),
                region: Some(region.into()),
                ..Tweak::default()
            };
            let a = c
                .call_t("GET", &c.dcs("/migration-tasks"), None, t.clone())
                .await;
            assert_eq!(a.status, 200, "{alg:?} {region}: {a:?}");
            let a = c.call_t("GET", "/v3/tasks", None, t).await;
            assert_eq!(a.status, 200, "{alg:?} {region}: {a:?}");
        }
    }
    // Tokens: see tests/iam.rs (only tokens the emulator issued are accepted).
    emu.shutdown().await;
}

#[tokio::test]
async fn refused_signatures_get_401_in_shape_and_change_nothing() {
    let emu = start_frozen().await;
    let c = Client::new(&emu, cred1());
    let create = c.dcs("/migration/instance");
    let body = online_body("refused");
    let cases: Vec<(&str, Tweak)> = vec![
        (
            "wrong secret key",
            Tweak {
                sk_override: Some("not-the-secret".into()),
                ..Tweak::default()
            },
        ),
        (
            "tampered body",
            Tweak {
                body_after_signing: Some(serde_json::to_vec(&online_body("tampered")).unwrap()),
                ..Tweak::default()
            },
        ),
        (
            "stale date",
            Tweak {
                date: Some(SystemTime::now() - Duration::from_secs(20 * 60)),
                ..Tweak::default()
            },
        ),
        (
            "future date",
            Tweak {
                date: Some(SystemTime::now() + Duration::from_secs(20 * 60)),
                ..Tweak::default()
            },
        ),
        (
            "missing authorization",
            Tweak {
                no_auth: true,
                ..Tweak::default()
            },
        ),
        (
            "malformed authorization",
            Tweak {
                authorization: Some("SDK-HMAC-SHA256 garbage".into()),
                ..Tweak::default()
            },
        ),
        (
            "unknown algorithm",
            Tweak {
                authorization: Some(
                    "AWS4-HMAC-SHA256 Access=x, SignedHeaders=x-sdk-date, Signature=00".into(),
                ),
                ..Tweak::default()
            },
        ),
    ];
    for (what, t) in cases {
        let missing = t.no_auth;
        let a = c
            .call_t("POST", &create, Some(body.clone()), t.clone())
            .await;
        // DCS answers itself: DCS.1003 without a token or signature, DCS.1001 otherwise.
        assert_dcs_error(&a, 401, if missing { "DCS.1003" } else { "DCS.1001" });
        assert!(
            !a.body["error_msg"].as_str().unwrap().contains("secret-one"),
            "{what}"
        );
        // SMS documents no code for it: API Gateway answers, in its own shape.
        let s = c
            .call_t("POST", "/v3/tasks", Some(json!({"name": "x"})), t)
            .await;
        assert_gateway_error(&s, 401, "APIGW.0301");
    }
    // Unknown access key.
    let stranger = Client::new(&emu, Credential::new("AKNOBODY", "whatever", P1));
    let a = stranger.call("POST", &create, Some(body.clone())).await;
    assert_dcs_error(&a, 401, "DCS.1001");
    assert_eq!(c.task_count().await, 0, "no refused request changed state");
    emu.shutdown().await;
}

#[tokio::test]
async fn projects_are_isolated() {
    let emu = start_frozen().await;
    let c1 = Client::new(&emu, cred1());
    let c2 = Client::new(&emu, cred2());
    let a = c1
        .call(
            "POST",
            &c1.dcs("/migration/instance"),
            Some(online_body("mine")),
        )
        .await;
    let id = a.body["instance_id"].as_str().unwrap().to_owned();

    // Another project's path: 401 DCS.1004 ("Project ID does not match the token").
    let a = c2
        .call("GET", &format!("/v2/{P1}/migration-tasks"), None)
        .await;
    assert_dcs_error(&a, 401, "DCS.1004");
    let a = c2
        .call("POST", &format!("/v2/{P1}/migration-task/{id}/stop"), None)
        .await;
    assert_dcs_error(&a, 401, "DCS.1004");
    // A mismatching X-Project-Id header: the same.
    let t = Tweak {
        project_header: Some(P2.into()),
        ..Tweak::default()
    };
    let a = c1.call_t("GET", &c1.dcs("/migration-tasks"), None, t).await;
    assert_dcs_error(&a, 401, "DCS.1004");
    // Another project's task id through one's own project: DCS.4133, as for a missing task.
    let a = c2.show(&id).await;
    assert_dcs_error(&a, 400, "DCS.4133");
    let a = c2
        .call("POST", &c2.dcs(&format!("/migration-task/{id}/stop")), None)
        .await;
    assert_dcs_error(&a, 400, "DCS.4133");
    let d = c2
        .call(
            "DELETE",
            &c2.dcs("/migration-tasks/delete"),
            Some(json!({"task_id_list": [id]})),
        )
        .await;
    assert_eq!(d.status, 200);
    assert_eq!(d.body["task_id_list"], json!([]));
    // Untouched.
    assert_eq!(c1.status(&id).await, "CREATING");
    assert_eq!(c1.task_count().await, 1);
    assert_eq!(c2.task_count().await, 0);
    emu.shutdown().await;
}

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

#[tokio::test]
async fn fault_injection_and_request_recording() {
    let emu = start_frozen().await;
    let c = Client::new(&emu, cred1());
    let http = reqwest::Client::new();
    let base = emu.base_url();
    let list = c.dcs("/migration-tasks");

    let r = http
        .post(format!("{base}/_emulator/faults"))
        .json(&json!({"count": 2, "status": 503, "retry_after": 7}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    for _ in 0..2 {
        let a = c.call("GET", &list, None).await;
        assert_dcs_error(&a, 503, "DCS.5000");
        assert_eq!(a.headers["retry-after"], "7");
    }
    assert_eq!(c.call("GET", &list, None).await.status, 200);

    // 429 in the SMS shape.
    http.post(format!("{base}/_emulator/faults"))
        .json(&json!({"status": 429}))
        .send()
        .await
        .unwrap();
    let a = c.call("GET", "/v3/tasks", None).await;
    assert_gateway_error(&a, 429, "APIGW.0308");

    // A faulted create changes nothing.
    http.post(format!("{base}/_emulator/faults"))
        .json(&json!({"status": 500}))
        .send()
        .await
        .unwrap();
    let a = c
        .call(
            "POST",
            &c.dcs("/migration/instance"),
            Some(online_body("f")),
        )
        .await;
    assert_eq!(a.status, 500);
    assert_eq!(c.task_count().await, 0);

    // Delay.
    http.post(format!("{base}/_emulator/faults"))
        .json(&json!({"delay_ms": 300}))
        .send()
        .await
        .unwrap();
    let t0 = std::time::Instant::now();
    assert_eq!(c.call("GET", &list, None).await.status, 200);
    assert!(t0.elapsed() >= Duration::from_millis(300));

    // Dropped connection: the client sees a transport error, not an answer.
    http.post(format!("{base}/_emulator/faults"))
        .json(&json!({"drop": true}))
        .send()
        .await
        .unwrap();
    let res = c
        .try_send_raw("GET", &list, &[], Vec::new(), Tweak::default())
        .send()
        .await;
    let failed = match res {
        Err(_) => true,
        Ok(r) => r.bytes().await.is_err(),
    };
    assert!(
        failed,
        "a dropped connection must not look like a complete answer"
    );
    assert_eq!(c.call("GET", &list, None).await.status, 200);

    // Bad control requests.
    let r = http
        .post(format!("{base}/_emulator/faults"))
        .json(&json!({"status": 200}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = http
        .post(format!("{base}/_emulator/clock/speed"))
        .json(&json!({"speed": -1}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);

    // Recorded requests: Authorization redacted, bodies kept.
    c.call(
        "POST",
        &c.dcs("/migration/instance"),
        Some(online_body("rec")),
    )
    .await;
    let recs: serde_json::Value = http
        .get(format!("{base}/_emulator/requests"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let list_recs = recs["requests"].as_array().unwrap();
    let last = list_recs.last().unwrap();
    assert_eq!(last["method"], "POST");
    assert!(last["body"].as_str().unwrap().contains("\"rec\""));
    let auth = last["headers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h[0] == "authorization")
        .unwrap();
    assert_eq!(auth[1], "***");
    let r = http
        .delete(format!("{base}/_emulator/requests"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let recs: serde_json::Value = http
        .get(format!("{base}/_emulator/requests"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(recs["requests"].as_array().unwrap().len(), 0);
    emu.shutdown().await;
}

#[tokio::test]
async fn control_clock_endpoints_drive_lifecycles() {
    let emu = start_frozen().await;
    let c = Client::new(&emu, cred1());
    let http = reqwest::Client::new();
    let base = emu.base_url();
    let a = c
        .call(
            "POST",
            &c.dcs("/migration/instance"),
            Some(online_body("clock")),
        )
        .await;
    let id = a.body["instance_id"].as_str().unwrap().to_owned();
    let r: serde_json::Value = http
        .post(format!("{base}/_emulator/clock/advance"))
        .json(&json!({"seconds": 5}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["speed"], 0.0);
    assert_eq!(c.status(&id).await, "RUNNING");
    let r = http
        .post(format!("{base}/_emulator/clock/speed"))
        .json(&json!({"speed": 1000}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(emu.clock().speed(), 1000.0);
    let s = c
        .call(
            "POST",
            &c.dcs(&format!("/migration/{id}/task")),
            Some(configure_body("full_amount_migration")),
        )
        .await;
    assert_eq!(s.status, 200);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(c.status(&id).await, "SUCCESS");
    emu.shutdown().await;
}

#[tokio::test]
async fn default_speed_runs_a_flow_in_a_few_real_seconds() {
    let emu = Emulator::builder().start().await.unwrap();
    let c = Client::new(&emu, Credential::test_default());
    let a = c
        .call(
            "POST",
            &c.dcs("/migration/instance"),
            Some(online_body("real")),
        )
        .await;
    assert_eq!(a.status, 200, "{a:?}");
    let id = a.body["instance_id"].as_str().unwrap().to_owned();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while c.status(&id).await != "RUNNING" {
        assert!(std::time::Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let s = c
        .call(
            "POST",
            &c.dcs(&format!("/migration/{id}/task")),
            Some(configure_body("full_amount_migration")),
        )
        .await;
    assert_eq!(s.status, 200);
    while c.status(&id).await != "SUCCESS" {
        assert!(std::time::Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    emu.shutdown().await;
}
