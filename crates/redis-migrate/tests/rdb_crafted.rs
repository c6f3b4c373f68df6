//! Crafted files for each opcode and for the encodings no current server writes: zipmap,
//! ziplists (types 10, 12, 13), quicklist v1, plain collections, type-3 text scores,
//! second-precision expire times, LZF blobs, field expiry types (22–25), Valkey 9's header,
//! module values, and the errors for unknown and unsupported bytes.

mod rdb_support;

use rdb_support::build::{Rdb, len_bytes, listpack, lzf_str_bytes, str_bytes, ziplist};
use rdb_support::{Value, one, parse_all, parse3, try_parse};
use redis_migrate::rdb::{self, ParseOptions, RdbError, Stop, Visitor};
use std::collections::BTreeMap;

fn chunked() -> ParseOptions {
    ParseOptions {
        raw_limit: 0,
        ..ParseOptions::default()
    }
}

fn list(items: &[&str]) -> Value {
    Value::List(items.iter().map(|s| s.as_bytes().to_vec()).collect())
}

#[test]
fn opcodes_reach_the_visitor_and_apply_to_the_next_key() {
    let mut r = Rdb::new(12);
    r.aux(b"redis-ver", b"7.4.0")
        .select(3)
        .op(251)
        .len(2)
        .len(1);
    r.op(244).len(100).len(2).len(1); // SLOT_INFO
    r.op(253).raw(&1_700_000_000i32.to_le_bytes()); // EXPIRETIME (seconds)
    r.op(248).len(77); // IDLE
    r.key(0, b"a").string(b"1");
    r.op(252)
        .raw(&1_700_000_000_123i64.to_le_bytes())
        .op(249)
        .op(9);
    r.key(0, b"b").string(b"2");
    r.key(0, b"c").string(b"3");
    r.op(245).string(b"#!lua name=lib\n"); // FUNCTION2
    // MODULE_AUX: id, when-opcode 2, when 2, then typed fields and EOF.
    r.op(247)
        .len(12345)
        .len(2)
        .len(2)
        .len(1)
        .len(7)
        .len(3)
        .raw(&[0; 4])
        .len(5)
        .string(b"x")
        .len(0);
    let bytes = r.finish();
    let (c, summary) = parse_all(&bytes, &chunked(), false);
    assert!(summary.checksum_verified && c.eof == Some(true));
    assert_eq!(summary.functions, 1);
    assert_eq!(c.dbs, [3]);
    assert_eq!(c.aux, [(b"redis-ver".to_vec(), b"7.4.0".to_vec())]);
    let m: Vec<_> = c
        .keys
        .iter()
        .map(|k| {
            (
                k.meta.db,
                k.meta.expire_at_ms,
                k.meta.idle_secs,
                k.meta.lfu_freq,
            )
        })
        .collect();
    assert_eq!(
        m,
        [
            (3, Some(1_700_000_000_000), Some(77), None),
            (3, Some(1_700_000_000_123), None, Some(9)),
            (3, None, None, None)
        ]
    );
    // The key's offset is its first opcode's.
    let first = c.keys[0].meta.offset as usize;
    assert_eq!(bytes[first], 253);
}

#[test]
fn checksum_errors_and_zero_checksums() {
    let mut r = Rdb::new(9);
    r.key(0, b"k").string(b"v");
    let mut bytes = r.finish();
    let n = bytes.len();
    bytes[n - 1] ^= 1;
    assert!(matches!(
        try_parse(&bytes, &chunked()),
        Err(RdbError::Checksum { .. })
    ));
    let skip = ParseOptions {
        verify_checksum: false,
        ..chunked()
    };
    assert!(!try_parse(&bytes, &skip).unwrap().checksum_verified);
    bytes[n - 8..].fill(0);
    assert!(!try_parse(&bytes, &chunked()).unwrap().checksum_verified);
}

