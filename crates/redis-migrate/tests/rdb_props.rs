//! Property tests: no input (random bytes, mutated crafted and real files) makes the
//! parser or a codec panic, valid inputs round-trip, and
//! LZF decompressed through the streaming window equals whole decompression.

mod rdb_support;

use proptest::prelude::*;
use rdb_support::build::{Rdb, listpack, str_bytes};
use rdb_support::{Collect, Value, tiny_options};
use redis_migrate::rdb::{self, ParseOptions, codec};

fn options() -> impl Strategy<Value = ParseOptions> {
    (0usize..400, 1usize..6, 1usize..40).prop_map(|(raw_limit, batch_items, batch_bytes)| {
        ParseOptions {
            raw_limit,
            batch_items,
            batch_bytes,
            max_string: 1 << 20,
            verify_checksum: true,
        }
    })
}

/// Files written by real servers (Valkey's BSD test data).
const REAL: &[&[u8]] = &[
    include_bytes!("data/rdb/encodings.rdb"),
    include_bytes!("data/rdb/hash-zipmap.rdb"),
    include_bytes!("data/rdb/hash-ziplist.rdb"),
    include_bytes!("data/rdb/zset-ziplist.rdb"),
    include_bytes!("data/rdb/list-quicklist.rdb"),
    include_bytes!("data/rdb/scriptbackup.rdb"),
];

/// A small valid file with most value kinds.
fn seed() -> Vec<u8> {
    let mut r = Rdb::new(11);
    r.aux(b"redis-ver", b"7.2.0")
        .select(1)
        .op(251)
        .len(3)
        .len(1);
    r.op(252).raw(&1_900_000_000_000i64.to_le_bytes());
    r.key(0, b"s")
        .string(b"hello")
        .key(0, b"i")
        .raw(&[0xc1, 0x39, 0x30]);
    r.key(18, b"l")
        .len(1)
        .len(2)
        .raw(&str_bytes(&listpack(&[b"a", b"1", b"xyz"])));
    r.key(16, b"h")
        .raw(&str_bytes(&listpack(&[b"f", b"v", b"g", b"2"])));
    r.key(17, b"z")
        .raw(&str_bytes(&listpack(&[b"m", b"3", b"n", b"1.5"])));
    r.key(20, b"t").raw(&str_bytes(&listpack(&[b"x", b"y"])));
    r.key(1, b"pl").len(2).string(b"p").string(b"q");
    r.key(4, b"ph").len(1).string(b"k").string(b"v");
    r.key(5, b"pz")
        .len(1)
        .string(b"k")
        .raw(&1.0f64.to_le_bytes());
    r.finish()
}

/// A valid LZF stream from tokens: literal runs and back references within reach.
fn lzf_case() -> impl Strategy<Value = (Vec<u8>, Vec<u8>)> {
    prop::collection::vec(
        (
            any::<bool>(),
            1usize..33,
            3usize..265,
            1usize..8193,
            any::<u8>(),
        ),
        1..200,
    )
    .prop_map(|tokens| {
        let (mut comp, mut out) = (Vec::new(), Vec::<u8>::new());
        for (literal, run, len, dist, b) in tokens {
            if literal || out.is_empty() {
                comp.push((run - 1) as u8);
                for k in 0..run {
                    let v = b.wrapping_add(k as u8);
                    comp.push(v);
                    out.push(v);
                }
            } else {
                let dist = dist.min(out.len());
                let d = dist - 1;
                if len - 2 >= 7 {
                    comp.extend_from_slice(&[
                        (7 << 5) | (d >> 8) as u8,
                        (len - 2 - 7) as u8,
                        d as u8,
                    ]);
                } else {
                    comp.extend_from_slice(&[(((len - 2) << 5) | (d >> 8)) as u8, d as u8]);
                }
                let from = out.len() - dist;
                for k in 0..len {
                    let v = out[from + k];
                    out.push(v);
                }
            }
        }
        (comp, out)
    })
}

/// An RDB length in its shortest form.
fn rdb_len(n: usize) -> Vec<u8> {
    match n {
        0..=63 => vec![n as u8],
        64..=16383 => vec![0x40 | (n >> 8) as u8, n as u8],
        _ => {
            let mut v = vec![0x80];
            v.extend_from_slice(&(n as u32).to_be_bytes());
            v
        }
    }
}

