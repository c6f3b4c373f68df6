//! Running the `hwcloud` binary with a controlled environment, for the CLI test files.
#![allow(dead_code)]

use std::ffi::OsString;
use std::process::{Command, Output, Stdio};

pub const BIN: &str = env!("CARGO_BIN_EXE_hwcloud");

/// Runs `hwcloud args` with only `env` (plus a fresh HOME and PATH) in its environment, no
/// standard input, and waits for it.
pub fn run_env(env: &[(&str, OsString)], args: &[&str]) -> Output {
    let home = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .env_clear()
        .env("HOME", home.path())
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

/// Working AK/SK/project variables (what the recording server accepts: anything).
pub fn creds() -> Vec<(&'static str, OsString)> {
    vec![
        ("HUAWEICLOUD_SDK_AK", "AKCLITESTS000000001".into()),
        ("HUAWEICLOUD_SDK_SK", "cli-tests-secret-key".into()),
        (
            "HUAWEICLOUD_SDK_PROJECT_ID",
            "0123456789abcdef0123456789abcdef".into(),
        ),
    ]
}

/// `run_env` on a blocking thread, so an in-process server keeps serving.
pub async fn run_async(env: Vec<(&'static str, OsString)>, args: Vec<String>) -> Output {
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run_env(&env, &args)
    })
    .await
    .unwrap()
}

pub fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}
