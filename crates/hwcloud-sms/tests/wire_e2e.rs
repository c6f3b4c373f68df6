//! End-to-end wire format for SMS: the seed CreateTask example and every companion,
//! signed with AK/SK, sent to a recording server on 127.0.0.1.

use hwcloud_core::Credentials;
use hwcloud_core::json_equivalence;
use hwcloud_sms::Client;
use hwcloud_sms::types::TaskOperation;
use hwcloud_testkit::{Recorded, RecordingServer, Reply, example};
use serde_json::Value;

const AK: &str = "WIRETESTAK0000000002";
const SK: &str = "wire-test-secret-key-0002";
const PROJECT: &str = "fedcba9876543210fedcba9876543210";

fn client(server: &RecordingServer) -> Client {
    Client::builder()
        .endpoint(server.url())
        .credentials(Credentials::new(AK, SK).with_project_id(PROJECT))
        .build()
        .unwrap()
}

fn check_common(server: &RecordingServer, r: &Recorded) {
    // Every SMS call sends plain application/json, as the official SDK does.
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.header("host"), Some(server.host().as_str()));
    // X-Project-Id goes on every signed request when the credentials have one, even for SMS.
    assert_eq!(r.header("x-project-id"), Some(PROJECT));
    assert!(r.header("x-sdk-date").is_some());
    r.verify_signature(AK, SK).expect("signature verifies");
    assert!(r.verify_signature(AK, "wrong").is_err());
}

#[tokio::test]
async fn seed_create_task() {
    let server = RecordingServer::start().await;
    server.push(Reply::json(
        200,
        example::<Value>("sms/create_task.response.200.s001.json"),
    ));
    let body = example::<Value>("sms/create_task.request.s001.json");
    let resp = client(&server)
        .create_task()
        .body(serde_json::from_value(body.clone()).unwrap())
        .send()
        .await
        .unwrap();
    assert!(resp.id.is_some());
    let r = &server.requests()[0];
    assert_eq!((r.method.as_str(), r.path.as_str()), ("POST", "/v3/tasks"));
    check_common(&server, r);
    let sent: Value = serde_json::from_slice(&r.body).unwrap();
    json_equivalence::check(&body, &sent, &[]).unwrap();
}

#[tokio::test]
async fn seed_create_task_403_is_parsed() {
    let server = RecordingServer::start().await;
    server.push(
        Reply::json(
            403,
            example::<Value>("sms/create_task.response.403.s001.json"),
        )
        .header("X-Request-Id", "r403"),
    );
    let body = example::<Value>("sms/create_task.request.s001.json");
    let err = client(&server)
        .create_task()
        .body(serde_json::from_value(body).unwrap())
        .send()
        .await
        .unwrap_err();
    let s = err.as_service().unwrap();
    assert_eq!(s.status, 403);
    assert_eq!(s.request_id.as_deref(), Some("r403"));
    let expected = example::<Value>("sms/create_task.response.403.s001.json");
    assert_eq!(Some(s.code.as_str()), expected["error_code"].as_str());
    assert_eq!(
        s.encoded_authorization_message.as_deref(),
        expected["encoded_authorization_message"].as_str()
    );
}

#[tokio::test]
async fn companions() {
    let server = RecordingServer::start().await;
    let c = client(&server);
    c.show_task().task_id("t1").send().await.unwrap();
    c.list_tasks().limit(10).offset(20).send().await.unwrap();
    server.push(Reply::raw(200, ""));
    let r = c
        .update_task_status()
        .task_id("t1")
        .operation(TaskOperation::Start)
        .send()
        .await
        .unwrap();
    assert_eq!(r.output, "");
    server.push(Reply::raw(200, ""));
    c.delete_task().task_id("t1").send().await.unwrap();
    let del = example::<Value>("sms/delete_tasks.request.json");
    server.push(Reply::raw(200, ""));
    c.delete_tasks()
        .body(serde_json::from_value(del.clone()).unwrap())
        .send()
        .await
        .unwrap();
    let reqs = server.requests();
    let seen: Vec<(&str, &str)> = reqs
        .iter()
        .map(|r| (r.method.as_str(), r.path.as_str()))
        .collect();
    assert_eq!(
        seen,
        [
            ("GET", "/v3/tasks/t1"),
            ("GET", "/v3/tasks"),
            ("POST", "/v3/tasks/t1/action"),
            ("DELETE", "/v3/tasks/t1"),
            ("POST", "/v3/tasks/delete"),
        ]
    );
    // Query parameters in the order the client sends them; only ListTasks has any.
    let queries: Vec<&str> = reqs.iter().map(|r| r.query.as_str()).collect();
    assert_eq!(queries, ["", "limit=10&offset=20", "", "", ""]);
    for r in &reqs {
        check_common(&server, r);
    }
    assert_eq!(reqs[2].json(), serde_json::json!({"operation": "start"}));
    assert_eq!(reqs[4].json(), del);
}

#[tokio::test]
async fn task_waiter() {
    let server = RecordingServer::start().await;
    for s in ["READY", "RUNNING", "MIGRATE_SUCCESS"] {
        server.push(Reply::json(
            200,
            serde_json::json!({"id": "t1", "state": s}),
        ));
    }
    let done = client(&server)
        .wait_until_task_done("t1")
        .delays(
            std::time::Duration::from_millis(1),
            std::time::Duration::from_millis(2),
        )
        .wait()
        .await
        .unwrap();
    assert_eq!(
        done.state.as_ref().map(|s| s.as_str()),
        Some("MIGRATE_SUCCESS")
    );
    assert_eq!(server.requests().len(), 3);
}
