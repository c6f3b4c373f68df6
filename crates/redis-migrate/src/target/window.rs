//! The in-flight window of the pipeline, without sockets: which batches are waiting, what has
//! been written, which reply belongs to which command, what is acknowledged, and — after a
//! cut or a retryable refusal — what to send again.
//!
//! Everything that may have reached the server is tracked conservatively: a byte range is
//! marked written *before* the socket write, so a command whose reply never came is treated
//! as possibly executed. After a retryable refusal (`BUSY`, `LOADING`) the writer stops at the
//! next batch boundary and every reply already on its way is read, so that the state is
//! exact: commands answered with success ran, refused ones did not. [`Window::plan`] then
//! resumes at the first command that did not run when nothing after it ran; otherwise every
//! batch that may have run out of order is sent again from its start, which is allowed only
//! for batches marked [`Replay::Idempotent`] (or [`Replay::Chained`] behind one).

use super::batch::{Ack, Batch, CmdInfo, Replay};
use super::reply::{ErrorClass, Refusal, classify};
use crate::resp::Frame;
use bytes::Bytes;
use std::collections::VecDeque;

#[cfg(test)]
mod model;
mod plan;
#[cfg(test)]
mod tests;

/// What the target has acknowledged so far. Counts only move when the target has answered
/// every command of a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Acked {
    /// Keys of the snapshot file done (written, or skipped before a written one): the
    /// `skip_keys` for a restart.
    pub file_keys: u64,
    /// Snapshot keys written (batches acknowledged with [`Ack::KeyDone`] or
    /// [`Ack::KeysDone`]).
    pub keys_written: u64,
    /// The replication offset of the last [`Ack::Offset`] batch acknowledged.
    pub offset: Option<u64>,
    /// Commands of [`Ack::Offset`] batches acknowledged.
    pub stream_commands: u64,
    /// Commands acknowledged, all batches.
    pub commands: u64,
    /// Batches acknowledged.
    pub batches: u64,
}

/// Bounds on what may be in flight at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowLimits {
    pub max_commands: usize,
    pub max_bytes: usize,
}

/// A reply that ends the pipeline: the command it answered and the server's line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refused {
    pub cmd: CmdInfo,
    pub db: u32,
    pub refusal: Refusal,
    pub line: Bytes,
}

/// The first retryable refusal of the current attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reject {
    seq: u64,
    cmd: usize,
    pub info: CmdInfo,
    pub line: Bytes,
}

/// A batch that may have run (partly or out of order) and must not be sent again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Unreplayable {
    pub cmd: CmdInfo,
    pub replay: Replay,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Multi {
    /// `MULTI` not answered yet.
    Idle,
    /// `MULTI` accepted; `rejected` when a queued command was refused retryably.
    Open { rejected: bool },
    /// `MULTI` refused: the following commands ran on their own.
    Failed,
}

#[derive(Debug)]
struct Slot {
    seq: u64,
    batch: Batch,
    /// First command sent in this attempt (commands before it ran in an earlier attempt).
    start: usize,
    /// Bytes possibly written (from the start of the batch).
    written: usize,
    /// Commands answered in this attempt, from `start`.
    replied: usize,
    multi: Multi,
    /// A command was refused retryably: not done, not acknowledged.
    rejected: bool,
    /// A command ran after the window's first refusal (out of order).
    done_after_reject: bool,
}

impl Slot {
    fn next_reply(&self) -> usize {
        self.start + self.replied
    }

    fn all_replied(&self) -> bool {
        self.next_reply() >= self.batch.len()
    }

    /// Commands whose every byte may have been written.
    fn complete_cmds(&self) -> usize {
        self.batch.cmds().partition_point(|c| c.end <= self.written)
    }

    fn reset_attempt(&mut self, start: usize) {
        self.start = start;
        self.written = self.batch.cmd_start(start);
        self.replied = 0;
        self.multi = Multi::Idle;
        self.rejected = false;
        self.done_after_reject = false;
    }
}

/// The batches submitted and not yet acknowledged, in order.
#[derive(Debug)]
pub(crate) struct Window {
    limits: WindowLimits,
    slots: VecDeque<Slot>,
    next_seq: u64,
    /// Index of the first slot not completely written.
    write_slot: usize,
    /// Index of the slot the next reply belongs to.
    reply_slot: usize,
    first_reject: Option<Reject>,
    /// Database selected after every acknowledged command.
    acked_db: u32,
    acked: Acked,
    commands: usize,
    bytes: usize,
    uses_select: bool,
    /// `EXEC` was refused retryably: the server keeps the connection inside `MULTI`, so
    /// nothing it answers afterwards can be trusted. The connection must be dropped.
    poisoned: bool,
}

impl Window {
    pub fn new(limits: WindowLimits) -> Self {
        Self {
            limits,
            slots: VecDeque::new(),
            next_seq: 0,
            write_slot: 0,
            reply_slot: 0,
            first_reject: None,
            acked_db: 0,
            acked: Acked::default(),
            commands: 0,
            bytes: 0,
            uses_select: false,
            poisoned: false,
        }
    }

    pub fn acked(&self) -> Acked {
        self.acked
    }