#[test]
fn plain_collections_and_text_scores() {
    let mut r = Rdb::new(6);
    r.key(1, b"l")
        .len(3)
        .string(b"a")
        .raw(&[0xc0, 0xfb])
        .raw(&lzf_str_bytes(&[b'q'; 70]));
    r.key(2, b"s").len(2).string(b"x").string(b"y");
    r.key(3, b"z")
        .len(4)
        .string(b"a")
        .raw(b"\x031.5")
        .string(b"b")
        .op(254)
        .string(b"c")
        .op(255)
        .string(b"d")
        .raw(b"\x04-1e3");
    r.key(4, b"h").len(1).string(b"f").string(b"v");
    let c = parse3(&r.finish());
    let v: Vec<Value> = c.keys.iter().map(|k| k.value()).collect();
    assert_eq!(
        v[0],
        Value::List(vec![b"a".to_vec(), b"-5".to_vec(), vec![b'q'; 70]])
    );
    let Value::ZSet(z) = &v[2] else { panic!() };
    let want: BTreeMap<Vec<u8>, f64> = [
        ("a", 1.5),
        ("b", f64::INFINITY),
        ("c", f64::NEG_INFINITY),
        ("d", -1000.0),
    ]
    .iter()
    .map(|(k, s)| (k.as_bytes().to_vec(), *s))
    .collect();
    assert_eq!(z, &want);
    // NaN (253) is refused, as Redis does.
    let mut r = Rdb::new(6);
    r.key(3, b"z").len(1).string(b"a").op(253);
    assert!(matches!(
        try_parse(&r.finish(), &chunked()),
        Err(RdbError::BadEncoding { .. })
    ));
}

#[test]
fn ziplist_zipmap_intset_and_quicklist_v1() {
    let mut r = Rdb::new(6);
    r.key(10, b"zl")
        .raw(&str_bytes(&ziplist(&[b"a", b"#7", b"bc"])));
    r.key(12, b"zz")
        .raw(&str_bytes(&ziplist(&[b"m", b"#3", b"n", b"2.5"])));
    r.key(13, b"zh")
        .raw(&str_bytes(&ziplist(&[b"f", b"v", b"g", b"#0"])));
    r.key(9, b"zm")
        .raw(&str_bytes(b"\x02\x03foo\x03\x01barX\x01k\x00\x00\xff"));
    let mut intset = 4u32.to_le_bytes().to_vec();
    intset.extend_from_slice(&2u32.to_le_bytes());
    intset.extend_from_slice(&(-70000i32).to_le_bytes());
    intset.extend_from_slice(&70000i32.to_le_bytes());
    r.key(11, b"is").raw(&str_bytes(&intset));
    r.key(14, b"ql")
        .len(2)
        .raw(&str_bytes(&ziplist(&[b"x", b"y"])))
        .raw(&lzf_str_bytes(&ziplist(&[
            b"#12",
            b"zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz",
        ])));
    let v: Vec<Value> = parse3(&r.finish()).keys.iter().map(|k| k.value()).collect();
    assert_eq!(v[0], list(&["a", "7", "bc"]));
    let Value::ZSet(z) = &v[1] else { panic!() };
    assert_eq!((z[&b"m".to_vec()], z[&b"n".to_vec()]), (3.0, 2.5));
    let Value::Hash(h) = &v[2] else { panic!() };
    assert_eq!(h[&b"g".to_vec()].0, b"0");
    let Value::Hash(h) = &v[3] else { panic!() };
    assert_eq!(
        (
            h[&b"foo".to_vec()].0.as_slice(),
            h[&b"k".to_vec()].0.as_slice()
        ),
        (&b"bar"[..], &b""[..])
    );
    let Value::Set(s) = &v[4] else { panic!() };
    assert!(s.contains(&b"-70000".to_vec()) && s.contains(&b"70000".to_vec()));
    assert_eq!(
        v[5],
        list(&["x", "y", "12", "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"])
    );
}

#[test]
fn quicklist_2_plain_and_packed_nodes() {
    let mut r = Rdb::new(10);
    r.key(18, b"q")
        .len(3)
        .len(2)
        .raw(&str_bytes(&listpack(&[b"a", b"5"])));
    r.len(1).raw(&lzf_str_bytes(&[b'P'; 100]));
    r.len(2)
        .raw(&lzf_str_bytes(&listpack(&[b"tail", &[b't'; 300]])));
    let v = one(&r.finish());
    let Value::List(l) = v else { panic!() };
    assert_eq!(l.len(), 5);
    assert_eq!((l[2].len(), l[4].len()), (100, 300));
    let mut r = Rdb::new(10);
    r.key(18, b"q").len(1).len(3).string(b"x");
    assert!(try_parse(&r.finish(), &chunked()).is_err());
}

