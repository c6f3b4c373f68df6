//! The verifier against real servers: equal datasets are equal in every mode (also Redis 7.0
//! against Valkey 8.1), each kind of difference is found and reported with its key, a refused
//! `DEBUG` is reported and Full mode still works, and later rounds see a difference heal.

use redis_migrate::endpoint::Endpoint;
use redis_migrate::verify::{DiffKind, Mode, Report, VerifyError, VerifyOptions, verify};
use redis_test_server::{Flavor, Reply, Server, require};
use std::time::Duration;

fn run(server: &Server, cmds: &[Vec<Vec<u8>>]) {
    let mut c = server.connect().unwrap();
    for cmd in cmds {
        c.send(cmd).unwrap();
    }
    for cmd in cmds {
        let r = c.read().unwrap();
        assert!(
            !matches!(r, Reply::Error(_)),
            "{:?}: {r:?}",
            String::from_utf8_lossy(&cmd[0])
        );
    }
}

fn cmd(parts: &[&[u8]]) -> Vec<Vec<u8>> {
    parts.iter().map(|p| p.to_vec()).collect()
}

/// One of everything: big collections (10k members), a string longer than the compare chunk,
/// scores that servers print differently, a stream with a group, TTLs, binary keys, db 2.
fn dataset() -> Vec<Vec<Vec<u8>>> {
    let mut out = Vec::new();
    for i in 0..200 {
        out.push(cmd(&[
            b"SET",
            format!("s:{i}").as_bytes(),
            format!("v{i}").as_bytes(),
        ]));
    }
    out.push(cmd(&[b"SET", b"big", &vec![b'x'; 5000]]));
    out.push(cmd(&[b"SET", b"bin\x00\r\n\xff", b"\x01\x02"]));
    out.push(cmd(&[b"SET", b"ttl", b"t", b"EX", b"3600"]));
    for chunk in (0..10_000).collect::<Vec<u32>>().chunks(1000) {
        let members: Vec<Vec<u8>> = chunk.iter().map(|i| format!("m{i}").into_bytes()).collect();
        let mut sadd = vec![b"SADD".to_vec(), b"set".to_vec()];
        let mut rpush = vec![b"RPUSH".to_vec(), b"list".to_vec()];
        let mut hset = vec![b"HSET".to_vec(), b"hash".to_vec()];
        let mut zadd = vec![b"ZADD".to_vec(), b"zset".to_vec()];
        for (m, i) in members.iter().zip(chunk) {
            sadd.push(m.clone());
            rpush.push(m.clone());
            hset.extend([m.clone(), format!("{i}").into_bytes()]);
            zadd.extend([format!("{}.1", i).into_bytes(), m.clone()]);
        }
        out.extend([sadd, rpush, hset, zadd]);
    }
    out.push(cmd(&[
        b"ZADD", b"scores", b"0.1", b"a", b"-inf", b"b", b"1e300", b"c",
    ]));
    for i in 1..=30 {
        out.push(cmd(&[
            b"XADD",
            b"stream",
            format!("{i}-0").as_bytes(),
            b"f",
            format!("{i}").as_bytes(),
        ]));
    }
    out.push(cmd(&[b"XGROUP", b"CREATE", b"stream", b"g", b"5-0"]));
    out.push(cmd(&[b"SELECT", b"2"]));
    out.push(cmd(&[b"SET", b"in-db2", b"x"]));
    out.push(cmd(&[b"HSET", b"h2", b"f", b"v"]));
    out
}

fn ep(server: &Server) -> Endpoint {
    Endpoint::parse(&server.url()).unwrap()
}

fn options(mode: Mode) -> VerifyOptions {
    VerifyOptions {
        mode,
        chunk_bytes: 1000,
        chunk_items: 300,
        scan_count: 100,
        ..VerifyOptions::default()
    }
}

async fn check(a: &Server, b: &Server, mode: Mode) -> Report {
    verify(&ep(a), &ep(b), &options(mode)).await.unwrap()
}

fn pair(target: Flavor) -> Option<(Server, Server)> {
    let source = require(Flavor::Redis)?.start().unwrap();
    let target = require(target)?.start().unwrap();
    run(&source, &dataset());
    run(&target, &dataset());
    Some((source, target))
}

