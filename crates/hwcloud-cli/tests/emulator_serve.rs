//! `hwcloud emulator serve` as an operator meets it: one emulator per `--data-dir`, a prompt
//! SIGTERM even with a client that never finishes its request, a control token read from a
//! file, and a loud warning on a non-loopback address.
#![cfg(unix)]

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `hwcloud emulator serve`, killed and reaped when dropped.
struct Serve {
    child: Option<Child>,
    url: String,
}

impl Serve {
    /// Starts `serve` with `args` and waits for its "listening on" line.
    fn start(args: &[&str]) -> Self {
        let mut child = command(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("hwcloud starts");
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let first = lines.next().expect("a first line").expect("readable");
        let url = first
            .strip_prefix("hwcloud emulator listening on ")
            .unwrap_or_else(|| panic!("unexpected first line: {first}"))
            .to_owned();
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Serve {
            child: Some(child),
            url,
        }
    }

    fn addr(&self) -> &str {
        self.url.trim_start_matches("http://")
    }

    /// Sends SIGTERM and answers how long the process took to exit, and its exit code.
    fn terminate(&mut self) -> (Duration, Option<i32>) {
        let mut child = self.child.take().expect("running");
        let started = Instant::now();
        let ok = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(ok.success());
        let deadline = started + Duration::from_secs(30);
        loop {
            if let Some(status) = child.try_wait().expect("waitable") {
                return (started.elapsed(), status.code());
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!("hwcloud emulator serve did not exit within 30 s of SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn command(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hwcloud"));
    cmd.args(["emulator", "serve"])
        .args(args)
        .env_remove("HUAWEICLOUD_SDK_AK")
        .env_remove("HUAWEICLOUD_SDK_SK")
        .env_remove("HUAWEICLOUD_SDK_PROJECT_ID")
        .env_remove("HWCLOUD_LOG");
    cmd
}

fn get(addr: &str, path: &str, headers: &[(&str, &str)]) -> String {
    let mut s = std::net::TcpStream::connect(addr).expect("connects");
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).unwrap();
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out
}

fn dir_arg(dir: &Path) -> &str {
    dir.to_str().expect("utf-8 temp dir")
}

#[test]
fn a_second_serve_on_the_same_data_dir_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut first = Serve::start(&["--listen", "127.0.0.1:0", "--data-dir", dir_arg(dir.path())]);
    let second = command(&["--listen", "127.0.0.1:0", "--data-dir", dir_arg(dir.path())])
        .output()
        .expect("runs");
    assert_eq!(second.status.code(), Some(5), "a configuration error");
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(
        stderr.contains("in use by another emulator") && stderr.contains(dir_arg(dir.path())),
        "{stderr}"
    );
    let (_, code) = first.terminate();
    assert_eq!(code, Some(0));
    // Free again once the first is gone.
    let mut again = Serve::start(&["--listen", "127.0.0.1:0", "--data-dir", dir_arg(dir.path())]);
    assert_eq!(again.terminate().1, Some(0));
}

#[test]
fn sigterm_exits_promptly_even_with_a_stuck_client() {
    let dir = tempfile::tempdir().unwrap();
    let mut serve = Serve::start(&["--listen", "127.0.0.1:0", "--data-dir", dir_arg(dir.path())]);
    let mut stuck = std::net::TcpStream::connect(serve.addr()).unwrap();
    stuck
        .write_all(b"POST /v3/tasks HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
        .unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let (took, code) = serve.terminate();
    assert_eq!(code, Some(0), "a clean stop");
    assert!(took < Duration::from_secs(5), "took {took:?}");
    drop(stuck);
}

#[test]
fn the_control_token_file_locks_the_control_api() {
    let dir = tempfile::tempdir().unwrap();
    let token = dir.path().join("token");
    std::fs::write(&token, "file-token-5e2\n").unwrap();
    let serve = Serve::start(&[
        "--listen",
        "127.0.0.1:0",
        "--control-token-file",
        token.to_str().unwrap(),
    ]);
    let refused = get(serve.addr(), "/_emulator/clock", &[]);
    assert!(refused.starts_with("HTTP/1.1 403"), "{refused}");
    let allowed = get(
        serve.addr(),
        "/_emulator/clock",
        &[("X-Emulator-Control-Token", "file-token-5e2")],
    );
    assert!(allowed.starts_with("HTTP/1.1 200"), "{allowed}");
    // An empty token file is a usage error that prints no content.
    std::fs::write(&token, "  \n").unwrap();
    let o = command(&[
        "--listen",
        "127.0.0.1:0",
        "--control-token-file",
        token.to_str().unwrap(),
    ])
    .output()
    .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("is empty"));
}

#[test]
fn a_non_loopback_address_is_warned_about() {
    let mut child = command(&["--listen", "0.0.0.0:0", "--in-memory"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let warning = lines
        .find_map(|l| l.ok().filter(|l| l.contains("WARNING")))
        .expect("a warning line");
    assert!(
        warning.contains("0.0.0.0") && warning.contains("not a loopback address"),
        "{warning}"
    );
    let _ = child.kill();
    let _ = child.wait();
}
