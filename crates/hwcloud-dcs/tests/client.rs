//! The generated client over the real runtime and HTTP, against a scripted server on
//! 127.0.0.1: retries, timeouts, error parsing, waiters, paginators, mocks.

use futures_util::StreamExt;
use hwcloud_core::error::TransportErrorKind;
use hwcloud_core::transport::{
    BoxFuture, HttpRequest, HttpResponse, HttpTransport, ReqwestTransport,
};
use hwcloud_core::{Credentials, Error, RetryPolicy};
use hwcloud_dcs::Client;
use hwcloud_testkit::{RecordingServer, Reply, closed_port};
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

const PROJECT: &str = "0123456789abcdef0123456789abcdef";

fn token_credentials() -> Credentials {
    Credentials::token("iam-token-value").with_project_id(PROJECT)
}

fn client(endpoint: &str) -> Client {
    counting_client(endpoint).0
}

/// Counts attempts reaching the real transport.
#[derive(Debug)]
struct Counting {
    inner: ReqwestTransport,
    calls: Arc<AtomicU32>,
}

impl HttpTransport for Counting {
    fn send(
        &self,
        req: HttpRequest,
        timeout: Duration,
    ) -> BoxFuture<'_, Result<HttpResponse, hwcloud_core::error::TransportError>> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.inner.send(req, timeout)
    }
}

fn counting_client(endpoint: &str) -> (Client, Arc<AtomicU32>) {
    let calls = Arc::new(AtomicU32::new(0));
    let transport = Counting {
        inner: ReqwestTransport::new(Duration::from_secs(2)).unwrap(),
        calls: calls.clone(),
    };
    let c = Client::builder()
        .endpoint(endpoint)
        .credentials(token_credentials())
        .transport(Arc::new(transport))
        .configure(|c| {
            c.retry = RetryPolicy {
                max_attempts: 3,
                base_delay: Duration::from_millis(5),
                max_delay: Duration::from_millis(20),
                ..Default::default()
            };
        })
        .build()
        .unwrap();
    (c, calls)
}

fn task(status: &str) -> serde_json::Value {
    json!({"task_id": "t1", "task_name": "n", "status": status, "migration_type": "online_migration"})
}

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

#[tokio::test]
async fn waiter_polls_until_success_and_reports_progress() {
    let server = RecordingServer::start().await;
    for s in ["MIGRATING", "FULLMIGRATING", "INCRMIGEATING"] {
        server.push(Reply::json(200, task(s)));
    }
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen2 = seen.clone();
    let done = client(&server.url())
        .wait_until_migration_task_done("t1")
        .delays(Duration::from_millis(5), Duration::from_millis(10))
        .on_progress(move |p| seen2.lock().unwrap().push((p.state.to_owned(), p.polls)))
        .wait()
        .await
        .unwrap();
    assert_eq!(
        done.status.as_ref().map(|s| s.as_str()),
        Some("INCRMIGEATING")
    );
    assert_eq!(
        *seen.lock().unwrap(),
        [
            ("MIGRATING".to_string(), 1),
            ("FULLMIGRATING".to_string(), 2),
            ("INCRMIGEATING".to_string(), 3)
        ]
    );
    assert!(
        server
            .requests()
            .iter()
            .all(|r| r.path == format!("/v2/{PROJECT}/migration-task/t1"))
    );
}

#[tokio::test]
async fn waiter_alias_spelling_counts_as_success() {
    let server = RecordingServer::start().await;
    server.push(Reply::json(200, task("INCRMIGRATING")));
    let done = client(&server.url())
        .wait_until_migration_task_done("t1")
        .wait()
        .await
        .unwrap();
    // Counted as INCRMIGEATING, but kept in the spelling the service used.
    let status = done.output.status.unwrap();
    assert_eq!(status.canonical_str(), "INCRMIGEATING");
    assert_eq!(status.as_str(), "INCRMIGRATING");
}

#[tokio::test]
async fn waiter_failure_and_timeout() {
    let server = RecordingServer::start().await;
    server.push(Reply::json(200, task("MIGRATING")));
    server.push(Reply::json(200, task("FAILED")));
    let e = client(&server.url())
        .wait_until_migration_task_done("t1")
        .delays(Duration::from_millis(1), Duration::from_millis(1))
        .wait()
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::WaitFailed { state, .. } if state == "FAILED"),
        "{e}"
    );

    for _ in 0..100 {
        server.push(Reply::json(200, task("MIGRATING")));
    }
    let e = client(&server.url())
        .wait_until_migration_task_done("t1")
        .delays(Duration::from_millis(20), Duration::from_millis(20))
        .max_wait(Duration::from_millis(100))
        .wait()
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::WaitTimeout { last_state, .. } if last_state == "MIGRATING"),
        "{e}"
    );
}

#[tokio::test]
async fn job_waiter() {
    let server = RecordingServer::start().await;
    server.push(Reply::json(
        200,
        json!({"job_id": "j", "status": "RUNNING"}),
    ));
    server.push(Reply::json(
        200,
        json!({"job_id": "j", "status": "SUCCESS"}),
    ));
    client(&server.url())
        .wait_until_job_done("j")
        .delays(Duration::from_millis(1), Duration::from_millis(1))
        .wait()
        .await
        .unwrap();
    assert_eq!(server.requests()[1].path, format!("/v2/{PROJECT}/jobs/j"));
}

fn list_page(ids: &[&str], count: i64) -> serde_json::Value {
    let tasks: Vec<_> = ids
        .iter()
        .map(|id| json!({"task_id": id, "status": "SUCCESS"}))
        .collect();
    json!({"count": count, "migration_tasks": tasks})
}

