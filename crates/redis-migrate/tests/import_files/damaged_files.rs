//! Damaged files fail naming the file and byte offset; a cut AOF tail loads on request.

use super::*;

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
