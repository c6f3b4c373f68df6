//! zip, tar.gz and gzip archives: any member order, several shards in one archive.

use super::*;

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
