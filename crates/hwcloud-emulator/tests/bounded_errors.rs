//! Error answers stay within their documented bounds (DCS texts 1,024 characters, SMS
//! `error_msg` 255, lists 1 to 20 items or absent) and never echo a value that was sent for a
//! sensitive field: path and rule only.

mod common;

use common::*;
use serde_json::{Value, json};

fn chars(v: &Value) -> usize {
    v.as_str().map_or(0, |s| s.chars().count())
}

#[tokio::test]
async fn a_wrongly_typed_password_is_not_echoed() {
    let emu = start_frozen().await;
    let c = Client::new(&emu, cred1());
    let created = c
        .call(
            "POST",
            &c.dcs("/migration/instance"),
            Some(online_body("pw")),
        )
        .await;
    let id = created.body["instance_id"].as_str().unwrap().to_owned();
    for secret in [
        json!(31415926),
        json!(["hunter2-secret"]),
        json!({"p": "hunter2-secret"}),
    ] {
        let mut cfg = configure_body("full_amount_migration");
        cfg["source_instance"]["password"] = secret;
        let a = c
            .call("POST", &c.dcs(&format!("/migration/{id}/task")), Some(cfg))
            .await;
        assert_dcs_error(&a, 400, "DCS.4800");
        let text = String::from_utf8_lossy(&a.raw);
        assert!(text.contains("source_instance.password"), "{text}");
        assert!(
            !text.contains("31415926") && !text.contains("hunter2"),
            "{text}"
        );
    }
    // The same on SMS, for a string field sent as a number.
    let task = json!({
        "name": "t", "type": "MIGRATE_BLOCK", "os_type": "LINUX",
        "source_server": {"id": 27182818}, "target_server": {"name": "vm"},
        "migration_ip": "10.0.0.1", "region_name": "r", "region_id": "r",
        "project_name": "p", "project_id": "p"
    });
    let a = c.call("POST", "/v3/tasks", Some(task)).await;
    assert_sms_error(&a, 400, "SMS.0400");
    assert!(
        !String::from_utf8_lossy(&a.raw).contains("27182818"),
        "{a:?}"
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn long_dcs_error_texts_are_cut_at_1024_characters() {
    let emu = start_frozen().await;
    let c = Client::new(&emu, cred1());
    let files: Vec<Value> = (0..200)
        .map(|i| json!({"file_name": format!("f{i}.rdb"), "update_at": format!("not a date {i}")}))
        .collect();
    let body = json!({
        "task_name": "many",
        "migration_type": "backupfile_import",
        "migration_method": "full_amount_migration",
        "backup_files": {"file_source": "self_build_obs", "bucket_name": "b", "files": files},
        "target_instance": {"id": "3c6b1c5e-1111-2222-3333-444455556666"}
    });
    let a = c.call("POST", &c.dcs("/migration-task"), Some(body)).await;
    assert_dcs_error(&a, 400, "DCS.4800");
    assert_eq!(chars(&a.body["error_msg"]), 1024, "{a:?}");
    assert!(
        a.body["error_msg"]
            .as_str()
            .unwrap()
            .ends_with("(truncated)")
    );
    assert!(chars(&a.body["error_ext_msg"]) <= 1024, "{a:?}");
    emu.shutdown().await;
}

#[tokio::test]
async fn sms_errors_keep_255_characters_and_20_items() {
    let emu = start_frozen().await;
    let c = Client::new(&emu, cred1());
    let disks: Vec<Value> = (0..25)
        .map(|i| json!({"name": "d".repeat(256), "size": i, "device_use": "NORMAL"}))
        .collect();
    let body = json!({
        "name": "n".repeat(300), "type": "MIGRATE_BLOCK", "os_type": "LINUX",
        "source_server": {"id": "s"}, "target_server": {"name": "vm", "disks": disks},
        "migration_ip": "10.0.0.1", "region_name": "r", "region_id": "r",
        "project_name": "p", "project_id": "p"
    });
    let a = c.call("POST", "/v3/tasks", Some(body)).await;
    assert_sms_error(&a, 400, "SMS.0400");
    assert_eq!(chars(&a.body["error_msg"]), 255, "{a:?}");
    assert_eq!(a.body["details"].as_array().unwrap().len(), 20, "{a:?}");
    let params = a.body["error_param"].as_array().unwrap();
    assert_eq!(params.len(), 20, "{a:?}");
    emu.shutdown().await;
}
