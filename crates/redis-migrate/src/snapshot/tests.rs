use super::*;
use crate::rdb::StreamId;
use crate::resp::{Limits, parse_command};
use crate::target::rewrite::Features;
use bytes::BytesMut;
use std::time::Duration;

const NOW: i64 = 1_700_000_000_000;

fn now() -> i64 {
    NOW
}

fn writer(opts: SnapshotOptions) -> (SnapshotWriter, mpsc::Receiver<Batch>, Arc<Metrics>) {
    let (tx, rx) = mpsc::channel(10_000);
    let metrics = Arc::new(Metrics::new());
    let opts = SnapshotOptions { clock: now, ..opts };
    (SnapshotWriter::new(opts, tx, metrics.clone()), rx, metrics)
}

fn meta(db: u32, key: &str, expire: Option<i64>, rdb_type: u8) -> KeyMeta {
    KeyMeta {
        db,
        key: Bytes::copy_from_slice(key.as_bytes()),
        rdb_type,
        expire_at_ms: expire,
        idle_secs: None,
        lfu_freq: None,
        offset: 0,
    }
}

/// Sends one key through the visitor as a parser would: raw when wanted, else one chunk.
fn key(w: &mut SnapshotWriter, m: &KeyMeta) -> Flow {
    w.key_start(m)?;
    if w.wants_raw(m) {
        w.value_raw(m, Bytes::from_static(b"\x00\x01x"))?;
    } else {
        w.value_chunk(m, ValueChunk::String(Bytes::from_static(b"x")))?;
    }
    w.key_end(m)
}

fn args(b: &Batch) -> Vec<Vec<Vec<u8>>> {
    let mut buf = BytesMut::from(&b.bytes()[..]);
    let mut cmds = Vec::new();
    while let Some(c) = parse_command(&mut buf, &Limits::default()).unwrap() {
        cmds.push(c.args().map(<[u8]>::to_vec).collect());
    }
    cmds
}

fn drain(rx: &mut mpsc::Receiver<Batch>) -> Vec<(Vec<Vec<String>>, Ack, Replay)> {
    let mut out = Vec::new();
    while let Ok(b) = rx.try_recv() {
        let mut buf = BytesMut::from(&b.bytes()[..]);
        let mut cmds = Vec::new();
        while let Some(c) = parse_command(&mut buf, &Limits::default()).unwrap() {
            cmds.push(
                c.args()
                    .map(|a| String::from_utf8_lossy(a).into_owned())
                    .collect(),
            );
        }
        out.push((cmds, b.ack(), b.replay()));
    }
    out
}

#[test]
fn full_mode_skips_expired_keys_and_writes_absolute_expires() {
    let (mut w, mut rx, metrics) = writer(SnapshotOptions::default());
    w.header(10).unwrap();
    key(&mut w, &meta(0, "gone", Some(NOW - 1), 0)).unwrap();
    key(&mut w, &meta(0, "later", Some(NOW + 5000), 0)).unwrap();
    key(&mut w, &meta(0, "forever", None, 0)).unwrap();
    key(&mut w, &meta(0, "hash", None, 4)).unwrap();
    assert!(
        drain(&mut rx).is_empty(),
        "small keys wait for a full batch"
    );
    w.eof(true).unwrap();
    let batches = drain(&mut rx);
    assert_eq!(batches.len(), 1);
    let (cmds, ack, replay) = &batches[0];
    assert_eq!(cmds[0], ["SELECT", "0"]);
    assert_eq!(cmds[1], ["SET", "later", "x", "PXAT", "1700000005000"]);
    assert_eq!(cmds[2][..3], ["RESTORE", "hash", "0"]);
    assert_eq!(cmds[2][4..], ["REPLACE", "ABSTTL"]);
    assert_eq!(
        cmds[3],
        ["MSET", "forever", "x"],
        "a plain string without an expire is an MSET pair"
    );
    assert_eq!(
        *ack,
        Ack::KeysDone {
            keys: 3,
            file_keys: 4
        },
        "the skipped key counts as done"
    );
    assert_eq!(*replay, Replay::Idempotent);
    let s = w.finish().unwrap();
    assert_eq!(
        (s.keys_seen, s.keys_skipped_expired, s.keys_restored),
        (4, 1, 3)
    );
    assert_eq!(metrics.snapshot().keys_skipped_expired, 1);
}

