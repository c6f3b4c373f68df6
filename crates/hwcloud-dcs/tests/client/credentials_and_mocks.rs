//! Token credentials, a missing project id, replay-transport mocks and presigning.

use super::*;

#[tokio::test]
async fn token_credentials_send_x_auth_token() {
    let server = RecordingServer::start().await;
    server.push(Reply::json(200, task("SUCCESS")));
    client(&server.url())
        .show_migration_task()
        .task_id("t1")
        .send()
        .await
        .unwrap();
    let r = &server.requests()[0];
    assert_eq!(r.header("x-auth-token"), Some("iam-token-value"));
    assert_eq!(r.header("x-project-id"), Some(PROJECT));
    assert_eq!(r.header("authorization"), None);
}

#[tokio::test]
async fn missing_project_id_is_a_config_error() {
    let c = Client::builder()
        .endpoint("http://127.0.0.1:9")
        .credentials(Credentials::token("t"))
        .build()
        .unwrap();
    let e = c
        .show_migration_task()
        .task_id("t")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Config(_)));
    assert!(e.to_string().contains("HUAWEICLOUD_SDK_PROJECT_ID"), "{e}");
}

#[tokio::test]
async fn replay_transport_mocks_the_service() {
    use hwcloud_core::transport::{ReplayTransport, Reply as Mock};
    let mock = ReplayTransport::new([Mock::json(200, task("SUCCESS"))]);
    let c = Client::builder()
        .endpoint("https://dcs.example.invalid")
        .credentials(token_credentials())
        .transport(Arc::new(mock.clone()))
        .build()
        .unwrap();
    let r = c.show_migration_task().task_id("t1").send().await.unwrap();
    assert_eq!(r.request_id.as_deref(), Some("replay-request-id"));
    let sent = mock.requests();
    assert_eq!(
        sent[0].url,
        format!("https://dcs.example.invalid/v2/{PROJECT}/migration-task/t1")
    );
    assert_eq!(sent[0].header("host"), Some("dcs.example.invalid"));
    assert_eq!(mock.remaining(), 0);
    // Out of replies: an error, not a panic.
    assert!(c.show_migration_task().task_id("t1").send().await.is_err());
}

#[test]
fn presign_returns_what_would_be_sent() {
    use hwcloud_core::CallOptions;
    let c = Client::builder()
        .endpoint("https://dcs.example.invalid")
        .credentials(Credentials::new("AK", "SK").with_project_id(PROJECT))
        .build()
        .unwrap();
    let input = hwcloud_dcs::operations::BatchStopMigrationTasksInput::builder()
        .migration_tasks(vec!["t1".to_string()])
        .build()
        .unwrap();
    let req = c
        .runtime()
        .presign(&input, CallOptions::default(), std::time::SystemTime::now())
        .unwrap();
    assert_eq!(req.method, "POST");
    assert_eq!(
        req.url,
        format!("https://dcs.example.invalid/v2/{PROJECT}/migration-task/batch-stop")
    );
    assert_eq!(req.body, br#"{"migration_tasks":["t1"]}"#);
    assert!(
        req.header("authorization")
            .unwrap()
            .starts_with("SDK-HMAC-SHA256 Access=AK, ")
    );
}
