//! Damaged files never parse as complete: a byte changed anywhere, or the file cut at any
//! offset, is an error on the raw path and on the chunked path alike.

mod rdb_support;

use rdb_support::build::{Rdb, listpack, lzf_str_bytes, str_bytes};
use rdb_support::dataset::{populate, save, start};
use rdb_support::oracle::call;
use rdb_support::{tiny_options, try_parse};
use redis_migrate::rdb::ParseOptions;
use redis_test_server::Flavor;

fn option_sets() -> [ParseOptions; 3] {
    [
        ParseOptions::default(),
        ParseOptions {
            raw_limit: 0,
            ..ParseOptions::default()
        },
        tiny_options(),
    ]
}

/// Every position changed, then every prefix: all errors.
fn assert_all_damage_is_an_error(bytes: &[u8], positions: impl Iterator<Item = usize> + Clone) {
    for opts in option_sets() {
        try_parse(bytes, &opts).expect("the undamaged file parses");
        for i in positions.clone() {
            let mut bad = bytes.to_vec();
            bad[i] ^= 0x5a;
            let r = try_parse(&bad, &opts);
            assert!(
                r.is_err(),
                "byte {i} of {} changed, still parsed: {r:?}",
                bytes.len()
            );
            let r = try_parse(&bytes[..i], &opts);
            assert!(
                r.is_err(),
                "cut at {i} of {}, still parsed: {r:?}",
                bytes.len()
            );
        }
    }
}

fn crafted() -> Vec<u8> {
    let mut r = Rdb::new(11);
    r.aux(b"redis-ver", b"7.2.0").select(0);
    r.op(252).raw(&1_900_000_000_000i64.to_le_bytes());
    r.key(0, b"s").string(b"value");
    r.key(0, b"lzf").raw(&lzf_str_bytes(&[b'x'; 90]));
    r.key(18, b"l")
        .len(2)
        .len(2)
        .raw(&str_bytes(&listpack(&[b"a", b"7", b"bcd"])));
    r.len(2).raw(&lzf_str_bytes(&listpack(&[&b"zz"[..]; 20])));
    r.key(16, b"h").raw(&str_bytes(&listpack(&[b"f", b"v"])));
    r.key(5, b"z")
        .len(1)
        .string(b"m")
        .raw(&2.5f64.to_le_bytes());
    r.finish()
}

#[test]
fn every_changed_byte_and_every_cut_of_a_crafted_file_is_an_error() {
    let bytes = crafted();
    assert_all_damage_is_an_error(&bytes, 0..bytes.len());
}

#[test]
fn every_changed_byte_and_every_cut_of_a_small_server_file_is_an_error() {
    for flavor in [Flavor::Redis, Flavor::Valkey] {
        let Some(server) = start(flavor, &[("list-compress-depth", "1")]) else {
            continue;
        };
        let mut c = server.connect().unwrap();
        for args in [
            &[&b"SET"[..], b"s", b"12"][..],
            &[b"SET", b"lzf", &[b'a'; 100]],
            &[b"RPUSH", b"l", b"a", b"1", b"bb"],
            &[b"SADD", b"si", b"1", b"2"],
            &[b"SADD", b"ss", b"a", b"b"],
            &[b"ZADD", b"z", b"1.5", b"m"],
            &[b"HSET", b"h", b"f", b"v"],
            &[b"XADD", b"st", b"1-1", b"f", b"v"],
            &[b"XGROUP", b"CREATE", b"st", b"g", b"0"],
            &[b"XREADGROUP", b"GROUP", b"g", b"c", b"STREAMS", b"st", b">"],
            &[b"PEXPIRE", b"h", b"100000000"],
        ] {
            call(&mut c, args);
        }
        let bytes = save(&server);
        assert!(bytes.len() < 4096, "{} bytes", bytes.len());
        assert_all_damage_is_an_error(&bytes, 0..bytes.len());
    }
}

#[test]
fn sampled_damage_to_a_full_dataset_is_an_error() {
    let Some(server) = start(Flavor::Redis, &[("list-compress-depth", "1")]) else {
        return;
    };
    populate(&server);
    let bytes = save(&server);
    let step = (bytes.len() / 100).max(1);
    assert_all_damage_is_an_error(
        &bytes,
        (0..bytes.len()).step_by(step).chain([bytes.len() - 1]),
    );
}