#[test]
fn small_keys_go_out_in_groups_and_a_rewrite_sends_the_keys_before_it() {
    let opts = SnapshotOptions {
        group_keys: 2,
        batch_commands: 100,
        ..SnapshotOptions::default()
    };
    let (mut w, mut rx, _) = writer(opts);
    w.header(10).unwrap();
    for k in ["a", "b", "c"] {
        key(&mut w, &meta(0, k, None, 0)).unwrap();
    }
    // A value the parser decodes (too large for the raw path): rewritten.
    let big = meta(0, "big", None, 0);
    w.key_start(&big).unwrap();
    w.value_chunk(&big, ValueChunk::String(Bytes::from_static(b"y")))
        .unwrap();
    w.key_end(&big).unwrap();
    key(&mut w, &meta(0, "d", None, 0)).unwrap();
    w.eof(true).unwrap();
    let b = drain(&mut rx);
    let shape: Vec<(Vec<&str>, Ack)> = b
        .iter()
        .map(|(cmds, ack, _)| (cmds.iter().map(|c| c[0].as_str()).collect(), *ack))
        .collect();
    assert_eq!(
        shape,
        [
            (
                vec!["SELECT", "MSET"],
                Ack::KeysDone {
                    keys: 2,
                    file_keys: 2
                }
            ),
            (
                vec!["MSET"],
                Ack::KeysDone {
                    keys: 1,
                    file_keys: 3
                }
            ),
            (vec!["DEL", "SET"], Ack::KeyDone { file_keys: 4 }),
            (
                vec!["MSET"],
                Ack::KeysDone {
                    keys: 1,
                    file_keys: 5
                }
            ),
        ]
    );
    assert_eq!(b[0].0[1], ["MSET", "a", "x", "b", "x"]);
}

#[test]
fn strings_stored_as_integers_or_lzf_are_decoded_for_mset() {
    let (mut w, mut rx, _) = writer(SnapshotOptions::default());
    w.header(10).unwrap();
    for (k, raw) in [
        ("int", &b"\x00\xc1\x39\x30"[..]),
        ("neg", b"\x00\xc0\xfe"),
        // LZF: "aaaa" = literal 'a' + a back reference of 3 at distance 1.
        ("lzf", b"\x00\xc3\x04\x04\x00a\x20\x00"),
    ] {
        let m = meta(0, k, None, 0);
        w.key_start(&m).unwrap();
        w.value_raw(&m, Bytes::from_static(raw)).unwrap();
        w.key_end(&m).unwrap();
    }
    // Damaged: left to RESTORE, whose payload check the target makes.
    let m = meta(0, "bad", None, 0);
    w.key_start(&m).unwrap();
    w.value_raw(&m, Bytes::from_static(b"\x00\x05ab")).unwrap();
    w.key_end(&m).unwrap();
    w.eof(true).unwrap();
    let cmds = &drain(&mut rx)[0].0;
    assert_eq!(cmds[1][..2], ["RESTORE", "bad"]);
    assert_eq!(
        cmds[2],
        ["MSET", "int", "12345", "neg", "-2", "lzf", "aaaa"]
    );
}

#[test]
fn incremental_mode_pushes_near_expires_to_the_grace_period() {
    let opts = SnapshotOptions {
        mode: Mode::Incremental,
        expire_grace: Duration::from_secs(60),
        ..SnapshotOptions::default()
    };
    let (mut w, mut rx, _) = writer(opts);
    w.header(10).unwrap();
    key(&mut w, &meta(0, "expired", Some(NOW - 10_000), 0)).unwrap();
    key(&mut w, &meta(0, "soon", Some(NOW + 1000), 0)).unwrap();
    key(&mut w, &meta(0, "far", Some(NOW + 3_600_000), 0)).unwrap();
    key(&mut w, &meta(0, "hash", Some(NOW + 1000), 4)).unwrap();
    w.eof(true).unwrap();
    let b = drain(&mut rx);
    let ttl = |i: usize| b[0].0[i + 1][4].clone();
    assert_eq!(ttl(0), (NOW + 60_000).to_string());
    assert_eq!(ttl(1), (NOW + 60_000).to_string());
    assert_eq!(ttl(2), (NOW + 3_600_000).to_string());
    assert_eq!(
        b[0].0[4][..3],
        ["RESTORE", "hash", &(NOW + 60_000).to_string()]
    );
    assert_eq!(w.finish().unwrap().keys_expire_extended, 3);
}

