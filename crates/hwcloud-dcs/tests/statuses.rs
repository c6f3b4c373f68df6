//! A success status the spec does not document is still a success, but the runtime logs it:
//! it means the service and the documents disagree.

use hwcloud_core::Credentials;
use hwcloud_dcs::Client;
use hwcloud_testkit::{RecordingServer, Reply};
use serde_json::json;
use std::io::Write;
use std::sync::{Arc, Mutex};

#[derive(Clone, Default)]
struct Buf(Arc<Mutex<Vec<u8>>>);

impl Write for Buf {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Buf {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

async fn show_with_status(status: u16) -> (u16, String) {
    let logs = Buf::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::WARN)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let server = RecordingServer::start().await;
    server.push(Reply::json(
        status,
        json!({"task_id": "t1", "status": "SUCCESS"}),
    ));
    let client = Client::builder()
        .endpoint(server.url())
        .credentials(Credentials::new("AK", "SK").with_project_id("p"))
        .build()
        .unwrap();
    let resp = client
        .show_migration_task()
        .task_id("t1")
        .send()
        .await
        .expect("any status below 400 is a success");
    assert_eq!(resp.output.task_id.as_deref(), Some("t1"));
    (resp.http_status, logs.text())
}

#[tokio::test]
async fn undocumented_success_status_is_accepted_and_logged() {
    let (status, logs) = show_with_status(201).await;
    assert_eq!(status, 201);
    assert!(logs.contains("does not document"), "{logs}");
    assert!(logs.contains("status=201"), "{logs}");
    assert!(logs.contains("[200]"), "{logs}");
}

#[tokio::test]
async fn documented_success_status_is_not_logged() {
    let (status, logs) = show_with_status(200).await;
    assert_eq!(status, 200);
    assert!(logs.is_empty(), "{logs}");
}
