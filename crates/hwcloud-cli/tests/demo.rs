//! The main job with real data: `hwcloud demo` on a machine with redis-server moves and
//! verifies real data and leaves no process behind; without one it says how to get the real
//! flows; `emulator serve --spawn-redis N` stops its servers on SIGTERM.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{code, run_env, stderr, stdout};

/// Whether a redis-server is on PATH (else the real tests skip, but never under CI).
fn have_redis() -> bool {
    let found = hwcloud_emulator::find_redis_server().is_ok();
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have redis-server on PATH"
        );
        eprintln!("skipped: no redis-server");
    }
    found
}

/// The pids listed after `marker` up to the closing parenthesis (`(pids 1, 2, 3)`).
fn pids_after(out: &str, marker: &str) -> Vec<u32> {
    let Some(rest) = out.split(marker).nth(1) else {
        return Vec::new();
    };
    rest.split(')')
        .next()
        .unwrap_or("")
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|p| p.parse().ok())
        .collect()
}

fn gone(pid: u32) -> bool {
    // Reaped children leave no /proc entry; a zombie would still have one.
    !Path::new(&format!("/proc/{pid}")).exists()
}

#[test]
fn demo_moves_real_data_verifies_it_and_leaves_no_process() {
    if !have_redis() {
        return;
    }
    // A clean environment: redis-server from PATH.
    let o = run_env(&[], &["demo"]);
    let out = stdout(&o);
    assert_eq!(code(&o), 0, "{out}\n{}", stderr(&o));
    for step in [
        "with three redis-server processes",
        "100003 keys in",
        "status INCRMIGEATING",
        "\"offset\":0",
        "status TERMINATED",
        "show now answers not found (DCS.4133)",
        "Import it into demo-target-2",
        "status SUCCESS",
        "state MIGRATE_SUCCESS",
        "All flows finished",
    ] {
        assert!(out.contains(step), "{step:?} missing in:\n{out}");
    }
    assert_eq!(
        out.matches("verify: EQUAL").count(),
        2,
        "both targets equal the source:\n{out}"
    );
    let pids = pids_after(&out, "redis-server processes (pids ");
    assert_eq!(pids.len(), 3, "{out}");
    for pid in pids {
        assert!(gone(pid), "redis-server {pid} is still running");
    }
}

#[test]
fn without_redis_server_the_demo_is_simulated_and_says_how_to_get_the_real_one() {
    let env = [(
        "REDIS_SERVER",
        std::ffi::OsString::from("/nonexistent/redis-server"),
    )];
    let o = run_env(&env, &["demo"]);
    let out = stdout(&o);
    assert_eq!(code(&o), 0, "{out}\n{}", stderr(&o));
    let first = out.lines().next().unwrap_or("");
    assert!(
        first.starts_with("Simulated flows (no data moves)")
            && first.contains("apt-get install redis-server"),
        "{first}"
    );
    assert!(out.contains("All flows finished"), "{out}");
    assert!(!out.contains("verify:"), "{out}");
}

#[test]
fn serve_with_spawned_servers_stops_them_on_sigterm() {
    if !have_redis() {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let mut child = Command::new(common::BIN)
        .args([
            "emulator",
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--spawn-redis",
            "2",
        ])
        .env_clear()
        .env("HOME", home.path())
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut pids = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut seen = String::new();
    while Instant::now() < deadline {
        let Some(Ok(line)) = lines.next() else { break };
        seen.push_str(&line);
        seen.push('\n');
        pids.extend(pids_after(&line, "(redis-server pid "));
        if line.starts_with("control API") {
            break;
        }
    }
    assert_eq!(pids.len(), 2, "{seen}");
    assert!(
        seen.contains("instance local-redis-1: redis://127.0.0.1:"),
        "{seen}"
    );
    assert!(seen.contains("simulated"), "{seen}");
    for &pid in &pids {
        assert!(
            !gone(pid),
            "redis-server {pid} should run while the emulator serves"
        );
    }
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = child.wait().unwrap();
    assert_eq!(exit.code(), Some(0));
    for pid in pids {
        assert!(gone(pid), "redis-server {pid} outlived the emulator");
    }
}