proptest! {
    // 256 cases unless PROPTEST_CASES says otherwise (for long runs).
    #[test]
    fn random_bytes_never_panic(tail in prop::collection::vec(any::<u8>(), 0..2000), opts in options(), raw in any::<bool>()) {
        let mut bytes = b"REDIS0011".to_vec();
        bytes.extend_from_slice(&tail);
        let mut c = Collect { want_raw: raw, ..Default::default() };
        let _ = rdb::parse(&bytes[..], &opts, &mut c);
    }

    #[test]
    fn mutated_files_never_panic(
        which in 0usize..REAL.len() + 1,
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        cut in any::<prop::sample::Index>(),
        opts in options(),
        raw in any::<bool>(),
    ) {
        let mut bytes = REAL.get(which).map(|b| b.to_vec()).unwrap_or_else(seed);
        for (at, b) in edits {
            let i = at.index(bytes.len());
            bytes[i] = b;
        }
        let keep = cut.index(bytes.len() + 1);
        for input in [&bytes[..], &bytes[..keep]] {
            let mut c = Collect { want_raw: raw, ..Default::default() };
            let _ = rdb::parse(input, &opts, &mut c);
        }
    }

    #[test]
    fn codecs_never_panic(blob in prop::collection::vec(any::<u8>(), 0..600), expected in any::<u32>()) {
        let _ = codec::listpack_entries(&blob);
        let _ = codec::ziplist_entries(&blob);
        let _ = codec::intset_members(&blob);
        let _ = codec::zipmap_pairs(&blob);
        let _ = codec::lzf_decompress(&blob, expected as usize);
        let mut raw = vec![0u8];
        raw.extend_from_slice(&blob);
        let _ = codec::string_value(&raw, &mut Vec::new());
    }

    #[test]
    fn listpacks_round_trip(items in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..300), 0..60)) {
        let refs: Vec<&[u8]> = items.iter().map(|v| v.as_slice()).collect();
        let got = codec::listpack_entries(&listpack(&refs)).unwrap();
        prop_assert_eq!(got.iter().map(|b| b.to_vec()).collect::<Vec<_>>(), items);
    }

    #[test]
    fn streaming_lzf_equals_whole_lzf((comp, out) in lzf_case(), batch in 1usize..5000) {
        prop_assert_eq!(codec::lzf_decompress(&comp, out.len()).unwrap(), out.clone());
        let mut r = Rdb::new(11);
        r.key(0, b"k").raw(&[0xc3]);
        r.len(comp.len() as u64).len(out.len() as u64).raw(&comp);
        let bytes = r.finish();
        let opts = ParseOptions { raw_limit: 0, batch_bytes: batch, ..tiny_options() };
        let mut c = Collect::default();
        rdb::parse(&bytes[..], &opts, &mut c).unwrap();
        prop_assert_eq!(c.keys[0].value(), Value::String(out));
        prop_assert!(c.largest_chunk.1 <= batch);
    }

    #[test]
    fn string_values_decode_to_what_was_encoded(
        (comp, out) in lzf_case(),
        plain in prop::collection::vec(any::<u8>(), 0..20_000),
        int in any::<i32>(),
    ) {
        let mut scratch = Vec::new();
        let mut lzf = vec![0u8, 0xc3];
        lzf.extend(rdb_len(comp.len()));
        lzf.extend(rdb_len(out.len()));
        lzf.extend_from_slice(&comp);
        prop_assert_eq!(codec::string_value(&lzf, &mut scratch).unwrap(), &out[..]);
        let mut p = vec![0u8];
        p.extend(rdb_len(plain.len()));
        p.extend_from_slice(&plain);
        prop_assert_eq!(codec::string_value(&p, &mut scratch).unwrap(), &plain[..]);
        p.push(0);
        prop_assert!(codec::string_value(&p, &mut scratch).is_err(), "a byte too many");
        p.truncate(p.len() - 2);
        prop_assert!(codec::string_value(&p, &mut scratch).is_err(), "a byte short");
        let mut i = vec![0u8, 0xc2];
        i.extend_from_slice(&int.to_le_bytes());
        let text = int.to_string();
        prop_assert_eq!(codec::string_value(&i, &mut scratch).unwrap(), text.as_bytes());
    }
}