#[test]
fn hash_field_expiry_types() {
    let (t1, t2) = (1_900_000_000_000u64, 1_900_000_005_000u64);
    // 24: min expire, then [ttl][field][value] with ttl relative to it (+1), 0 = none.
    let mut r = Rdb::new(12);
    r.key(24, b"h24").raw(&t1.to_le_bytes()).len(3);
    r.len(1)
        .string(b"a")
        .string(b"1")
        .len(0)
        .string(b"b")
        .string(b"2")
        .len(t2 - t1 + 1)
        .string(b"c")
        .string(b"3");
    // 22 (Redis 7.4 RC): absolute ttl before each field.
    r.key(22, b"h22").len(1).len(t2).string(b"a").string(b"1");
    // 25: min expire, then a listpack of field, value, ttl triples (0 = none).
    r.key(25, b"h25").raw(&t1.to_le_bytes());
    let t2s = t2.to_string();
    r.raw(&str_bytes(&listpack(&[
        b"a",
        b"1",
        t2s.as_bytes(),
        b"b",
        b"2",
        b"0",
    ])));
    r.key(23, b"h23")
        .raw(&str_bytes(&listpack(&[b"a", b"1", b"0"])));
    let c = parse3(&r.finish());
    let ttl = |i: usize, f: &str| match c.keys[i].value() {
        Value::Hash(h) => h[&f.as_bytes().to_vec()].1,
        _ => panic!(),
    };
    assert_eq!(
        (ttl(0, "a"), ttl(0, "b"), ttl(0, "c")),
        (Some(t1 as i64), None, Some(t2 as i64))
    );
    assert_eq!(ttl(1, "a"), Some(t2 as i64));
    assert_eq!((ttl(2, "a"), ttl(2, "b")), (Some(t2 as i64), None));
    assert_eq!(ttl(3, "a"), None);
}

#[test]
fn valkey_9_header_and_hash_2() {
    let mut r = Rdb::valkey(80);
    r.aux(b"valkey-ver", b"9.0.0");
    r.key(22, b"h")
        .len(2)
        .string(b"a")
        .string(b"1")
        .raw(&(-1i64).to_le_bytes());
    r.string(b"b")
        .string(b"2")
        .raw(&1_900_000_000_000i64.to_le_bytes());
    let bytes = r.finish();
    let (c, s) = parse_all(&bytes, &chunked(), false);
    assert_eq!(s.rdb_version, 80);
    let Value::Hash(h) = c.keys[0].value() else {
        panic!()
    };
    assert_eq!(
        (h[&b"a".to_vec()].1, h[&b"b".to_vec()].1),
        (None, Some(1_900_000_000_000))
    );
    // Redis-only types do not exist in Valkey's numbering.
    let mut r = Rdb::valkey(80);
    r.key(24, b"h").raw(&[0; 8]).len(0);
    assert!(matches!(
        try_parse(&r.finish(), &chunked()),
        Err(RdbError::UnknownType { byte: 24, .. })
    ));
}

#[test]
fn versions_and_magic() {
    for (head, ok) in [
        (&b"REDIS0001"[..], true),
        (b"REDIS0012", true),
        (b"VALKEY080", true),
        (b"REDIS0013", false),
        (b"VALKEY081", false),
        (b"REDIS0000", false),
        (b"REDIX0011", false),
        (b"REDIS00x1", false),
    ] {
        let mut bytes = head.to_vec();
        bytes.push(255);
        let v: u16 = std::str::from_utf8(&head[head.len() - 3..])
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        if v >= 5 {
            let crc = rdb::crc64(0, &bytes);
            bytes.extend_from_slice(&crc.to_le_bytes());
        }
        let got = try_parse(&bytes, &chunked());
        assert_eq!(got.is_ok(), ok, "{}: {got:?}", head.escape_ascii());
    }
    let e = try_parse(b"REDIS0013\xff", &chunked()).unwrap_err();
    assert!(
        e.to_string().contains("13") && e.to_string().contains("80"),
        "{e}"
    );
}

