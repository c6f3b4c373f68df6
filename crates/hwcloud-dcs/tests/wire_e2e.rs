//! End-to-end wire format: the generated client sends each seed example request (and every
//! companion operation) with AK/SK signing to a recording server on 127.0.0.1; the test
//! checks method, path, query, headers and body, and re-verifies the signature.

use hwcloud_core::Credentials;
use hwcloud_core::json_equivalence;
use hwcloud_dcs::Client;
use hwcloud_testkit::{Recorded, RecordingServer, Reply, example};
use serde_json::{Value, json};

const AK: &str = "WIRETESTAK0000000001";
const SK: &str = "wire-test-secret-key-0001";
const PROJECT: &str = "0123456789abcdef0123456789abcdef";

fn client(server: &RecordingServer) -> Client {
    Client::builder()
        .endpoint(server.url())
        .credentials(Credentials::new(AK, SK).with_project_id(PROJECT))
        .build()
        .unwrap()
}

/// Checks what every signed DCS request must carry.
fn check_common(
    server: &RecordingServer,
    r: &Recorded,
    method: &str,
    path: &str,
    content_type: &str,
) {
    assert_eq!(r.method, method);
    assert_eq!(r.path, path);
    assert_eq!(r.header("content-type"), Some(content_type), "{path}");
    assert_eq!(r.header("host"), Some(server.host().as_str()));
    assert_eq!(r.header("x-project-id"), Some(PROJECT));
    let date = r.header("x-sdk-date").expect("X-Sdk-Date");
    assert!(
        hwcloud_core::signing::parse_sdk_date(date).is_some(),
        "{date}"
    );
    let auth = r.header("authorization").expect("Authorization");
    assert!(
        auth.starts_with(&format!("SDK-HMAC-SHA256 Access={AK}, SignedHeaders=")),
        "{auth}"
    );
    for h in ["content-type", "host", "x-project-id", "x-sdk-date"] {
        assert!(auth.contains(h), "{h} not signed: {auth}");
    }
    let verified = r.verify_signature(AK, SK).expect("signature verifies");
    assert_eq!(verified.access_key, AK);
    // And fails with another key: the check is real.
    assert!(r.verify_signature(AK, "another-secret").is_err());
}

fn check_body(r: &Recorded, expected: &Value) {
    let sent: Value = serde_json::from_slice(&r.body).expect("JSON body");
    json_equivalence::check(expected, &sent, &[])
        .unwrap_or_else(|e| panic!("body differs from the example: {e}\nsent: {sent}"));
}

const JSON_UTF8: &str = "application/json;charset=utf-8";
const JSON: &str = "application/json";