#[test]
fn strings_with_an_expire_are_restored_on_a_target_without_set_pxat() {
    let opts = SnapshotOptions {
        features: Features {
            set_pxat: false,
            ..Features::default()
        },
        ..SnapshotOptions::default()
    };
    let (mut w, mut rx, _) = writer(opts);
    w.header(10).unwrap();
    key(&mut w, &meta(0, "later", Some(NOW + 5000), 0)).unwrap();
    key(&mut w, &meta(0, "forever", None, 0)).unwrap();
    w.eof(true).unwrap();
    let cmds = &drain(&mut rx)[0].0;
    assert_eq!(cmds[1][..3], ["RESTORE", "later", "1700000005000"]);
    assert_eq!(cmds[2], ["MSET", "forever", "x"]);
}

#[test]
fn hash_field_ttls_follow_the_policy() {
    let opts = SnapshotOptions {
        mode: Mode::Incremental,
        expire_grace: Duration::from_secs(60),
        raw_allowed: false,
        features: Features {
            hash_field_ttl: true,
            ..Features::default()
        },
        ..SnapshotOptions::default()
    };
    let (mut w, mut rx, _) = writer(opts);
    w.header(12).unwrap();
    let m = meta(0, "h", None, 4);
    w.key_start(&m).unwrap();
    let field = |name: &'static str, at| crate::rdb::HashField {
        field: Bytes::from_static(name.as_bytes()),
        value: Bytes::from_static(b"v"),
        expire_at_ms: Some(at),
    };
    w.value_chunk(
        &m,
        ValueChunk::HashFields(vec![field("soon", NOW + 1), field("far", NOW + 999_999)]),
    )
    .unwrap();
    w.key_end(&m).unwrap();
    let cmds: Vec<Vec<String>> = drain(&mut rx).into_iter().flat_map(|b| b.0).collect();
    let at = |c: &Vec<String>| c[2].clone();
    let ttl: Vec<(String, String)> = cmds
        .iter()
        .filter(|c| c[0] == "HPEXPIREAT")
        .map(|c| (at(c), c[5].clone()))
        .collect();
    assert_eq!(
        ttl,
        [
            ((NOW + 60_000).to_string(), "soon".to_string()),
            ((NOW + 999_999).to_string(), "far".to_string())
        ]
    );
}

#[test]
fn resume_skips_the_first_keys_and_selects_only_on_changes() {
    let opts = SnapshotOptions {
        skip_keys: 2,
        ..SnapshotOptions::default()
    };
    let (mut w, mut rx, _) = writer(opts);
    w.header(10).unwrap();
    for (db, k) in [(0, "a"), (0, "b"), (0, "c"), (0, "d"), (3, "e")] {
        key(&mut w, &meta(db, k, None, 0)).unwrap();
    }
    w.eof(true).unwrap();
    let b = drain(&mut rx);
    assert_eq!(
        b[0].0,
        [
            vec!["SELECT", "0"],
            vec!["MSET", "c", "x", "d", "x"],
            vec!["SELECT", "3"],
            vec!["MSET", "e", "x"],
        ]
    );
    assert_eq!(
        b[0].1,
        Ack::KeysDone {
            keys: 3,
            file_keys: 5
        }
    );
    assert_eq!(w.finish().unwrap().keys_skipped_resume, 2);
}

#[test]
fn a_newer_source_rdb_version_means_rewrite_except_for_module_values() {
    let opts = SnapshotOptions {
        target_rdb_version: Some(10),
        ..SnapshotOptions::default()
    };
    let (mut w, mut rx, metrics) = writer(opts);
    w.header(11).unwrap();
    assert!(!w.uses_restore());
    key(&mut w, &meta(0, "s", Some(NOW + 1), 0)).unwrap();
    key(&mut w, &meta(0, "m", None, 7)).unwrap();
    w.eof(true).unwrap();
    let b = drain(&mut rx);
    assert_eq!(b[0].0, [vec!["SELECT", "0"]]);
    assert_eq!(
        b[1].0,
        [
            vec!["DEL", "s"],
            vec!["SET", "s", "x"],
            vec!["PEXPIREAT", "s", &(NOW + 1).to_string()],
        ]
    );
    assert_eq!(b[2].0[0][0], "RESTORE", "module values only exist raw");
    assert!(
        metrics
            .events()
            .iter()
            .any(|e| e.message.contains("RDB version 11"))
    );
    // The same version as the target: RESTORE, with the source's version in the payload.
    let (mut w, mut rx, _) = writer(opts);
    w.header(10).unwrap();
    key(&mut w, &meta(0, "s", None, 4)).unwrap();
    w.eof(true).unwrap();
    let restore = &args(&rx.try_recv().unwrap())[1];
    assert_eq!(restore[0], b"RESTORE");
    assert_eq!(
        crate::target::restore::payload_version(&restore[3]),
        Some(10)
    );
}