#[test]
fn unknown_and_unsupported_bytes_name_their_offset() {
    let mut r = Rdb::new(11);
    r.key(0, b"k").string(b"v");
    let at = r.buf.len() as u64;
    r.op(30);
    match try_parse(&r.finish(), &chunked()) {
        Err(RdbError::UnknownType { byte: 30, offset }) => assert_eq!(offset, at),
        other => panic!("{other:?}"),
    }
    for (op, what) in [(243u8, "opcode"), (246, "function"), (6, "module")] {
        let mut r = Rdb::new(11);
        r.op(op).string(b"k");
        let e = try_parse(&r.finish(), &chunked()).unwrap_err();
        assert_eq!(e.offset(), Some(9), "{e}");
        assert!(e.to_string().contains(what), "{e}");
    }
}

#[test]
fn module_values_are_skipped_or_raw() {
    let id: u64 = (0x3f << 10) | 5;
    let mut r = Rdb::new(9);
    r.key(7, b"m")
        .len(id)
        .len(2)
        .raw(&len_bytes(300))
        .len(4)
        .raw(&2.5f64.to_le_bytes())
        .len(5)
        .string(b"blob")
        .len(0);
    r.key(0, b"after").string(b"ok");
    let bytes = r.finish();
    let (c, _) = parse_all(&bytes, &chunked(), false);
    let k = &c.keys[0];
    assert!(k.chunks.is_empty() && k.raw.is_none());
    let m = k.module.as_ref().expect("module_value was called");
    assert_eq!(
        (
            m.module_id,
            m.encoding_version,
            m.name.as_str(),
            m.encoded_len
        ),
        (id, 5, "AAAAAAAA_", 5 + 1 + 2 + 1 + 8 + 1 + 5 + 1) // id, uint, double, string, EOF
    );
    assert_eq!(c.keys[1].value(), Value::String(b"ok".to_vec()));
    let (r, _) = parse_all(&bytes, &ParseOptions::default(), true);
    assert_eq!(r.keys[0].raw.as_ref().unwrap()[0], 7);
}

#[test]
fn raw_values_are_the_exact_file_bytes_and_large_ones_fall_back_to_chunks() {
    let mut r = Rdb::new(11);
    r.key(0, b"small").string(b"hello");
    let value_at = r.buf.len();
    r.key(1, b"big").len(100);
    for i in 0..100 {
        r.string(format!("element-{i}").as_bytes());
    }
    let value_end = r.buf.len();
    let bytes = r.finish();
    let opts = ParseOptions {
        raw_limit: 200,
        ..ParseOptions::default()
    };
    let (c, s) = parse_all(&bytes, &opts, true);
    assert_eq!((s.raw_values, s.chunked_values), (1, 1));
    assert_eq!(&c.keys[0].raw.as_ref().unwrap()[..], b"\x00\x05hello");
    let Value::List(l) = c.keys[1].value() else {
        panic!()
    };
    assert_eq!(l.len(), 100);
    let opts = ParseOptions {
        raw_limit: 10_000,
        ..opts
    };
    let (c, _) = parse_all(&bytes, &opts, true);
    let raw = c.keys[1].raw.as_ref().unwrap();
    assert_eq!(raw[0], 1);
    assert_eq!(&raw[1..], &bytes[value_at + 1 + 4..value_end]);
}

#[test]
fn a_stopping_visitor_stops_the_parse() {
    struct StopAt(usize);
    impl Visitor for StopAt {
        fn key_start(&mut self, _: &rdb::KeyMeta) -> rdb::Flow {
            self.0 -= 1;
            if self.0 == 0 { Err(Stop) } else { Ok(()) }
        }
    }
    let mut r = Rdb::new(11);
    r.key(0, b"a").string(b"1").key(0, b"b").string(b"2");
    let e = rdb::parse(&r.finish()[..], &ParseOptions::default(), &mut StopAt(2)).unwrap_err();
    assert!(matches!(e, RdbError::Stopped { .. }), "{e}");
}