#[tokio::test]
async fn seed_create_migration_task_backup_import() {
    let server = RecordingServer::start().await;
    server.push(Reply::json(
        200,
        example::<Value>("dcs/create_migration_task.response.200.s003.json"),
    ));
    for file in [
        "dcs/create_migration_task.request.s003.json",
        "dcs/create_migration_task.request.backup_import.json",
    ] {
        let body: Value = example(file);
        let resp = client(&server)
            .create_migration_task()
            .body(serde_json::from_value(body.clone()).unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(resp.http_status, 200);
        let r = server.requests().pop().unwrap();
        check_common(
            &server,
            &r,
            "POST",
            &format!("/v2/{PROJECT}/migration-task"),
            JSON_UTF8,
        );
        check_body(&r, &body);
    }
}

#[tokio::test]
async fn seed_create_online_migration_task() {
    let server = RecordingServer::start().await;
    server.push(Reply::json(
        200,
        example::<Value>("dcs/create_online_migration_task.response.200.s000.json"),
    ));
    let body = example::<Value>("dcs/create_online_migration_task.request.s000.json");
    let resp = client(&server)
        .create_online_migration_task()
        .body(serde_json::from_value(body.clone()).unwrap())
        .send()
        .await
        .unwrap();
    assert!(resp.instance_id.is_some());
    let r = &server.requests()[0];
    check_common(
        &server,
        r,
        "POST",
        &format!("/v2/{PROJECT}/migration/instance"),
        JSON_UTF8,
    );
    check_body(r, &body);
}

#[tokio::test]
async fn seed_set_online_migration_task() {
    let server = RecordingServer::start().await;
    server.push(Reply::json(
        200,
        example::<Value>("dcs/set_online_migration_task.response.200.s004.json"),
    ));
    let body = example::<Value>("dcs/set_online_migration_task.request.s004.json");
    client(&server)
        .set_online_migration_task()
        .task_id("a1b2 c3/é")
        .body(serde_json::from_value(body.clone()).unwrap())
        .send()
        .await
        .unwrap();
    let r = &server.requests()[0];
    // The task id is one RFC 3986-encoded segment.
    check_common(
        &server,
        r,
        "POST",
        &format!("/v2/{PROJECT}/migration/a1b2%20c3%2F%C3%A9/task"),
        JSON_UTF8,
    );
    check_body(r, &body);
    // bandwidth_limit_mb goes as a JSON string: the example's number 123 is sent as "123".
    assert_eq!(body["bandwidth_limit_mb"], json!(123));
    assert_eq!(r.json()["bandwidth_limit_mb"], json!("123"));
}

#[tokio::test]
async fn companions_paths_queries_and_content_types() {
    let server = RecordingServer::start().await;
    let c = client(&server);
    let p = format!("/v2/{PROJECT}");
    c.show_migration_task().task_id("t1").send().await.unwrap();
    c.show_migration_task_stats()
        .task_id("t1")
        .send()
        .await
        .unwrap();
    c.list_migration_task()
        .offset(10)
        .limit(20)
        .name("a b+c")
        .send()
        .await
        .unwrap();
    c.stop_migration_task().task_id("t1").send().await.unwrap();
    server.push(Reply::raw(204, ""));
    let r = c
        .stop_migration_task_sync()
        .task_id("t1")
        .send()
        .await
        .unwrap();
    assert_eq!(r.http_status, 204);
    c.list_migration_task_logs()
        .task_id("t1")
        .offset(0)
        .limit(5)
        .send()
        .await
        .unwrap();
    c.show_job_info().job_id("j1").send().await.unwrap();
    server.push(Reply::json(
        200,
        example::<Value>("dcs/batch_stop_migration_tasks.response.200.json"),
    ));
    c.batch_stop_migration_tasks()
        .migration_tasks(vec!["t1".to_string()])
        .send()
        .await
        .unwrap();
    c.batch_restart_online_migration_tasks()
        .migration_tasks(vec!["t1".to_string()])
        .send()
        .await
        .unwrap();
    let body = example::<Value>("dcs/delete_migration_task.request.json");
    c.delete_migration_task()
        .body(serde_json::from_value(body.clone()).unwrap())
        .send()
        .await
        .unwrap();

    let reqs = server.requests();
    let seen: Vec<(String, String, String, String)> = reqs
        .iter()
        .map(|r| {
            (
                r.method.clone(),
                r.path.clone(),
                r.query.clone(),
                r.header("content-type").unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let expect = |m: &str, path: String, q: &str, ct: &str| {
        (m.to_owned(), path, q.to_owned(), ct.to_owned())
    };
    assert_eq!(
        seen,
        vec![
            expect("GET", format!("{p}/migration-task/t1"), "", JSON),
            expect("GET", format!("{p}/migration-task/t1/stats"), "", JSON),
            expect(
                "GET",
                format!("{p}/migration-tasks"),
                "offset=10&limit=20&name=a%20b%2Bc",
                JSON
            ),
            expect("POST", format!("{p}/migration-task/t1/stop"), "", JSON),
            expect("POST", format!("{p}/migration-task/t1/sync-stop"), "", JSON),
            expect(
                "GET",
                format!("{p}/migration-task/t1/logs"),
                "offset=0&limit=5",
                JSON
            ),
            expect("GET", format!("{p}/jobs/j1"), "", JSON),
            expect(
                "POST",
                format!("{p}/migration-task/batch-stop"),
                "",
                JSON_UTF8
            ),
            expect(
                "POST",
                format!("{p}/migration-tasks/batch-restart"),
                "",
                JSON_UTF8
            ),
            expect(
                "DELETE",
                format!("{p}/migration-tasks/delete"),
                "",
                JSON_UTF8
            ),
        ]
    );
    for r in &reqs {
        check_common(
            &server,
            r,
            &r.method,
            &r.path,
            r.header("content-type").unwrap(),
        );
    }
    assert_eq!(reqs[7].json(), json!({"migration_tasks": ["t1"]}));
    check_body(&reqs[9], &body);
    assert!(reqs[0].body.is_empty());
}

#[tokio::test]
async fn security_token_is_sent_and_signed() {
    let server = RecordingServer::start().await;
    let c = Client::builder()
        .endpoint(server.url())
        .credentials(
            Credentials::new(AK, SK)
                .with_project_id(PROJECT)
                .with_security_token("temporary-token"),
        )
        .build()
        .unwrap();
    c.show_migration_task().task_id("t1").send().await.unwrap();
    let r = &server.requests()[0];
    assert_eq!(r.header("x-security-token"), Some("temporary-token"));
    assert!(
        r.header("authorization")
            .unwrap()
            .contains("x-security-token")
    );
    r.verify_signature(AK, SK).unwrap();
}
