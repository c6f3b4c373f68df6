//! Waiters poll until success (alias spellings included), failure or timeout; job waiters.

use super::*;

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
