//! DCS v2 end-to-end flows on a frozen, manually advanced clock.

mod common;

use common::*;
use serde_json::json;

#[tokio::test]
async fn health_answers_without_auth() {
    let emu = start_frozen().await;
    let r = reqwest::get(format!("{}/", emu.base_url())).await.unwrap();
    assert_eq!(r.status(), 200);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["status"], "ok");
    assert_eq!(v["version"], env!("CARGO_PKG_VERSION"));
    emu.shutdown().await;
}

#[tokio::test]
async fn online_full_migration_flow() {
    let emu = start_frozen().await;
    let c = Client::new(&emu, cred1());

    let a = c
        .call(
            "POST",
            &c.dcs("/migration/instance"),
            Some(online_body("full-1")),
        )
        .await;
    assert_eq!(a.status, 200, "{a:?}");
    let id = a.body["instance_id"].as_str().unwrap().to_owned();
    let job = a.body["job_id"].as_str().unwrap().to_owned();

    let j = c.call("GET", &c.dcs(&format!("/jobs/{job}")), None).await;
    assert_eq!(j.status, 200, "{j:?}");
    assert_eq!(j.body["status"], "RUNNING");
    assert_eq!(c.status(&id).await, "CREATING");

    // Configuring before the migration machine exists is refused without a state change.
    let early = c
        .call(
            "POST",
            &c.dcs(&format!("/migration/{id}/task")),
            Some(configure_body("full_amount_migration")),
        )
        .await;
    assert_dcs_error(&early, 400, "DCS.4026");
    assert_eq!(c.status(&id).await, "CREATING");

    advance(&emu, 1.0).await;
    let j = c.call("GET", &c.dcs(&format!("/jobs/{job}")), None).await;
    assert_eq!(j.body["status"], "SUCCESS");
    assert!(!j.body["end_time"].as_str().unwrap().is_empty());
    assert_eq!(c.status(&id).await, "RUNNING");

    let s = c
        .call(
            "POST",
            &c.dcs(&format!("/migration/{id}/task")),
            Some(configure_body("full_amount_migration")),
        )
        .await;
    assert_eq!(s.status, 200, "{s:?}");
    assert_eq!(s.body["id"], id.as_str());
    assert_eq!(s.body["status"], "FULLMIGRATING");

    let st = c
        .call("GET", &c.dcs(&format!("/migration-task/{id}/stats")), None)
        .await;
    assert_eq!(st.status, 200);
    assert_eq!(st.body["full_migration_progress"], 0);
    assert_eq!(st.body["is_migrating"], true);

    advance(&emu, 1.0).await;
    let st = c
        .call("GET", &c.dcs(&format!("/migration-task/{id}/stats")), None)
        .await;
    assert_eq!(st.body["full_migration_progress"], 50);
    let src = st.body["source_dbsize"].as_i64().unwrap();
    let tgt = st.body["target_dbsize"].as_i64().unwrap();
    assert!(tgt > 0 && tgt < src, "{st:?}");

    // Reads are deterministic for a given clock.
    let again = c
        .call("GET", &c.dcs(&format!("/migration-task/{id}/stats")), None)
        .await;
    assert_eq!(again.body, st.body);

    advance(&emu, 1.5).await;
    let show = c.show(&id).await;
    assert_eq!(show.body["status"], "SUCCESS");
    assert_eq!(show.body["migration_type"], "online_migration");
    assert_eq!(show.body["migration_method"], "full_amount_migration");
    assert_eq!(show.body["source_instance"]["addrs"], "10.0.0.5:6379");
    assert_eq!(show.body["bandwidth_limit_mb"], "100");
    assert!(
        !String::from_utf8_lossy(&show.raw).contains("pass"),
        "passwords are never echoed"
    );
    let st = c
        .call("GET", &c.dcs(&format!("/migration-task/{id}/stats")), None)
        .await;
    assert_eq!(st.body["full_migration_progress"], 100);
    assert_eq!(st.body["is_migrating"], false);

    // Logs: one line per transition so far.
    let logs = c
        .call("GET", &c.dcs(&format!("/migration-task/{id}/logs")), None)
        .await;
    assert_eq!(logs.status, 200, "{logs:?}");
    assert_eq!(logs.body["log_num"], 4);
    let kw: Vec<String> = logs.body["migration_logs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["keyword"][0].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(kw, ["CREATING", "RUNNING", "FULLMIGRATING", "SUCCESS"]);
    let page = c
        .call_q(
            "GET",
            &c.dcs(&format!("/migration-task/{id}/logs")),
            &[("offset", "1"), ("limit", "2"), ("log_level", "INFO")],
            None,
            Tweak::default(),
        )
        .await;
    assert_eq!(page.body["migration_logs"].as_array().unwrap().len(), 2);
    assert_eq!(page.body["log_num"], 4);

    // The list shows it; delete removes it; show then answers DCS.4133.
    let list = c.call("GET", &c.dcs("/migration-tasks"), None).await;
    assert_eq!(list.body["count"], 1);
    assert_eq!(list.body["migration_tasks"][0]["task_id"], id.as_str());
    assert_eq!(list.body["migration_tasks"][0]["status"], "SUCCESS");
    let d = c
        .call(
            "DELETE",
            &c.dcs("/migration-tasks/delete"),
            Some(json!({"task_id_list": [id, "unknown-id"]})),
        )
        .await;
    assert_eq!(d.status, 200, "{d:?}");
    assert_eq!(d.body["task_id_list"], json!([id]));
    let gone = c.show(&id).await;
    assert_dcs_error(&gone, 400, "DCS.4133");
    assert_eq!(c.task_count().await, 0);
    emu.shutdown().await;
}

#[tokio::test]
async fn online_incremental_flow_with_stop_restart_and_sync_stop() {
    let emu = start_frozen().await;
    let c = Client::new(&emu, cred1());
    let a = c
        .call(
            "POST",
            &c.dcs("/migration/instance"),
            Some(online_body("incr")),
        )
        .await;
    let id = a.body["instance_id"].as_str().unwrap().to_owned();
    advance(&emu, 1.0).await;
    let s = c
        .call(
            "POST",
            &c.dcs(&format!("/migration/{id}/task")),
            Some(configure_body("incremental_migration")),
        )
        .await;
    assert_eq!(s.status, 200, "{s:?}");
    advance(&emu, 2.0).await;
    assert_eq!(c.status(&id).await, "INCRMIGEATING");
    advance(&emu, 3600.0).await;
    assert_eq!(
        c.status(&id).await,
        "INCRMIGEATING",
        "incremental stays until stopped"
    );
    let st = c
        .call("GET", &c.dcs(&format!("/migration-task/{id}/stats")), None)
        .await;
    assert_eq!(st.body["offset"], 0);
    assert_eq!(st.body["is_migrating"], true);

    // Configuring again is refused.
    let again = c
        .call(
            "POST",
            &c.dcs(&format!("/migration/{id}/task")),
            Some(configure_body("incremental_migration")),
        )
        .await;
    assert_dcs_error(&again, 400, "DCS.4026");

    let stop = c
        .call("POST", &c.dcs(&format!("/migration-task/{id}/stop")), None)
        .await;
    assert_eq!(stop.status, 200, "{stop:?}");
    assert_eq!(stop.body["status"], "TERMINATING");
    advance(&emu, 1.0).await;
    assert_eq!(c.status(&id).await, "TERMINATED");

    // Batch restart: per-item results.
    let r = c
        .call(
            "POST",
            &c.dcs("/migration-tasks/batch-restart"),
            Some(json!({"migration_tasks": [id, "nope"]})),
        )
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.body["migration_tasks"][0]["result"], "success");
    assert_eq!(r.body["migration_tasks"][1]["result"], "failed");
    assert_eq!(r.body["migration_tasks"][1]["error_code"], "DCS.4133");
    assert_eq!(c.status(&id).await, "FULLMIGRATING");
    advance(&emu, 2.0).await;
    assert_eq!(c.status(&id).await, "INCRMIGEATING");

    // Sync stop: 204, no body, TERMINATED at once.
    let ss = c
        .call(
            "POST",
            &c.dcs(&format!("/migration-task/{id}/sync-stop")),
            None,
        )
        .await;
    assert_eq!(ss.status, 204, "{ss:?}");
    assert!(ss.raw.is_empty());
    assert_eq!(c.status(&id).await, "TERMINATED");

    // Batch stop on a stopped task succeeds (idempotent); a running one stops.
    let b = c
        .call(
            "POST",
            &c.dcs("/migration/instance"),
            Some(online_body("second")),
        )
        .await;
    let id2 = b.body["instance_id"].as_str().unwrap().to_owned();
    advance(&emu, 1.0).await;
    let bs = c
        .call(
            "POST",
            &c.dcs("/migration-task/batch-stop"),
            Some(json!({"migration_tasks": [id, id2, "missing"]})),
        )
        .await;
    assert_eq!(bs.status, 200, "{bs:?}");
    let results = bs.body["migration_tasks"].as_array().unwrap();
    assert_eq!(results[0]["result"], "success");
    assert_eq!(results[1]["result"], "success");
    assert_eq!(results[2]["error_code"], "DCS.4133");
    assert_eq!(c.status(&id2).await, "TERMINATING");
    advance(&emu, 1.0).await;
    assert_eq!(c.status(&id2).await, "TERMINATED");
    emu.shutdown().await;
}

