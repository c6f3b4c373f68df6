//! Old encodings from Valkey's (BSD) test RDB files: zipmaps, ziplists, quicklist v1, intsets,
//! int-encoded strings, a `lua` AUX field. Redis 7.0 loads each file and is the oracle; each
//! raw value, as a `DUMP` payload of the file's version, is `RESTORE`d and compared too.

mod rdb_support;

use rdb_support::oracle::{call, check_all, value};
use rdb_support::{parse_all, tiny_options, try_parse};
use redis_migrate::rdb::{self, ParseOptions, RdbError};
use redis_test_server::Flavor;
use std::path::PathBuf;

fn asset(name: &str) -> (PathBuf, Vec<u8>) {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/rdb")
        .join(name);
    let bytes = std::fs::read(&p).unwrap();
    (p, bytes)
}

const GOOD: &[&str] = &[
    "encodings.rdb",
    "hash-zipmap.rdb",
    "hash-ziplist.rdb",
    "zset-ziplist.rdb",
    "list-quicklist.rdb",
    "scriptbackup.rdb",
];

#[test]
fn old_encodings_match_what_redis_loads_from_the_same_file() {
    for name in GOOD {
        let (path, bytes) = asset(name);
        let chunked = ParseOptions {
            raw_limit: 0,
            ..ParseOptions::default()
        };
        let (all, summary) = parse_all(&bytes, &chunked, false);
        assert!(
            !all.keys.is_empty() || *name == "scriptbackup.rdb",
            "{name}"
        );
        let (tiny, _) = parse_all(&bytes, &tiny_options(), false);
        for (a, b) in all.keys.iter().zip(&tiny.keys) {
            assert_eq!(
                a.value(),
                b.value(),
                "{name}: {}",
                a.meta.key.escape_ascii()
            );
        }
        let Some(builder) = redis_test_server::require(Flavor::Redis) else {
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        std::fs::copy(&path, dir.path().join(name)).unwrap();
        let server = builder
            .dir(dir.path())
            .arg("dbfilename", name)
            .start()
            .unwrap();
        check_all(&server, &all.keys);

        let (raw, _) = parse_all(&bytes, &ParseOptions::default(), true);
        let mut c = server.connect().unwrap();
        for k in &raw.keys {
            let payload = rdb::dump_payload(k.raw.as_ref().unwrap(), summary.rdb_version);
            call(&mut c, &[b"SELECT", k.meta.db.to_string().as_bytes()]);
            let new_key = [b"restored:", &k.meta.key[..]].concat();
            call(&mut c, &[b"RESTORE", &new_key, b"0", &payload]);
            let decoded = all.by_key()[&(k.meta.db, k.meta.key.to_vec())].value();
            assert_eq!(
                value(&mut c, &new_key),
                decoded,
                "{name}: restored {}",
                k.meta.key.escape_ascii()
            );
        }
    }
}

#[test]
fn encodings_rdb_has_the_documented_contents() {
    // From Valkey's tests/integration/rdb.tcl, "RDB encoding loading test".
    let (_, bytes) = asset("encodings.rdb");
    let (c, summary) = parse_all(
        &bytes,
        &ParseOptions {
            raw_limit: 0,
            ..Default::default()
        },
        false,
    );
    assert_eq!(summary.rdb_version, 4);
    assert!(!summary.checksum_verified, "RDB 4 has no checksum");
    let keys = c.by_key();
    let get = |k: &str| keys[&(0, k.as_bytes().to_vec())].value();
    use rdb_support::Value;
    assert_eq!(get("number"), Value::String(b"10".to_vec()));
    assert_eq!(get("compressible"), Value::String(vec![b'a'; 137]));
    assert_eq!(
        get("list_zipped"),
        Value::List(
            ["1", "2", "3", "a", "b", "c", "100000", "6000000000"]
                .iter()
                .map(|s| s.as_bytes().to_vec())
                .collect()
        )
    );
    let Value::Set(s) = get("set_zipped_3") else {
        panic!()
    };
    assert!(s.contains(b"6000000000".as_slice()) && s.len() == 6);
    let Value::ZSet(z) = get("zset") else {
        panic!()
    };
    assert_eq!(z[&b"bbbb".to_vec()], 5000000000.0);
    let Value::Hash(h) = get("hash") else {
        panic!()
    };
    assert_eq!(h[&b"eee".to_vec()].0, b"5000000000");
}

#[test]
fn lua_scripts_arrive_as_aux_fields() {
    let (_, bytes) = asset("scriptbackup.rdb");
    let (c, _) = parse_all(&bytes, &ParseOptions::default(), true);
    let lua: Vec<_> = c.aux.iter().filter(|(k, _)| k == b"lua").collect();
    assert!(
        !lua.is_empty(),
        "aux: {:?}",
        c.aux
            .iter()
            .map(|(k, _)| k.escape_ascii().to_string())
            .collect::<Vec<_>>()
    );
    assert!(
        lua.iter()
            .all(|(_, v)| v.windows(6).any(|w| w == b"return"))
    );
}

#[test]
fn empty_collections_are_reported_without_elements() {
    let (_, bytes) = asset("corrupt_empty_keys.rdb");
    let (c, _) = parse_all(
        &bytes,
        &ParseOptions {
            raw_limit: 0,
            ..Default::default()
        },
        false,
    );
    assert!(c.keys.len() >= 5);
    assert!(
        c.keys.iter().all(|k| k.chunks.is_empty()),
        "every key is empty"
    );
}

#[test]
fn a_corrupt_ziplist_is_an_error_when_decoded() {
    let (_, bytes) = asset("corrupt_ziplist.rdb");
    let err = try_parse(
        &bytes,
        &ParseOptions {
            raw_limit: 0,
            ..Default::default()
        },
    )
    .unwrap_err();
    assert!(matches!(err, RdbError::BadEncoding { .. }), "{err}");
}

#[test]
fn an_aof_tail_after_the_rdb_is_left_alone() {
    let (_, bytes) = asset("rdb-preamble.aof");
    let (c, summary) = parse_all(&bytes, &ParseOptions::default(), true);
    assert!(summary.bytes < bytes.len() as u64);
    assert_eq!(
        bytes[summary.bytes as usize], b'*',
        "an AOF command follows the RDB"
    );
    assert!(c.eof.is_some());
}
