//! The runtime against the emulator's IAM: with no project id in the credentials and a
//! region, a DCS client looks the project up once (`GET /v3/projects?name=<region>`, signed)
//! and keeps it, as the official core does; and a token the emulator issued works as the
//! runtime's IAM-token credential.

use std::collections::HashMap;
use std::sync::Arc;

use hwcloud_core::Credentials;
use hwcloud_core::iam::ENV_IAM_ENDPOINT;
use hwcloud_emulator::{Emulator, EmulatorHandle};
use serde_json::{Value, json};

const REGION: &str = "eu-west-0";

/// The process environment a client sees: only the IAM endpoint, pointing at the emulator.
fn env(emu: &EmulatorHandle) -> Arc<HashMap<String, String>> {
    Arc::new([(ENV_IAM_ENDPOINT.to_owned(), emu.base_url())].into())
}

fn dcs(
    emu: &EmulatorHandle,
    credentials: Credentials,
    region: Option<&str>,
) -> hwcloud_dcs::Client {
    let mut b = hwcloud_dcs::Client::builder()
        .endpoint(emu.base_url())
        .credentials(credentials)
        .env(env(emu));
    if let Some(r) = region {
        b = b.region(r);
    }
    b.build().expect("client builds")
}

/// How many project lookups the emulator has seen, and their queries.
async fn lookups(emu: &EmulatorHandle) -> Vec<String> {
    let log: Value = reqwest::get(format!("{}/_emulator/requests", emu.base_url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    log["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["path"] == "/v3/projects")
        .map(|r| r["query"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn the_project_id_is_looked_up_once_through_iam() {
    let emu = Emulator::builder().start().await.unwrap();
    let cred = emu.default_credential().clone();
    let client = dcs(
        &emu,
        Credentials::new(&cred.ak, cred.sk.expose()),
        Some(REGION),
    );
    assert_eq!(client.runtime().project_id(), None);
    for _ in 0..3 {
        let page = client.list_migration_task().send().await.expect("listed");
        assert_eq!(page.http_status, 200);
    }
    assert_eq!(
        client.runtime().project_id(),
        Some(cred.project_id.as_str())
    );
    assert_eq!(
        lookups(&emu).await,
        [format!("name={REGION}")],
        "one lookup per client"
    );
    // Clones share it; a new client looks it up again.
    let clone = client.clone();
    clone.list_migration_task().send().await.unwrap();
    assert_eq!(lookups(&emu).await.len(), 1);
    let other = dcs(
        &emu,
        Credentials::new(&cred.ak, cred.sk.expose()),
        Some(REGION),
    );
    other.list_migration_task().send().await.unwrap();
    assert_eq!(lookups(&emu).await.len(), 2);
    emu.shutdown().await;
}

#[tokio::test]
async fn a_lookup_that_finds_nothing_says_what_to_do() {
    let emu = Emulator::builder().start().await.unwrap();
    let cred = emu.default_credential().clone();
    // The emulator's projects are named after its region: there is none in cn-north-4.
    let client = dcs(
        &emu,
        Credentials::new(&cred.ak, cred.sk.expose()),
        Some("cn-north-4"),
    );
    let err = client
        .list_migration_task()
        .send()
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("no project named cn-north-4"), "{err}");
    // Without a region nothing can be looked up; the error says so before sending.
    let client = dcs(&emu, Credentials::new(&cred.ak, cred.sk.expose()), None);
    let err = client
        .list_migration_task()
        .send()
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("region") && err.contains("HUAWEICLOUD_SDK_PROJECT_ID"),
        "{err}"
    );
    // A wrong secret key: IAM refuses the lookup, and the error carries its answer.
    let client = dcs(&emu, Credentials::new(&cred.ak, "wrong"), Some(REGION));
    let err = client
        .list_migration_task()
        .send()
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("cannot look up the project id") && err.contains("401"),
        "{err}"
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn an_issued_token_is_a_working_credential() {
    let emu = Emulator::builder().start().await.unwrap();
    let project = emu.default_credential().project_id.clone();
    let r = reqwest::Client::new()
        .post(format!("{}/v3/auth/tokens", emu.base_url()))
        .json(
            &json!({"auth": {"identity": {"methods": ["password"], "password": {"user": {
            "domain": {"name": "emulator-domain"}, "name": "emulator-user",
            "password": "emulator-test-password"}}},
            "scope": {"project": {"name": REGION}}}}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let token = r.headers()["x-subject-token"].to_str().unwrap().to_owned();
    // With the project id, and without it (then looked up through IAM with the token).
    let with = dcs(
        &emu,
        Credentials::token(token.clone()).with_project_id(&project),
        None,
    );
    assert_eq!(
        with.list_migration_task().send().await.unwrap().http_status,
        200
    );
    let without = dcs(&emu, Credentials::token(token), Some(REGION));
    assert_eq!(
        without
            .list_migration_task()
            .send()
            .await
            .unwrap()
            .http_status,
        200
    );
    assert_eq!(without.runtime().project_id(), Some(project.as_str()));
    // A token the emulator did not issue is refused.
    let forged = dcs(
        &emu,
        Credentials::token("f".repeat(64)).with_project_id(&project),
        None,
    );
    let err = forged.list_migration_task().send().await.unwrap_err();
    assert!(err.to_string().contains("DCS.1001"), "{err}");
    emu.shutdown().await;
}
