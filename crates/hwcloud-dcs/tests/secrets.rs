//! No secret in any Debug, Display, log line or error: run real calls with trace logging on,
//! print everything we can, and grep the output for the secret values.

use hwcloud_core::{Credentials, RetryPolicy};
use hwcloud_dcs::Client;
use hwcloud_testkit::{RecordingServer, Reply};
use serde_json::json;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const SK: &str = "SECRET-sk-value-1234567890";
const TOKEN: &str = "SECRET-security-token-value";
const IAM_TOKEN: &str = "SECRET-iam-token-value";
const SOURCE_PASSWORD: &str = "SECRET-redis-source-password";
const TARGET_PASSWORD: &str = "SECRET-redis-target-password";

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

#[tokio::test]
async fn secrets_never_printed() {
    let logs = Buf::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = RecordingServer::start().await;
    let credentials = Credentials::new("AKID", SK)
        .with_project_id("p")
        .with_security_token(TOKEN);
    let mut printed = format!("{credentials:?}\n");
    let client = Client::builder()
        .endpoint(server.url())
        .credentials(credentials)
        .configure(|c| {
            c.retry = RetryPolicy {
                max_attempts: 2,
                base_delay: Duration::from_millis(1),
                ..Default::default()
            }
        })
        .build()
        .unwrap();
    printed += &format!("{client:?}\n");

    let body = json!({
        "migration_method": "incremental_migration",
        "resume_mode": "auto",
        "source_instance": {"addrs": "10.0.0.1:6379", "password": SOURCE_PASSWORD},
        "target_instance": {"id": "i", "password": TARGET_PASSWORD}
    });
    let request = client
        .set_online_migration_task()
        .task_id("t")
        .body(serde_json::from_value(body.clone()).unwrap());
    printed += &format!("{request:?}\n");
    let input: hwcloud_dcs::operations::SetOnlineMigrationTaskInput =
        hwcloud_dcs::operations::SetOnlineMigrationTaskInput::builder()
            .task_id("t")
            .body(serde_json::from_value(body).unwrap())
            .build()
            .unwrap();
    printed += &format!("{input:?}\n{:#?}\n", input.body);

    let ok = request.send().await.unwrap();
    printed += &format!("{ok:?}\n");
    // A retried server error (GETs are idempotent), then success.
    server.push(Reply::json(
        500,
        json!({"error_code": "DCS.5000", "error_msg": "boom"}),
    ));
    let shown = client
        .show_migration_task()
        .task_id("t")
        .send()
        .await
        .unwrap();
    printed += &format!("{shown:?}\n");
    // An error whose body echoes nothing secret; printed both ways.
    server.push(Reply::json(
        400,
        json!({"error_code": "DCS.4080", "error_msg": "Instance password verification failed"}),
    ));
    let err = client
        .set_online_migration_task()
        .input(input.clone())
        .send()
        .await
        .unwrap_err();
    printed += &format!("{err}\n{err:?}\n");

    // Validation errors name fields, not values.
    let bad = client
        .set_online_migration_task()
        .input(input)
        .bandwidth_limit_mb("0")
        .send()
        .await
        .unwrap_err();
    printed += &format!("{bad}\n{bad:?}\n");

    // IAM token credentials too.
    let token = Credentials::token(IAM_TOKEN).with_project_id("p");
    printed += &format!("{token:?}\n");
    let tc = Client::builder()
        .endpoint(server.url())
        .credentials(token)
        .build()
        .unwrap();
    tc.show_migration_task().task_id("t").send().await.unwrap();
    printed += &format!("{tc:?}\n");

    let logs = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("hwcloud.call"),
        "tracing captured nothing: {logs}"
    );
    assert!(logs.contains("retrying"), "{logs}");
    for secret in [SK, TOKEN, IAM_TOKEN, SOURCE_PASSWORD, TARGET_PASSWORD] {
        assert!(!printed.contains(secret), "{secret} printed:\n{printed}");
        assert!(!logs.contains(secret), "{secret} logged:\n{logs}");
    }
    // The wire does carry them, so the grep above is meaningful.
    let wire: String = server
        .requests()
        .iter()
        .map(|r| format!("{:?} {}", r.headers, String::from_utf8_lossy(&r.body)))
        .collect();
    for secret in [TOKEN, IAM_TOKEN, SOURCE_PASSWORD, TARGET_PASSWORD] {
        assert!(wire.contains(secret), "{secret} not on the wire");
    }
}
