//! `--query` (JMESPath) and `--output table` on the commands that print a result, against an
//! emulator started in the test; and which commands offer the client flags at all.

mod common;

use common::*;
use hwcloud_emulator::{Emulator, EmulatorHandle};
use serde_json::{Value, json};
use std::ffi::OsString;
use std::process::Output;

async fn emulator() -> (EmulatorHandle, Vec<(&'static str, OsString)>) {
    let h = Emulator::builder()
        .in_memory()
        .clock_speed(50.0)
        .start()
        .await
        .unwrap();
    let c = h.default_credential();
    let env = vec![
        ("HUAWEICLOUD_SDK_AK", c.ak.clone().into()),
        ("HUAWEICLOUD_SDK_SK", c.sk.expose().to_owned().into()),
        ("HUAWEICLOUD_SDK_PROJECT_ID", c.project_id.clone().into()),
    ];
    (h, env)
}

fn json_out(o: &Output) -> Value {
    assert_eq!(code(o), 0, "{}", stderr(o));
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(o)))
}

/// Creates online migration tasks named `names`; returns the last one's job id.
async fn create(env: &[(&'static str, OsString)], url: &str, names: &[&str]) -> String {
    let mut job = String::new();
    for name in names {
        let o = run_async(
            env.to_vec(),
            strings(&[
                "--endpoint",
                url,
                "dcs",
                "create-online-migration-task",
                "--name",
                name,
                "--vpc-id",
                "vpc-1",
                "--subnet-id",
                "subnet-1",
                "--security-group-id",
                "sg-1",
            ]),
        )
        .await;
        job = json_out(&o)["job_id"].as_str().unwrap().to_owned();
    }
    job
}

#[tokio::test(flavor = "multi_thread")]
async fn query_applies_to_every_kind_of_result() {
    let (emu, env) = emulator().await;
    let url = emu.base_url();
    let job = create(&env, &url, &["alpha", "beta"]).await;
    let run = |a: &[&str]| {
        let mut v = strings(&["--endpoint", &url]);
        v.extend(strings(a));
        run_async(env.clone(), v)
    };

    // One call's output; the flag before the service name or after the operation.
    for args in [
        vec![
            "--query",
            "migration_tasks[].task_name",
            "dcs",
            "list-migration-task",
        ],
        vec![
            "dcs",
            "list-migration-task",
            "--query",
            "migration_tasks[].task_name",
        ],
        vec![
            "dcs",
            "--query",
            "migration_tasks[].task_name",
            "list-migration-task",
        ],
    ] {
        let got = json_out(&run(&args).await);
        let mut names: Vec<String> = serde_json::from_value(got).unwrap();
        names.sort();
        assert_eq!(names, ["alpha", "beta"], "{args:?}");
    }
    // A filter and a function.
    let o = run(&[
        "dcs",
        "list-migration-task",
        "--query",
        "length(migration_tasks[?task_name=='beta'])",
    ])
    .await;
    assert_eq!(json_out(&o), json!(1));
    // Every page of --all (one list of items).
    let o = run(&[
        "dcs",
        "list-migration-task",
        "--all",
        "--query",
        "length(@)",
    ])
    .await;
    assert_eq!(json_out(&o), json!(2));
    // A wait command's final resource.
    let o = run(&[
        "dcs",
        "wait-job",
        &job,
        "--interval",
        "0.05",
        "--query",
        "status",
    ])
    .await;
    assert_eq!(json_out(&o), json!("SUCCESS"));
    // No match prints null, as JMESPath says.
    let o = run(&["dcs", "list-migration-task", "--query", "no_such_field"]).await;
    assert_eq!(json_out(&o), Value::Null);
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_query_is_a_usage_error_before_anything_is_sent() {
    let (emu, env) = emulator().await;
    let url = emu.base_url();
    let o = run_async(
        env.clone(),
        strings(&[
            "--endpoint",
            &url,
            "dcs",
            "create-online-migration-task",
            "--name",
            "never",
            "--vpc-id",
            "v",
            "--subnet-id",
            "s",
            "--security-group-id",
            "g",
            "--query",
            "instance_id[",
        ]),
    )
    .await;
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("--query: Parse error"),
        "{}",
        stderr(&o)
    );
    let o = run_async(
        env.clone(),
        strings(&[
            "--endpoint",
            &url,
            "dcs",
            "list-migration-task",
            "--query",
            "count",
        ]),
    )
    .await;
    assert_eq!(json_out(&o), json!(0), "nothing was created");
    // An expression that does not fit the result fails after the call, as a usage error.
    let o = run_async(
        env.clone(),
        strings(&[
            "--endpoint",
            &url,
            "dcs",
            "list-migration-task",
            "--query",
            "length(count)",
        ]),
    )
    .await;
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("--query"), "{}", stderr(&o));
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn table_output_keeps_field_order_and_works_with_query() {
    let (emu, env) = emulator().await;
    let url = emu.base_url();
    create(&env, &url, &["alpha"]).await;
    let run = |a: &[&str]| {
        let mut v = strings(&["--endpoint", &url, "--output", "table"]);
        v.extend(strings(a));
        run_async(env.clone(), v)
    };
    let o = run(&["dcs", "list-migration-task"]).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let table = stdout(&o);
    let lines: Vec<&str> = table.lines().collect();
    // count as a field/value table, then the tasks with their own columns.
    assert!(
        lines[0].starts_with("+-") && lines[1].contains("| field "),
        "{table}"
    );
    assert!(lines.iter().any(|l| l.contains("| count ")), "{table}");
    let header = lines
        .iter()
        .find(|l| l.contains(" task_id "))
        .unwrap_or_else(|| panic!("{table}"));
    // The order MigrationTask declares (task_id, task_name, status, ...), not alphabetical.
    let at = |name: &str| header.find(&format!(" {name} ")).unwrap_or(usize::MAX);
    assert!(at("task_id") < at("task_name"), "{header}");
    assert!(at("task_name") < at("status"), "{header}");
    assert!(
        at("status") < at("created_at") && at("created_at") < usize::MAX,
        "{header}"
    );
    assert!(table.contains("| alpha "), "{table}");

    // A projection shown as a table: one row per task, the chosen columns.
    let o = run(&[
        "dcs",
        "list-migration-task",
        "--query",
        "migration_tasks[].{name: task_name, state: status}",
    ])
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let table = stdout(&o);
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(
        lines.len(),
        5,
        "border, header, rule, one row, border: {table}"
    );
    assert!(
        lines[1].contains("| name ") && lines[1].contains(" state "),
        "{table}"
    );
    assert!(lines[3].starts_with("| alpha "), "{table}");
    // A list of scalars: one per line.
    let o = run(&[
        "dcs",
        "list-migration-task",
        "--query",
        "migration_tasks[].task_name",
    ])
    .await;
    assert_eq!(stdout(&o), "alpha\n");
    emu.shutdown().await;
}

#[test]
fn client_flags_are_offered_only_where_a_service_is_called() {
    let help = |a: &[&str]| {
        let o = run_env(&[], a);
        assert_eq!(code(&o), 0, "{a:?}: {}", stderr(&o));
        stdout(&o)
    };
    let client = [
        "--endpoint",
        "--output",
        "--timeout",
        "--skip-validation",
        "--query",
    ];
    for cmd in [
        vec!["--help"],
        vec!["dcs", "--help"],
        vec!["sms", "show-task", "--help"],
    ] {
        let text = help(&cmd);
        for flag in client {
            assert!(text.contains(flag), "{cmd:?} lacks {flag}: {text}");
        }
    }
    for cmd in [
        vec!["emulator", "--help"],
        vec!["emulator", "serve", "--help"],
    ] {
        let text = help(&cmd);
        for flag in client {
            assert!(!text.contains(flag), "{cmd:?} offers {flag}: {text}");
        }
    }
    let text = help(&["emulator", "--help"]);
    assert!(
        text.contains("Run the local emulator of the DCS v2 and SMS v3 APIs"),
        "{text}"
    );
    assert!(!text.contains("`hwcloud emulator ...`"), "{text}");

    // Given anyway, they are refused rather than ignored.
    for args in [
        vec!["emulator", "serve", "--endpoint", "http://x", "--in-memory"],
        vec!["--output", "table", "emulator", "serve", "--in-memory"],
        vec!["--query", "x", "demo"],
        vec!["--timeout", "1", "completions", "bash"],
    ] {
        let o = run_env(&[], &args);
        assert_eq!(code(&o), 2, "{args:?}: {}", stderr(&o));
    }
}
