//! Service errors and undecodable bodies parsed; input validated and built before sending.

use super::*;

#[tokio::test]
async fn service_errors_are_parsed() {
    let server = RecordingServer::start().await;
    server.push(
        Reply::json(400, json!({"error_code": "DCS.4133", "error_msg": "Migration task does not exist.", "error_ext_msg": null}))
            .header("X-Request-Id", "req-404"),
    );
    server.push(Reply::json(401, json!({"error": {"code": "APIGW.0301", "message": "Incorrect IAM authentication information"}})));
    server.push(Reply::raw(400, "<html>bad</html>"));
    let c = client(&server.url());
    let e = c
        .show_migration_task()
        .task_id("gone")
        .send()
        .await
        .unwrap_err();
    assert!(e.is_not_found());
    assert_eq!(e.request_id(), Some("req-404"));
    assert_eq!(
        e.to_string(),
        "service error: HTTP 400 DCS.4133: Migration task does not exist. (request id req-404)"
    );
    let e = c
        .show_migration_task()
        .task_id("x")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.as_service().unwrap().code, "APIGW.0301");
    let e = c
        .show_migration_task()
        .task_id("x")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.as_service().unwrap().message, "<html>bad</html>");
}

#[tokio::test]
async fn undecodable_success_is_a_decode_error() {
    let server = RecordingServer::start().await;
    server.push(Reply::raw(200, "not json"));
    let e = client(&server.url())
        .show_migration_task()
        .task_id("t")
        .send()
        .await
        .unwrap_err();
    match e {
        Error::Decode(d) => assert_eq!(d.excerpt, "not json"),
        other => panic!("{other}"),
    }
}

#[tokio::test]
async fn validation_happens_before_sending_and_can_be_skipped() {
    let server = RecordingServer::start().await;
    let c = client(&server.url());
    let e = c
        .list_migration_task()
        .limit(5000)
        .send()
        .await
        .unwrap_err();
    assert!(e.to_string().contains("limit"), "{e}");
    assert!(server.requests().is_empty());
    server.push(Reply::json(200, json!({"count": 0, "migration_tasks": []})));
    c.list_migration_task()
        .limit(5000)
        .skip_validation()
        .send()
        .await
        .unwrap();
    assert_eq!(server.requests()[0].query, "limit=5000");
}

#[tokio::test]
async fn missing_required_input_is_a_build_error() {
    let server = RecordingServer::start().await;
    let e = client(&server.url())
        .show_migration_task()
        .send()
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Build(_)));
    assert!(e.to_string().contains("task_id"), "{e}");
}
