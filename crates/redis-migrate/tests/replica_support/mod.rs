//! Helpers shared by the `replica_*` tests: options with short timeouts, reading the
//! snapshot on a blocking thread, collecting commands, and the source's own offset.

#![allow(dead_code)]

use redis_migrate::endpoint::{Endpoint, Secret};
use redis_migrate::metrics::Metrics;
use redis_migrate::replica::{
    RdbStream, ReplError, Replication, ResumeMode, ResumePoint, SourceOptions, StreamItem,
};
use redis_migrate::resp::Command;
use redis_test_server::Server;
use std::io::Read;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// Every wait in these tests gives up after this.
pub const LIMIT: Duration = Duration::from_secs(10);

pub fn options(url: &str, spool: &Path) -> SourceOptions {
    let mut o = SourceOptions::new(Endpoint::parse(url).unwrap(), spool);
    o.connect_timeout = Duration::from_secs(3);
    o.idle_timeout = Duration::from_secs(5);
    o.spool_limit_bytes = 256 << 20;
    o.resume = ResumeMode::Auto {
        max_backoff: Duration::from_millis(300),
    };
    o
}

pub fn with_login(mut o: SourceOptions, user: Option<&str>, password: &str) -> SourceOptions {
    o.endpoint.user = user.map(str::to_owned);
    o.endpoint = o.endpoint.with_password(Some(Secret::new(password)));
    o
}

pub async fn start(o: SourceOptions, resume: Option<ResumePoint>) -> (Replication, Arc<Metrics>) {
    let metrics = Arc::new(Metrics::new());
    let r = tokio::time::timeout(LIMIT, Replication::start(o, resume, metrics.clone()))
        .await
        .expect("start took too long")
        .expect("start failed");
    (r, metrics)
}

pub async fn next(r: &mut Replication) -> Result<Option<StreamItem>, ReplError> {
    tokio::time::timeout(LIMIT, r.next())
        .await
        .expect("no item within the limit")
}

/// Reads the whole snapshot on a blocking thread.
pub async fn read_rdb(mut rdb: RdbStream) -> std::io::Result<Vec<u8>> {
    tokio::task::spawn_blocking(move || {
        let mut all = Vec::new();
        rdb.read_to_end(&mut all).map(|_| all)
    })
    .await
    .unwrap()
}

/// A received snapshot.
#[derive(Debug)]
pub struct Snapshot {
    pub replid: String,
    pub offset: u64,
    pub bytes: Vec<u8>,
    pub size: Option<u64>,
}

/// Takes the next item, which must be a full sync, and reads its snapshot.
pub async fn full_sync(r: &mut Replication) -> Snapshot {
    match next(r).await.unwrap() {
        Some(StreamItem::FullSync {
            replid,
            offset,
            rdb,
            rdb_size,
        }) => {
            let bytes = read_rdb(rdb).await.expect("snapshot read failed");
            r.set_applied(offset);
            Snapshot {
                replid,
                offset,
                bytes,
                size: rdb_size,
            }
        }
        other => panic!("expected a full sync, got {other:?}"),
    }
}

/// A valid RDB: the magic, a version, and the end opcode before an 8-byte checksum.
pub fn assert_valid_rdb(s: &Snapshot) {
    let b = &s.bytes;
    assert!(b.len() >= 18, "snapshot of {} bytes", b.len());
    assert_eq!(&b[..5], b"REDIS", "magic");
    assert!(
        b[5..9].iter().all(u8::is_ascii_digit),
        "version {:?}",
        &b[5..9]
    );
    assert_eq!(b[b.len() - 9], 0xFF, "EOF opcode before the checksum");
    if let Some(size) = s.size {
        assert_eq!(size, b.len() as u64, "announced size");
    }
}

/// Commands received until `end_offset` reaches `offset`; each applied as it comes.
pub async fn commands_until(r: &mut Replication, offset: u64) -> Vec<(Command, u64)> {
    let mut out = Vec::new();
    let mut last = 0;
    while last < offset {
        match next(r).await.unwrap() {
            Some(StreamItem::Command { cmd, end_offset }) => {
                assert!(end_offset > last || out.is_empty(), "offsets go forward");
                last = end_offset;
                r.set_applied(end_offset);
                out.push((cmd, end_offset));
            }
            other => panic!("expected a command, got {other:?}"),
        }
    }
    assert_eq!(
        last, offset,
        "the stream ends exactly at the source's offset"
    );
    out
}

/// A field of `INFO replication`.
pub fn info_field(server: &Server, field: &str) -> Option<String> {
    let info = server.call(&["INFO", "replication"]).unwrap().text();
    info.lines()
        .find_map(|l| l.strip_prefix(&format!("{field}:")).map(str::to_owned))
}

pub fn master_offset(server: &Server) -> u64 {
    info_field(server, "master_repl_offset")
        .and_then(|v| v.trim().parse().ok())
        .expect("master_repl_offset")
}

/// `SET key value` on the source.
pub fn set(server: &Server, key: &str, value: &str) {
    server.call(&["SET", key, value]).unwrap().ok().unwrap();
}

/// Writes `n` keys `prefix:i` with values of `size` bytes in one pipeline.
pub fn write_many(server: &Server, prefix: &str, n: usize, size: usize) {
    let mut c = server.connect().unwrap();
    let value = "v".repeat(size);
    for i in 0..n {
        c.send(&["SET", &format!("{prefix}:{i}"), &value]).unwrap();
    }
    for _ in 0..n {
        c.read().unwrap().ok().unwrap();
    }
}

/// The keys of the `SET` commands among `cmds`, in order.
pub fn set_keys(cmds: &[(Command, u64)]) -> Vec<String> {
    cmds.iter()
        .filter(|(c, _)| c.is("SET"))
        .map(|(c, _)| String::from_utf8_lossy(c.arg(1).unwrap()).into_owned())
        .collect()
}

/// Waits until the source's offset stops moving between two reads, and returns it.
pub fn settled_offset(server: &Server) -> u64 {
    let mut last = master_offset(server);
    for _ in 0..50 {
        std::thread::sleep(Duration::from_millis(20));
        let now = master_offset(server);
        if now == last {
            return now;
        }
        last = now;
    }
    last
}
