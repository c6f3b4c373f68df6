//! Wire format of the cutover and read calls a migration needs (UpdateMigrationTask,
//! ExchangeInstanceIp, RollbackExchangeInstanceIp, ListInstances, ShowInstance,
//! ListBackupRecords): each is sent signed to a recording server on 127.0.0.1, which checks
//! method, path, query, Content-Type and body and re-verifies the signature; the IP-switch
//! waiters poll ShowMigrationTask's typed `task_status`.

use futures_util::StreamExt;
use hwcloud_core::{Credentials, Error};
use hwcloud_dcs::Client;
use hwcloud_dcs::types::{BackupStatus, InstanceStatus, IpSwitchStatus, ResumeMode};
use hwcloud_testkit::{Recorded, RecordingServer, Reply, example};
use serde_json::{Value, json};
use std::time::Duration;

const AK: &str = "WIRETESTAK0000000002";
const SK: &str = "wire-test-secret-key-0002";
const PROJECT: &str = "fedcba9876543210fedcba9876543210";
const JSON_UTF8: &str = "application/json;charset=utf-8";
const JSON: &str = "application/json";

fn client(server: &RecordingServer) -> Client {
    Client::builder()
        .endpoint(server.url())
        .credentials(Credentials::new(AK, SK).with_project_id(PROJECT))
        .build()
        .unwrap()
}

/// Method, path, query and Content-Type as sent, with the signature re-verified (and refused
/// with another key, so the check is real).
fn check(r: &Recorded, method: &str, path: &str, query: &str, content_type: &str) {
    assert_eq!(
        (r.method.as_str(), r.path.as_str(), r.query.as_str()),
        (method, path, query)
    );
    assert_eq!(r.header("content-type"), Some(content_type), "{path}");
    assert_eq!(r.header("x-project-id"), Some(PROJECT));
    assert_eq!(r.verify_signature(AK, SK).unwrap().access_key, AK);
    assert!(r.verify_signature(AK, "another-secret").is_err());
}

#[tokio::test]
async fn update_migration_task_sends_the_resume_mode() {
    let server = RecordingServer::start().await;
    server.push(Reply::raw(200, ""));
    let body: Value = example("dcs/update_migration_task.request.json");
    let resp = client(&server)
        .update_migration_task()
        .task_id("t1")
        .resume_mode(ResumeMode::Auto)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.output, "");
    let r = &server.requests()[0];
    check(
        r,
        "PUT",
        &format!("/v2/{PROJECT}/migration-task/t1"),
        "",
        JSON_UTF8,
    );
    assert_eq!(r.json(), body);
}

#[tokio::test]
async fn exchange_and_rollback_ip() {
    let server = RecordingServer::start().await;
    server.push(Reply::raw(204, ""));
    server.push(Reply::raw(204, ""));
    let body: Value = example("dcs/exchange_instance_ip.request.json");
    let c = client(&server);
    let resp = c
        .exchange_instance_ip()
        .task_id("t 1")
        .body(serde_json::from_value(body.clone()).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.http_status, 204);
    c.rollback_exchange_instance_ip()
        .task_id("t 1")
        .send()
        .await
        .unwrap();
    let reqs = server.requests();
    check(
        &reqs[0],
        "POST",
        &format!("/v2/{PROJECT}/migration-task/t%201/exchange-ip"),
        "",
        JSON_UTF8,
    );
    assert_eq!(reqs[0].json(), body);
    check(
        &reqs[1],
        "POST",
        &format!("/v2/{PROJECT}/migration-task/t%201/rollback-ip"),
        "",
        JSON,
    );
    assert!(reqs[1].body.is_empty());
}

