//! The demo's data: a mixed dataset (every data type, some keys with a TTL, a few large
//! values) loaded into the source with pipelined writes, and a writer that keeps changing
//! the source while the migration runs.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use redis_migrate::conn::{ConnError, Connection};
use redis_migrate::endpoint::Endpoint;
use redis_migrate::resp::Frame;

/// Commands sent before their replies are read.
const PIPELINE: usize = 1000;

/// One key of the dataset: the command that writes it.
fn command(i: usize) -> Vec<String> {
    let k = |kind: &str| format!("demo:{kind}:{i}");
    let n = i.to_string();
    match i % 20 {
        0..=9 => vec![
            "SET".into(),
            k("str"),
            format!("value {i} {}", "x".repeat(i % 64)),
        ],
        10 => vec!["SET".into(), k("ttl"), n, "EX".into(), "3600".into()],
        11 => vec!["SET".into(), k("pttl"), n, "PX".into(), "7200000".into()],
        12 | 13 => vec![
            "HSET".into(),
            k("hash"),
            "name".into(),
            format!("user {i}"),
            "visits".into(),
            n.clone(),
            "city".into(),
            "Berlin".into(),
        ],
        14 | 15 => vec!["RPUSH".into(), k("list"), "a".into(), "b".into(), n],
        16 => vec!["SADD".into(), k("set"), "red".into(), "green".into(), n],
        17 => vec![
            "ZADD".into(),
            k("zset"),
            "1".into(),
            "one".into(),
            "2.5".into(),
            n.clone(),
        ],
        18 => vec![
            "XADD".into(),
            k("stream"),
            "*".into(),
            "event".into(),
            "login".into(),
            "user".into(),
            n,
        ],
        _ => vec![
            "SET".into(),
            k("counter"),
            n,
            "EX".into(),
            format!("{}", 600 + i % 3000),
        ],
    }
}

/// Reads `n` replies; an error reply is an error naming the command's position.
async fn replies(c: &mut Connection, n: usize) -> Result<(), String> {
    for i in 0..n {
        match c.reader().read_frame().await.map_err(|e| e.to_string())? {
            Frame::Error(e) => {
                return Err(format!(
                    "command {i} of a batch was refused: {}",
                    String::from_utf8_lossy(&e)
                ));
            }
            _ => continue,
        }
    }
    Ok(())
}

/// Writes `keys` keys of every type plus three large values; answers the keys written.
pub async fn load(source: &Endpoint, keys: usize) -> Result<u64, String> {
    let mut c = Connection::connect(source, Duration::from_secs(5))
        .await
        .map_err(|e| e.to_string())?;
    let mut queued = 0;
    for i in 0..keys {
        c.writer().queue(&command(i));
        queued += 1;
        if queued == PIPELINE {
            c.writer().flush().await.map_err(|e| e.to_string())?;
            replies(&mut c, queued).await?;
            queued = 0;
        }
    }
    // Large values: a list, a hash and a string that take the engine's chunked paths.
    for i in 0..10 {
        let items: Vec<String> = (0..1000).map(|j| format!("item-{i}-{j}")).collect();
        let mut cmd = vec!["RPUSH".to_owned(), "demo:big:list".to_owned()];
        cmd.extend(items);
        c.writer().queue(&cmd);
        let mut cmd = vec!["HSET".to_owned(), "demo:big:hash".to_owned()];
        cmd.extend((0..500).flat_map(|j| [format!("f-{i}-{j}"), j.to_string()]));
        c.writer().queue(&cmd);
        queued += 2;
    }
    c.writer()
        .queue(&["SET", "demo:big:string", &"0123456789".repeat(100_000)]);
    queued += 1;
    c.writer().flush().await.map_err(|e| e.to_string())?;
    replies(&mut c, queued).await?;
    Ok(keys as u64 + 3)
}

/// A task writing to the source until stopped.
pub struct Writer {
    stop: Arc<AtomicBool>,
    count: Arc<AtomicU64>,
    task: Option<tokio::task::JoinHandle<Result<(), ConnError>>>,
}

impl Writer {
    /// Starts writing (about 5,000 commands a second, for at most five minutes).
    pub async fn start(source: &Endpoint) -> Result<Writer, String> {
        let mut c = Connection::connect(source, Duration::from_secs(5))
            .await
            .map_err(|e| e.to_string())?;
        let stop = Arc::new(AtomicBool::new(false));
        let count = Arc::new(AtomicU64::new(0));
        let (st, n) = (stop.clone(), count.clone());
        let task = tokio::spawn(async move {
            let deadline = Instant::now() + Duration::from_secs(300);
            let mut i: u64 = 0;
            while !st.load(Ordering::Relaxed) && Instant::now() < deadline {
                for _ in 0..50 {
                    let key = format!("demo:live:{}", i % 2000);
                    match i % 4 {
                        0 => c.writer().queue(&["SET", &key, &i.to_string()]),
                        1 => c.writer().queue(&["INCR", "demo:live:counter"]),
                        2 => c
                            .writer()
                            .queue(&["HSET", "demo:live:hash", &key, &i.to_string()]),
                        _ => c
                            .writer()
                            .queue(&["LPUSH", "demo:live:list", &i.to_string()]),
                    }
                    i += 1;
                }
                c.writer().flush().await?;
                for _ in 0..50 {
                    c.reader().read_frame().await?;
                }
                n.store(i, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            Ok(())
        });
        Ok(Writer {
            stop,
            count,
            task: Some(task),
        })
    }

    /// Stops writing; answers the commands written.
    pub async fn stop(mut self) -> Result<u64, String> {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(task) = self.task.take() {
            task.await
                .map_err(|e| e.to_string())?
                .map_err(|e| e.to_string())?;
        }
        Ok(self.count.load(Ordering::Relaxed))
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::command;

    #[test]
    fn every_type_and_ttls_are_in_the_dataset() {
        let cmds: Vec<String> = (0..20).map(|i| command(i)[0].clone()).collect();
        for c in ["SET", "HSET", "RPUSH", "SADD", "ZADD", "XADD"] {
            assert!(cmds.iter().any(|x| x == c), "{c} missing");
        }
        let ttl = (0..20).filter(|&i| command(i).iter().any(|a| a == "EX" || a == "PX"));
        assert_eq!(ttl.count(), 3);
    }
}