#[tokio::test]
async fn paginator_follows_offsets_until_the_total() {
    let server = RecordingServer::start().await;
    server.push(Reply::json(200, list_page(&["a", "b"], 5)));
    server.push(Reply::json(200, list_page(&["c", "d"], 5)));
    server.push(Reply::json(200, list_page(&["e"], 5)));
    let items: Vec<_> = client(&server.url())
        .list_migration_task()
        .limit(2)
        .into_items()
        .unwrap()
        .collect()
        .await;
    let ids: Vec<String> = items
        .into_iter()
        .map(|t| t.unwrap().task_id.unwrap_or_default())
        .collect();
    assert_eq!(ids, ["a", "b", "c", "d", "e"]);
    let queries: Vec<String> = server.requests().iter().map(|r| r.query.clone()).collect();
    assert_eq!(queries, ["limit=2", "offset=2&limit=2", "offset=4&limit=2"]);
}

#[tokio::test]
async fn paginator_stops_when_the_reported_total_is_reached() {
    let server = RecordingServer::start().await;
    server.push(Reply::json(200, list_page(&["a"], 0)));
    // `take` bounds the stream so that a regression cannot loop forever.
    let pages: Vec<_> = client(&server.url())
        .list_migration_task()
        .into_pages()
        .unwrap()
        .take(5)
        .collect()
        .await;
    // `count` 0 with one item and no limit: only the total says stop.
    assert_eq!(pages.len(), 1);
    assert!(pages[0].is_ok(), "{:?}", pages[0]);
    let queries: Vec<String> = server.requests().iter().map(|r| r.query.clone()).collect();
    assert_eq!(queries, [""]);
}

#[tokio::test]
async fn paginator_stops_on_an_empty_page() {
    let server = RecordingServer::start().await;
    // No items, a total far ahead and no limit: only the empty page says stop. Were it
    // ignored, the offset would not move and the same page would be asked for again.
    server.push(Reply::json(200, list_page(&[], 100)));
    server.push(Reply::json(200, list_page(&[], 100)));
    server.push(Reply::json(200, list_page(&[], 100)));
    let pages: Vec<_> = client(&server.url())
        .list_migration_task()
        .into_pages()
        .unwrap()
        .take(5)
        .collect()
        .await;
    assert_eq!(pages.len(), 1);
    let page = pages[0].as_ref().expect("the empty page is a page");
    assert_eq!(
        page.output.migration_tasks.as_deref().map(<[_]>::len),
        Some(0)
    );
    let queries: Vec<String> = server.requests().iter().map(|r| r.query.clone()).collect();
    assert_eq!(queries, [""]);
}

#[tokio::test]
async fn paginator_stops_on_a_short_page() {
    let server = RecordingServer::start().await;
    // Two items for a limit of 5 and no total: only the short page says stop.
    server.push(Reply::json(
        200,
        json!({"migration_tasks": [{"task_id": "a"}, {"task_id": "b"}]}),
    ));
    server.push(Reply::json(200, list_page(&["c"], 100)));
    server.push(Reply::json(200, list_page(&["d"], 100)));
    let pages: Vec<_> = client(&server.url())
        .list_migration_task()
        .limit(5)
        .into_pages()
        .unwrap()
        .take(5)
        .collect()
        .await;
    assert_eq!(pages.len(), 1);
    let page = pages[0].as_ref().expect("the short page is a page");
    assert_eq!(page.output.count, None);
    let ids: Vec<_> = page
        .output
        .migration_tasks
        .iter()
        .flatten()
        .map(|t| t.task_id.as_deref().unwrap_or_default())
        .collect();
    assert_eq!(ids, ["a", "b"]);
    let queries: Vec<String> = server.requests().iter().map(|r| r.query.clone()).collect();
    assert_eq!(queries, ["limit=5"]);
}

#[tokio::test]
async fn paginator_surfaces_errors_and_stops() {
    let no_retry = |url: String| {
        Client::builder()
            .endpoint(url)
            .credentials(token_credentials())
            .configure(|c| c.retry = RetryPolicy::none())
            .build()
            .unwrap()
    };

    // An error on the first page.
    let server = RecordingServer::start().await;
    server.push(Reply::json(
        500,
        json!({"error_code": "DCS.5000", "error_msg": "x"}),
    ));
    let pages: Vec<_> = no_retry(server.url())
        .list_migration_task()
        .into_pages()
        .unwrap()
        .take(5)
        .collect()
        .await;
    assert_eq!(pages.len(), 1);
    assert!(pages[0].is_err());
    assert_eq!(server.requests().len(), 1);

    // An error after a full page ends the stream too.
    let server = RecordingServer::start().await;
    server.push(Reply::json(200, list_page(&["a", "b"], 10)));
    server.push(Reply::json(
        500,
        json!({"error_code": "DCS.5000", "error_msg": "x"}),
    ));
    server.push(Reply::json(200, list_page(&["c", "d"], 10)));
    let pages: Vec<_> = no_retry(server.url())
        .list_migration_task()
        .limit(2)
        .into_pages()
        .unwrap()
        .take(5)
        .collect()
        .await;
    assert_eq!(pages.len(), 2);
    assert!(pages[0].is_ok(), "{:?}", pages[0]);
    let err = pages[1].as_ref().unwrap_err();
    assert_eq!(err.as_service().map(|s| s.status), Some(500), "{err}");
    let queries: Vec<String> = server.requests().iter().map(|r| r.query.clone()).collect();
    assert_eq!(queries, ["limit=2", "offset=2&limit=2"]);
}

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
