//! Error codes and statuses as the services document them: DCS answers with its own codes
//! only (at most 9 characters), SMS with its own or API Gateway's in the gateway's shape, and
//! every status an operation can answer is declared for it in the exported OpenAPI.

mod common;

use common::*;
use hwcloud_core::operation::OperationMeta;
use serde_json::{Value, json};

/// The statuses the exported OpenAPI document declares for `meta`.
fn declared(meta: &OperationMeta) -> Vec<u16> {
    let doc: Value = serde_json::from_str(match meta.service {
        "dcs" => include_str!("../../../spec/openapi/dcs.json"),
        _ => include_str!("../../../spec/openapi/sms.json"),
    })
    .expect("OpenAPI JSON");
    doc["paths"][meta.path][meta.method.to_ascii_lowercase()]["responses"]
        .as_object()
        .unwrap_or_else(|| panic!("{} {} not in the OpenAPI document", meta.method, meta.path))
        .keys()
        .map(|k| k.parse().expect("numeric status"))
        .collect()
}

fn assert_declared(meta: &OperationMeta, a: &Answer) {
    assert!(
        declared(meta).contains(&a.status),
        "{} answered {} which its spec does not declare: {a:?}",
        meta.name,
        a.status
    );
}

#[tokio::test]
async fn dcs_refuses_callers_with_its_documented_401_codes() {
    let emu = start_frozen().await;
    let c = Client::new(&emu, cred1());
    let list = c.dcs("/migration-tasks");
    let no_auth = Tweak {
        no_auth: true,
        ..Tweak::default()
    };
    let a = c.call_t("GET", &list, None, no_auth).await;
    assert_dcs_error(&a, 401, "DCS.1003");
    let bad = Tweak {
        sk_override: Some("wrong".into()),
        ..Tweak::default()
    };
    let a = c.call_t("GET", &list, None, bad).await;
    assert_dcs_error(&a, 401, "DCS.1001");
    let c2 = Client::new(&emu, cred2());
    let a = c2.call("GET", &list, None).await;
    assert_dcs_error(&a, 401, "DCS.1004");
    assert_declared(&hwcloud_dcs::operations::list_migration_task::META, &a);
    emu.shutdown().await;
}

#[tokio::test]
async fn dcs_never_answers_with_a_gateway_code() {
    let emu = start_frozen().await;
    let c = Client::new(&emu, cred1());
    let big = vec![b' '; 64];
    for (method, path) in [
        ("GET", c.dcs("/nothing")),
        ("DELETE", c.dcs("/migration-tasks")),
        ("GET", "/v2".to_owned()),
        ("GET", "/v2/x/y/z/w".to_owned()),
    ] {
        let a = c
            .send_raw(method, &path, &[], big.clone(), Tweak::default())
            .await;
        assert_dcs_error(&a, 404, "DCS.4001");
        assert!(
            a.body["error_msg"]
                .as_str()
                .unwrap()
                .contains("requested URL does not exist")
        );
    }
    emu.shutdown().await;
}

#[tokio::test]
async fn a_missing_job_is_a_documented_generic_400() {
    let emu = start_frozen().await;
    let c = Client::new(&emu, cred1());
    let a = c.call("GET", &c.dcs("/jobs/nojob"), None).await;
    assert_dcs_error(&a, 400, "DCS.4063");
    assert!(a.body["error_msg"].as_str().unwrap().contains("job_id"));
    assert_declared(&hwcloud_dcs::operations::show_job_info::META, &a);
    emu.shutdown().await;
}

#[tokio::test]
async fn dcs_error_ext_msg_is_null_unless_there_is_more_to_say() {
    let emu = start_frozen().await;
    let c = Client::new(&emu, cred1());
    let a = c.show("nosuchtask").await;
    assert_dcs_error(&a, 400, "DCS.4133");
    assert_eq!(a.body["error_ext_msg"], Value::Null, "{a:?}");
    let mut cfg = configure_body("sideways_migration");
    cfg["resume_mode"] = json!("sometimes");
    let a = c
        .call("POST", &c.dcs("/migration/nosuchtask/task"), Some(cfg))
        .await;
    assert_dcs_error(&a, 400, "DCS.4800");
    let ext = a.body["error_ext_msg"].as_str().unwrap();
    assert!(
        ext.contains("migration_method") && ext.contains("resume_mode"),
        "{ext}"
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn sms_refuses_a_body_over_10240_bytes_with_sms_2004() {
    let emu = start_frozen().await;
    let c = Client::new(&emu, cred1());
    let mut body = json!({"name": "x".repeat(10_240)});
    let a = c.call("POST", "/v3/tasks", Some(body.clone())).await;
    assert_sms_error(&a, 401, "SMS.2004");
    assert_declared(&hwcloud_sms::operations::create_task::META, &a);
    // At the limit the body is read (and refused for what it lacks, not for its size).
    body["name"] = json!("x".repeat(10_240 - 11));
    assert_eq!(serde_json::to_vec(&body).unwrap().len(), 10_240);
    let a = c.call("POST", "/v3/tasks", Some(body)).await;
    assert_sms_error(&a, 400, "SMS.0400");
    emu.shutdown().await;
}

#[tokio::test]
async fn a_missing_sms_task_is_answered_as_show_task_declares_it_everywhere() {
    let emu = start_frozen().await;
    let c = Client::new(&emu, cred1());
    let ops = hwcloud_sms::operations::ALL;
    let by_name = |n: &str| *ops.iter().find(|m| m.name == n).expect("operation");
    let gone = "00000000-0000-0000-0000-000000000000";
    for (name, body) in [
        ("ShowTask", None),
        ("UpdateTaskStatus", Some(json!({"operation": "start"}))),
        ("DeleteTask", None),
    ] {
        let meta = by_name(name);
        let path = meta.path.replace("{task_id}", gone);
        let a = c.call(meta.method, &path, body).await;
        assert_sms_error(&a, 404, "SMS.0404");
        assert_declared(meta, &a);
    }
    emu.shutdown().await;
}

#[tokio::test]
async fn sms_error_param_is_absent_when_no_parameter_is_concerned() {
    let emu = start_frozen().await;
    let c = Client::new(&emu, cred1());
    let a = c.call("GET", "/v3/tasks/nosuchtask", None).await;
    assert_sms_error(&a, 404, "SMS.0404");
    assert!(a.body.get("error_param").is_none(), "{a:?}");
    let wrong_project = Tweak {
        project_header: Some(P2.into()),
        ..Tweak::default()
    };
    let a = c.call_t("GET", "/v3/tasks", None, wrong_project).await;
    assert_sms_error(&a, 403, "SMS.9004");
    assert_declared(&hwcloud_sms::operations::list_tasks::META, &a);
    emu.shutdown().await;
}
