//! A model check of the window against a simulated server with Redis's reply rules (`BUSY`
//! before execution, `MULTI`/`EXEC`/`EXECABORT`, a refused `EXEC` leaving the transaction
//! open), partial writes, delayed replies and cuts after which the server may or may not have
//! run what it received. Whatever happens, when the window finishes, the server must hold
//! exactly what running every batch once, in order, gives.

use super::*;
use crate::resp::{Command, Limits, parse_command};
use crate::target::batch::BatchBuilder;
use bytes::BytesMut;
use proptest::prelude::*;
use std::collections::{BTreeMap, VecDeque};

/// What a generated batch does: `APPEND`s to its own key after a `DEL` (a key), more
/// `APPEND`s to that key (a continuation), or `APPEND`s to the shared stream list.
#[derive(Debug, Clone)]
enum Unit {
    Key { pieces: Vec<u8>, atomic_first: bool },
    Stream { items: u8, atomic: bool },
}

#[derive(Default)]
struct Server {
    store: BTreeMap<String, Vec<String>>,
    input: BytesMut,
    output: VecDeque<Frame>,
    busy: bool,
    in_multi: bool,
    dirty: bool,
    queued: Vec<Command>,
}

fn simple(s: &'static str) -> Frame {
    Frame::Simple(Bytes::from_static(s.as_bytes()))
}

fn error(s: &'static str) -> Frame {
    Frame::Error(Bytes::from_static(s.as_bytes()))
}

impl Server {
    fn execute(&mut self, c: &Command) {
        let key = String::from_utf8_lossy(c.arg(1).unwrap_or_default()).into_owned();
        if c.is("DEL") {
            self.store.remove(&key);
        } else {
            let v = String::from_utf8_lossy(c.arg(2).unwrap_or_default()).into_owned();
            self.store.entry(key).or_default().push(v);
        }
    }

    /// Parses the next complete command and runs it as Redis would; `false` when none.
    fn step(&mut self, reply: bool) -> bool {
        let Some(c) = parse_command(&mut self.input, &Limits::default()).unwrap() else {
            return false;
        };
        let frame = if self.busy {
            self.dirty |= self.in_multi;
            error("BUSY script")
        } else if c.is("MULTI") && self.in_multi {
            error("ERR MULTI calls can not be nested")
        } else if c.is("MULTI") {
            self.in_multi = true;
            self.dirty = false;
            simple("OK")
        } else if c.is("EXEC") && !self.in_multi {
            error("ERR EXEC without MULTI")
        } else if c.is("EXEC") {
            self.in_multi = false;
            if self.dirty {
                self.queued.clear();
                error("EXECABORT Transaction discarded")
            } else {
                let queued = std::mem::take(&mut self.queued);
                for q in &queued {
                    self.execute(q);
                }
                Frame::Array(Some(queued.iter().map(|_| simple("OK")).collect()))
            }
        } else if self.in_multi {
            self.queued.push(c);
            simple("QUEUED")
        } else {
            self.execute(&c);
            simple("OK")
        };
        if reply {
            self.output.push_back(frame);
        }
        true
    }

    /// The link breaks: the server runs some of what it holds, unanswered, then forgets the
    /// connection.
    fn cut(&mut self, run: usize) {
        for _ in 0..run {
            if !self.step(false) {
                break;
            }
        }
        self.input.clear();
        self.output.clear();
        self.in_multi = false;
        self.dirty = false;
        self.queued.clear();
    }
}

