use super::*;
use proptest::prelude::*;

fn cmd(args: &[&str]) -> Command {
    Command::from_args(args)
}

fn send(step: Step) -> Batch {
    match step {
        Step::Send(b) => b,
        other => panic!("expected Send, got {other:?}"),
    }
}

fn names(b: &Batch) -> Vec<String> {
    b.cmds().iter().map(|c| c.name_upper()).collect()
}

#[test]
fn commands_are_forwarded_byte_for_byte_with_their_offset() {
    let mut a = Applier::new(ApplyOptions::default());
    let set = cmd(&["set", "k", "v"]);
    let b = send(a.push(&set, 100).unwrap());
    assert_eq!(b.bytes(), set.raw());
    assert_eq!(b.ack(), Ack::Offset(100));
    assert_eq!(b.replay(), Replay::Idempotent);
    assert_eq!(b.cmds()[0].key.as_deref(), Some(&b"k"[..]));
    let incr = send(a.push(&cmd(&["INCR", "n"]), 120).unwrap());
    assert_eq!(incr.replay(), Replay::Never);
}

#[test]
fn link_and_sentinel_chatter_and_flushes_are_dropped() {
    let mut a = Applier::new(ApplyOptions::default());
    let dropped = [
        cmd(&["PING"]),
        cmd(&["REPLCONF", "GETACK", "*"]),
        cmd(&["PUBLISH", "__sentinel__:hello", "x"]),
        cmd(&["FLUSHALL"]),
        cmd(&["flushdb", "ASYNC"]),
        Command::from_args::<&str>(&[]),
    ];
    for (i, c) in dropped.iter().enumerate() {
        match a.push(c, i as u64 + 1).unwrap() {
            Step::Drop(batch) => {
                assert!(batch.is_empty());
                assert_eq!(batch.ack(), Ack::Offset(i as u64 + 1));
                assert_eq!(a.dropped(), i as u64 + 1);
            }
            other => panic!("{c:?} gave {other:?}"),
        }
    }
    // Other channels are ordinary commands.
    let publish = send(a.push(&cmd(&["PUBLISH", "news", "x"]), 50).unwrap());
    assert_eq!(publish.cmds()[0].key, None);
    let keep = ApplyOptions {
        keep_flush: true,
        ..ApplyOptions::default()
    };
    let mut a = Applier::new(keep);
    assert_eq!(
        names(&send(a.push(&cmd(&["FLUSHALL"]), 1).unwrap())),
        ["FLUSHALL"]
    );
}

#[test]
fn select_is_tracked() {
    let mut a = Applier::new(ApplyOptions::default());
    assert_eq!(a.current_db(), 0);
    let b = send(a.push(&cmd(&["SELECT", "5"]), 10).unwrap());
    assert_eq!(b.cmds()[0].select, Some(5));
    assert_eq!(a.current_db(), 5);
}

#[test]
fn a_transaction_is_held_and_sent_as_one_atomic_batch() {
    let mut a = Applier::new(ApplyOptions::default());
    let parts = [
        cmd(&["MULTI"]),
        cmd(&["SELECT", "2"]),
        cmd(&["SET", "a", "1"]),
        cmd(&["PING"]),
        cmd(&["INCR", "n"]),
    ];
    for (i, c) in parts.iter().enumerate() {
        assert!(matches!(a.push(c, i as u64 + 1).unwrap(), Step::Hold));
    }
    assert!(a.in_transaction());
    let b = send(a.push(&cmd(&["EXEC"]), 9).unwrap());
    assert!(b.is_atomic());
    assert_eq!(names(&b), ["MULTI", "SELECT", "SET", "INCR", "EXEC"]);
    assert_eq!(b.ack(), Ack::Offset(9));
    assert_eq!(b.replay(), Replay::Never, "INCR inside");
    assert_eq!(a.current_db(), 2);
    // All idempotent inside: the transaction may be replayed.
    a.push(&cmd(&["MULTI"]), 10).unwrap();
    a.push(&cmd(&["SET", "a", "1"]), 11).unwrap();
    a.push(&cmd(&["DEL", "b"]), 12).unwrap();
    assert_eq!(
        send(a.push(&cmd(&["EXEC"]), 13).unwrap()).replay(),
        Replay::Idempotent
    );
}

