//! Retries (status, connection refused, `Retry-After`) and the call and attempt timeouts.

use super::*;

#[tokio::test]
async fn get_retried_after_two_503s() {
    let server = RecordingServer::start().await;
    server
        .push(Reply::json(
            503,
            json!({"error_code": "DCS.5000", "error_msg": "busy"}),
        ))
        .push(Reply::raw(503, "upstream unavailable"))
        .push(Reply::json(200, task("RUNNING")).header("X-Request-Id", "rid-3"));
    let resp = client(&server.url())
        .show_migration_task()
        .task_id("t1")
        .send()
        .await
        .unwrap();
    assert_eq!(server.requests().len(), 3);
    assert_eq!(resp.request_id.as_deref(), Some("rid-3"));
    assert_eq!(resp.status.as_ref().map(|s| s.as_str()), Some("RUNNING"));
}

#[tokio::test]
async fn create_post_not_retried_on_503() {
    let server = RecordingServer::start().await;
    server.push(Reply::json(
        503,
        json!({"error_code": "DCS.5000", "error_msg": "busy"}),
    ));
    let err = client(&server.url())
        .create_online_migration_task()
        .name("m")
        .vpc_id("v")
        .subnet_id("s")
        .security_group_id("g")
        .send()
        .await
        .unwrap_err();
    assert_eq!(server.requests().len(), 1);
    let s = err.as_service().expect("service error");
    assert_eq!((s.status, s.code.as_str()), (503, "DCS.5000"));
    assert!(err.is_retryable());
}

#[tokio::test]
async fn connection_refused_is_retried_per_policy_even_for_post() {
    let url = format!("http://127.0.0.1:{}", closed_port());
    let (c, calls) = counting_client(&url);
    let err = c
        .show_migration_task()
        .task_id("t")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Transport(t) if t.kind == TransportErrorKind::Connect),
        "{err}"
    );
    assert_eq!(calls.load(Ordering::SeqCst), 3);

    // A POST that never reached the server is safe to send again.
    let (c, calls) = counting_client(&url);
    let err = c
        .create_online_migration_task()
        .name("m")
        .vpc_id("v")
        .subnet_id("s")
        .security_group_id("g")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport(_)));
    assert_eq!(calls.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let server = RecordingServer::start().await;
    server
        .push(
            Reply::json(
                429,
                json!({"error_code": "APIGW.0308", "error_msg": "throttled"}),
            )
            .header("Retry-After", "1"),
        )
        .push(Reply::json(200, task("SUCCESS")));
    client(&server.url())
        .show_migration_task()
        .task_id("t1")
        .send()
        .await
        .unwrap();
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    let gap = reqs[1].at - reqs[0].at;
    assert!(gap >= Duration::from_millis(950), "gap {gap:?}");
}

#[tokio::test]
async fn whole_call_timeout_is_honoured() {
    let server = RecordingServer::start().await;
    server.push(Reply::json(200, task("SUCCESS")).delay(Duration::from_secs(3)));
    let c = Client::builder()
        .endpoint(server.url())
        .credentials(token_credentials())
        .configure(|c| c.timeouts.call = Some(Duration::from_millis(300)))
        .build()
        .unwrap();
    let err = c
        .show_migration_task()
        .task_id("t1")
        .send()
        .await
        .unwrap_err();
    match err {
        Error::CallTimeout {
            limit, attempts, ..
        } => {
            assert_eq!(limit, Duration::from_millis(300));
            assert_eq!(attempts, 1);
        }
        other => panic!("expected CallTimeout, got {other}"),
    }
}

#[tokio::test]
async fn attempt_timeout_then_retry() {
    let server = RecordingServer::start().await;
    server
        .push(Reply::json(200, task("RUNNING")).delay(Duration::from_secs(2)))
        .push(Reply::json(200, task("SUCCESS")));
    let c = Client::builder()
        .endpoint(server.url())
        .credentials(token_credentials())
        .configure(|c| {
            c.timeouts.attempt = Duration::from_millis(200);
            c.retry.base_delay = Duration::from_millis(1);
        })
        .build()
        .unwrap();
    let r = c.show_migration_task().task_id("t1").send().await.unwrap();
    assert_eq!(r.status.as_ref().map(|s| s.as_str()), Some("SUCCESS"));
}
