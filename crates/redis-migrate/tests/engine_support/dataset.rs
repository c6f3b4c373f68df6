//! Source data: every type and encoding on both sides of each size threshold, and bulk data
//! that makes a full sync last.

use redis_test_server::{Connection, Reply, Server};

/// Sends `cmds` pipelined on `c` and panics on any error reply.
pub fn pipelined(c: &mut Connection, cmds: &[Vec<Vec<u8>>]) {
    for chunk in cmds.chunks(200) {
        for cmd in chunk {
            c.send(cmd).unwrap();
        }
        for cmd in chunk {
            let reply = c.read().unwrap();
            if let Reply::Error(e) = reply {
                panic!("{:?}: {e}", String::from_utf8_lossy(&cmd[0]));
            }
        }
    }
}

/// A command from text arguments.
pub fn cmd(args: &[&str]) -> Vec<Vec<u8>> {
    args.iter().map(|a| a.as_bytes().to_vec()).collect()
}

/// `name key` followed by `items` (each item already split into its arguments).
fn with_items(name: &str, key: &str, items: impl IntoIterator<Item = String>) -> Vec<Vec<u8>> {
    let mut c = vec![name.as_bytes().to_vec(), key.as_bytes().to_vec()];
    c.extend(items.into_iter().map(String::into_bytes));
    c
}

/// The function library loaded on the source (functions travel in the snapshot).
pub const LIBRARY: &str = "#!lua name=enginelib\n\
    redis.register_function('bump', function(keys, args) return redis.call('INCRBY', keys[1], args[1]) end)";

