//! Datasets built on real servers: every type and encoding, at small and large sizes.

use super::oracle::call;
use redis_test_server::{Connection, Flavor, Server};

fn cmd(c: &mut Connection, args: &[&str]) {
    let a: Vec<&[u8]> = args.iter().map(|s| s.as_bytes()).collect();
    call(c, &a);
}

/// Like `cmd`, but the command may not exist on this server (older versions).
fn try_cmd(c: &mut Connection, args: &[&str]) {
    let _ = c.call(args);
}

/// Starts a server of `flavor` with `extra` config, or `None` when it is not installed.
pub fn start(flavor: Flavor, extra: &[(&str, &str)]) -> Option<Server> {
    let mut b = redis_test_server::require(flavor)?;
    for (k, v) in extra {
        b = b.arg(k, v);
    }
    Some(b.start().expect("server starts"))
}

/// Fills db 0, 1 and 5 with every type and encoding.
pub fn populate(server: &Server) {
    let mut c = server.connect().unwrap();
    // Plain nodes need elements over the packed threshold; lower it where supported.
    try_cmd(&mut c, &["DEBUG", "QUICKLIST-PACKED-THRESHOLD", "1000"]);
    // Strings: int-encoded, extremes, empty, binary key, compressible (LZF), random.
    cmd(&mut c, &["SET", "s:int", "12345"]);
    cmd(&mut c, &["SET", "s:min", "-9223372036854775808"]);
    cmd(&mut c, &["SET", "s:max", "9223372036854775807"]);
    cmd(&mut c, &["SET", "s:over", "9223372036854775808"]);
    cmd(&mut c, &["SET", "s:lead0", "007"]);
    cmd(&mut c, &["SET", "s:empty", ""]);
    cmd(&mut c, &["SET", "s:float", "3.14"]);
    call(&mut c, &[b"SET", b"bin\r\n\0key", b"v\r\n\0\xff"]);
    let comp = "abcdefgh".repeat(20_000);
    cmd(&mut c, &["SET", "s:lzf", &comp]);
    let rand: String = (0..30_000u32)
        .map(|i| char::from(b'!' + ((i.wrapping_mul(2654435761) >> 13) % 90) as u8))
        .collect();
    cmd(&mut c, &["SET", "s:rand", &rand]);
    cmd(&mut c, &["SET", "s:ttl", "x", "EX", "100000"]);
    cmd(&mut c, &["PFADD", "hll", "a", "b", "c", "d"]);
    cmd(&mut c, &["SETBIT", "bitmap", "100000", "1"]);
    cmd(
        &mut c,
        &[
            "GEOADD",
            "geo",
            "13.361389",
            "38.115556",
            "Palermo",
            "15.087269",
            "37.502669",
            "Catania",
        ],
    );
    // Lists: small, long with many nodes, mixed ints, big elements (plain nodes).
    cmd(
        &mut c,
        &[
            "RPUSH",
            "l:small",
            "a",
            "1",
            "-2",
            "300",
            "70000",
            "-9223372036854775808",
            "hello world",
        ],
    );
    for chunk in 0..20 {
        let mut args = vec!["RPUSH".to_string(), "l:big".to_string()];
        for i in 0..500 {
            let n = chunk * 500 + i;
            args.push(if n % 3 == 0 {
                n.to_string()
            } else {
                format!("element-{n}-{}", "x".repeat(n % 40))
            });
        }
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        cmd(&mut c, &a);
    }
    let big = "B".repeat(5000);
    cmd(&mut c, &["RPUSH", "l:plain", "small", &big, "small2", &big]);
    cmd(&mut c, &["PEXPIRE", "l:big", "500000000"]);
    // Sets: intset widths, listpack (7.2+), hashtable.
    cmd(&mut c, &["SADD", "set:i16", "1", "-2", "300"]);
    cmd(&mut c, &["SADD", "set:i32", "1", "70000", "-70000"]);
    cmd(
        &mut c,
        &[
            "SADD",
            "set:i64",
            "1",
            "9223372036854775807",
            "-9223372036854775808",
        ],
    );
    cmd(&mut c, &["SADD", "set:small", "a", "b", "c", "1"]);
    let mut args = vec!["SADD".to_string(), "set:big".to_string()];
    args.extend((0..1000).map(|i| format!("member-{i}")));
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    cmd(&mut c, &a);
    let mut args = vec!["SADD".to_string(), "set:bigint".to_string()];
    args.extend((0..1000).map(|i| (i * 7919).to_string()));
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    cmd(&mut c, &a);
    // Sorted sets: listpack and skiplist, with infinities and fractions.
    cmd(
        &mut c,
        &[
            "ZADD", "z:small", "1", "a", "2.5", "b", "-3.25", "c", "inf", "top", "-inf", "bottom",
            "0", "12",
        ],
    );
    let mut args = vec!["ZADD".to_string(), "z:big".to_string()];
    for i in 0..500 {
        args.push(format!("{}", i as f64 / 7.0));
        args.push(format!("zm-{i}"));
    }
    args.extend(["inf".to_string(), "z-inf".to_string()]);
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    cmd(&mut c, &a);
    // Hashes: listpack, hashtable (many fields), hashtable (long value).
    cmd(
        &mut c,
        &["HSET", "h:small", "f1", "v1", "n", "42", "neg", "-7"],
    );
    let mut args = vec!["HSET".to_string(), "h:big".to_string()];
    for i in 0..300 {
        args.push(format!("field-{i}"));
        args.push(if i % 2 == 0 {
            i.to_string()
        } else {
            format!("value-{i}")
        });
    }
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    cmd(&mut c, &a);
    cmd(&mut c, &["HSET", "h:long", "f", &"L".repeat(200)]);
    streams(&mut c);
    try_cmd(
        &mut c,
        &[
            "FUNCTION",
            "LOAD",
            "#!lua name=testlib\nredis.register_function('tf', function(keys, args) return 1 end)",
        ],
    );
    // Other databases.
    cmd(&mut c, &["SELECT", "1"]);
    cmd(&mut c, &["SET", "s:db1", "one"]);
    cmd(&mut c, &["RPUSH", "l:db1", "x", "y"]);
    cmd(&mut c, &["SELECT", "5"]);
    cmd(&mut c, &["HSET", "h:db5", "a", "b"]);
    cmd(&mut c, &["SET", "s:db5", "five", "PX", "900000000"]);
}

