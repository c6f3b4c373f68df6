//! Crafted streams (types 15 and 21, with a deleted entry, a group, a pending entry and its
//! consumer) and the raw path's checks of blob headers.

mod rdb_support;

use rdb_support::build::{Rdb, listpack, str_bytes, ziplist};
use rdb_support::{Value, one, parse_all, try_parse};
use redis_migrate::rdb::{ParseOptions, RdbError};

#[test]
fn the_raw_path_checks_blob_headers() {
    for (t, blob) in [
        (16u8, listpack(&[b"f", b"v"])),
        (10, ziplist(&[b"a"])),
        (
            11,
            [2u32.to_le_bytes(), 1u32.to_le_bytes()]
                .concat()
                .into_iter()
                .chain([1, 0])
                .collect(),
        ),
    ] {
        let mut good = Rdb::new(11);
        good.key(t, b"k").raw(&str_bytes(&blob));
        parse_all(&good.finish(), &ParseOptions::default(), true);
        let mut bad_blob = blob.clone();
        if t == 11 {
            bad_blob[4] = 2; // two members in a blob that holds one
        } else {
            *bad_blob.last_mut().unwrap() = 0; // no end marker
        }
        let mut bad = Rdb::new(11);
        bad.key(t, b"k").raw(&str_bytes(&bad_blob));
        let r = try_parse(&bad.finish(), &ParseOptions::default());
        let e = r.expect_err(&format!("type {t}"));
        assert!(matches!(e, RdbError::BadEncoding { .. }), "type {t}: {e}");
    }
}

fn id16(ms: u64, seq: u64) -> Vec<u8> {
    [ms.to_be_bytes(), seq.to_be_bytes()].concat()
}

/// A stream of type 15 (Redis 5/6) or 21 (Redis 7.2+, Valkey): one node with a deleted
/// entry, one group with a pending entry owned by a consumer.
fn stream_file(t: u8) -> Vec<u8> {
    let node = listpack(&[
        b"2", b"1", b"2", b"f1", b"f2", b"0", // master: 2 live, 1 deleted, fields f1 f2
        b"2", b"0", b"0", b"a", b"b", b"5", // same fields, id +0-+0
        b"3", b"1", b"0", b"c", b"d", b"5", // deleted
        b"0", b"2", b"5", b"1", b"g", b"h", b"6", // own fields, id +2-+5
    ]);
    let mut r = Rdb::new(if t == 15 { 9 } else { 11 });
    r.key(t, b"st")
        .len(1)
        .raw(&str_bytes(&id16(1000, 0)))
        .raw(&str_bytes(&node));
    r.len(2).len(1002).len(5);
    if t >= 19 {
        r.len(1000).len(0).len(1001).len(0).len(3); // first id, max deleted id, entries added
    }
    r.len(1).string(b"grp").len(1000).len(0);
    if t >= 19 {
        r.len(1);
    }
    r.len(1)
        .raw(&id16(1000, 0))
        .raw(&1_700_000_000_000u64.to_le_bytes())
        .len(3);
    r.len(1)
        .string(b"alice")
        .raw(&1_700_000_000_500u64.to_le_bytes());
    if t >= 21 {
        r.raw(&1_700_000_000_400u64.to_le_bytes());
    }
    r.len(1).raw(&id16(1000, 0));
    r.finish()
}

#[test]
fn streams_of_type_15_and_21() {
    for t in [15u8, 21] {
        let Value::Stream(s) = one(&stream_file(t)) else {
            panic!()
        };
        let ids: Vec<(u64, u64)> = s.entries.iter().map(|(id, _)| (id.ms, id.seq)).collect();
        assert_eq!(ids, [(1000, 0), (1002, 5)], "type {t}");
        assert_eq!(
            s.entries[0].1,
            vec![
                (b"f1".to_vec(), b"a".to_vec()),
                (b"f2".to_vec(), b"b".to_vec())
            ]
        );
        assert_eq!(s.entries[1].1, vec![(b"g".to_vec(), b"h".to_vec())]);
        let m = s.meta.unwrap();
        assert_eq!((m.length, m.last_id.ms, m.last_id.seq), (2, 1002, 5));
        assert_eq!(m.entries_added, (t >= 19).then_some(3));
        let g = &s.groups[0];
        assert_eq!(
            (&g.name[..], g.entries_read),
            (&b"grp"[..], (t >= 19).then_some(1))
        );
        assert_eq!(
            (&g.pending[0].consumer[..], g.pending[0].delivery_count),
            (&b"alice"[..], 3)
        );
        assert_eq!(
            g.consumers[0].active_time_ms,
            (t >= 21).then_some(1_700_000_000_400)
        );
    }
}
