//! What a library user gets for an unusable endpoint, credentials or path parameter: an error
//! that names the problem before anything is sent, never a request that goes out wrong.

use hwcloud_core::operation::MAX_PATH_PARAM_LEN;
use hwcloud_core::{Credentials, Error};
use hwcloud_dcs::Client;
use hwcloud_testkit::RecordingServer;

const PROJECT: &str = "0123456789abcdef0123456789abcdef";

fn build(endpoint: &str, credentials: Credentials) -> Result<Client, Error> {
    Client::builder()
        .endpoint(endpoint)
        .credentials(credentials)
        .build()
}

fn good_credentials() -> Credentials {
    Credentials::new("AKID", "topsecret-sk").with_project_id(PROJECT)
}

#[test]
fn an_endpoint_with_query_fragment_or_user_info_is_a_configuration_error() {
    for (endpoint, part) in [
        ("http://127.0.0.1:9/?x=1", "has a query"),
        ("http://127.0.0.1:9#frag", "has a fragment"),
        ("http://user:hunter2@127.0.0.1:9", "has user info"),
    ] {
        match build(endpoint, good_credentials()) {
            Err(Error::Config(m)) => {
                assert!(m.contains(part), "{endpoint}: {m}");
                assert!(!m.contains("hunter2"), "{m}");
            }
            other => panic!("{endpoint}: {other:?}"),
        }
    }
}

#[test]
fn credentials_with_control_characters_are_a_configuration_error() {
    let c = Credentials::new("AKID\r\nX-Injected: 1", "topsecret-sk");
    match build("http://127.0.0.1:9", c) {
        Err(Error::Config(m)) => {
            assert!(m.contains("access key contains a control character"), "{m}");
            assert!(!m.contains("Injected") && !m.contains("topsecret"), "{m}");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn an_unusable_path_parameter_is_invalid_input_and_nothing_is_sent() {
    let server = RecordingServer::start().await;
    let client = build(&server.url(), good_credentials()).unwrap();
    for (task_id, why) in [
        ("a".repeat(100 * 1024), "is 102400 bytes long"),
        ("a\r\nb".to_owned(), "control character at byte 1"),
        (String::new(), "empty"),
    ] {
        // Skipping validation does not skip the path check: the path must be built.
        for skip in [false, true] {
            let mut r = client.show_migration_task().task_id(task_id.clone());
            if skip {
                r = r.skip_validation();
            }
            let e = r.send().await.unwrap_err();
            match &e {
                Error::Validation(v) => assert!(v.has_path("task_id"), "{e}"),
                other => panic!("{other:?}"),
            }
            assert!(e.to_string().contains(why), "skip={skip}: {e}");
        }
    }
    let at_cap = "a".repeat(MAX_PATH_PARAM_LEN);
    let _ = client.show_migration_task().task_id(at_cap).send().await;
    assert_eq!(
        server.requests().len(),
        1,
        "only the id at the cap was sent"
    );
}
