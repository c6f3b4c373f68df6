use super::*;
use crate::target::batch::BatchBuilder;

const LIMITS: WindowLimits = WindowLimits {
    max_commands: 100,
    max_bytes: 1 << 20,
};

fn ok() -> Frame {
    Frame::Simple(Bytes::from_static(b"OK"))
}

fn err(line: &'static str) -> Frame {
    Frame::Error(Bytes::from_static(line.as_bytes()))
}

const BUSY: &str = "BUSY Redis is busy running a script.";

/// A batch of `SET key i` commands (or the given names) for key `key`.
fn batch(key: &str, n: usize, ack: Ack, replay: Replay) -> Batch {
    let mut b = BatchBuilder::new();
    let k = Bytes::copy_from_slice(key.as_bytes());
    for i in 0..n {
        b.push(&["RPUSH", key, &i.to_string()], Some(&k));
    }
    b.finish(ack, replay)
}

fn transaction(inner: usize) -> Batch {
    let mut b = BatchBuilder::new();
    b.push(&["MULTI"], None);
    for i in 0..inner {
        b.push(&["INCR", &format!("n{i}")], None);
    }
    b.push(&["EXEC"], None);
    b.finish(Ack::Offset(100), Replay::Never)
}

fn write_all(w: &mut Window) -> usize {
    w.next_write(usize::MAX).iter().map(Bytes::len).sum()
}

fn replies(w: &mut Window, frames: impl IntoIterator<Item = Frame>) {
    for f in frames {
        w.on_reply(f).unwrap();
    }
}

#[test]
fn batches_are_acknowledged_in_order_only_when_every_command_answered() {
    let mut w = Window::new(LIMITS);
    w.push(batch(
        "a",
        2,
        Ack::KeyDone { file_keys: 3 },
        Replay::Idempotent,
    ));
    w.push(batch("b", 1, Ack::Offset(50), Replay::Never));
    assert!(write_all(&mut w) > 0);
    w.on_reply(ok()).unwrap();
    assert_eq!(
        w.acked(),
        Acked::default(),
        "half a batch acknowledges nothing"
    );
    w.on_reply(ok()).unwrap();
    assert_eq!(w.acked().file_keys, 3);
    assert_eq!(w.acked().keys_written, 1);
    assert_eq!(w.acked().offset, None);
    w.on_reply(Frame::Integer(1)).unwrap();
    let a = w.acked();
    assert_eq!(
        (a.offset, a.stream_commands, a.commands, a.batches),
        (Some(50), 1, 3, 2)
    );
    assert!(w.is_empty() && w.drained());
}

#[test]
fn the_acknowledged_offset_follows_the_stream_down_after_a_full_resync() {
    // A restarted source starts a new replication id at a lower offset; the position of the
    // new stream, not the old maximum, is what a checkpoint and REPLCONF ACK need.
    let mut w = Window::new(LIMITS);
    w.push(batch("old", 1, Ack::Offset(5000), Replay::Never));
    w.push(batch("new", 1, Ack::Offset(120), Replay::Never));
    write_all(&mut w);
    w.on_reply(Frame::Integer(1)).unwrap();
    assert_eq!(w.acked().offset, Some(5000));
    w.on_reply(Frame::Integer(1)).unwrap();
    assert_eq!(w.acked().offset, Some(120));
}

#[test]
fn the_window_is_bounded_but_takes_one_oversized_batch() {
    let limits = WindowLimits {
        max_commands: 3,
        max_bytes: 1 << 20,
    };
    let mut w = Window::new(limits);
    let big = batch("a", 5, Ack::None, Replay::Idempotent);
    assert!(w.has_room(&big));
    w.push(big);
    assert!(!w.has_room(&batch("b", 1, Ack::None, Replay::Idempotent)));
    write_all(&mut w);
    replies(&mut w, (0..5).map(|_| ok()));
    assert!(w.has_room(&batch("b", 3, Ack::None, Replay::Idempotent)));
}

#[test]
fn a_fatal_reply_names_the_command_key_and_database() {
    let mut w = Window::new(LIMITS);
    let mut sel = BatchBuilder::new();
    sel.push(&["SELECT", "4"], None);
    w.push(sel.finish(Ack::None, Replay::Idempotent));
    w.push(batch("user:1", 2, Ack::None, Replay::Idempotent));
    write_all(&mut w);
    w.on_reply(ok()).unwrap();
    w.on_reply(ok()).unwrap();
    let r = w
        .on_reply(err("WRONGTYPE Operation against a key"))
        .unwrap_err();
    assert_eq!(r.refusal, Refusal::WrongType);
    assert_eq!(r.cmd.key.as_deref(), Some(&b"user:1"[..]));
    assert_eq!(r.cmd.name_upper(), "RPUSH");
    assert_eq!(r.db, 4);
}

