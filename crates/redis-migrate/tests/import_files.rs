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

#[test]
fn import_rdb_snapshot_replays_to_the_same_digest() {
    let Some(b) = require(Flavor::Redis) else {
        return;
    };
    let source = b.start().unwrap();
    fill(&source, "r", 50);
    source.call(&["SAVE"]).unwrap().ok().unwrap();
    let path = source.dir().join("dump.rdb");
    let sources = import::open(&[&path], &ImportOptions::default()).unwrap();
    assert_eq!(sources[0].format(), Format::Rdb);
    let shards = collect(&path, &ImportOptions::default()).unwrap();
    assert_eq!(shards.len(), 1);
    assert_eq!(
        shards[0].1.rdb.as_deref(),
        Some(&fs::read(&path).unwrap()[..])
    );
    assert!(shards[0].1.commands.is_empty());
    assert_eq!(
        replay(Flavor::Redis, &shards[0].1),
        source.digest().unwrap()
    );
}

#[test]
fn import_multi_part_aof_directory_base_then_incr_in_order() {
    let Some(b) = require(Flavor::Redis) else {
        return;
    };
    for preamble in [true, false] {
        let source = aof_server(b.clone(), preamble);
        fill(&source, "before", 30);
        rewrite(&source);
        fill(&source, "after", 20);
        let dir = source.dir().join("aofdir");
        let parts = kinds(&dir);
        let base = if preamble {
            PartKind::Rdb
        } else {
            PartKind::Commands
        };
        assert_eq!(parts.len(), 2, "{parts:?}");
        assert!(
            parts[0]
                .0
                .ends_with(if preamble { ".base.rdb" } else { ".base.aof" }),
            "{parts:?}"
        );
        assert_eq!(parts[0].1, base);
        assert!(parts[1].0.ends_with(".incr.aof"));
        // The incremental file holds exactly what came after the rewrite: the SELECT Redis
        // writes first, 20 SETs, the 5 collections, 2 SETs with odd names or TTL, the INCR
        // (a one-command transaction is written without MULTI/EXEC), SELECT 2 and its SET.
        assert_eq!(
            parts[1],
            (
                parts[1].0.clone(),
                PartKind::Commands,
                1 + 20 + 5 + 2 + 1 + 2
            )
        );
        let shards = collect(&dir, &ImportOptions::default()).unwrap();
        assert_eq!(shards.len(), 1);
        assert_eq!(
            replay(Flavor::Redis, &shards[0].1),
            source.digest().unwrap(),
            "preamble {preamble}"
        );
    }
}

#[test]
fn import_single_file_aofs_with_and_without_a_preamble() {
    let Some(b) = require(Flavor::Redis) else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    for preamble in [true, false] {
        let source = aof_server(b.clone(), preamble);
        fill(&source, "x", 10);
        rewrite(&source);
        fill(&source, "y", 10);
        let dir = source.dir().join("aofdir");
        // A Redis 6 style single file: the base (RDB preamble or rewritten commands) followed
        // by the commands written after the rewrite.
        let base = fs::read(file_named(
            &dir,
            if preamble { ".base.rdb" } else { ".base.aof" },
        ))
        .unwrap();
        let mut single = base.clone();
        single.extend(fs::read(file_named(&dir, ".incr.aof")).unwrap());
        let path = work.path().join(format!("appendonly-{preamble}.aof"));
        fs::write(&path, &single).unwrap();
        let shards = collect(&path, &ImportOptions::default()).unwrap();
        let shard = &shards[0].1;
        assert_eq!(shard.rdb.is_some(), preamble);
        if preamble {
            assert_eq!(
                shard.rdb.as_deref(),
                Some(&base[..]),
                "the RDB part ends exactly at the preamble's end"
            );
        }
        assert_eq!(
            replay(Flavor::Redis, shard),
            source.digest().unwrap(),
            "preamble {preamble}"
        );
        let format = import::open(&[&path], &ImportOptions::default()).unwrap()[0].format();
        assert_eq!(format, if preamble { Format::Rdb } else { Format::Aof });
    }
}

