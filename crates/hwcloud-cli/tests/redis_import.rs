//! `hwcloud redis import FILE… --target URL`: exit 0 only when every key of every file was
//! written (RDB, plain AOF, RDB-preamble AOF, multi-part AOF directory, zip and tar.gz of
//! them, several files at once); a damaged, cut, too new or missing file exits non-zero,
//! names the file, and prints no "done" summary.

mod redis_support;

use redis_support::*;
use redis_test_server::{Flavor, Server, ServerBuilder, require};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn import(paths: &[&Path], target: &Server, extra: &[&str]) -> Finished {
    let t = target.url();
    let mut args: Vec<&str> = vec!["redis", "import"];
    args.extend(paths.iter().map(|p| p.to_str().unwrap()));
    args.extend(["--target", &t]);
    args.extend(extra);
    run(&[], &args)
}

/// A server with `fill(tag)` saved as an RDB and, with `aof`, written to a multi-part AOF
/// (RDB base, then an incremental file) in `<dir>/aofdir`.
fn source(b: &ServerBuilder, tag: &str, aof: bool) -> Server {
    let b = if aof {
        b.clone()
            .arg("appendonly", "yes")
            .arg("appenddirname", "aofdir")
            .arg("appendfsync", "always")
    } else {
        b.clone()
    };
    let s = b.start().unwrap();
    fill(&s, tag);
    if aof {
        ok(&s, &["BGREWRITEAOF"]);
        let deadline = Instant::now() + LIMIT;
        while !s
            .call(&["INFO", "persistence"])
            .unwrap()
            .text()
            .contains("aof_rewrite_in_progress:0\r\naof_rewrite_scheduled:0")
        {
            assert!(Instant::now() < deadline, "the AOF rewrite hangs");
            std::thread::sleep(Duration::from_millis(20));
        }
        ok(&s, &["SET", &format!("{tag}:after-rewrite"), "1"]);
    }
    ok(&s, &["SAVE"]);
    s
}

fn file_named(dir: &Path, suffix: &str) -> PathBuf {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().ends_with(suffix))
        .unwrap_or_else(|| panic!("no *{suffix} in {}", dir.display()))
}

#[test]
fn every_kind_of_backup_imports_with_exit_0() {
    let Some(b) = require(Flavor::Redis) else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let a = source(&b, "a", false);
    let bs = source(&b, "b", true);
    let a_rdb = a.dir().join("dump.rdb");
    let b_dir = bs.dir().join("aofdir");
    let preamble = work.path().join("preamble.aof");
    let mut bytes = fs::read(file_named(&b_dir, ".base.rdb")).unwrap();
    bytes.extend(fs::read(file_named(&b_dir, ".incr.aof")).unwrap());
    fs::write(&preamble, bytes).unwrap();
    let plain = work.path().join("plain.aof");
    fs::write(
        &plain,
        "*2\r\n$6\r\nSELECT\r\n$1\r\n5\r\n*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$1\r\n1\r\n\
         *1\r\n$5\r\nMULTI\r\n*2\r\n$4\r\nINCR\r\n$1\r\ny\r\n*1\r\n$4\r\nEXEC\r\n",
    )
    .unwrap();
    let tgz = work.path().join("b.tar.gz");
    {
        let gz = flate2::write::GzEncoder::new(
            fs::File::create(&tgz).unwrap(),
            flate2::Compression::fast(),
        );
        let mut tar = tar::Builder::new(gz);
        tar.append_dir_all("aofdir", &b_dir).unwrap();
        tar.into_inner().unwrap().finish().unwrap();
    }
    let zip = work.path().join("a.zip");
    {
        let mut z = zip::ZipWriter::new(fs::File::create(&zip).unwrap());
        z.start_file("backup/dump.rdb", zip::write::SimpleFileOptions::default())
            .unwrap();
        z.write_all(&fs::read(&a_rdb).unwrap()).unwrap();
        z.finish().unwrap();
    }

    for (paths, expected) in [
        (vec![a_rdb.as_path()], &a),
        (vec![zip.as_path()], &a),
        (vec![b_dir.as_path()], &bs),
        (vec![preamble.as_path()], &bs),
        (vec![tgz.as_path()], &bs),
    ] {
        let target = b.clone().start().unwrap();
        let r = import(&paths, &target, &[]);
        assert_eq!(r.code, 0, "{paths:?}: {r:?}");
        assert!(r.stdout.contains("done: "), "{}", r.stdout);
        assert_same_data(expected, &target);
    }

    // Several files: every one imported (two shards and a plain AOF).
    let both = b.clone().start().unwrap();
    fill(&both, "a");
    fill(&both, "b");
    ok(&both, &["SET", "b:after-rewrite", "1"]);
    let target = b.clone().start().unwrap();
    let r = import(&[&a_rdb, &tgz], &target, &[]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(r.stdout.matches(" part(s)").count(), 2, "{}", r.stdout);
    assert_same_data(&both, &target);
    let r = import(&[&plain], &target, &[]);
    assert_eq!(r.code, 0, "{r:?}");
    let mut c = target.connect().unwrap();
    c.call(&["SELECT", "5"]).unwrap();
    assert_eq!(c.call(&["GET", "x"]).unwrap().text(), "1");
    assert_eq!(c.call(&["GET", "y"]).unwrap().text(), "1");
}

#[test]
fn damaged_missing_and_too_new_files_exit_non_zero_naming_the_file() {
    let Some(b) = require(Flavor::Redis) else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let a = source(&b, "d", false);
    let rdb = fs::read(a.dir().join("dump.rdb")).unwrap();
    let good = a.dir().join("dump.rdb");
    let write = |name: &str, bytes: &[u8]| {
        let p = work.path().join(name);
        fs::write(&p, bytes).unwrap();
        p
    };
    let mut flipped = rdb.clone();
    flipped[rdb.len() / 2] ^= 0x21;
    let mut crc = rdb.clone();
    let last = crc.len() - 2;
    crc[last] ^= 0x01;
    let mut new = rdb.clone();
    new[5..9].copy_from_slice(b"0013");
    let cut_aof = b"*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\n1\r\n*3\r\n$3\r\nSET\r\n$1\r\nb\r\n$2\r\n1";
    let cases = [
        write("flipped.rdb", &flipped),
        write("truncated.rdb", &rdb[..rdb.len() - 100]),
        write("crc.rdb", &crc),
        write("new.rdb", &new),
        write("cut.aof", cut_aof),
        work.path().join("missing.rdb"),
    ];
    for bad in &cases {
        let name = bad.file_name().unwrap().to_str().unwrap();
        for paths in [vec![bad.as_path()], vec![good.as_path(), bad.as_path()]] {
            let target = b.clone().start().unwrap();
            let r = import(&paths, &target, &[]);
            assert_ne!(r.code, 0, "{name}: {r:?}");
            assert!(r.stderr.contains(name), "{name}: {}", r.stderr);
            assert!(!r.stdout.contains("done:"), "{name}: {}", r.stdout);
        }
    }
    // A cut-off last command is loaded up to the cut when asked, as Redis's
    // aof-load-truncated does.
    let target = b.clone().start().unwrap();
    let r = import(&[&cases[4]], &target, &["--accept-truncated-aof"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("1 warning(s)"), "{}", r.stdout);
    assert_eq!(target.call(&["GET", "a"]).unwrap().text(), "1");
    assert!(!exists_in(&target, 0, "b"));
}
