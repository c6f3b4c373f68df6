use super::*;
use crate::rdb::{Consumer, PendingEntry, StreamEntry};
use crate::resp::{Limits, parse_command};
use crate::target::{Ack, Replay};
use bytes::BytesMut;
use proptest::prelude::*;

fn commands(b: BatchBuilder) -> Vec<Vec<String>> {
    let batch = b.finish(Ack::None, Replay::Idempotent);
    let mut buf = BytesMut::from(&batch.bytes()[..]);
    let mut out = Vec::new();
    while let Some(cmd) = parse_command(&mut buf, &Limits::default()).unwrap() {
        out.push(
            cmd.args()
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .collect(),
        );
    }
    out
}

fn bytes(s: &str) -> Bytes {
    Bytes::copy_from_slice(s.as_bytes())
}

fn id(ms: u64, seq: u64) -> StreamId {
    StreamId { ms, seq }
}

#[test]
fn collections_start_with_del_and_end_with_pexpireat() {
    let mut b = BatchBuilder::new();
    let mut k = KeyRewrite::start(&mut b, bytes("l"));
    k.chunk(
        &mut b,
        &ValueChunk::ListItems(vec![bytes("a"), bytes("b")]),
        Features::default(),
    );
    k.chunk(&mut b, &ValueChunk::ListItems(vec![]), Features::default());
    k.chunk(
        &mut b,
        &ValueChunk::ListItems(vec![bytes("c")]),
        Features::default(),
    );
    assert_eq!(k.finish(&mut b, Some(1_800_000_000_000)), 0);
    assert_eq!(
        commands(b),
        [
            vec!["DEL", "l"],
            vec!["RPUSH", "l", "a", "b"],
            vec!["RPUSH", "l", "c"],
            vec!["PEXPIREAT", "l", "1800000000000"],
        ]
    );
}

#[test]
fn strings_are_set_then_appended() {
    let mut b = BatchBuilder::new();
    let mut k = KeyRewrite::start(&mut b, bytes("s"));
    for piece in ["ab", "cd"] {
        k.chunk(
            &mut b,
            &ValueChunk::String(bytes(piece)),
            Features::default(),
        );
    }
    k.finish(&mut b, None);
    assert_eq!(
        commands(b),
        [
            vec!["DEL", "s"],
            vec!["SET", "s", "ab"],
            vec!["APPEND", "s", "cd"]
        ]
    );
}

#[test]
fn zsets_and_hashes() {
    let mut b = BatchBuilder::new();
    let mut k = KeyRewrite::start(&mut b, bytes("z"));
    k.chunk(
        &mut b,
        &ValueChunk::ZSetMembers(vec![
            (bytes("a"), f64::NEG_INFINITY),
            (bytes("b"), 0.1),
            (bytes("c"), 1e300),
        ]),
        Features::default(),
    );
    let field = |f: &str, t: Option<i64>| HashField {
        field: bytes(f),
        value: bytes("v"),
        expire_at_ms: t,
    };
    let fields = vec![
        field("f1", Some(9)),
        field("f2", None),
        field("f3", Some(9)),
    ];
    k.chunk(
        &mut b,
        &ValueChunk::HashFields(fields.clone()),
        Features::default(),
    );
    assert_eq!(k.lost_field_ttls, 2, "Redis 7.0 has no HPEXPIREAT: counted");
    let with_ttl = Features {
        hash_field_ttl: true,
        ..Features::default()
    };
    k.chunk(&mut b, &ValueChunk::HashFields(fields), with_ttl);
    let cmds = commands(b);
    assert_eq!(
        cmds[1],
        ["ZADD", "z", "-inf", "a", "0.1", "b", "1e300", "c"]
    );
    assert_eq!(cmds[2], ["HSET", "z", "f1", "v", "f2", "v", "f3", "v"]);
    assert_eq!(cmds[4], ["HPEXPIREAT", "z", "9", "FIELDS", "2", "f1", "f3"]);
    assert_eq!(cmds.len(), 5);
}