/// The batches for `units`, and the store they must produce.
fn batches(units: &[Unit]) -> (Vec<Batch>, BTreeMap<String, Vec<String>>) {
    let mut out = Vec::new();
    let mut expect: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut n = 0;
    let mut next = || {
        n += 1;
        n.to_string()
    };
    for (u, unit) in units.iter().enumerate() {
        match unit {
            Unit::Key {
                pieces,
                atomic_first,
            } => {
                let key = format!("k{u}");
                for (i, &count) in pieces.iter().enumerate() {
                    let mut b = BatchBuilder::new();
                    let atomic = i == 0 && *atomic_first;
                    if atomic {
                        b.push(&["MULTI"], None);
                    }
                    if i == 0 {
                        b.push(&["DEL", &key], None);
                    }
                    for _ in 0..count {
                        let v = next();
                        b.push(&["APPEND", &key, &v], None);
                        expect.entry(key.clone()).or_default().push(v);
                    }
                    if atomic {
                        b.push(&["EXEC"], None);
                    }
                    let replay = if i == 0 {
                        Replay::Idempotent
                    } else {
                        Replay::Chained
                    };
                    out.push(b.finish(Ack::None, replay));
                }
            }
            Unit::Stream { items, atomic } => {
                let mut b = BatchBuilder::new();
                if *atomic {
                    b.push(&["MULTI"], None);
                }
                for _ in 0..*items {
                    let v = next();
                    b.push(&["APPEND", "stream", &v], None);
                    expect.entry("stream".into()).or_default().push(v);
                }
                if *atomic {
                    b.push(&["EXEC"], None);
                }
                out.push(b.finish(Ack::Offset(u as u64 + 1), Replay::Never));
            }
        }
    }
    (out, expect)
}

fn unit() -> impl Strategy<Value = Unit> {
    prop_oneof![
        (proptest::collection::vec(1u8..4, 1..4), any::<bool>()).prop_map(|(pieces, a)| {
            Unit::Key {
                pieces,
                atomic_first: a,
            }
        }),
        (1u8..4, any::<bool>()).prop_map(|(items, atomic)| Unit::Stream { items, atomic }),
    ]
}

/// One move of the simulation.
#[derive(Debug, Clone, Copy)]
enum Move {
    Write(usize),
    Run(usize),
    Deliver(usize),
    Busy(bool),
    Cut(usize),
}

fn moves() -> impl Strategy<Value = Move> {
    prop_oneof![
        4 => (1usize..120).prop_map(Move::Write),
        4 => (1usize..6).prop_map(Move::Run),
        4 => (1usize..6).prop_map(Move::Deliver),
        3 => any::<bool>().prop_map(Move::Busy),
        1 => (0usize..6).prop_map(Move::Cut),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]
    #[test]
    fn every_batch_runs_once_in_order_or_the_window_says_it_cannot(
        units in proptest::collection::vec(unit(), 1..8),
        script in proptest::collection::vec(moves(), 0..200),
    ) {
        let (batches, expect) = batches(&units);
        let limits = WindowLimits { max_commands: 1000, max_bytes: 1 << 20 };
        let mut w = Window::new(limits);
        for b in batches {
            w.push(b);
        }
        let mut server = Server::default();
        // The script, then a calm tail (no BUSY, no cuts) so that the window can finish.
        let tail = [Move::Busy(false), Move::Write(usize::MAX), Move::Run(usize::MAX), Move::Deliver(usize::MAX)];
        let all = script.iter().copied().chain(std::iter::repeat_n(tail, 50).flatten());
        for m in all {
            if w.is_empty() {
                break;
            }
            let mut cut = false;
            match m {
                Move::Write(n) => {
                    for part in w.next_write(n) {
                        server.input.extend_from_slice(&part);
                    }
                }
                Move::Run(n) => {
                    for _ in 0..n {
                        if !server.step(true) {
                            break;
                        }
                    }
                }
                Move::Deliver(n) => {
                    for _ in 0..n {
                        let Some(f) = server.output.pop_front() else { break };
                        if let Err(r) = w.on_reply(f) {
                            prop_assert!(false, "refused: {:?}", r);
                        }
                        if w.poisoned() {
                            cut = true;
                            break;
                        }
                    }
                }
                Move::Busy(b) => server.busy = b,
                Move::Cut(run) => {
                    server.cut(run);
                    cut = true;
                }
            }
            if cut {
                server.cut(0);
                if w.plan().is_err() {
                    return Ok(()); // the caller restarts; nothing more to check here
                }
            } else if w.halted().is_some() {
                // The writer finishes the batch it is in, then stops; once everything
                // written is answered, the driver retries on the same connection.
                let parts = w.next_write(usize::MAX);
                let stopped = parts.is_empty();
                for part in parts {
                    server.input.extend_from_slice(&part);
                }
                if stopped && w.drained() && w.plan().is_err() {
                    return Ok(());
                }
            }
        }
        prop_assert!(w.is_empty(), "the window did not finish");
        prop_assert_eq!(server.store, expect);
    }
}
