//! The parser against real servers: datasets with every type and encoding are saved by
//! Redis 7.0 and Valkey 8.1, parsed, and checked against the servers' own answers (values,
//! expire times, `DUMP` payloads byte for byte), on the raw path, the chunked path and a
//! mixture forced by tiny limits.

mod rdb_support;

use rdb_support::dataset::{populate, save, start};
use rdb_support::oracle::{call, check_all, check_key};
use rdb_support::{Key, parse_all, tiny_options};
use redis_migrate::rdb::{self, ParseOptions};
use redis_test_server::{Flavor, Server};

fn configs(flavor: Flavor) -> Vec<(&'static str, Vec<(&'static str, &'static str)>)> {
    let mut tiny = vec![
        ("rdbcompression", "no"),
        ("list-max-listpack-size", "4"),
        ("hash-max-listpack-entries", "4"),
        ("zset-max-listpack-entries", "4"),
        ("set-max-intset-entries", "4"),
        ("stream-node-max-entries", "7"),
    ];
    if flavor == Flavor::Valkey {
        tiny.push(("set-max-listpack-entries", "4"));
    }
    vec![
        (
            "default, compressed list nodes",
            vec![("list-compress-depth", "1")],
        ),
        ("tiny encodings, no compression", tiny),
    ]
}

/// Every raw key's payload equals the server's `DUMP` of it.
fn check_dumps(server: &Server, keys: &[Key], version: u16) -> usize {
    let mut c = server.connect().unwrap();
    let mut checked = 0;
    for k in keys {
        let Some(raw) = &k.raw else { continue };
        call(&mut c, &[b"SELECT", k.meta.db.to_string().as_bytes()]);
        let dump = call(&mut c, &[b"DUMP", &k.meta.key]);
        let ours = rdb::dump_payload(raw, version);
        assert_eq!(
            dump.as_bytes(),
            Some(&ours[..]),
            "DUMP of {}",
            k.meta.key.escape_ascii()
        );
        let (back, v) = rdb::split_dump_payload(&ours).unwrap();
        assert_eq!((back, v), (&raw[..], version));
        checked += 1;
    }
    checked
}

fn check_flavor(flavor: Flavor) {
    for (name, config) in configs(flavor) {
        let Some(server) = start(flavor, &config) else {
            return;
        };
        populate(&server);
        let bytes = save(&server);
        let expect_version: u16 = if flavor == Flavor::Redis { 10 } else { 11 };

        // Chunks only: every value decoded and equal to what the server answers.
        let chunked = ParseOptions {
            raw_limit: 0,
            ..ParseOptions::default()
        };
        let (all, summary) = parse_all(&bytes, &chunked, true);
        assert_eq!(summary.rdb_version, expect_version, "{name}");
        assert!(summary.checksum_verified && all.eof == Some(true), "{name}");
        assert_eq!(summary.bytes, bytes.len() as u64);
        assert_eq!(summary.raw_values, 0);
        assert_eq!(summary.chunked_values as usize, all.keys.len());
        assert!(all.keys.len() >= 35, "{name}: {} keys", all.keys.len());
        check_all(&server, &all.keys);
        assert!(
            all.aux
                .iter()
                .any(|(k, _)| k == b"redis-ver" || k == b"valkey-ver"),
            "{name}: aux fields"
        );
        assert!(
            all.functions
                .iter()
                .any(|f| f.windows(7).any(|w| w == b"testlib")),
            "{name}: function"
        );
        assert_eq!(all.dbs, [0, 1, 5]);
        let types: std::collections::BTreeSet<u8> =
            all.keys.iter().map(|k| k.meta.rdb_type).collect();
        let want: &[u8] = match flavor {
            // Redis 7.0 has no listpack sets and writes streams as type 19.
            Flavor::Redis => &[0, 2, 4, 5, 11, 16, 17, 18, 19],
            Flavor::Valkey => &[0, 2, 4, 5, 11, 16, 17, 18, 20, 21],
        };
        assert!(
            want.iter().all(|t| types.contains(t)),
            "{name}: types {types:?}"
        );

        // Raw: every value raw (all fit 8 MiB) and equal to DUMP byte for byte.
        let (raw, summary) = parse_all(&bytes, &ParseOptions::default(), true);
        assert_eq!(summary.raw_values as usize, raw.keys.len(), "{name}");
        assert_eq!(
            check_dumps(&server, &raw.keys, expect_version),
            raw.keys.len()
        );
        for (a, b) in all.keys.iter().zip(&raw.keys) {
            assert_eq!(a.meta, b.meta);
        }

        // Tiny limits: small values raw, larger ones decoded after the walk gave up,
        // blobs streamed from the input and through LZF windows.
        let opts = tiny_options();
        let (mixed, summary) = parse_all(&bytes, &opts, true);
        assert!(
            summary.raw_values > 5 && summary.chunked_values > 5,
            "{name}: {summary:?}"
        );
        assert!(
            mixed.largest_chunk.0 <= opts.batch_items,
            "{name}: {:?}",
            mixed.largest_chunk
        );
        check_dumps(&server, &mixed.keys, expect_version);
        let mut c = server.connect().unwrap();
        for k in mixed.keys.iter().filter(|k| k.raw.is_none()) {
            call(&mut c, &[b"SELECT", k.meta.db.to_string().as_bytes()]);
            check_key(&mut c, k);
            if k.meta.rdb_type == 0 {
                assert!(
                    k.chunks
                        .iter()
                        .all(|ch| rdb_support::chunk_size(ch).1 <= opts.batch_bytes)
                );
            }
        }
        // Decoded values are the same whatever the limits.
        let by_key = all.by_key();
        for k in mixed.keys.iter().filter(|k| k.raw.is_none()) {
            assert_eq!(k.value(), by_key[&(k.meta.db, k.meta.key.to_vec())].value());
        }
    }
}

#[test]
fn redis_7_0_dataset_decodes_to_the_servers_values_and_dumps() {
    check_flavor(Flavor::Redis);
}

#[test]
fn valkey_8_1_dataset_decodes_to_the_servers_values_and_dumps() {
    check_flavor(Flavor::Valkey);
}