#[tokio::test]
async fn exchange_needs_an_address_and_the_domain_flag() {
    let server = RecordingServer::start().await;
    let c = client(&server);
    // Both fields are required: the builder names the first missing one.
    let e = c
        .exchange_instance_ip()
        .task_id("t1")
        .exchanged_ip(vec!["10.0.0.1".to_string()])
        .send()
        .await
        .unwrap_err();
    assert!(e.to_string().contains("is_exchange_domain"), "{e}");
    // An empty address list is refused before anything is sent.
    let e = c
        .exchange_instance_ip()
        .task_id("t1")
        .exchanged_ip(Vec::<String>::new())
        .is_exchange_domain(false)
        .send()
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Validation(_)), "{e}");
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn ip_switch_waiters_read_task_status() {
    let server = RecordingServer::start().await;
    let task = |s: &str| json!({"task_id": "t1", "status": "INCRMIGEATING", "task_status": s});
    server.push(Reply::json(200, task("EXCHANGING")));
    server.push(Reply::json(200, task("EXCHANGE_SUCCESS")));
    let c = client(&server);
    let done = c
        .wait_until_migration_task_ip_exchanged("t1")
        .delays(Duration::from_millis(1), Duration::from_millis(2))
        .wait()
        .await
        .unwrap();
    assert_eq!(
        done.output.task_status,
        Some(IpSwitchStatus::ExchangeSuccess)
    );
    assert_eq!(server.requests().len(), 2);

    server.push(Reply::json(200, task("EXCHANGING")));
    server.push(Reply::json(200, task("ROLLBACK_SUCCESS")));
    let done = c
        .wait_until_migration_task_ip_rolled_back("t1")
        .delays(Duration::from_millis(1), Duration::from_millis(2))
        .wait()
        .await
        .unwrap();
    assert_eq!(
        done.output.task_status,
        Some(IpSwitchStatus::RollbackSuccess)
    );
    // EXCHANGE_SUCCESS is not what a rollback waits for: it keeps polling until the deadline.
    server.push(Reply::json(200, task("EXCHANGE_SUCCESS")));
    let e = c
        .wait_until_migration_task_ip_rolled_back("t1")
        .delays(Duration::from_millis(1), Duration::from_millis(2))
        .max_wait(Duration::from_millis(30))
        .wait()
        .await
        .unwrap_err();
    assert!(matches!(e, Error::WaitTimeout { .. }), "{e}");
}

#[tokio::test]
async fn instances_list_show_and_page() {
    let server = RecordingServer::start().await;
    let page: Value = example("dcs/list_instances.response.200.json");
    server.push(Reply::json(200, page.clone()));
    let c = client(&server);
    let resp = c
        .list_instances()
        .name("dcs")
        .status(InstanceStatus::Running)
        .offset(0)
        .limit(1)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.output.instance_num, Some(2));
    let first = &resp.output.instances.as_ref().unwrap()[0];
    assert_eq!(first.port, Some(6379));
    assert_eq!(first.status, Some(InstanceStatus::Running));

    server.push(Reply::json(
        200,
        example::<Value>("dcs/show_instance.response.200.json"),
    ));
    let shown = c
        .show_instance()
        .instance_id("21bc7b53")
        .send()
        .await
        .unwrap();
    assert_eq!(shown.output.ip.as_deref(), Some("192.168.0.156"));
    assert_eq!(shown.output.extra.get("free"), Some(&Value::Null));

    // Paging follows offset/limit until instance_num items were seen.
    let one = |i: u32| json!({"instance_num": 2, "instances": [{"instance_id": format!("i{i}")}]});
    server.push(Reply::json(200, one(1)));
    server.push(Reply::json(200, one(2)));
    let ids: Vec<String> = c
        .list_instances()
        .limit(1)
        .into_items()
        .unwrap()
        .map(|i| i.unwrap().instance_id.unwrap())
        .collect()
        .await;
    assert_eq!(ids, ["i1", "i2"]);

    let reqs = server.requests();
    let path = format!("/v2/{PROJECT}/instances");
    check(
        &reqs[0],
        "GET",
        &path,
        "name=dcs&offset=0&limit=1&status=RUNNING",
        JSON,
    );
    check(&reqs[1], "GET", &format!("{path}/21bc7b53"), "", JSON);
    check(&reqs[2], "GET", &path, "limit=1", JSON);
    check(&reqs[3], "GET", &path, "offset=1&limit=1", JSON);
}

#[tokio::test]
async fn backup_records_with_a_time_window() {
    let server = RecordingServer::start().await;
    server.push(Reply::json(
        200,
        example::<Value>("dcs/list_backup_records.response.200.json"),
    ));
    let c = client(&server);
    let resp = c
        .list_backup_records()
        .instance_id("i1")
        .begin_time("20240401000000")
        .end_time("20240402000000")
        .send()
        .await
        .unwrap();
    let records = resp.output.backup_record_response.unwrap();
    assert_eq!(records[0].status, Some(BackupStatus::Succeed));
    assert_eq!(records[1].error_code.as_deref(), Some("dcs.08.0002"));
    check(
        &server.requests()[0],
        "GET",
        &format!("/v2/{PROJECT}/instances/i1/backups"),
        "begin_time=20240401000000&end_time=20240402000000",
        JSON,
    );
    // The time format is checked before sending.
    let e = c
        .list_backup_records()
        .instance_id("i1")
        .begin_time("2024-04-01")
        .send()
        .await
        .unwrap_err();
    assert!(e.to_string().contains("begin_time"), "{e}");
    assert_eq!(server.requests().len(), 1);
}