    /// Nothing waiting for the target.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// Whether `batch` fits now. A batch larger than the limits fits into an empty window.
    pub fn has_room(&self, batch: &Batch) -> bool {
        self.slots.is_empty()
            || (self.commands + batch.len() <= self.limits.max_commands
                && self.bytes + batch.bytes().len() <= self.limits.max_bytes)
    }

    /// Whether any batch so far selected a database (the connection may not be in db 0).
    pub fn uses_select(&self) -> bool {
        self.uses_select
    }

    pub fn push(&mut self, batch: Batch) {
        self.uses_select |= batch.cmds().iter().any(|c| c.select.is_some());
        self.commands += batch.len();
        self.bytes += batch.bytes().len();
        let mut slot = Slot {
            seq: self.next_seq,
            batch,
            start: 0,
            written: 0,
            replied: 0,
            multi: Multi::Idle,
            rejected: false,
            done_after_reject: false,
        };
        slot.reset_attempt(0);
        self.next_seq += 1;
        self.slots.push_back(slot);
        self.advance();
    }

    /// A retryable refusal was seen: the writer stops at the next batch boundary.
    pub fn halted(&self) -> Option<&Reject> {
        self.first_reject.as_ref()
    }

    /// Takes up to `max` bytes to write next and marks them written. Empty when there is
    /// nothing to write, or when halted and at a batch boundary.
    pub fn next_write(&mut self, max: usize) -> Vec<Bytes> {
        let mut parts = Vec::new();
        let mut total = 0;
        let halted = self.first_reject.is_some();
        while total < max {
            let Some(s) = self.slots.get_mut(self.write_slot) else {
                break;
            };
            let len = s.batch.bytes().len();
            if halted && s.written == s.batch.cmd_start(s.start) && s.written < len {
                break;
            }
            let n = (len - s.written).min(max - total);
            if n > 0 {
                parts.push(s.batch.bytes().slice(s.written..s.written + n));
                s.written += n;
                total += n;
            }
            if s.written == len {
                self.write_slot += 1;
            }
        }
        parts
    }

    /// The connection is left inside `MULTI` (see [`Window::on_reply`]): drop it and plan.
    pub fn poisoned(&self) -> bool {
        self.poisoned
    }

    /// Every command that may have been written has been answered.
    pub fn drained(&self) -> bool {
        let Some(r) = self.slots.get(self.reply_slot) else {
            return true;
        };
        if self.reply_slot < self.write_slot {
            return false;
        }
        r.next_reply() >= r.complete_cmds()
    }

    /// Takes the next reply. `Err` when it refuses a command for good (or answers nothing
    /// that was sent). After a retryable refusal of `EXEC` the window is
    /// [`Window::poisoned`] and takes no more replies.
    pub fn on_reply(&mut self, frame: Frame) -> Result<(), Refused> {
        if self.poisoned {
            return Err(self.unexpected(self.reply_slot, 0, "a reply after a refused EXEC"));
        }
        let idx = self.reply_slot;
        let Some(slot) = self.slots.get(idx) else {
            return Err(self.unexpected(idx, 0, "a reply arrived for no command"));
        };
        let c = slot.next_reply();
        if c >= slot.complete_cmds() {
            return Err(self.unexpected(idx, c, "a reply arrived before its command was sent"));
        }
        if slot.batch.is_atomic() && slot.multi != Multi::Failed {
            self.transaction_reply(idx, c, frame)?;
        } else {
            self.plain_reply(idx, c, frame)?;
        }
        self.slots[idx].replied += 1;
        self.advance();
        Ok(())
    }

    fn plain_reply(&mut self, idx: usize, c: usize, frame: Frame) -> Result<(), Refused> {
        let slot = &self.slots[idx];
        let is_exec_after_failed_multi = slot.batch.is_atomic() && c + 1 == slot.batch.len();
        match frame {
            // Our own EXEC after a refused MULTI: "EXEC without MULTI", nothing ran.
            Frame::Error(_) if is_exec_after_failed_multi => Ok(()),
            Frame::Error(line) => match classify(&line) {
                ErrorClass::Retryable => {
                    self.reject(idx, c, line);
                    Ok(())
                }
                ErrorClass::Fatal(refusal) => Err(self.refused(idx, c, refusal, line)),
            },
            _ => {
                self.done(idx);
                Ok(())
            }
        }
    }

