//! SMS v3 task flow on a frozen, manually advanced clock.

mod common;

use common::*;
use serde_json::json;

fn create_body(name: &str) -> serde_json::Value {
    json!({
        "name": name,
        "type": "MIGRATE_BLOCK",
        "os_type": "LINUX",
        "source_server": {"id": "5b3f2a10-aaaa-bbbb-cccc-000000000001"},
        "target_server": {
            "name": "target-ecs",
            "vm_id": "9a1c2b3d-0000-1111-2222-333344445555",
            "disks": [{"device_use": "BOOT", "name": "/dev/vda", "size": 42949672960_i64, "used_size": 1073741824}]
        },
        "region_name": "cn-north-4",
        "region_id": "cn-north-4",
        "project_name": "cn-north-4",
        "project_id": "0123456789abcdef0123456789abcdef",
        "priority": 1,
        "speed_limit": 100
    })
}

#[tokio::test]
async fn sms_task_flow() {
    let emu = start_frozen().await;
    let c = Client::new(&emu, cred1());
    let proj = Tweak {
        project_header: Some(P1.into()),
        ..Tweak::default()
    };

    let a = c
        .call_t(
            "POST",
            "/v3/tasks",
            Some(create_body("task-a")),
            proj.clone(),
        )
        .await;
    assert_eq!(a.status, 200, "{a:?}");
    let id = a.body["id"].as_str().unwrap().to_owned();
    // X-Project-Id is optional: the AK decides the project.
    let show = c.call("GET", &format!("/v3/tasks/{id}"), None).await;
    assert_eq!(show.status, 200, "{show:?}");
    assert_eq!(show.body["state"], "READY");
    assert_eq!(show.body["type"], "MIGRATE_BLOCK");
    assert_eq!(show.body["target_server"]["disks"][0]["name"], "/dev/vda");

    // stop/restart are refused while READY, with the SMS shape.
    let stop = c
        .call(
            "POST",
            &format!("/v3/tasks/{id}/action"),
            Some(json!({"operation": "stop"})),
        )
        .await;
    assert_sms_error(&stop, 400, "SMS.1038");
    let rs = c
        .call(
            "POST",
            &format!("/v3/tasks/{id}/action"),
            Some(json!({"operation": "restart"})),
        )
        .await;
    assert_sms_error(&rs, 400, "SMS.1040");

    let start = c
        .call(
            "POST",
            &format!("/v3/tasks/{id}/action"),
            Some(json!({"operation": "start"})),
        )
        .await;
    assert_eq!(start.status, 200, "{start:?}");
    let show = c.call("GET", &format!("/v3/tasks/{id}"), None).await;
    assert_eq!(show.body["state"], "RUNNING");

    advance(&emu, 1.5).await;
    let show = c.call("GET", &format!("/v3/tasks/{id}"), None).await;
    assert_eq!(show.body["state"], "RUNNING");
    let subs = show.body["sub_tasks"].as_array().unwrap();
    assert!(subs.len() >= 3, "{show:?}");
    assert_eq!(subs[0]["progress"], 100);
    assert!(subs.last().unwrap()["progress"].as_i64().unwrap() < 100);
    assert!(show.body["remain_seconds"].as_i64().is_some());

    // Delete is refused while running; nothing changes.
    let del = c.call("DELETE", &format!("/v3/tasks/{id}"), None).await;
    assert_sms_error(&del, 400, "SMS.2015");
    let batch = c
        .call("POST", "/v3/tasks/delete", Some(json!({"ids": [id]})))
        .await;
    assert_sms_error(&batch, 400, "SMS.2015");

    // stop → ABORTING → ABORT; start (resume) → RUNNING → MIGRATE_SUCCESS.
    let stop = c
        .call(
            "POST",
            &format!("/v3/tasks/{id}/action"),
            Some(json!({"operation": "stop"})),
        )
        .await;
    assert_eq!(stop.status, 200, "{stop:?}");
    let show = c.call("GET", &format!("/v3/tasks/{id}"), None).await;
    assert_eq!(show.body["state"], "ABORTING");
    advance(&emu, 1.0).await;
    let show = c.call("GET", &format!("/v3/tasks/{id}"), None).await;
    assert_eq!(show.body["state"], "ABORT");
    let list = c
        .call_q(
            "GET",
            "/v3/tasks",
            &[("state", "ABORT")],
            None,
            Tweak::default(),
        )
        .await;
    assert_eq!(list.body["count"], 1, "{list:?}");

    // A paused task is resumed with `start`; `restart` is for failed migrations only
    // (SMS.1040), and a second `start` of a running task is no resume (SMS.1039).
    let rs = c
        .call(
            "POST",
            &format!("/v3/tasks/{id}/action"),
            Some(json!({"operation": "restart"})),
        )
        .await;
    assert_sms_error(&rs, 400, "SMS.1040");
    let resume = c
        .call(
            "POST",
            &format!("/v3/tasks/{id}/action"),
            Some(json!({"operation": "start"})),
        )
        .await;
    assert_eq!(resume.status, 200, "{resume:?}");
    let again = c
        .call(
            "POST",
            &format!("/v3/tasks/{id}/action"),
            Some(json!({"operation": "start"})),
        )
        .await;
    assert_sms_error(&again, 400, "SMS.1039");
    advance(&emu, 3.0).await;
    let show = c.call("GET", &format!("/v3/tasks/{id}"), None).await;
    assert_eq!(show.body["state"], "MIGRATE_SUCCESS");
    assert!(
        show.body["sub_tasks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["progress"] == 100)
    );
    assert!(show.body["finish_date"].as_i64().is_some());

    // Unknown operation: 400 naming the field.
    let bad = c
        .call(
            "POST",
            &format!("/v3/tasks/{id}/action"),
            Some(json!({"operation": "explode"})),
        )
        .await;
    assert_sms_error(&bad, 400, "SMS.0400");
    assert_eq!(bad.body["error_param"], json!(["operation"]));

    // List with filters and paging.
    let b = c
        .call("POST", "/v3/tasks", Some(create_body("task-b")))
        .await;
    let id_b = b.body["id"].as_str().unwrap().to_owned();
    let list = c
        .call_q(
            "GET",
            "/v3/tasks",
            &[("limit", "1"), ("offset", "1")],
            None,
            Tweak::default(),
        )
        .await;
    assert_eq!(list.body["count"], 2);
    assert_eq!(list.body["tasks"].as_array().unwrap().len(), 1);
    let named = c
        .call_q(
            "GET",
            "/v3/tasks",
            &[("name", "task-b")],
            None,
            Tweak::default(),
        )
        .await;
    assert_eq!(named.body["tasks"][0]["id"], id_b.as_str());
    let bad_state = c
        .call_q(
            "GET",
            "/v3/tasks",
            &[("state", "NOPE")],
            None,
            Tweak::default(),
        )
        .await;
    assert_sms_error(&bad_state, 400, "SMS.0400");
    assert_eq!(bad_state.body["error_param"], json!(["state"]));

    // Delete one, batch-delete the other.
    let del = c.call("DELETE", &format!("/v3/tasks/{id}"), None).await;
    assert_eq!(del.status, 200, "{del:?}");
    let gone = c.call("GET", &format!("/v3/tasks/{id}"), None).await;
    assert_sms_error(&gone, 404, "SMS.0404");
    let batch = c
        .call("POST", "/v3/tasks/delete", Some(json!({"ids": [id_b]})))
        .await;
    assert_eq!(batch.status, 200, "{batch:?}");
    let list = c.call("GET", "/v3/tasks", None).await;
    assert_eq!(list.body["count"], 0);
    emu.shutdown().await;
}

#[tokio::test]
async fn sms_auto_start_and_project_isolation() {
    let emu = start_frozen().await;
    let c1 = Client::new(&emu, cred1());
    let c2 = Client::new(&emu, cred2());
    let mut body = create_body("auto");
    body["auto_start"] = json!(true);
    let a = c1.call("POST", "/v3/tasks", Some(body)).await;
    let id = a.body["id"].as_str().unwrap().to_owned();
    let show = c1.call("GET", &format!("/v3/tasks/{id}"), None).await;
    assert_eq!(show.body["state"], "RUNNING");

    // Another project's caller cannot see, drive or delete it.
    let other = c2.call("GET", &format!("/v3/tasks/{id}"), None).await;
    assert_sms_error(&other, 404, "SMS.0404");
    let stop = c2
        .call(
            "POST",
            &format!("/v3/tasks/{id}/action"),
            Some(json!({"operation": "stop"})),
        )
        .await;
    assert_sms_error(&stop, 404, "SMS.0404");
    let list = c2.call("GET", "/v3/tasks", None).await;
    assert_eq!(list.body["count"], 0);
    // A project header that is not the caller's: 403 SMS.9004.
    let t = Tweak {
        project_header: Some(P1.into()),
        ..Tweak::default()
    };
    let wrong = c2.call_t("GET", "/v3/tasks", None, t).await;
    assert_sms_error(&wrong, 403, "SMS.9004");
    assert!(wrong.body["encoded_authorization_message"].is_string());
    assert_eq!(
        c1.call("GET", &format!("/v3/tasks/{id}"), None).await.body["state"],
        "RUNNING"
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn sms_create_validation_names_fields() {
    let emu = start_frozen().await;
    let c = Client::new(&emu, cred1());
    let mut body = create_body("x");
    body["name"] = json!("");
    body["speed_limit"] = json!(5000);
    body["type"] = json!("MIGRATE_EVERYTHING");
    let a = c.call("POST", "/v3/tasks", Some(body)).await;
    assert_sms_error(&a, 400, "SMS.0400");
    let params: Vec<String> = serde_json::from_value(a.body["error_param"].clone()).unwrap();
    for p in ["name", "speed_limit", "type"] {
        assert!(params.iter().any(|x| x == p), "{p} in {params:?}");
    }
    assert!(a.body["details"].as_array().unwrap().len() >= 3);
    let mut missing = create_body("x");
    missing["source_server"] = json!({});
    let a = c.call("POST", "/v3/tasks", Some(missing)).await;
    assert_sms_error(&a, 400, "SMS.0400");
    assert_eq!(a.body["error_param"], json!(["source_server.id"]));
    let list = c.call("GET", "/v3/tasks", None).await;
    assert_eq!(list.body["count"], 0);
    emu.shutdown().await;
}
