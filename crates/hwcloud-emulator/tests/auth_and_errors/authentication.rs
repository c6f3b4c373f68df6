//! Signing algorithms accepted, refused signatures answered 401 with no effect, projects isolated.

use super::*;

#[tokio::test]
async fn all_three_signing_algorithms_are_accepted() {
    let emu = start_frozen().await;
    let c = Client::new(&emu, cred1());
    for alg in [
        Algorithm::HmacSha256,
        Algorithm::HmacSm3,
        Algorithm::V11HmacSha256,
    ] {
        for region in ["eu-west-0", "cn-north-4"] {
            let t = Tweak {
                algorithm: Some(alg),
                region: Some(region.into()),
                ..Tweak::default()
            };
            let a = c
                .call_t("GET", &c.dcs("/migration-tasks"), None, t.clone())
                .await;
            assert_eq!(a.status, 200, "{alg:?} {region}: {a:?}");
            let a = c.call_t("GET", "/v3/tasks", None, t).await;
            assert_eq!(a.status, 200, "{alg:?} {region}: {a:?}");
        }
    }
    // Tokens: see tests/iam.rs (only tokens the emulator issued are accepted).
    emu.shutdown().await;
}

#[tokio::test]
async fn refused_signatures_get_401_in_shape_and_change_nothing() {
    let emu = start_frozen().await;
    let c = Client::new(&emu, cred1());
    let create = c.dcs("/migration/instance");
    let body = online_body("refused");
    let cases: Vec<(&str, Tweak)> = vec![
        (
            "wrong secret key",
            Tweak {
                sk_override: Some("not-the-secret".into()),
                ..Tweak::default()
            },
        ),
        (
            "tampered body",
            Tweak {
                body_after_signing: Some(serde_json::to_vec(&online_body("tampered")).unwrap()),
                ..Tweak::default()
            },
        ),
        (
            "stale date",
            Tweak {
                date: Some(SystemTime::now() - Duration::from_secs(20 * 60)),
                ..Tweak::default()
            },
        ),
        (
            "future date",
            Tweak {
                date: Some(SystemTime::now() + Duration::from_secs(20 * 60)),
                ..Tweak::default()
            },
        ),
        (
            "missing authorization",
            Tweak {
                no_auth: true,
                ..Tweak::default()
            },
        ),
        (
            "malformed authorization",
            Tweak {
                authorization: Some("SDK-HMAC-SHA256 garbage".into()),
                ..Tweak::default()
            },
        ),
        (
            "unknown algorithm",
            Tweak {
                authorization: Some(
                    "AWS4-HMAC-SHA256 Access=x, SignedHeaders=x-sdk-date, Signature=00".into(),
                ),
                ..Tweak::default()
            },
        ),
    ];
    for (what, t) in cases {
        let missing = t.no_auth;
        let a = c
            .call_t("POST", &create, Some(body.clone()), t.clone())
            .await;
        // DCS answers itself: DCS.1003 without a token or signature, DCS.1001 otherwise.
        assert_dcs_error(&a, 401, if missing { "DCS.1003" } else { "DCS.1001" });
        assert!(
            !a.body["error_msg"].as_str().unwrap().contains("secret-one"),
            "{what}"
        );
        // SMS documents no code for it: API Gateway answers, in its own shape.
        let s = c
            .call_t("POST", "/v3/tasks", Some(json!({"name": "x"})), t)
            .await;
        assert_gateway_error(&s, 401, "APIGW.0301");
    }
    // Unknown access key.
    let stranger = Client::new(&emu, Credential::new("AKNOBODY", "whatever", P1));
    let a = stranger.call("POST", &create, Some(body.clone())).await;
    assert_dcs_error(&a, 401, "DCS.1001");
    assert_eq!(c.task_count().await, 0, "no refused request changed state");
    emu.shutdown().await;
}

#[tokio::test]
async fn projects_are_isolated() {
    let emu = start_frozen().await;
    let c1 = Client::new(&emu, cred1());
    let c2 = Client::new(&emu, cred2());
    let a = c1
        .call(
            "POST",
            &c1.dcs("/migration/instance"),
            Some(online_body("mine")),
        )
        .await;
    let id = a.body["instance_id"].as_str().unwrap().to_owned();

    // Another project's path: 401 DCS.1004 ("Project ID does not match the token").
    let a = c2
        .call("GET", &format!("/v2/{P1}/migration-tasks"), None)
        .await;
    assert_dcs_error(&a, 401, "DCS.1004");
    let a = c2
        .call("POST", &format!("/v2/{P1}/migration-task/{id}/stop"), None)
        .await;
    assert_dcs_error(&a, 401, "DCS.1004");
    // A mismatching X-Project-Id header: the same.
    let t = Tweak {
        project_header: Some(P2.into()),
        ..Tweak::default()
    };
    let a = c1.call_t("GET", &c1.dcs("/migration-tasks"), None, t).await;
    assert_dcs_error(&a, 401, "DCS.1004");
    // Another project's task id through one's own project: DCS.4133, as for a missing task.
    let a = c2.show(&id).await;
    assert_dcs_error(&a, 400, "DCS.4133");
    let a = c2
        .call("POST", &c2.dcs(&format!("/migration-task/{id}/stop")), None)
        .await;
    assert_dcs_error(&a, 400, "DCS.4133");
    let d = c2
        .call(
            "DELETE",
            &c2.dcs("/migration-tasks/delete"),
            Some(json!({"task_id_list": [id]})),
        )
        .await;
    assert_eq!(d.status, 200);
    assert_eq!(d.body["task_id_list"], json!([]));
    // Untouched.
    assert_eq!(c1.status(&id).await, "CREATING");
    assert_eq!(c1.task_count().await, 1);
    assert_eq!(c2.task_count().await, 0);
    emu.shutdown().await;
}