#[tokio::test]
async fn backup_import_flow() {
    let emu = start_frozen().await;
    let c = Client::new(&emu, cred1());
    let body = json!({
        "task_name": "import-1",
        "migration_type": "backupfile_import",
        "migration_method": "full_amount_migration",
        "backup_files": {
            "file_source": "self_build_obs",
            "bucket_name": "my-bucket",
            "files": [{"file_name": "dump.rdb", "size": "754.0MB", "update_at": "2024-05-01 12:30:00"}]
        },
        "target_instance": {"id": "3c6b1c5e-1111-2222-3333-444455556666", "password": "pw"}
    });
    let a = c.call("POST", &c.dcs("/migration-task"), Some(body)).await;
    assert_eq!(a.status, 200, "{a:?}");
    assert_eq!(a.body["status"], "MIGRATING");
    assert_eq!(a.body["name"], "import-1");
    let id = a.body["id"].as_str().unwrap().to_owned();
    advance(&emu, 1.0).await;
    let st = c
        .call("GET", &c.dcs(&format!("/migration-task/{id}/stats")), None)
        .await;
    assert_eq!(st.body["full_migration_progress"], 50);
    advance(&emu, 1.0).await;
    let show = c.show(&id).await;
    assert_eq!(show.body["status"], "SUCCESS");
    assert_eq!(show.body["migration_type"], "backupfile_import");
    assert_eq!(show.body["backup_files"]["bucket_name"], "my-bucket");
    assert_eq!(
        show.body["backup_files"]["files"][0]["file_name"],
        "dump.rdb"
    );

    // Online migration through this API (the seed-era form, S002/S003) is accepted and syncs
    // at once; without a source it is refused, naming the field.
    let old = json!({
        "task_name": "old-style",
        "migration_type": "online_migration",
        "migration_method": "full_amount_migration",
        "source_instance": {"addrs": "10.0.0.1:6379"},
        "target_instance": {"id": "x"}
    });
    let r = c
        .call("POST", &c.dcs("/migration-task"), Some(old.clone()))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "FULLMIGRATING");
    let legacy = r.body["id"].as_str().unwrap().to_owned();
    advance(&emu, 3.0).await;
    let show = c.show(&legacy).await;
    assert_eq!(show.body["status"], "SUCCESS");
    assert_eq!(show.body["source_instance"]["addrs"], "10.0.0.1:6379");
    let mut no_source = old;
    no_source.as_object_mut().unwrap().remove("source_instance");
    let r = c
        .call("POST", &c.dcs("/migration-task"), Some(no_source))
        .await;
    assert_dcs_error(&r, 400, "DCS.4800");
    assert!(
        r.body["error_msg"]
            .as_str()
            .unwrap()
            .contains("source_instance")
    );
    assert_eq!(c.task_count().await, 2);
    emu.shutdown().await;
}

#[tokio::test]
async fn list_pages_and_filters() {
    let emu = start_frozen().await;
    let c = Client::new(&emu, cred1());
    for i in 0..5 {
        let a = c
            .call(
                "POST",
                &c.dcs("/migration/instance"),
                Some(online_body(&format!("task-{i}"))),
            )
            .await;
        assert_eq!(a.status, 200);
    }
    let page = c
        .call_q(
            "GET",
            &c.dcs("/migration-tasks"),
            &[("offset", "3"), ("limit", "10")],
            None,
            Tweak::default(),
        )
        .await;
    assert_eq!(page.body["count"], 5);
    assert_eq!(page.body["migration_tasks"].as_array().unwrap().len(), 2);
    let named = c
        .call_q(
            "GET",
            &c.dcs("/migration-tasks"),
            &[("name", "task-3")],
            None,
            Tweak::default(),
        )
        .await;
    assert_eq!(named.body["count"], 1);
    assert_eq!(named.body["migration_tasks"][0]["task_name"], "task-3");
    emu.shutdown().await;
}