#[tokio::test]
async fn verify_equal_datasets_are_equal_in_every_mode() {
    for flavor in [Flavor::Redis, Flavor::Valkey] {
        let Some((source, target)) = pair(flavor) else {
            return;
        };
        for mode in [Mode::Digest, Mode::Outline, Mode::Length, Mode::Full] {
            let r = check(&source, &target, mode).await;
            assert!(r.equal, "{flavor:?} {mode:?}: {r}");
            assert_eq!(r.differences(), 0);
            if mode != Mode::Digest || r.mode == "full" {
                // 200 strings + 3 + set, list, hash, zset, scores, stream + 2 in db 2.
                assert_eq!(r.keys_checked, 200 + 3 + 6 + 2, "{flavor:?} {mode:?}: {r}");
            }
        }
        // Redis 7.0 and Valkey 8.1 hash a sorted set's scores as text, printed differently
        // (0.1 is "0.10000000000000001" in 7.0, "0.1" in Valkey 8.1), so their DEBUG DIGEST
        // differs for this dataset: digest mode says so and decides key by key.
        let r = check(&source, &target, Mode::Digest).await;
        match flavor {
            Flavor::Redis => assert_eq!(r.mode, "digest", "{r}"),
            Flavor::Valkey => {
                assert_eq!(r.mode, "full", "{r}");
                assert!(r.notes[0].starts_with("DEBUG DIGEST differs"), "{r}");
            }
        }
    }
}

#[tokio::test]
async fn verify_reports_each_kind_of_difference_with_its_key() {
    let Some((source, target)) = pair(Flavor::Redis) else {
        return;
    };
    run(
        &target,
        &[
            cmd(&[b"DEL", b"s:7"]),                  // missing
            cmd(&[b"SET", b"only-in-target", b"1"]), // extra
            cmd(&[b"DEL", b"s:8"]),
            cmd(&[b"RPUSH", b"s:8", b"now a list"]), // type
            cmd(&[b"SREM", b"set", b"m5000"]),
            cmd(&[b"SADD", b"set", b"m5000x"]), // one member of 10k
            cmd(&[b"HSET", b"hash", b"m9999", b"changed"]), // one field value
            cmd(&[b"ZADD", b"zset", b"1", b"m1234"]), // one score
            cmd(&[b"LSET", b"list", b"7777", b"other"]), // one list element
            cmd(&[b"SETRANGE", b"big", b"4500", b"y"]), // one byte in the last chunk
            cmd(&[b"EXPIRE", b"ttl", b"100"]),  // ttl beyond tolerance
            cmd(&[b"EXPIRE", b"s:9", b"100"]),  // ttl on one side only
            cmd(&[b"SELECT", b"3"]),
            cmd(&[b"SET", b"in-db3", b"x"]), // key in another db
        ],
    );
    let r = check(&source, &target, Mode::Full).await;
    assert!(!r.equal);
    let found: Vec<(u32, String, DiffKind)> = r
        .details
        .iter()
        .map(|d| (d.db, d.display_key(), d.kind))
        .collect();
    let expect = [
        (0, "\"s:7\"", DiffKind::Missing),
        (0, "\"only-in-target\"", DiffKind::Extra),
        (0, "\"s:8\"", DiffKind::Type),
        (0, "\"set\"", DiffKind::Value),
        (0, "\"hash\"", DiffKind::Value),
        (0, "\"zset\"", DiffKind::Value),
        (0, "\"list\"", DiffKind::Value),
        (0, "\"big\"", DiffKind::Value),
        (0, "\"ttl\"", DiffKind::Ttl),
        (0, "\"s:9\"", DiffKind::Ttl),
        (3, "\"in-db3\"", DiffKind::Extra),
    ];
    for e in &expect {
        assert!(
            found
                .iter()
                .any(|f| (f.0, f.1.as_str(), f.2) == (e.0, e.1, e.2)),
            "{e:?} not in {r}"
        );
    }
    assert_eq!(
        (
            r.missing,
            r.extra,
            r.type_mismatch,
            r.value_mismatch,
            r.ttl_mismatch
        ),
        (1, 2, 1, 5, 2),
        "{r}"
    );
    let text = r.to_string();
    assert!(
        text.contains("db0 \"list\" value: source list of 10000, differing at index 7777"),
        "{text}"
    );
    assert!(
        text.contains("db0 \"s:9\" ttl: source no ttl, target ttl "),
        "{text}"
    );

    // Outline sees only existence and type; Length also the lengths (none changed here).
    let r = check(&source, &target, Mode::Outline).await;
    assert_eq!(
        (r.missing, r.extra, r.type_mismatch, r.value_mismatch),
        (1, 2, 1, 0),
        "{r}"
    );
    run(&target, &[cmd(&[b"RPUSH", b"list", b"one more"])]);
    let r = check(&source, &target, Mode::Length).await;
    assert_eq!(r.value_mismatch, 1, "{r}");
    assert!(r.to_string().contains("list of length 10000"), "{r}");

    // The report is capped, the counts are not.
    let capped = VerifyOptions {
        max_details: 2,
        ..options(Mode::Full)
    };
    let r = verify(&ep(&source), &ep(&target), &capped).await.unwrap();
    assert_eq!((r.details.len(), r.differences()), (2, 11));
}