#[test]
fn import_valkey_multi_part_aof() {
    let Some(b) = require(Flavor::Valkey) else {
        return;
    };
    let source = aof_server(b, true);
    fill(&source, "v", 25);
    rewrite(&source);
    fill(&source, "w", 5);
    let shards = collect(&source.dir().join("aofdir"), &ImportOptions::default()).unwrap();
    assert_eq!(
        replay(Flavor::Valkey, &shards[0].1),
        source.digest().unwrap()
    );
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

#[test]
fn import_archives_in_any_member_order_and_several_shards() {
    let Some(b) = require(Flavor::Redis) else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let multi = aof_server(b.clone(), true);
    fill(&multi, "m", 40);
    rewrite(&multi);
    fill(&multi, "n", 10);
    let dir = multi.dir().join("aofdir");
    let (base, incr, manifest) = (
        file_named(&dir, ".base.rdb"),
        file_named(&dir, ".incr.aof"),
        file_named(&dir, ".manifest"),
    );
    let member = |p: &Path| format!("aofdir/{}", p.file_name().unwrap().to_string_lossy());
    let (mb, mi, mm) = (member(&base), member(&incr), member(&manifest));
    let snap = b.clone().start().unwrap();
    fill(&snap, "s", 15);
    snap.call(&["SAVE"]).unwrap().ok().unwrap();
    let dump = snap.dir().join("dump.rdb");

    // tar.gz with the manifest last (tar's usual order for this directory): the parts are
    // spilled, then loaded in manifest order; a standalone RDB beside it is a second shard.
    let tgz = work.path().join("backup.tgz");
    tar_gz(
        &tgz,
        &[
            (&mi, &incr),
            ("dump.rdb", &dump),
            (&mb, &base),
            (&mm, &manifest),
        ],
    );
    // zip with the manifest first: nothing spilled.
    let zip = work.path().join("backup.bin");
    zip_of(
        &zip,
        &[
            (&mm, &manifest),
            (&mb, &base),
            (&mi, &incr),
            ("dump.rdb", &dump),
        ],
    );

    for (archive, format, spilled) in [(&tgz, Format::Gzip, 2), (&zip, Format::Zip, 0)] {
        let src = import::open(&[archive], &ImportOptions::default()).unwrap();
        assert_eq!(src[0].format(), format);
        let mut seen = Vec::new();
        let summary = src[0]
            .read_parts(|part| -> Result<(), ImportError> {
                seen.push((part.shard.to_owned(), part.file.to_owned()));
                match part.body {
                    PartBody::Rdb(r) => drop(std::io::copy(r, &mut std::io::sink()).unwrap()),
                    PartBody::Commands(c) => c.for_each(|c| drop(c.unwrap())),
                }
                Ok(())
            })
            .unwrap();
        assert_eq!(summary.spilled.len(), spilled, "{summary:?}");
        let files: Vec<&str> = seen
            .iter()
            .map(|(_, f)| f.rsplit('!').next().unwrap())
            .collect();
        let name = archive.display().to_string();
        if spilled > 0 {
            assert_eq!(files, ["dump.rdb", mb.as_str(), mi.as_str()]);
        } else {
            assert_eq!(files, [mb.as_str(), mi.as_str(), "dump.rdb"]);
        }
        assert!(seen.iter().any(|(s, _)| *s == format!("{name}!{mm}")));

        let shards = collect(archive, &ImportOptions::default()).unwrap();
        assert_eq!(shards.len(), 2);
        for (shard_name, shard) in &shards {
            let expected = if shard_name.ends_with("dump.rdb") {
                &snap
            } else {
                &multi
            };
            assert_eq!(
                replay(Flavor::Redis, shard),
                expected.digest().unwrap(),
                "{shard_name}"
            );
        }
    }

    // A gzipped single RDB.
    let gz = work.path().join("dump.rdb.gz");
    let mut enc =
        flate2::write::GzEncoder::new(fs::File::create(&gz).unwrap(), flate2::Compression::fast());
    enc.write_all(&fs::read(&dump).unwrap()).unwrap();
    enc.finish().unwrap();
    let shards = collect(&gz, &ImportOptions::default()).unwrap();
    assert_eq!(replay(Flavor::Redis, &shards[0].1), snap.digest().unwrap());
}

#[test]
fn import_damaged_files_fail_naming_file_and_offset() {
    let Some(b) = require(Flavor::Redis) else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let source = aof_server(b, true);
    fill(&source, "d", 10);
    rewrite(&source);
    fill(&source, "e", 10);
    let dir = source.dir().join("aofdir");
    let base = fs::read(file_named(&dir, ".base.rdb")).unwrap();
    let incr = fs::read(file_named(&dir, ".incr.aof")).unwrap();
    let write = |name: &str, bytes: &[u8]| {
        let p = work.path().join(name);
        fs::write(&p, bytes).unwrap();
        p
    };
    let err = |p: &PathBuf, o: &ImportOptions| collect(p, o).unwrap_err().to_string();
    let strict = ImportOptions::default();
    let lenient = ImportOptions {
        accept_truncated_tail: true,
        ..ImportOptions::default()
    };

    // A cut-off AOF: an error at the offset of the cut command, or loaded up to it on request.
    let cut = write("cut.aof", &incr[..incr.len() - 5]);
    let e = err(&cut, &strict);
    assert!(
        e.starts_with(&format!("{}: byte offset ", cut.display())) && e.contains("cut off"),
        "{e}"
    );
    let shards = collect(&cut, &lenient).unwrap();
    assert_eq!(shards[0].1.commands.len(), incr_commands(&incr) - 1);

    // A preamble with a flipped byte: its checksum never matches, so its end is not found.
    let mut bad = base.clone();
    bad[base.len() / 2] ^= 0x40;
    bad.extend_from_slice(&incr);
    let p = write("flipped.aof", &bad);
    let e = err(&p, &strict);
    assert!(
        e.contains("flipped.aof") && e.contains("RDB preamble has no valid end"),
        "{e}"
    );

    // Unknown content names the first bytes.
    let p = write("notes.rdb", b"hello, this is not a backup");
    let e = import::open(&[&p], &strict).unwrap_err().to_string();
    assert!(
        e.contains("notes.rdb: unknown format, first bytes 68 65 6c 6c 6f"),
        "{e}"
    );

    // A truncated tar.gz: the member or the gzip stream ends early.
    let tgz = work.path().join("t.tgz");
    tar_gz(&tgz, &[("cut-here.aof", &write("whole.aof", &incr))]);
    let bytes = fs::read(&tgz).unwrap();
    let p = write("short.tgz", &bytes[..bytes.len() / 2]);
    let e = err(&p, &lenient);
    assert!(e.contains("short.tgz"), "{e}");

    // A zip member whose CRC does not match.
    let zp = work.path().join("z.zip");
    zip_of(&zp, &[("a.aof", &write("a.aof", &incr))]);
    let mut z = fs::read(&zp).unwrap();
    let at = z.windows(4).position(|w| w == b"PK\x03\x04").unwrap() + 14;
    z[at] ^= 0xff; // the CRC-32 field of the local header
    let p = write("crc.zip", &z);
    let e = err(&p, &strict);
    assert!(e.contains("crc.zip!a.aof"), "{e}");

    // A manifest naming a file that is not there fails before anything is read.
    let d = work.path().join("aofdir");
    fs::create_dir(&d).unwrap();
    fs::write(
        d.join("x.manifest"),
        "file x.1.base.rdb seq 1 type b\nfile x.1.incr.aof seq 1 type i\n",
    )
    .unwrap();
    fs::write(d.join("x.1.base.rdb"), &base).unwrap();
    let e = import::open(&[&d], &strict).unwrap_err().to_string();
    assert!(
        e.contains("x.manifest: line 2: ") && e.contains("x.1.incr.aof"),
        "{e}"
    );
}

fn incr_commands(incr: &[u8]) -> usize {
    import::AofReader::new(incr, "x", 0, Default::default()).count()
}
