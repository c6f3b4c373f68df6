//! Backup import against files written by real servers: RDB snapshots, plain AOFs, AOFs with
//! an RDB preamble, Redis 7 multi-part AOF directories, and zip / tar.gz / gzip archives of
//! them. Each import is replayed into a fresh server (the RDB part as its `dump.rdb`, then the
//! commands) and compared with the original by `DEBUG DIGEST`, so a lost, duplicated or
//! reordered byte shows.

use redis_migrate::import::{self, Format, ImportError, ImportOptions, PartBody, PartKind};
use redis_test_server::{Flavor, Reply, Server, ServerBuilder, require, wait_until};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

mod archives;
mod damaged_files;
mod rdb_and_aof_files;

/// What the parts of one shard held.
#[derive(Debug, Default)]
struct Shard {
    rdb: Option<Vec<u8>>,
    commands: Vec<Vec<Vec<u8>>>,
}

/// Reads every part of every source; one `Shard` per shard name, in order.
fn collect(path: &Path, options: &ImportOptions) -> Result<Vec<(String, Shard)>, ImportError> {
    let mut shards: Vec<(String, Shard)> = Vec::new();
    for source in import::open(&[path], options)? {
        source.read_parts(|part| -> Result<(), ImportError> {
            if shards.last().is_none_or(|(name, _)| name != part.shard) {
                shards.push((part.shard.to_owned(), Shard::default()));
            }
            let shard = &mut shards.last_mut().unwrap().1;
            match part.body {
                PartBody::Rdb(r) => {
                    let mut bytes = Vec::new();
                    r.read_to_end(&mut bytes).unwrap();
                    assert!(
                        shard.rdb.is_none() && shard.commands.is_empty(),
                        "one RDB, first"
                    );
                    shard.rdb = Some(bytes);
                }
                PartBody::Commands(cmds) => {
                    for c in cmds {
                        shard.commands.push(c?.args().map(<[u8]>::to_vec).collect());
                    }
                }
            }
            Ok(())
        })?;
    }
    Ok(shards)
}

/// Loads a shard into a fresh server of `flavor` and returns its digest.
fn replay(flavor: Flavor, shard: &Shard) -> String {
    let dir = tempfile::tempdir().unwrap();
    if let Some(rdb) = &shard.rdb {
        fs::write(dir.path().join("dump.rdb"), rdb).unwrap();
    }
    let server = require(flavor)
        .unwrap()
        .dir(dir.path())
        .arg("dbfilename", "dump.rdb")
        .start()
        .unwrap();
    let mut c = server.connect().unwrap();
    for cmd in &shard.commands {
        c.send(cmd).unwrap();
    }
    for cmd in &shard.commands {
        let reply = c.read().unwrap();
        assert!(
            !matches!(reply, Reply::Error(_)),
            "{:?}: {reply:?}",
            String::from_utf8_lossy(&cmd[0])
        );
    }
    server.digest().unwrap()
}

/// Writes one of each type, in two databases, with expires.
fn fill(server: &Server, tag: &str, n: usize) {
    let mut c = server.connect().unwrap();
    let mut cmds: Vec<Vec<String>> = Vec::new();
    for i in 0..n {
        cmds.push(vec!["SET".into(), format!("{tag}:s:{i}"), format!("v{i}")]);
    }
    cmds.push(vec![
        "RPUSH".into(),
        format!("{tag}:list"),
        "a".into(),
        "b".into(),
        "c".into(),
    ]);
    cmds.push(vec![
        "SADD".into(),
        format!("{tag}:set"),
        "x".into(),
        "y".into(),
    ]);
    cmds.push(vec![
        "HSET".into(),
        format!("{tag}:hash"),
        "f".into(),
        "1".into(),
        "g".into(),
        "2".into(),
    ]);
    cmds.push(vec![
        "ZADD".into(),
        format!("{tag}:zset"),
        "1.5".into(),
        "m".into(),
        "-2".into(),
        "n".into(),
    ]);
    cmds.push(vec![
        "XADD".into(),
        format!("{tag}:stream"),
        "1-1".into(),
        "k".into(),
        "v".into(),
    ]);
    cmds.push(vec![
        "SET".into(),
        format!("{tag}:ttl"),
        "t".into(),
        "EX".into(),
        "3600".into(),
    ]);
    cmds.push(vec![
        "SET".into(),
        format!("{tag}:bin\r\n\0"),
        "\u{1}\r\n".into(),
    ]);
    cmds.push(vec!["MULTI".into()]);
    cmds.push(vec!["INCR".into(), format!("{tag}:counter")]);
    cmds.push(vec!["EXEC".into()]);
    cmds.push(vec!["SELECT".into(), "2".into()]);
    cmds.push(vec!["SET".into(), format!("{tag}:db2"), "two".into()]);
    cmds.push(vec!["SELECT".into(), "0".into()]);
    for cmd in &cmds {
        let r = c.call(cmd).unwrap();
        assert!(!matches!(r, Reply::Error(_)), "{cmd:?}: {r:?}");
    }
}

fn info(server: &Server, field: &str) -> String {
    let text = server.call(&["INFO", "persistence"]).unwrap().text();
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{field}:")))
        .unwrap_or_default()
        .trim()
        .to_owned()
}

fn rewrite(server: &Server) {
    let r = server.call(&["BGREWRITEAOF"]).unwrap();
    assert!(!matches!(r, Reply::Error(_)), "{r:?}");
    assert!(wait_until(Duration::from_secs(20), || {
        info(server, "aof_rewrite_in_progress") == "0"
            && info(server, "aof_rewrite_scheduled") == "0"
    }));
}

/// A server writing a multi-part AOF into `<dir>/aofdir`.
fn aof_server(b: ServerBuilder, preamble: bool) -> Server {
    b.arg("appendonly", "yes")
        .arg("appenddirname", "aofdir")
        .arg("appendfsync", "always")
        .arg("aof-use-rdb-preamble", if preamble { "yes" } else { "no" })
        .start()
        .unwrap()
}

fn file_named(dir: &Path, suffix: &str) -> PathBuf {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().ends_with(suffix))
        .unwrap_or_else(|| panic!("no *{suffix} in {}", dir.display()))
}

fn kinds(path: &Path) -> Vec<(String, PartKind, u64)> {
    let mut out = Vec::new();
    for s in import::open(&[path], &ImportOptions::default()).unwrap() {
        let summary = s
            .read_parts(|part| -> Result<(), ImportError> {
                match part.body {
                    PartBody::Rdb(r) => {
                        std::io::copy(r, &mut std::io::sink()).unwrap();
                    }
                    PartBody::Commands(c) => c.for_each(|c| drop(c.unwrap())),
                }
                Ok(())
            })
            .unwrap();
        for p in summary.parts {
            let file = Path::new(&p.file)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            out.push((file, p.kind, p.commands));
        }
    }
    out
}

fn tar_gz(out: &Path, members: &[(&str, &Path)]) {
    let file = fs::File::create(out).unwrap();
    let gz = flate2::write::GzEncoder::new(file, flate2::Compression::fast());
    let mut tar = tar::Builder::new(gz);
    for (name, path) in members {
        tar.append_path_with_name(path, name).unwrap();
    }
    tar.into_inner().unwrap().finish().unwrap();
}

fn zip_of(out: &Path, members: &[(&str, &Path)]) {
    let mut zip = zip::ZipWriter::new(fs::File::create(out).unwrap());
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, path) in members {
        zip.start_file(*name, options).unwrap();
        zip.write_all(&fs::read(path).unwrap()).unwrap();
    }
    zip.finish().unwrap();
}