#[tokio::test]
async fn verify_without_debug_reports_why_and_still_compares() {
    let Some(b) = require(Flavor::Redis) else {
        return;
    };
    let source = b.clone().arg("enable-debug-command", "no").start().unwrap();
    let target = b.start().unwrap();
    run(&source, &dataset());
    run(&target, &dataset());
    let r = check(&source, &target, Mode::Digest).await;
    assert!(r.equal, "{r}");
    assert_eq!(r.mode, "full");
    assert!(
        r.notes
            .iter()
            .any(|n| n.contains("the source refused DEBUG DIGEST")),
        "{r}"
    );
    let strict = VerifyOptions {
        digest_fallback: false,
        ..options(Mode::Digest)
    };
    let e = verify(&ep(&source), &ep(&target), &strict)
        .await
        .unwrap_err();
    assert!(
        matches!(e, VerifyError::DigestRefused { side: "source", .. }),
        "{e}"
    );
    // Without DIGEST-VALUE the logical compare still finds a one-member change.
    run(&target, &[cmd(&[b"SREM", b"set", b"m1"])]);
    run(&target, &[cmd(&[b"SADD", b"set", b"m1'"])]);
    let r = check(&source, &target, Mode::Full).await;
    assert_eq!(r.value_mismatch, 1, "{r}");
}

#[tokio::test]
async fn verify_rounds_recheck_only_differences_until_they_heal() {
    let Some(b) = require(Flavor::Redis) else {
        return;
    };
    let source = b.clone().start().unwrap();
    let target = b.start().unwrap();
    let keys: Vec<Vec<Vec<u8>>> = (0..50)
        .map(|i| cmd(&[b"SET", format!("k{i}").as_bytes(), b"v"]))
        .collect();
    run(&source, &keys);
    run(&target, &keys[..49]);
    let opts = VerifyOptions {
        rounds: 3,
        round_interval: Duration::from_millis(1500),
        ..options(Mode::Full)
    };
    let (s, t) = (ep(&source), ep(&target));
    let task = tokio::spawn(async move { verify(&s, &t, &opts).await });
    tokio::time::sleep(Duration::from_millis(500)).await;
    run(&target, &keys[49..]);
    let r = task.await.unwrap().unwrap();
    assert!(r.equal, "{r}");
    assert_eq!((r.rounds, r.keys_checked), (2, 50), "{r}");
    assert!(
        r.notes
            .iter()
            .any(|n| n == "round 2: 0 of 1 differences left"),
        "{r}"
    );

    // A difference that does not heal stays reported after every round.
    run(&target, &[cmd(&[b"DEL", b"k3"])]);
    let opts = VerifyOptions {
        rounds: 2,
        round_interval: Duration::from_millis(10),
        ..options(Mode::Full)
    };
    let r = verify(&ep(&source), &ep(&target), &opts).await.unwrap();
    assert_eq!((r.equal, r.rounds, r.missing), (false, 2, 1), "{r}");
}
