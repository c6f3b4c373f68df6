//! Backup import through `import_files` into a real target, for every file kind servers
//! write: an RDB snapshot, a plain AOF, an AOF with an RDB preamble, a Redis 7 multi-part AOF
//! directory, zip and tar.gz archives of them, and several files at once (several shards,
//! all imported). The target's `DEBUG DIGEST` must equal the source's (or that of a server
//! holding every shard). Damaged files end in an error naming the file and never in success.

mod engine_support;

use engine_support::dataset::{bulk, cmd, every_type, pipelined};
use engine_support::writer::{Workload, Writer};
use engine_support::*;
use redis_migrate::engine::{ImportOutcome, ImportRunOptions, import_files};
use redis_migrate::metrics::{Metrics, Phase};
use redis_test_server::{Flavor, Server, ServerBuilder, require};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// A server writing a multi-part AOF into `<dir>/aofdir`.
fn aof_server(b: ServerBuilder, preamble: bool) -> Server {
    b.arg("appendonly", "yes")
        .arg("appenddirname", "aofdir")
        .arg("appendfsync", "always")
        .arg("aof-use-rdb-preamble", if preamble { "yes" } else { "no" })
        .start()
        .unwrap()
}

/// `BGREWRITEAOF`, waited for: what follows goes into a new incremental file.
fn rewrite(server: &Server) {
    ok(server, &["BGREWRITEAOF"]);
    let deadline = std::time::Instant::now() + LIMIT;
    while info(server, "persistence", "aof_rewrite_in_progress") != "0"
        || info(server, "persistence", "aof_rewrite_scheduled") != "0"
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the AOF rewrite hangs"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(
        info(server, "persistence", "aof_last_bgrewrite_status"),
        "ok",
        "the AOF rewrite failed (see {}/server.log)",
        server.dir().display()
    );
}

fn file_named(dir: &Path, suffix: &str) -> PathBuf {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().ends_with(suffix))
        .unwrap_or_else(|| panic!("no *{suffix} in {}", dir.display()))
}

fn concat(out: &Path, parts: &[PathBuf]) -> PathBuf {
    let mut bytes = Vec::new();
    for p in parts {
        bytes.extend(fs::read(p).unwrap());
    }
    fs::write(out, bytes).unwrap();
    out.to_owned()
}

fn tar_gz(out: &Path, members: &[(String, PathBuf)]) -> PathBuf {
    let file = fs::File::create(out).unwrap();
    let gz = flate2::write::GzEncoder::new(file, flate2::Compression::fast());
    let mut tar = tar::Builder::new(gz);
    for (name, path) in members {
        tar.append_path_with_name(path, name).unwrap();
    }
    tar.into_inner().unwrap().finish().unwrap();
    out.to_owned()
}

fn zip_of(out: &Path, members: &[(String, PathBuf)]) -> PathBuf {
    let mut zip = zip::ZipWriter::new(fs::File::create(out).unwrap());
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, path) in members {
        zip.start_file(name.as_str(), options).unwrap();
        zip.write_all(&fs::read(path).unwrap()).unwrap();
    }
    zip.finish().unwrap();
    out.to_owned()
}

async fn import(paths: &[PathBuf], target: &Server) -> (Result<ImportOutcome, String>, Phase) {
    let metrics = Arc::new(Metrics::new());
    let mut opts = ImportRunOptions::new(endpoint(&target.url()));
    opts.connect_timeout = Duration::from_secs(5);
    let r = tokio::time::timeout(LIMIT, import_files(paths, opts, metrics.clone()))
        .await
        .expect("the import hangs");
    (r.map_err(|e| e.to_string()), metrics.phase())
}

/// The files under `paths` with their sizes, and any AOF manifest's text: what a failed
/// import read, for the failure message (a file that changed under the test shows here).
fn listing(paths: &[PathBuf]) -> String {
    let mut out = String::new();
    for p in paths {
        let entries: Vec<PathBuf> = match fs::read_dir(p) {
            Ok(dir) => dir.filter_map(|e| e.ok().map(|e| e.path())).collect(),
            Err(_) => vec![p.clone()],
        };
        for e in entries {
            let len = fs::metadata(&e).map(|m| m.len()).unwrap_or(0);
            out.push_str(&format!("  {} ({len} bytes)\n", e.display()));
            if e.to_string_lossy().ends_with(".manifest") {
                out.push_str(&fs::read_to_string(&e).unwrap_or_default());
            }
        }
    }
    out
}