#[test]
fn a_reply_for_nothing_sent_is_refused() {
    let mut w = Window::new(LIMITS);
    assert!(w.on_reply(ok()).is_err());
    w.push(batch("a", 1, Ack::None, Replay::Idempotent));
    assert!(w.on_reply(ok()).is_err(), "not written yet");
}

#[test]
fn a_refusal_halts_writing_at_the_next_batch_and_resumes_exactly() {
    let mut w = Window::new(LIMITS);
    let first = batch("a", 3, Ack::None, Replay::Never);
    let first_len = first.bytes().len();
    w.push(first);
    w.push(batch("b", 2, Ack::None, Replay::Never));
    // Only part of the first batch goes out before the refusal is seen.
    let written: usize = w.next_write(10).iter().map(Bytes::len).sum();
    assert_eq!(written, 10);
    w.on_reply(ok()).unwrap_err(); // nothing complete was written yet: a protocol error
    let mut w = Window::new(LIMITS);
    w.push(batch("a", 3, Ack::None, Replay::Never));
    w.push(batch("b", 2, Ack::None, Replay::Never));
    let cmd0_end = w.slots[0].batch.cmds()[0].end;
    let cmd1_end = w.slots[0].batch.cmds()[1].end;
    w.next_write(cmd1_end + 5);
    w.on_reply(ok()).unwrap();
    w.on_reply(err(BUSY)).unwrap();
    assert!(w.halted().is_some());
    // The writer finishes the batch it is in, then stops.
    let rest: usize = w.next_write(usize::MAX).iter().map(Bytes::len).sum();
    assert_eq!(rest, first_len - cmd1_end - 5);
    assert!(w.next_write(usize::MAX).is_empty());
    assert!(!w.drained());
    w.on_reply(err(BUSY)).unwrap();
    assert!(w.drained());
    assert_eq!(w.plan(), Ok(0));
    // Resent from the refused command: RPUSH a 1, RPUSH a 2, then batch b.
    let again: Vec<u8> = w.next_write(usize::MAX).concat();
    let expect_a = &w.slots[0].batch.bytes()[cmd0_end..];
    assert!(again.starts_with(expect_a));
    assert_eq!(again.len(), expect_a.len() + w.slots[1].batch.bytes().len());
    replies(&mut w, (0..4).map(|_| ok()));
    assert_eq!(w.acked().commands, 5, "3 + 2 commands, each counted once");
}

#[test]
fn commands_that_ran_after_a_refusal_force_a_replay_from_the_batch_start() {
    for (replay, replayable) in [(Replay::Idempotent, true), (Replay::Never, false)] {
        let mut w = Window::new(LIMITS);
        w.push(batch("a", 3, Ack::None, replay));
        write_all(&mut w);
        // The script ended between the first and second command: out of order.
        replies(&mut w, [err(BUSY), ok(), ok()]);
        assert!(w.drained());
        match w.plan() {
            Ok(db) => {
                assert!(replayable);
                assert_eq!(db, 0);
                assert_eq!(write_all(&mut w), w.slots[0].batch.bytes().len());
            }
            Err(u) => {
                assert!(!replayable);
                assert_eq!(u.replay, Replay::Never);
                assert_eq!(u.cmd.key.as_deref(), Some(&b"a"[..]));
            }
        }
    }
}

#[test]
fn a_cut_replays_unconfirmed_batches_only_when_they_may_run_twice() {
    // Idempotent front, chained continuation: both resent from their start.
    let mut w = Window::new(LIMITS);
    w.push(batch("k", 2, Ack::None, Replay::Idempotent));
    w.push(batch(
        "k",
        2,
        Ack::KeyDone { file_keys: 1 },
        Replay::Chained,
    ));
    let total = write_all(&mut w);
    w.on_reply(ok()).unwrap();
    assert!(!w.drained());
    assert_eq!(w.plan(), Ok(0));
    assert_eq!(write_all(&mut w), total);
    replies(&mut w, (0..4).map(|_| ok()));
    assert_eq!(w.acked().file_keys, 1);

    // A chained batch whose start is already acknowledged cannot be replayed.
    let mut w = Window::new(LIMITS);
    w.push(batch("k", 1, Ack::None, Replay::Idempotent));
    w.push(batch(
        "k",
        2,
        Ack::KeyDone { file_keys: 1 },
        Replay::Chained,
    ));
    write_all(&mut w);
    w.on_reply(ok()).unwrap();
    w.on_reply(ok()).unwrap();
    let u = w.plan().unwrap_err();
    assert_eq!(u.replay, Replay::Chained);

    // A stream command with no answer cannot be sent twice.
    let mut w = Window::new(LIMITS);
    w.push(batch("n", 1, Ack::Offset(10), Replay::Never));
    write_all(&mut w);
    assert_eq!(w.plan().unwrap_err().replay, Replay::Never);
}