/// Keys of every type, each in its small (listpack / intset / embstr) and its large
/// (quicklist / hashtable / skiplist / raw, LZF-compressed) encoding, streams with deleted
/// entries, groups, consumers and pending entries, HyperLogLogs (sparse and dense), bitmaps,
/// GEO, binary keys with `\r\n`, ±2^63 and the integers next to them, ±inf and 0.1 scores,
/// TTLs, databases 0, 1, 5 and 15, and a function library.
pub fn every_type(server: &Server) {
    let mut c = server.connect().unwrap();
    // Plain quicklist nodes for elements of 200 bytes and more (the default is 1 GB).
    let _ = c.call(&["DEBUG", "QUICKLIST-PACKED-THRESHOLD", "200"]);
    let mut cmds: Vec<Vec<Vec<u8>>> = vec![cmd(&["SELECT", "0"])];

    // Strings: integers at the edges, embstr, raw, compressible (LZF) and random bytes.
    for (k, v) in [
        ("s:int", "12345"),
        ("s:neg", "-1"),
        ("s:max", "9223372036854775807"),
        ("s:min", "-9223372036854775808"),
        ("s:over", "9223372036854775808"),
        ("s:under", "-9223372036854775809"),
        ("s:lead0", "007"),
        ("s:empty", ""),
        ("s:emb", "short string"),
    ] {
        cmds.push(cmd(&["SET", k, v]));
    }
    cmds.push(cmd(&["SET", "s:raw", &"r".repeat(100)]));
    cmds.push(cmd(&["SET", "s:lzf", &"abcdefgh".repeat(25_000)]));
    let noise: Vec<u8> = (0..30_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    cmds.push(vec![b"SET".to_vec(), b"s:noise".to_vec(), noise]);
    cmds.push(vec![
        b"SET".to_vec(),
        b"bin:\r\n\x00\xff key".to_vec(),
        b"\r\n\x00value\r\n".to_vec(),
    ]);
    cmds.push(vec![
        b"RPUSH".to_vec(),
        b"bin:list\r\n".to_vec(),
        b"\r\n".to_vec(),
    ]);
    cmds.push(cmd(&["SET", "ttl:far", "v", "EX", "100000"]));
    cmds.push(cmd(&["SET", "ttl:ms", "v", "PX", "99999999"]));
    cmds.push(cmd(&["INCRBYFLOAT", "s:float", "3.0e3"]));

    // Lists: listpack, quicklist of many nodes, plain nodes, integers.
    cmds.push(cmd(&["RPUSH", "l:small", "a", "b", "c", "1", "-2"]));
    for part in 0..4 {
        cmds.push(with_items(
            "RPUSH",
            "l:big",
            (part * 500..(part + 1) * 500).map(|i| format!("item-{i}")),
        ));
    }
    cmds.push(with_items(
        "RPUSH",
        "l:plain",
        (0..5).map(|i| format!("{i}{}", "p".repeat(300))),
    ));
    cmds.push(with_items(
        "RPUSH",
        "l:ints",
        (0..300).map(|i| (i * 1_000_003 - 150_000_000i64).to_string()),
    ));

    // Sets: intset (small, then past 512 entries), listpack (Valkey), hashtable.
    cmds.push(cmd(&[
        "SADD",
        "set:int",
        "1",
        "2",
        "3",
        "-9223372036854775808",
    ]));
    cmds.push(with_items(
        "SADD",
        "set:int:big",
        (0..600).map(|i| (i * 7).to_string()),
    ));
    cmds.push(cmd(&["SADD", "set:small", "a", "b", "c"]));
    cmds.push(with_items(
        "SADD",
        "set:big",
        (0..1000).map(|i| format!("m{i}")),
    ));
    cmds.push(cmd(&["SADD", "set:long", &"x".repeat(100)]));

    // Sorted sets: listpack with the awkward scores, skiplist by count and by member length.
    cmds.push(cmd(&[
        "ZADD",
        "z:small",
        "-inf",
        "a",
        "0.1",
        "b",
        "-0",
        "c",
        "+inf",
        "d",
        "1e300",
        "e",
        "3.14159",
        "f",
        "-2.5e-300",
        "g",
    ]));
    let mut big = Vec::new();
    for i in 0..300 {
        big.push(format!("{}", f64::from(i) / 7.0));
        big.push(format!("m{i}"));
    }
    big.extend(["inf".into(), "top".into(), "-inf".into(), "bottom".into()]);
    cmds.push(with_items("ZADD", "z:big", big));
    cmds.push(cmd(&["ZADD", "z:long", "1", &"m".repeat(100)]));

    // Hashes: listpack, hashtable by count and by value length.
    cmds.push(cmd(&["HSET", "h:small", "f", "v", "n", "-12", "e", ""]));
    cmds.push(with_items(
        "HSET",
        "h:big",
        (0..1000).flat_map(|i| [format!("f{i}"), format!("v{i}")]),
    ));
    cmds.push(cmd(&["HSET", "h:long", "f", &"v".repeat(100)]));
    cmds.push(cmd(&["PEXPIRE", "h:small", "50000000"]));

    // HyperLogLogs (sparse and dense), a bitmap, GEO (a sorted set with geohash scores).
    cmds.push(cmd(&["PFADD", "hll:sparse", "a", "b", "c"]));
    cmds.push(with_items(
        "PFADD",
        "hll:dense",
        (0..5000).map(|i| format!("e{i}")),
    ));
    for bit in [0, 7, 100, 4095, 65_537] {
        cmds.push(cmd(&["SETBIT", "bits", &bit.to_string(), "1"]));
    }
    cmds.push(cmd(&[
        "GEOADD",
        "geo",
        "13.361389",
        "38.115556",
        "Palermo",
        "15.087269",
        "37.502669",
        "Catania",
        "-122.27652",
        "37.805186",
        "Oakland",
    ]));
    cmds.extend(stream_commands());

    // Other databases.
    for db in ["1", "5", "15"] {
        cmds.push(cmd(&["SELECT", db]));
        cmds.push(cmd(&["SET", &format!("db{db}:s"), db]));
        cmds.push(cmd(&["HSET", &format!("db{db}:h"), "f", db]));
        cmds.push(cmd(&["RPUSH", &format!("db{db}:l"), db, db]));
    }
    cmds.push(cmd(&["SELECT", "0"]));
    cmds.push(cmd(&["FUNCTION", "LOAD", "REPLACE", LIBRARY]));
    pipelined(&mut c, &cmds);
}

/// A stream with deleted entries, a node boundary, two groups, consumers, pending entries
/// (one claimed), and an empty stream that only has a group.
fn stream_commands() -> Vec<Vec<Vec<u8>>> {
    let mut cmds = Vec::new();
    for i in 1..=250 {
        cmds.push(cmd(&[
            "XADD",
            "x",
            &format!("{i}-1"),
            "f",
            &format!("v{i}"),
            "n",
            &i.to_string(),
        ]));
    }
    cmds.push(cmd(&["XDEL", "x", "3-1", "250-1"]));
    cmds.push(cmd(&["XGROUP", "CREATE", "x", "g1", "0"]));
    cmds.push(cmd(&["XGROUP", "CREATE", "x", "g2", "10-1"]));
    cmds.push(cmd(&[
        "XREADGROUP",
        "GROUP",
        "g1",
        "alice",
        "COUNT",
        "5",
        "STREAMS",
        "x",
        ">",
    ]));
    cmds.push(cmd(&[
        "XREADGROUP",
        "GROUP",
        "g1",
        "bob",
        "COUNT",
        "3",
        "STREAMS",
        "x",
        ">",
    ]));
    cmds.push(cmd(&["XACK", "x", "g1", "2-1"]));
    cmds.push(cmd(&["XCLAIM", "x", "g1", "bob", "0", "4-1"]));
    cmds.push(cmd(&[
        "XREADGROUP",
        "GROUP",
        "g2",
        "carol",
        "COUNT",
        "2",
        "STREAMS",
        "x",
        ">",
    ]));
    cmds.push(cmd(&["XGROUP", "CREATE", "x:empty", "g", "$", "MKSTREAM"]));
    cmds
}

/// `n` string keys of `value_len` bytes (hard to compress) named `{prefix}:{i}`, in `db`:
/// bulk that makes a snapshot take a while on a throttled link.
pub fn bulk(server: &Server, db: u32, prefix: &str, n: usize, value_len: usize) {
    let mut c = server.connect().unwrap();
    let mut cmds = vec![cmd(&["SELECT", &db.to_string()])];
    for i in 0..n {
        let value: Vec<u8> = (0..value_len)
            .map(|j| ((i * 31 + j).wrapping_mul(2_654_435_761) >> 11) as u8)
            .collect();
        cmds.push(vec![
            b"SET".to_vec(),
            format!("{prefix}:{i}").into_bytes(),
            value,
        ]);
    }
    pipelined(&mut c, &cmds);
}