#[test]
fn discard_drops_the_transaction_and_its_select() {
    let mut a = Applier::new(ApplyOptions::default());
    a.push(&cmd(&["MULTI"]), 1).unwrap();
    a.push(&cmd(&["SELECT", "7"]), 2).unwrap();
    a.push(&cmd(&["SET", "a", "1"]), 3).unwrap();
    match a.push(&cmd(&["DISCARD"]), 4).unwrap() {
        Step::Drop(batch) => assert_eq!(batch.ack(), Ack::Offset(4)),
        other => panic!("{other:?}"),
    }
    assert_eq!(a.current_db(), 0);
    assert!(!a.in_transaction());
    assert_eq!(a.dropped(), 4);
    // PING inside a transaction that is executed is dropped too, and counted.
    a.push(&cmd(&["MULTI"]), 5).unwrap();
    a.push(&cmd(&["PING"]), 6).unwrap();
    assert_eq!(
        names(&send(a.push(&cmd(&["EXEC"]), 7).unwrap())),
        ["MULTI", "EXEC"]
    );
    assert_eq!(a.dropped(), 5);
}

#[test]
fn transactions_are_bounded_and_misplaced_commands_are_errors() {
    let small = ApplyOptions {
        max_transaction_commands: 3,
        ..ApplyOptions::default()
    };
    let mut a = Applier::new(small);
    a.push(&cmd(&["MULTI"]), 1).unwrap();
    a.push(&cmd(&["SET", "a", "1"]), 2).unwrap();
    a.push(&cmd(&["SET", "b", "1"]), 3).unwrap();
    let err = a.push(&cmd(&["SET", "c", "1"]), 4).unwrap_err();
    assert!(
        matches!(
            err,
            ApplyError::TransactionTooLarge {
                limit: 3,
                offset: 4,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("offset 4"), "{err}");

    let mut a = Applier::new(ApplyOptions::default());
    assert!(matches!(
        a.push(&cmd(&["EXEC"]), 1),
        Err(ApplyError::Unexpected { offset: 1, .. })
    ));
    a.push(&cmd(&["MULTI"]), 2).unwrap();
    assert!(a.push(&cmd(&["MULTI"]), 3).is_err());
    assert!(matches!(
        a.push(&cmd(&["SET", "a", "b"]), 3),
        Err(ApplyError::OffsetBackwards { offset: 3, last: 3 })
    ));
}

#[test]
fn keys_and_replay_classes() {
    assert_eq!(
        command_key(&cmd(&["EVAL", "s", "1", "k", "a"])).as_deref(),
        Some(&b"k"[..])
    );
    assert_eq!(command_key(&cmd(&["EVALSHA", "s", "0"])), None);
    assert_eq!(command_key(&cmd(&["SCRIPT", "LOAD", "x"])), None);
    for (args, idempotent) in [
        (&["SET", "k", "v", "PXAT", "1"][..], true),
        (&["SET", "k", "v", "NX"], false),
        (&["SET", "k", "v", "get"], false),
        (&["ZADD", "z", "1", "m"], true),
        (&["ZADD", "z", "CH", "-inf", "m"], true),
        (&["ZADD", "z", "INCR", "1", "m"], false),
        (&["ZADD", "z", "GT", "1", "m"], false),
        (&["RPUSH", "l", "x"], false),
        (&["RESTORE", "k", "0", "p", "REPLACE"], true),
        (&["RESTORE", "k", "0", "p"], false),
        (&["PEXPIREAT", "k", "1"], true),
    ] {
        assert_eq!(is_idempotent(&cmd(args)), idempotent, "{args:?}");
    }
}

/// One element of a generated stream.
#[derive(Debug, Clone)]
enum Item {
    Plain(usize),
    Dropped(usize),
    Select(u32),
    Transaction(Vec<usize>, bool),
}

const PLAIN: [&[&str]; 4] = [
    &["SET", "a", "1"],
    &["INCR", "n"],
    &["RPUSH", "l", "x"],
    &["DEL", "a"],
];
const DROPPED: [&[&str]; 3] = [&["PING"], &["REPLCONF", "ACK", "0"], &["FLUSHALL"]];

fn item() -> impl Strategy<Value = Item> {
    prop_oneof![
        (0..PLAIN.len()).prop_map(Item::Plain),
        (0..DROPPED.len()).prop_map(Item::Dropped),
        (0u32..16).prop_map(Item::Select),
        (
            proptest::collection::vec(0..PLAIN.len(), 0..5),
            any::<bool>()
        )
            .prop_map(|(v, exec)| Item::Transaction(v, exec)),
    ]
}

proptest! {
    #[test]
    fn order_atomicity_and_offsets_hold_for_any_stream(
        items in proptest::collection::vec(item(), 0..40)
    ) {
        let mut a = Applier::new(ApplyOptions::default());
        let mut offset = 0u64;
        let mut expected = Vec::new(); // bytes that must reach the target, in order
        let mut expected_db = 0;
        let mut sent = Vec::new();
        let mut acks = Vec::new();
        let mut feed = |a: &mut Applier, c: Command, out: &mut Vec<Step>| {
            offset += c.wire_len() as u64;
            out.push(a.push(&c, offset).unwrap());
        };
        let mut steps = Vec::new();
        for it in &items {
            match it {
                Item::Plain(i) => {
                    let c = cmd(PLAIN[*i]);
                    expected.extend_from_slice(c.raw());
                    feed(&mut a, c, &mut steps);
                }
                Item::Dropped(i) => feed(&mut a, cmd(DROPPED[*i]), &mut steps),
                Item::Select(db) => {
                    let c = cmd(&["SELECT", &db.to_string()]);
                    expected.extend_from_slice(c.raw());
                    expected_db = *db;
                    feed(&mut a, c, &mut steps);
                }
                Item::Transaction(inner, exec) => {
                    let mut tx = cmd(&["MULTI"]).raw().to_vec();
                    feed(&mut a, cmd(&["MULTI"]), &mut steps);
                    for i in inner {
                        let c = cmd(PLAIN[*i]);
                        tx.extend_from_slice(c.raw());
                        feed(&mut a, c, &mut steps);
                    }
                    let end = if *exec { "EXEC" } else { "DISCARD" };
                    if *exec {
                        tx.extend_from_slice(cmd(&[end]).raw());
                        expected.extend_from_slice(&tx);
                    }
                    feed(&mut a, cmd(&[end]), &mut steps);
                }
            }
        }
        for s in steps {
            match s {
                Step::Send(b) => {
                    if b.cmds()[0].name_upper() == "MULTI" {
                        prop_assert!(b.is_atomic());
                        prop_assert_eq!(b.cmds().last().unwrap().name_upper(), "EXEC");
                    } else {
                        prop_assert_eq!(b.len(), 1);
                    }
                    sent.extend_from_slice(b.bytes());
                    acks.push(b.ack());
                }
                Step::Drop(batch) => acks.push(batch.ack()),
                Step::Hold => {}
            }
        }
        prop_assert_eq!(sent, expected);
        let offsets: Vec<u64> = acks
            .iter()
            .map(|a| match a { Ack::Offset(o) => *o, other => panic!("{other:?}") })
            .collect();
        prop_assert!(offsets.windows(2).all(|w| w[0] < w[1]), "{:?}", offsets);
        prop_assert!(!a.in_transaction());
        prop_assert_eq!(a.current_db(), expected_db);
    }
}