/// Imports `paths` into a fresh server and returns it.
async fn import_fresh(b: &ServerBuilder, paths: &[PathBuf]) -> (Server, ImportOutcome) {
    let target = b.clone().start().unwrap();
    let (r, phase) = import(paths, &target).await;
    let outcome =
        r.unwrap_or_else(|e| panic!("import of {paths:?} failed: {e}\n{}", listing(paths)));
    assert_eq!(phase, Phase::Stopped);
    (target, outcome)
}

/// Deterministic data of a second and third source (disjoint from each other and from
/// `every_type`), so that a server holding both can be built for the expected digest.
fn dataset_b(server: &Server) {
    bulk(server, 0, "b", 300, 40);
    let mut c = server.connect().unwrap();
    pipelined(
        &mut c,
        &[
            cmd(&["SELECT", "2"]),
            cmd(&["MULTI"]),
            cmd(&["INCR", "b:ctr"]),
            cmd(&["RPUSH", "b:list", "x", "y"]),
            cmd(&["EXEC"]),
            cmd(&["HSET", "b:h", "f", "1"]),
            cmd(&["DEL", "b:gone"]),
            cmd(&["SET", "b:ttl", "v", "EX", "100000"]),
        ],
    );
}

fn dataset_c(server: &Server) {
    bulk(server, 4, "c", 300, 40);
    ok(server, &["SET", "c:db0", "in db 0"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_file_kind_imports_to_the_same_digest() {
    let Some(b) = require(Flavor::Redis) else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let w = |name: &str| work.path().join(name);

    // A: every type, then writes of every kind after an AOF rewrite (base.rdb + incr.aof).
    let a = aof_server(b.clone(), true);
    every_type(&a);
    rewrite(&a);
    let writer = Writer::start(&a, Workload::Mixed, Duration::ZERO);
    writer.more(40).await;
    writer.stop();
    // The 700 ms TTLs of the writer have run out on the source before it is compared.
    tokio::time::sleep(Duration::from_millis(800)).await;
    ok(&a, &["SAVE"]);
    let a_dir = a.dir().join("aofdir");
    let a_rdb = a.dir().join("dump.rdb");
    let a_preamble = concat(
        &w("preamble.aof"),
        &[
            file_named(&a_dir, ".base.rdb"),
            file_named(&a_dir, ".incr.aof"),
        ],
    );
    // B: a plain AOF (no preamble), as one file: base.aof + incr.aof.
    let bsrv = aof_server(b.clone(), false);
    dataset_b(&bsrv);
    rewrite(&bsrv);
    ok(&bsrv, &["SET", "b:after-rewrite", "1"]);
    let b_dir = bsrv.dir().join("aofdir");
    let b_plain = concat(
        &w("plain.aof"),
        &[
            file_named(&b_dir, ".base.aof"),
            file_named(&b_dir, ".incr.aof"),
        ],
    );
    // C: an RDB snapshot.
    let csrv = b.clone().start().unwrap();
    dataset_c(&csrv);
    ok(&csrv, &["SAVE"]);
    let c_rdb = csrv.dir().join("dump.rdb");

    let member = |dir: &Path, p: PathBuf| {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        (
            format!("{}/{name}", dir.file_name().unwrap().to_string_lossy()),
            p,
        )
    };
    let a_tgz = tar_gz(
        &w("a.tar.gz"),
        &fs::read_dir(&a_dir)
            .unwrap()
            .map(|e| member(&a_dir, e.unwrap().path()))
            .collect::<Vec<_>>(),
    );
    let bc_zip = zip_of(
        &w("bc.zip"),
        &[
            ("plain.aof".into(), b_plain.clone()),
            ("dump.rdb".into(), c_rdb.clone()),
        ],
    );

    let a_digest = a.digest().unwrap();
    for (what, paths, expected) in [
        ("rdb", vec![a_rdb.clone()], &a_digest),
        ("multi-part AOF directory", vec![a_dir.clone()], &a_digest),
        ("RDB-preamble AOF", vec![a_preamble], &a_digest),
        ("tar.gz of a multi-part AOF", vec![a_tgz], &a_digest),
        ("plain AOF", vec![b_plain.clone()], &bsrv.digest().unwrap()),
        ("rdb of C", vec![c_rdb.clone()], &csrv.digest().unwrap()),
    ] {
        let (target, outcome) = import_fresh(&b, &paths).await;
        assert_eq!(&target.digest().unwrap(), expected, "{what}: {outcome:?}");
        if what.contains("multi-part") || what.contains("preamble") {
            assert_eq!(function_libraries(&target), ["enginelib"], "{what}");
        }
    }

    // Several shards: one zip holding two, and two files given at once.
    let both = b.clone().start().unwrap();
    dataset_b(&both);
    ok(&both, &["SET", "b:after-rewrite", "1"]);
    dataset_c(&both);
    let both_digest = both.digest().unwrap();
    for paths in [vec![bc_zip], vec![c_rdb.clone(), b_plain.clone()]] {
        let (target, outcome) = import_fresh(&b, &paths).await;
        assert_eq!(target.digest().unwrap(), both_digest, "{paths:?}");
        let parts: usize = outcome.sources.iter().map(|(_, s)| s.parts.len()).sum();
        assert_eq!(parts, 2, "{outcome:?}");
        assert_eq!(outcome.keys_written, 301, "the keys of C's RDB");
    }
}

/// Every damaged file: an error naming it, the failed phase, and never success — also when
/// a good file comes first.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn damaged_files_fail_clearly_and_never_report_success() {
    let Some(b) = require(Flavor::Redis) else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let w = |name: &str, bytes: &[u8]| {
        let p = work.path().join(name);
        fs::write(&p, bytes).unwrap();
        p
    };
    let source = b.clone().start().unwrap();
    bulk(&source, 0, "k", 200, 200);
    ok(&source, &["SAVE"]);
    let rdb = fs::read(source.dir().join("dump.rdb")).unwrap();
    let good = w("good.rdb", &rdb);

    let mut flipped = rdb.clone();
    flipped[rdb.len() / 2] ^= 0x5a;
    let mut bad_crc = rdb.clone();
    let last = bad_crc.len() - 1;
    bad_crc[last] ^= 0xff;
    let mut too_new = rdb.clone();
    too_new[5..9].copy_from_slice(b"0099");
    let aof = b"*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\n1\r\n*3\r\n$3\r\nSET\r\n$1\r\nb\r\n$3\r\n12";
    let zip_bad = {
        let z = zip_of(
            &work.path().join("z.zip"),
            &[("dump.rdb".into(), good.clone())],
        );
        let mut z = fs::read(z).unwrap();
        let at = z.windows(4).position(|w| w == b"PK\x03\x04").unwrap() + 14;
        z[at] ^= 0xff; // the member's CRC-32
        z
    };
    let cases: Vec<(&str, PathBuf, &[&str])> = vec![
        ("corrupt.rdb", w("corrupt.rdb", &flipped), &["corrupt.rdb"]),
        (
            "truncated.rdb",
            w("truncated.rdb", &rdb[..rdb.len() * 2 / 3]),
            &["truncated.rdb"],
        ),
        ("crc.rdb", w("crc.rdb", &bad_crc), &["crc.rdb", "checksum"]),
        ("new.rdb", w("new.rdb", &too_new), &["new.rdb", "99"]),
        ("cut.aof", w("cut.aof", aof), &["cut.aof", "cut off"]),
        ("crc.zip", w("crc.zip", &zip_bad), &["crc.zip"]),
        (
            "junk.rdb",
            w("junk.rdb", b"not a backup at all"),
            &["junk.rdb", "unknown format"],
        ),
    ];
    for (name, path, needles) in cases {
        for paths in [vec![path.clone()], vec![good.clone(), path.clone()]] {
            let target = b.clone().start().unwrap();
            let (r, phase) = import(&paths, &target).await;
            let e = match r {
                Ok(o) => panic!("{name}: reported success: {o:?}"),
                Err(e) => e,
            };
            eprintln!("{name}: {e}");
            for n in needles {
                assert!(e.contains(n), "{name}: {e:?} lacks {n:?}");
            }
            assert!(
                matches!(phase, Phase::Failed | Phase::Idle),
                "{name}: {phase:?}"
            );
        }
    }
}
