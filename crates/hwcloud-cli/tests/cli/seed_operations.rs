//! The seed operations are sent signed, with the seed bodies, to a recording server.

use super::*;

#[tokio::test(flavor = "multi_thread")]
async fn seed_operations_are_sent_signed_with_the_seed_bodies() {
    let server = RecordingServer::start().await;
    let creds = Creds {
        ak: "CLIWIRETESTAK0000001".into(),
        sk: "cli-wire-secret".into(),
        project: "0123456789abcdef0123456789abcdef".into(),
    };
    let url = server.url();
    let cases = [
        (
            "dcs",
            "create-migration-task",
            "dcs/create_migration_task.request.s003.json",
            None,
            "/v2/0123456789abcdef0123456789abcdef/migration-task",
        ),
        (
            "dcs",
            "create-online-migration-task",
            "dcs/create_online_migration_task.request.s000.json",
            None,
            "/v2/0123456789abcdef0123456789abcdef/migration/instance",
        ),
        (
            "dcs",
            "set-online-migration-task",
            "dcs/set_online_migration_task.request.s004.json",
            Some("task-1"),
            "/v2/0123456789abcdef0123456789abcdef/migration/task-1/task",
        ),
        (
            "sms",
            "create-task",
            "sms/create_task.request.s001.json",
            None,
            "/v3/tasks",
        ),
    ];
    for (service, op, file, task, path) in cases {
        server.push(Reply::json(200, serde_json::json!({})));
        let mut a = args(&[
            "--endpoint",
            &url,
            service,
            op,
            "--body",
            &example_path(file),
        ]);
        if let Some(t) = task {
            a.extend(args(&["--task-id", t]));
        }
        let o = run_async(Some(&creds), a, None).await;
        assert_eq!(code(&o), 0, "{op}: {}", stderr(&o));
        let r = server.requests().pop().unwrap();
        assert_eq!((r.method.as_str(), r.path.as_str()), ("POST", path));
        r.verify_signature(&creds.ak, &creds.sk).unwrap();
        let expected: Value =
            serde_json::from_str(&std::fs::read_to_string(example_path(file)).unwrap()).unwrap();
        json_equivalence::check(&expected, &r.json(), &[]).unwrap_or_else(|e| panic!("{op}: {e}"));
    }
}