#[test]
fn a_cut_after_every_written_command_was_answered_resumes_exactly() {
    let mut w = Window::new(LIMITS);
    w.push(batch("n", 3, Ack::Offset(10), Replay::Never));
    let end1 = w.slots[0].batch.cmds()[0].end;
    w.next_write(end1 + 3); // the second command only partly written: it cannot have run
    w.on_reply(ok()).unwrap();
    assert!(w.drained());
    assert_eq!(w.plan(), Ok(0));
    let again: usize = write_all(&mut w);
    assert_eq!(again, w.slots[0].batch.bytes().len() - end1);
    replies(&mut w, [ok(), ok()]);
    assert_eq!(w.acked().offset, Some(10));
    assert_eq!(w.acked().commands, 3);
}

#[test]
fn transactions_are_checked_and_retried_whole() {
    // Accepted.
    let mut w = Window::new(LIMITS);
    w.push(transaction(2));
    write_all(&mut w);
    let queued = || Frame::Simple(Bytes::from_static(b"QUEUED"));
    replies(&mut w, [ok(), queued(), queued()]);
    assert_eq!(w.acked().batches, 0);
    w.on_reply(Frame::Array(Some(vec![
        Frame::Integer(1),
        Frame::Integer(1),
    ])))
    .unwrap();
    assert_eq!(w.acked().offset, Some(100));

    // A command failing inside EXEC is named.
    let mut w = Window::new(LIMITS);
    w.push(transaction(2));
    write_all(&mut w);
    replies(&mut w, [ok(), queued(), queued()]);
    let r = w
        .on_reply(Frame::Array(Some(vec![
            Frame::Integer(1),
            err("WRONGTYPE Operation against a key"),
        ])))
        .unwrap_err();
    assert_eq!(r.cmd.name_upper(), "INCR");
    assert_eq!(r.cmd.end, w.slots[0].batch.cmds()[2].end);

    // Refused while queueing: EXECABORT, nothing ran, the whole transaction is resent.
    let mut w = Window::new(LIMITS);
    w.push(transaction(2));
    let total = write_all(&mut w);
    replies(
        &mut w,
        [
            ok(),
            queued(),
            err(BUSY),
            err("EXECABORT Transaction discarded because of previous errors."),
        ],
    );
    assert_eq!(w.plan(), Ok(0));
    assert_eq!(write_all(&mut w), total);

    // MULTI refused, then the script ended: the commands ran one by one. A transaction of
    // stream commands cannot be replayed.
    let mut w = Window::new(LIMITS);
    w.push(transaction(1));
    write_all(&mut w);
    replies(
        &mut w,
        [err(BUSY), Frame::Integer(1), err("ERR EXEC without MULTI")],
    );
    assert!(w.plan().is_err());
}

#[test]
fn the_database_to_select_follows_acknowledged_and_resumed_commands() {
    let mut w = Window::new(LIMITS);
    let mut b = BatchBuilder::new();
    b.push(&["SELECT", "2"], None);
    w.push(b.finish(Ack::None, Replay::Idempotent));
    let mut b = BatchBuilder::new();
    b.push(&["SET", "a", "1"], None);
    b.push(&["SELECT", "5"], None);
    b.push(&["SET", "b", "1"], None);
    w.push(b.finish(Ack::Offset(9), Replay::Never));
    write_all(&mut w);
    replies(&mut w, [ok(), ok(), ok()]);
    // SET b refused: resume at it, in db 5.
    w.on_reply(err("LOADING Redis is loading")).unwrap();
    assert_eq!(w.plan(), Ok(5));
    w.on_reply(ok()).unwrap_err(); // nothing written yet in this attempt
}

#[test]
fn a_chained_batch_that_ran_early_restarts_its_key_from_the_first_batch() {
    let mut w = Window::new(LIMITS);
    w.push(batch("k", 2, Ack::None, Replay::Idempotent));
    w.push(batch(
        "k",
        1,
        Ack::KeyDone { file_keys: 1 },
        Replay::Chained,
    ));
    let total = write_all(&mut w);
    // The second command of the first batch was refused, the continuation ran before it.
    replies(&mut w, [ok(), err(BUSY), ok()]);
    assert_eq!(w.plan(), Ok(0));
    assert_eq!(
        write_all(&mut w),
        total,
        "both batches again, the first from its start (its DEL)"
    );
}
