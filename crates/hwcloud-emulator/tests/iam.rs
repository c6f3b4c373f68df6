//! IAM tokens are issued, not guessed: `POST /v3/auth/tokens` (password, or an AK/SK-signed
//! request) gives an `X-Subject-Token` that expires on the emulator's clock; only such tokens
//! are accepted. `GET /v3/projects?name=<region>` answers automatic project-id discovery.

mod common;

use std::time::Duration;

use common::*;
use hwcloud_emulator::{Credential, Emulator, EmulatorHandle, IamUser};
use serde_json::{Value, json};

const PASSWORD: &str = "p4ss-f00d-cafe";

async fn start() -> EmulatorHandle {
    Emulator::builder()
        .credential(cred1().with_user(IamUser::new("acme", "alice", PASSWORD)))
        .credential(cred2())
        .clock_speed(0.0)
        .start()
        .await
        .unwrap()
}

fn password_body(domain: &str, user: &str, password: &str, scope: Value) -> Value {
    json!({"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "domain": {"name": domain}, "name": user, "password": password}}},
        "scope": scope
    }})
}

/// `POST /v3/auth/tokens` without a signature.
async fn obtain(emu: &EmulatorHandle, body: &Value) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{}/v3/auth/tokens", emu.base_url()))
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn with_token(emu: &EmulatorHandle, path: &str, token: &str) -> (u16, Value) {
    let r = reqwest::Client::new()
        .get(format!("{}{path}", emu.base_url()))
        .header("X-Auth-Token", token)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_password_gives_a_token_that_works_until_it_expires() {
    let emu = start().await;
    let scope = json!({"project": {"name": "eu-west-0"}});
    let r = obtain(&emu, &password_body("acme", "alice", PASSWORD, scope)).await;
    assert_eq!(r.status(), 201);
    let token = r.headers()["x-subject-token"].to_str().unwrap().to_owned();
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["token"]["project"]["id"], P1);
    assert_eq!(body["token"]["project"]["name"], "eu-west-0");
    assert_eq!(body["token"]["user"]["name"], "alice");
    assert_eq!(body["token"]["methods"], json!(["password"]));
    let expires = body["token"]["expires_at"].as_str().unwrap();
    assert!(
        expires.ends_with("000Z") && expires.len() == 27,
        "{expires}"
    );
    assert!(!body.to_string().contains(PASSWORD));

    let dcs = format!("/v2/{P1}/migration-tasks");
    assert_eq!(with_token(&emu, &dcs, &token).await.0, 200);
    assert_eq!(with_token(&emu, "/v3/tasks", &token).await.0, 200);
    // Another project's path with this token: DCS.1004.
    let (status, body) = with_token(&emu, &format!("/v2/{P2}/migration-tasks"), &token).await;
    assert_eq!(
        (status, body["error_code"].as_str()),
        (401, Some("DCS.1004"))
    );

    // 24 hours later on the emulator's clock, it has expired.
    emu.clock().advance(Duration::from_secs(24 * 3600)).unwrap();
    let (status, body) = with_token(&emu, &dcs, &token).await;
    assert_eq!(
        (status, body["error_code"].as_str()),
        (401, Some("DCS.1002")),
        "{body}"
    );
    let (status, body) = with_token(&emu, "/v3/tasks", &token).await;
    assert_eq!(
        (status, body["error_code"].as_str()),
        (401, Some("APIGW.0301")),
        "{body}"
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn a_guessed_token_is_refused() {
    let emu = start().await;
    let dcs = format!("/v2/{P1}/migration-tasks");
    for guess in [
        format!("emulator-token-{P1}"),
        "0".repeat(64),
        String::from("MIIDkgYJKoZIhvcNAQcCoIIDgzCCA38CAQExDTALBglghkgBZQMEAgEwgXXXXX"),
    ] {
        let (status, body) = with_token(&emu, &dcs, &guess).await;
        assert_eq!(
            (status, body["error_code"].as_str()),
            (401, Some("DCS.1001")),
            "{body}"
        );
        let (status, _) = with_token(&emu, "/v3/tasks", &guess).await;
        assert_eq!(status, 401);
    }
    emu.shutdown().await;
}

#[tokio::test]
async fn a_short_token_ttl_expires_on_the_virtual_clock() {
    let emu = Emulator::builder()
        .clock_speed(0.0)
        .token_ttl(Duration::from_secs(60))
        .start()
        .await
        .unwrap();
    let (d, u, p) = ("emulator-domain", "emulator-user", "emulator-test-password");
    let r = obtain(&emu, &password_body(d, u, p, Value::Null)).await;
    assert_eq!(r.status(), 201, "the documented test user");
    let token = r.headers()["x-subject-token"].to_str().unwrap().to_owned();
    let path = format!(
        "/v2/{}/migration-tasks",
        emu.default_credential().project_id
    );
    emu.clock().advance(Duration::from_secs(59)).unwrap();
    assert_eq!(with_token(&emu, &path, &token).await.0, 200);
    emu.clock().advance(Duration::from_secs(1)).unwrap();
    assert_eq!(
        with_token(&emu, &path, &token).await.1["error_code"],
        "DCS.1002"
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn wrong_passwords_and_unknown_users_get_the_same_iam_answer() {
    let emu = start().await;
    let mut answers = Vec::new();
    for (domain, user, pw) in [
        ("acme", "alice", "wrong"),
        ("acme", "mallory", PASSWORD),
        ("other", "alice", PASSWORD),
    ] {
        let r = obtain(&emu, &password_body(domain, user, pw, Value::Null)).await;
        assert_eq!(r.status(), 401);
        assert!(r.headers().get("x-subject-token").is_none());
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error"]["code"], 401, "{body}");
        answers.push(body["error"]["message"].clone());
    }
    assert!(answers.windows(2).all(|w| w[0] == w[1]), "{answers:?}");
    // A scope naming another project, a domain scope, a missing password: refused.
    let other = json!({"project": {"id": P2}});
    assert_eq!(
        obtain(&emu, &password_body("acme", "alice", PASSWORD, other))
            .await
            .status(),
        401
    );
    let domain = json!({"domain": {"name": "acme"}});
    assert_eq!(
        obtain(&emu, &password_body("acme", "alice", PASSWORD, domain))
            .await
            .status(),
        400
    );
    let r = obtain(
        &emu,
        &json!({"auth": {"identity": {"methods": ["password"]}}}),
    )
    .await;
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.unwrap();
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("auth.identity.password")
    );
    // Nothing was logged with the password, and the anonymous calls were only counted.
    let log = reqwest::get(format!("{}/_emulator/requests", emu.base_url()))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!log.contains(PASSWORD), "{log}");
    emu.shutdown().await;
}

#[tokio::test]
async fn a_signed_token_call_and_the_project_lookup() {
    let emu = start().await;
    let c = Client::new(&emu, cred2());
    // The official SDK signs this call: no body needed, the token is the signer's.
    let a = c.call("POST", "/v3/auth/tokens", None).await;
    assert_eq!(a.status, 201, "{a:?}");
    let token = a.headers["x-subject-token"].to_str().unwrap().to_owned();
    assert_eq!(a.body["token"]["project"]["id"], P2);
    assert_eq!(a.body["token"]["methods"], json!(["hw_ak_sk"]));
    assert_eq!(
        with_token(&emu, &format!("/v2/{P2}/migration-tasks"), &token)
            .await
            .0,
        200
    );
    // A signed call with a password in the body is logged masked.
    let body = password_body(
        "acme",
        "alice",
        "logged-secret-9",
        json!({"project": {"id": P2}}),
    );
    assert_eq!(
        c.call("POST", "/v3/auth/tokens", Some(body)).await.status,
        201
    );
    let log = reqwest::get(format!("{}/_emulator/requests", emu.base_url()))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !log.contains("logged-secret-9") && log.contains("***"),
        "{log}"
    );

    // Project lookup: the caller's project is the one named after the region.
    let list = |name: &'static str| {
        let c = c.clone();
        async move {
            c.call_q(
                "GET",
                "/v3/projects",
                &[("name", name)],
                None,
                Tweak::default(),
            )
            .await
        }
    };
    let a = list("eu-west-0").await;
    assert_eq!(a.status, 200, "{a:?}");
    assert_eq!(a.body["projects"].as_array().unwrap().len(), 1);
    assert_eq!(a.body["projects"][0]["id"], P2);
    assert_eq!(a.body["projects"][0]["name"], "eu-west-0");
    assert_eq!(list("cn-north-4").await.body["projects"], json!([]));
    // With a token too; without anything, IAM refuses in its own shape.
    let (status, body) = with_token(&emu, "/v3/projects?name=eu-west-0", &token).await;
    assert_eq!((status, &body["projects"][0]["id"]), (200, &json!(P2)));
    let (status, body) = with_token(&emu, "/v3/projects", "guessed").await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (401, &json!(401)),
        "{body}"
    );
    // Unknown IAM paths are IAM's, not SMS's.
    let a = c.call("GET", "/v3/auth/domains", None).await;
    assert_eq!(
        (a.status, &a.body["error"]["code"]),
        (404, &json!(404)),
        "{a:?}"
    );
    let stranger = Client::new(&emu, Credential::new("AKNOBODY", "x", P1));
    let a = stranger.call("GET", "/v3/projects", None).await;
    assert_eq!(a.status, 401, "{a:?}");
    emu.shutdown().await;
}