#[test]
fn streams_with_groups_consumers_and_pending_entries() {
    let mut b = BatchBuilder::new();
    let mut k = KeyRewrite::start(&mut b, bytes("s"));
    let f = Features::default();
    k.chunk(
        &mut b,
        &ValueChunk::StreamEntries(vec![StreamEntry {
            id: id(1, 1),
            fields: vec![(bytes("f"), bytes("v"))],
        }]),
        f,
    );
    k.chunk(
        &mut b,
        &ValueChunk::StreamMeta(StreamMeta {
            length: 1,
            last_id: id(5, 0),
            first_id: Some(id(1, 1)),
            max_deleted_id: Some(id(2, 1)),
            entries_added: Some(7),
        }),
        f,
    );
    let pending = |n: u64, c: &str, t: u64| PendingEntry {
        id: id(1, n),
        delivery_time_ms: t,
        delivery_count: 3,
        consumer: bytes(c),
    };
    k.chunk(
        &mut b,
        &ValueChunk::StreamGroup(StreamGroup {
            name: bytes("g"),
            last_id: id(1, 1),
            entries_read: Some(1),
            pending: vec![
                pending(1, "c2", 100),
                pending(2, "c2", 100),
                pending(3, "c1", 100),
            ],
            consumers: vec![
                Consumer {
                    name: bytes("c1"),
                    seen_time_ms: 1,
                    active_time_ms: None,
                },
                Consumer {
                    name: bytes("c2"),
                    seen_time_ms: 1,
                    active_time_ms: None,
                },
            ],
        }),
        f,
    );
    let cmds = commands(b);
    let expect: Vec<Vec<&str>> = vec![
        vec!["DEL", "s"],
        vec!["XADD", "s", "1-1", "f", "v"],
        vec![
            "XSETID",
            "s",
            "5-0",
            "ENTRIESADDED",
            "7",
            "MAXDELETEDID",
            "2-1",
        ],
        vec!["XGROUP", "CREATE", "s", "g", "1-1", "ENTRIESREAD", "1"],
        vec!["XGROUP", "CREATECONSUMER", "s", "g", "c1"],
        vec!["XGROUP", "CREATECONSUMER", "s", "g", "c2"],
        vec![
            "XCLAIM",
            "s",
            "g",
            "c2",
            "0",
            "1-1",
            "1-2",
            "TIME",
            "100",
            "RETRYCOUNT",
            "3",
            "FORCE",
            "JUSTID",
        ],
        vec![
            "XCLAIM",
            "s",
            "g",
            "c1",
            "0",
            "1-3",
            "TIME",
            "100",
            "RETRYCOUNT",
            "3",
            "FORCE",
            "JUSTID",
        ],
    ];
    assert_eq!(cmds, expect);
}

#[test]
fn an_empty_stream_is_created_through_a_throwaway_group() {
    let mut b = BatchBuilder::new();
    let mut k = KeyRewrite::start(&mut b, bytes("e"));
    let meta = StreamMeta {
        last_id: id(3, 0),
        ..StreamMeta::default()
    };
    let old = Features {
        stream_meta: false,
        hash_field_ttl: false,
        set_pxat: true,
    };
    k.chunk(&mut b, &ValueChunk::StreamMeta(meta), old);
    let cmds = commands(b);
    assert_eq!(cmds[1][..2], ["XGROUP", "CREATE"]);
    assert_eq!(cmds[1].last().map(String::as_str), Some("MKSTREAM"));
    assert_eq!(cmds[2][..2], ["XGROUP", "DESTROY"]);
    assert_eq!(
        cmds[3],
        ["XSETID", "e", "3-0"],
        "no 7.0 options on an older target"
    );
}

#[test]
fn scores_print_as_redis_parses_them() {
    assert_eq!(format_score(f64::INFINITY), "+inf");
    assert_eq!(format_score(-0.0), "-0");
    assert_eq!(format_score(1.5), "1.5");
    assert_eq!(format_score(1e-300), "1e-300");
    assert_eq!(format_score(123_456_789_012.0), "123456789012");
}

proptest! {
    #[test]
    fn every_finite_score_round_trips(bits in any::<u64>()) {
        let x = f64::from_bits(bits);
        prop_assume!(x.is_finite());
        let text = format_score(x);
        let back: f64 = text.parse().unwrap();
        prop_assert_eq!(back.to_bits(), x.to_bits(), "{}", text);
        prop_assert!(text.len() <= 24, "{}", text);
    }
}