fn streams(c: &mut Connection) {
    for i in 0..300 {
        let id = format!("{}-{}", 1_000 + i / 3, i % 3);
        if i % 10 == 9 {
            cmd(
                c,
                &["XADD", "st", &id, "other", &i.to_string(), "extra", "x"],
            );
        } else {
            cmd(
                c,
                &[
                    "XADD",
                    "st",
                    &id,
                    "name",
                    &format!("n{i}"),
                    "count",
                    &i.to_string(),
                ],
            );
        }
    }
    cmd(c, &["XDEL", "st", "1001-1", "1050-0", "1099-2"]);
    cmd(c, &["XGROUP", "CREATE", "st", "g1", "0"]);
    cmd(c, &["XGROUP", "CREATE", "st", "g2", "$"]);
    cmd(
        c,
        &[
            "XREADGROUP",
            "GROUP",
            "g1",
            "alice",
            "COUNT",
            "10",
            "STREAMS",
            "st",
            ">",
        ],
    );
    cmd(
        c,
        &[
            "XREADGROUP",
            "GROUP",
            "g1",
            "bob",
            "COUNT",
            "5",
            "STREAMS",
            "st",
            ">",
        ],
    );
    cmd(c, &["XACK", "st", "g1", "1000-0", "1000-2"]);
    try_cmd(c, &["XGROUP", "CREATECONSUMER", "st", "g2", "carol"]);
    cmd(c, &["XADD", "st:empty", "5-5", "f", "v"]);
    cmd(c, &["XDEL", "st:empty", "5-5"]);
    cmd(c, &["XADD", "st:one", "*", "k", "v"]);
}

/// `SAVE` and the dump file's bytes.
pub fn save(server: &Server) -> Vec<u8> {
    let mut c = server.connect().unwrap();
    call(&mut c, &[b"SAVE"]);
    std::fs::read(server.dir().join("dump.rdb")).expect("dump.rdb")
}