    fn transaction_reply(&mut self, idx: usize, c: usize, frame: Frame) -> Result<(), Refused> {
        let last = self.slots[idx].batch.len() - 1;
        let multi = self.slots[idx].multi;
        match (c, frame) {
            (0, Frame::Error(line)) => match classify(&line) {
                ErrorClass::Retryable => {
                    self.slots[idx].multi = Multi::Failed;
                    self.reject(idx, 0, line);
                    Ok(())
                }
                ErrorClass::Fatal(refusal) => Err(self.refused(idx, 0, refusal, line)),
            },
            (0, _) => {
                self.slots[idx].multi = Multi::Open { rejected: false };
                Ok(())
            }
            (c, Frame::Error(line)) if c < last => match classify(&line) {
                ErrorClass::Retryable => {
                    self.slots[idx].multi = Multi::Open { rejected: true };
                    self.reject(idx, 0, line);
                    Ok(())
                }
                ErrorClass::Fatal(refusal) => Err(self.refused(idx, c, refusal, line)),
            },
            (c, _) if c < last => Ok(()), // +QUEUED
            (_, Frame::Array(Some(items))) => {
                for (i, item) in items.into_iter().enumerate() {
                    if let Frame::Error(line) = item {
                        let refusal = match classify(&line) {
                            ErrorClass::Fatal(r) => r,
                            ErrorClass::Retryable => Refusal::Other,
                        };
                        return Err(self.refused(idx, (1 + i).min(last), refusal, line));
                    }
                }
                self.done(idx);
                Ok(())
            }
            (_, Frame::Error(line))
                if multi == (Multi::Open { rejected: true }) && line.starts_with(b"EXECABORT") =>
            {
                Ok(()) // nothing ran; the slot is already marked refused
            }
            (_, Frame::Error(line)) if classify(&line) == ErrorClass::Retryable => {
                // EXEC itself refused (BUSY, LOADING): nothing ran, but the server still
                // holds the transaction open.
                self.reject(idx, 0, line);
                self.poisoned = true;
                Ok(())
            }
            (_, Frame::Error(line)) => {
                let refusal = match classify(&line) {
                    ErrorClass::Fatal(r) => r,
                    ErrorClass::Retryable => Refusal::Other,
                };
                Err(self.refused(idx, last, refusal, line))
            }
            (_, _) => Err(self.unexpected(idx, last, "EXEC did not run the transaction")),
        }
    }

    fn reject(&mut self, idx: usize, c: usize, line: Bytes) {
        let slot = &mut self.slots[idx];
        slot.rejected = true;
        if self.first_reject.is_none() {
            self.first_reject = Some(Reject {
                seq: slot.seq,
                cmd: c,
                info: slot.batch.cmds()[c].clone(),
                line,
            });
        }
    }

    fn done(&mut self, idx: usize) {
        if self.first_reject.is_some() {
            self.slots[idx].done_after_reject = true;
        }
    }

    fn refused(&self, idx: usize, c: usize, refusal: Refusal, line: Bytes) -> Refused {
        Refused {
            cmd: self.slots[idx].batch.cmds()[c].clone(),
            db: self.db_at(idx, c),
            refusal,
            line,
        }
    }

    fn unexpected(&self, idx: usize, c: usize, what: &'static str) -> Refused {
        let cmd = self
            .slots
            .get(idx)
            .and_then(|s| s.batch.cmds().get(c).cloned())
            .unwrap_or(CmdInfo {
                name: Bytes::from_static(b"(none)"),
                key: None,
                end: 0,
                select: None,
            });
        Refused {
            db: self.db_at(idx, c),
            cmd,
            refusal: Refusal::Other,
            line: Bytes::from_static(what.as_bytes()),
        }
    }

    /// The database in effect just before command `c` of slot `idx`.
    fn db_at(&self, idx: usize, c: usize) -> u32 {
        let mut db = self.acked_db;
        for (i, s) in self.slots.iter().enumerate().take(idx + 1) {
            let upto = if i == idx { c } else { s.batch.len() };
            for cmd in s.batch.cmds().iter().take(upto) {
                db = cmd.select.unwrap_or(db);
            }
        }
        db
    }

    /// Moves the reply cursor past answered slots and acknowledges finished ones in order.
    fn advance(&mut self) {
        while self
            .slots
            .get(self.write_slot)
            .is_some_and(|s| s.written == s.batch.bytes().len())
        {
            self.write_slot += 1;
        }
        while self
            .slots
            .get(self.reply_slot)
            .is_some_and(Slot::all_replied)
        {
            self.reply_slot += 1;
        }
        while self.reply_slot > 0 && self.slots.front().is_some_and(|s| !s.rejected) {
            let Some(slot) = self.slots.pop_front() else {
                break;
            };
            self.reply_slot -= 1;
            self.write_slot = self.write_slot.saturating_sub(1);
            self.acknowledge(slot.batch);
        }
    }

    fn acknowledge(&mut self, batch: Batch) {
        let a = &mut self.acked;
        a.batches += 1;
        a.commands += batch.len() as u64;
        match batch.ack() {
            Ack::None => {}
            Ack::KeyDone { file_keys } => {
                a.keys_written += 1;
                a.file_keys = a.file_keys.max(file_keys);
            }
            Ack::KeysDone { keys, file_keys } => {
                a.keys_written += keys;
                a.file_keys = a.file_keys.max(file_keys);
            }
            Ack::Offset(offset) => {
                // Batches are acknowledged in order, so the last offset is the stream's
                // position; after a full resync (a restarted source) it may start lower.
                a.offset = Some(offset);
                a.stream_commands += batch.len() as u64;
            }
        }
        if let Some(db) = batch.cmds().iter().rev().find_map(|c| c.select) {
            self.acked_db = db;
        }
        self.commands -= batch.len();
        self.bytes -= batch.bytes().len();
    }
}
