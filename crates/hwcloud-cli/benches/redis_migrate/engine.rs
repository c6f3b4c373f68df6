//! The engine as a user runs it: the release `hwcloud` binary in a process of its own, timed
//! from spawn to exit, its peak RSS (`VmHWM`) and CPU time read from `/proc` while it runs.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How often `/proc/<pid>` is read. `VmHWM` is a high-water mark, so a sample taken any time
/// after the peak sees it; only CPU time of the last interval can be missed.
const SAMPLE_EVERY: Duration = Duration::from_millis(10);

/// The engine binary built by this `cargo bench` (release profile).
pub fn binary() -> &'static str {
    env!("CARGO_BIN_EXE_hwcloud")
}

/// What one engine run measured.
#[derive(Debug, Clone, Copy)]
pub struct Measured {
    pub wall: Duration,
    /// Peak resident set (`VmHWM`), bytes.
    pub peak_rss: u64,
    /// User + system CPU seconds (last sample before exit).
    pub cpu_secs: f64,
}

/// A running engine process.
pub struct Engine {
    child: Child,
    started: Instant,
    monitor: Option<JoinHandle<()>>,
    stats: Arc<Mutex<(u64, f64)>>,
    stop_monitor: mpsc::Sender<()>,
    /// Lines of stderr as they arrive.
    pub lines: mpsc::Receiver<String>,
    log: Arc<Mutex<Vec<String>>>,
    stderr_thread: Option<JoinHandle<()>>,
}

impl Engine {
    /// Starts `hwcloud redis migrate` with `args` (after `redis migrate`).
    pub fn start(args: &[String]) -> std::io::Result<Engine> {
        let started = Instant::now();
        let mut child = Command::new(binary())
            .args(["redis", "migrate"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()?;
        let pid = child.id();
        let stats = Arc::new(Mutex::new((0u64, 0f64)));
        let (stop_monitor, stop_rx) = mpsc::channel();
        let s = stats.clone();
        let ticks = clock_ticks();
        let monitor = std::thread::spawn(move || {
            loop {
                if let Some(sample) = sample(pid, ticks) {
                    let mut g = s.lock().unwrap_or_else(|e| e.into_inner());
                    g.0 = g.0.max(sample.0);
                    g.1 = g.1.max(sample.1);
                }
                match stop_rx.recv_timeout(SAMPLE_EVERY) {
                    Err(mpsc::RecvTimeoutError::Timeout) => {}
                    _ => return,
                }
            }
        });
        let (tx, lines) = mpsc::channel();
        let log = Arc::new(Mutex::new(Vec::new()));
        let stderr = child.stderr.take();
        let l = log.clone();
        let stderr_thread = std::thread::spawn(move || {
            let Some(stderr) = stderr else { return };
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = tx.send(line.clone());
                let mut g = l.lock().unwrap_or_else(|e| e.into_inner());
                if g.len() >= 200 {
                    g.remove(0);
                }
                g.push(line);
            }
        });
        Ok(Engine {
            child,
            started,
            monitor: Some(monitor),
            stats,
            stop_monitor,
            lines,
            log,
            stderr_thread: Some(stderr_thread),
        })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits for a stderr line containing `needle`, at most `limit`; false if the process
    /// ended or the time ran out.
    pub fn wait_for_line(&self, needle: &str, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self
                .lines
                .recv_timeout(left.min(Duration::from_millis(200)))
            {
                Ok(l) if l.contains(needle) => return true,
                Ok(_) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => return false,
                Err(mpsc::RecvTimeoutError::Timeout) if left.is_zero() => return false,
                Err(mpsc::RecvTimeoutError::Timeout) => {}
            }
        }
    }

    /// Sends SIGTERM (through `kill`, to stay without unsafe code).
    pub fn terminate(&self) -> std::io::Result<()> {
        let status = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status()?;
        if status.success() {
            Ok(())
        } else {
            Err(std::io::Error::other(format!(
                "kill -TERM failed: {status}"
            )))
        }
    }

    /// The exit status if the process has ended.
    pub fn try_status(&mut self) -> Result<Option<ExitStatus>, String> {
        self.child
            .try_wait()
            .map_err(|e| format!("waiting for the engine: {e}"))
    }

    /// Waits for the exit, at most `limit` (then kills it and fails).
    pub fn wait(&mut self, limit: Duration) -> Result<(ExitStatus, Measured), String> {
        let deadline = Instant::now() + limit;
        let status = loop {
            match self.child.try_wait() {
                Ok(Some(s)) => break s,
                Ok(None) if Instant::now() > deadline => {
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    return Err(format!(
                        "the engine did not finish within {limit:?}; last output:\n{}",
                        self.log_tail()
                    ));
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(2)),
                Err(e) => return Err(format!("waiting for the engine: {e}")),
            }
        };
        let wall = self.started.elapsed();
        let _ = self.stop_monitor.send(());
        if let Some(t) = self.monitor.take() {
            let _ = t.join();
        }
        if let Some(t) = self.stderr_thread.take() {
            let _ = t.join();
        }
        let (peak_rss, cpu_secs) = *self.stats.lock().unwrap_or_else(|e| e.into_inner());
        Ok((
            status,
            Measured {
                wall,
                peak_rss,
                cpu_secs,
            },
        ))
    }

    /// The last lines the engine printed.
    pub fn log_tail(&self) -> String {
        self.log
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .join("\n")
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        let _ = self.stop_monitor.send(());
    }
}

/// `VmHWM` in bytes and user+system CPU seconds of `pid`, while it exists.
fn sample(pid: u32, ticks: f64) -> Option<(u64, f64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let hwm_kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which may hold spaces) start after the last ')'.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split(' ').collect();
    // utime and stime are fields 14 and 15 of the whole line: 11 and 12 after `state`.
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((hwm_kb * 1024, (utime + stime) / ticks))
}

/// Clock ticks per second (`getconf CLK_TCK`; 100 on Linux when it cannot be asked).
fn clock_ticks() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}

/// The 1-minute load average.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".into())
}
