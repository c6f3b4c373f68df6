//! RDB snapshots, single-file AOFs (with and without a preamble) and multi-part AOF directories.

use super::*;

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