#[test]
fn large_rewrites_are_cut_into_chained_batches() {
    let opts = SnapshotOptions {
        raw_allowed: false,
        batch_commands: 3,
        ..SnapshotOptions::default()
    };
    let (mut w, mut rx, _) = writer(opts);
    w.header(10).unwrap();
    let m = meta(0, "l", None, 18);
    w.key_start(&m).unwrap();
    assert!(!w.wants_raw(&m));
    for i in 0..5 {
        w.value_chunk(&m, ValueChunk::ListItems(vec![Bytes::from(i.to_string())]))
            .unwrap();
    }
    w.key_end(&m).unwrap();
    let b = drain(&mut rx);
    let shape: Vec<(usize, Ack, Replay)> = b.iter().map(|(c, a, r)| (c.len(), *a, *r)).collect();
    assert_eq!(
        shape,
        [
            (1, Ack::None, Replay::Idempotent), // SELECT
            (3, Ack::None, Replay::Idempotent), // DEL, RPUSH, RPUSH
            (3, Ack::None, Replay::Chained),
            (0, Ack::KeyDone { file_keys: 1 }, Replay::Chained),
        ]
    );
    assert_eq!(b[1].0[0], ["DEL", "l"]);
}

#[test]
fn scripts_and_functions() {
    let (mut w, mut rx, _) = writer(SnapshotOptions::default());
    w.aux(b"redis-ver", b"6.2.0").unwrap();
    w.aux(b"lua", b"return 1").unwrap();
    w.function(Bytes::from_static(b"#!lua name=lib\n")).unwrap();
    let b = drain(&mut rx);
    assert_eq!(b[0].0, [vec!["SCRIPT", "LOAD", "return 1"]]);
    assert_eq!(b[1].0[0][..3], ["FUNCTION", "LOAD", "REPLACE"]);

    let opts = SnapshotOptions {
        target_has_functions: false,
        ..SnapshotOptions::default()
    };
    let (mut w, _rx, _) = writer(opts);
    assert_eq!(w.function(Bytes::from_static(b"x")), Err(Stop));
    assert_eq!(w.finish(), Err(SnapshotError::FunctionsUnsupported));
}

#[test]
fn a_gone_pipeline_stops_the_parser() {
    let (mut w, rx, _) = writer(SnapshotOptions::default());
    drop(rx);
    w.header(10).unwrap();
    assert_eq!(key(&mut w, &meta(0, "a", None, 0)), Ok(()), "not sent yet");
    assert_eq!(w.eof(true), Err(Stop));
    let err = w.finish().unwrap_err();
    assert_eq!(err, SnapshotError::PipelineGone { file_keys: 1 });
    let _ = StreamId::default();
}

#[test]
fn an_empty_collection_first_in_a_database_keeps_its_select() {
    let (mut w, mut rx, _) = writer(SnapshotOptions::default());
    w.header(10).unwrap();
    key(&mut w, &meta(0, "a", None, 0)).unwrap();
    // Redis skips empty collections on load; the parser reports them without a value.
    let empty = meta(1, "empty", None, 2);
    w.key_start(&empty).unwrap();
    w.key_end(&empty).unwrap();
    key(&mut w, &meta(1, "b", None, 0)).unwrap();
    w.eof(true).unwrap();
    let cmds: Vec<Vec<String>> = drain(&mut rx).into_iter().flat_map(|b| b.0).collect();
    assert_eq!(
        cmds,
        [
            vec!["SELECT", "0"],
            vec!["MSET", "a", "x"],
            vec!["SELECT", "1"],
            vec!["MSET", "b", "x"],
        ]
    );
}
