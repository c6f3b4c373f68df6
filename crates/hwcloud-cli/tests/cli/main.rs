//! The `hwcloud` binary end to end: exit codes, `--body` from a file and stdin, validation
//! errors, JSON and table output, `--all`, the wait commands (against an emulator started
//! in the test), and the seed operations' signed bodies (against a recording server).

use hwcloud_core::json_equivalence;
use hwcloud_emulator::{Emulator, EmulatorHandle};
use hwcloud_testkit::{RecordingServer, Reply, closed_port, example_path};
use serde_json::Value;
use std::io::Write;
use std::process::{Command, Output, Stdio};

mod body_and_validation;
mod exit_codes;
mod help_and_demo;
mod pagination_and_waits;
mod seed_operations;

const BIN: &str = env!("CARGO_BIN_EXE_hwcloud");

struct Creds {
    ak: String,
    sk: String,
    project: String,
}

/// Runs `hwcloud` with only the given credentials in its environment.
fn run(creds: Option<&Creds>, args: &[&str], stdin: Option<&str>) -> Output {
    let home = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .env_clear()
        .env("HOME", home.path())
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(c) = creds {
        cmd.env("HUAWEICLOUD_SDK_AK", &c.ak)
            .env("HUAWEICLOUD_SDK_SK", &c.sk)
            .env("HUAWEICLOUD_SDK_PROJECT_ID", &c.project);
    }
    let mut child = cmd.spawn().unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).unwrap();
    }
    drop(input);
    child.wait_with_output().unwrap()
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", stdout(o), stderr(o)))
}

async fn emulator() -> (EmulatorHandle, Creds) {
    let h = Emulator::builder()
        .in_memory()
        .clock_speed(20.0)
        .start()
        .await
        .unwrap();
    let c = h.default_credential();
    let creds = Creds {
        ak: c.ak.clone(),
        sk: c.sk.expose().to_owned(),
        project: c.project_id.clone(),
    };
    (h, creds)
}

/// `run` on a blocking thread, so the in-process emulator keeps serving.
async fn run_async(creds: Option<&Creds>, args: Vec<String>, stdin: Option<String>) -> Output {
    let creds = creds.map(|c| Creds {
        ak: c.ak.clone(),
        sk: c.sk.clone(),
        project: c.project.clone(),
    });
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run(creds.as_ref(), &args, stdin.as_deref())
    })
    .await
    .unwrap()
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}
