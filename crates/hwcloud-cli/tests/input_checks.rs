//! Endpoints, ids and credentials that cannot make a correct request: each is refused before
//! anything is sent, with the documented exit code (2 usage, 5 configuration), a message that
//! names the flag, argument or variable, and never the secret.

mod common;

use common::*;
use hwcloud_testkit::RecordingServer;
use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;

fn with(var: &'static str, value: OsString) -> Vec<(&'static str, OsString)> {
    let mut env = creds();
    env.retain(|(k, _)| *k != var);
    env.push((var, value));
    env
}

#[tokio::test(flavor = "multi_thread")]
async fn endpoints_with_query_fragment_or_user_info_exit_5_naming_the_part() {
    let server = RecordingServer::start().await;
    let url = server.url();
    // The plain endpoint works, so the refusals below are about the endpoint alone.
    let ok = run_async(
        creds(),
        strings(&["--endpoint", &url, "dcs", "list-migration-task"]),
    )
    .await;
    assert_eq!(code(&ok), 0, "{}", stderr(&ok));
    assert_eq!(server.requests().len(), 1);

    for (endpoint, part) in [
        (format!("{url}/?x=1"), "has a query"),
        (format!("{url}?x=1"), "has a query"),
        (format!("{url}/#frag"), "has a fragment"),
        (
            url.replace("http://", "http://user:hunter2@"),
            "has user info",
        ),
    ] {
        let o = run_async(
            creds(),
            strings(&["--endpoint", &endpoint, "dcs", "list-migration-task"]),
        )
        .await;
        assert_eq!(code(&o), 5, "{endpoint}: {}", stderr(&o));
        assert!(stderr(&o).contains(part), "{endpoint}: {}", stderr(&o));
        assert!(!stderr(&o).contains("hunter2"), "{}", stderr(&o));
        assert!(stdout(&o).is_empty());
    }
    assert_eq!(
        server.requests().len(),
        1,
        "no refused command sent anything"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn over_long_or_control_character_ids_exit_2_naming_the_flag() {
    let server = RecordingServer::start().await;
    let url = server.url();
    let long = "a".repeat(100 * 1024);
    for (cmd, why) in [
        (
            vec!["dcs", "show-migration-task", "--task-id", long.as_str()],
            "--task-id is 102400 bytes long; at most 1024 are accepted",
        ),
        (
            vec!["dcs", "show-migration-task", "--task-id", "a\r\nb"],
            "--task-id has a control character at byte 1",
        ),
        (
            vec!["sms", "show-task", "--task-id", long.as_str()],
            "--task-id is 102400 bytes long",
        ),
        (
            vec!["dcs", "list-migration-task", "--name", "x\u{7f}"],
            "--name has a control character at byte 1",
        ),
        (
            vec!["dcs", "wait-migration-task", long.as_str()],
            "TASK_ID is 102400 bytes long",
        ),
        (
            vec!["dcs", "wait-job", "j\n"],
            "JOB_ID has a control character at byte 1",
        ),
        (
            vec!["--project-id", "p\r\n", "dcs", "list-migration-task"],
            "--project-id has a control character at byte 1",
        ),
    ] {
        let mut args = vec!["--endpoint", url.as_str()];
        args.extend(cmd);
        let o = run_async(creds(), strings(&args)).await;
        assert_eq!(code(&o), 2, "{why}: {}", stderr(&o));
        assert!(stderr(&o).contains(why), "{}", stderr(&o));
        assert!(stderr(&o).len() < 500, "the value is not echoed");
    }
    // A long id under the cap is sent (and answered).
    let o = run_async(
        creds(),
        strings(&[
            "--endpoint",
            &url,
            "dcs",
            "show-migration-task",
            "--task-id",
            &"a".repeat(1024),
        ]),
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn unusable_credentials_exit_5_naming_the_variable_not_the_value() {
    let server = RecordingServer::start().await;
    let url = server.url();
    let cases = [
        (
            with("HUAWEICLOUD_SDK_AK", "AKINJECT\r\nX-Evil: 1".into()),
            "HUAWEICLOUD_SDK_AK contains a control character at byte 8",
        ),
        (
            with(
                "HUAWEICLOUD_SDK_SK",
                OsString::from_vec(b"topsecret\xff\xfe".to_vec()),
            ),
            "HUAWEICLOUD_SDK_SK is set but is not valid UTF-8",
        ),
        (
            with("HUAWEICLOUD_SDK_SK", "topsecret\n".into()),
            "HUAWEICLOUD_SDK_SK contains a control character at byte 9",
        ),
        (
            with("HUAWEICLOUD_SDK_PROJECT_ID", "p\u{1b}".into()),
            "HUAWEICLOUD_SDK_PROJECT_ID contains a control character at byte 1",
        ),
    ];
    for (env, why) in cases {
        let o = run_async(
            env,
            strings(&["--endpoint", &url, "dcs", "list-migration-task"]),
        )
        .await;
        assert_eq!(code(&o), 5, "{why}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(err.contains(why), "{err}");
        for secret in ["topsecret", "INJECT", "X-Evil"] {
            assert!(!err.contains(secret), "{err}");
        }
    }
    assert!(server.requests().is_empty());
}
