//! Control endpoints: fault injection, request recording, the clock, and the default speed.

use super::*;

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
