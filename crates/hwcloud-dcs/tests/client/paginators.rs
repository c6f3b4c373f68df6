//! Paginators follow offsets and stop at the total, an empty or short page, or an error.

use super::*;

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
