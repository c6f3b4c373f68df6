//! The incremental phase without sockets: the replication stream, command by command, becomes
//! batches for the target pipeline.
//!
//! Commands keep their order and their exact bytes. Each becomes one batch acknowledged with
//! the stream offset just after it ([`Ack::Offset`]), so the applied offset moves only when the
//! target has answered. A `MULTI … EXEC` transaction is held until `EXEC` and sent as ONE
//! batch, so it stays atomic (`DISCARD` drops it; the buffer is bounded). `SELECT` is tracked
//! ([`Applier::current_db`]). Dropped: `PING`, `REPLCONF`, `PUBLISH __sentinel__:hello`
//! (link and Sentinel chatter), and `FLUSHALL`/`FLUSHDB` unless
//! [`ApplyOptions::keep_flush`] (as DCS does: a flush on the source must not wipe a target that
//! may hold other data).
//!
//! Whether a batch may be sent twice after a cut ([`Replay`]) is decided from a short list of
//! assignments whose repetition gives the same result (`SET`, `DEL`, `HSET`, `SADD`, `ZADD`
//! without `INCR`, `PEXPIREAT`, …); everything else is [`Replay::Never`].

use crate::resp::Command;
use crate::target::{Ack, Batch, BatchBuilder, Replay};
use bytes::Bytes;

#[cfg(test)]
mod tests;

/// Choices for the incremental phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApplyOptions {
    /// Forward `FLUSHALL`/`FLUSHDB` instead of dropping them.
    pub keep_flush: bool,
    /// Most bytes a transaction may buffer (64 MiB by default).
    pub max_transaction_bytes: usize,
    /// Most commands a transaction may buffer.
    pub max_transaction_commands: usize,
}

impl Default for ApplyOptions {
    fn default() -> Self {
        Self {
            keep_flush: false,
            max_transaction_bytes: 64 * 1024 * 1024,
            max_transaction_commands: 100_000,
        }
    }
}

/// What to do with one command of the stream.
#[derive(Debug)]
pub enum Step {
    /// Submit this batch (one command, or a whole transaction at its `EXEC`).
    Send(Batch),
    /// Dropped ([`Applier::dropped`] counts it). The batch is empty and acknowledges the
    /// offset: submitting it moves the applied offset past the dropped bytes, in order.
    Drop(Batch),
    /// Held inside `MULTI`; nothing to do until `EXEC` or `DISCARD`.
    Hold,
}

/// A stream the applier cannot follow. Offsets are replication offsets.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApplyError {
    #[error(
        "transaction at stream offset {offset} holds more than {limit} {what} ({commands} commands, {bytes} bytes so far); raise the transaction limit"
    )]
    TransactionTooLarge {
        offset: u64,
        commands: usize,
        bytes: usize,
        limit: usize,
        what: &'static str,
    },
    #[error("stream offset {offset}: {what}")]
    Unexpected { offset: u64, what: &'static str },
    #[error("stream offset went backwards: {offset} after {last}")]
    OffsetBackwards { offset: u64, last: u64 },
}

struct Transaction {
    batch: BatchBuilder,
    db_at_start: u32,
    idempotent: bool,
}

/// The state of the stream: current database and any open transaction.
pub struct Applier {
    opts: ApplyOptions,
    db: u32,
    tx: Option<Transaction>,
    last_offset: Option<u64>,
    dropped: u64,
}

impl Applier {
    /// Starts in database 0 (the source sends `SELECT` before its first write anyway).
    pub fn new(opts: ApplyOptions) -> Self {
        Self::starting_in(opts, 0)
    }

    /// Starts in `db`: a stream resumed mid-way carries no `SELECT` for the database the
    /// source had already selected.
    pub fn starting_in(opts: ApplyOptions, db: u32) -> Self {
        Self {
            opts,
            db,
            tx: None,
            last_offset: None,
            dropped: 0,
        }
    }

    /// Commands dropped so far, those inside transactions included (DCS
    /// `commands_dropped`).
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// The database the next command runs in.
    pub fn current_db(&self) -> u32 {
        self.db
    }

    /// Whether a transaction is being held.
    pub fn in_transaction(&self) -> bool {
        self.tx.is_some()
    }

    /// Takes the next command; `end_offset` is the replication offset just after it.
    pub fn push(&mut self, cmd: &Command, end_offset: u64) -> Result<Step, ApplyError> {
        if let Some(last) = self.last_offset
            && end_offset <= last
        {
            return Err(ApplyError::OffsetBackwards {
                offset: end_offset,
                last,
            });
        }
        self.last_offset = Some(end_offset);
        let unexpected = |what| ApplyError::Unexpected {
            offset: end_offset,
            what,
        };
        if cmd.is("MULTI") {
            if self.tx.is_some() {
                return Err(unexpected("MULTI inside a transaction"));
            }
            let mut batch = BatchBuilder::new();
            batch.push_raw(cmd, None);
            self.tx = Some(Transaction {
                batch,
                db_at_start: self.db,
                idempotent: true,
            });
            return Ok(Step::Hold);
        }
        if cmd.is("EXEC") {
            let Some(mut tx) = self.tx.take() else {
                return Err(unexpected("EXEC without MULTI"));
            };
            tx.batch.push_raw(cmd, None);
            let replay = if tx.idempotent {
                Replay::Idempotent
            } else {
                Replay::Never
            };
            return Ok(Step::Send(tx.batch.finish(Ack::Offset(end_offset), replay)));
        }
        if cmd.is("DISCARD") {
            let Some(tx) = self.tx.take() else {
                return Err(unexpected("DISCARD without MULTI"));
            };
            self.db = tx.db_at_start;
            // The held commands, MULTI and DISCARD; filtered ones were counted already.
            self.dropped += tx.batch.len() as u64 + 1;
            return Ok(drop_step(end_offset));
        }
        if self.filtered(cmd) {
            self.dropped += 1;
            return Ok(match self.tx {
                Some(_) => Step::Hold,
                None => drop_step(end_offset),
            });
        }
        if cmd.is("SELECT")
            && let Some(db) = cmd
                .arg(1)
                .and_then(|a| std::str::from_utf8(a).ok()?.parse().ok())
        {
            self.db = db;
        }
        let key = command_key(cmd);
        let idempotent = is_idempotent(cmd);
        let Some(tx) = &mut self.tx else {
            let mut batch = BatchBuilder::new();
            batch.push_raw(cmd, key);
            let replay = if idempotent {
                Replay::Idempotent
            } else {
                Replay::Never
            };
            return Ok(Step::Send(batch.finish(Ack::Offset(end_offset), replay)));
        };
        tx.batch.push_raw(cmd, key);
        tx.idempotent &= idempotent;
        let (commands, bytes) = (tx.batch.len(), tx.batch.byte_len());
        let over = |limit: usize, n: usize, what| {
            (n > limit).then_some(ApplyError::TransactionTooLarge {
                offset: end_offset,
                commands,
                bytes,
                limit,
                what,
            })
        };
        if let Some(e) = over(self.opts.max_transaction_bytes, bytes, "bytes")
            .or_else(|| over(self.opts.max_transaction_commands, commands, "commands"))
        {
            return Err(e);
        }
        Ok(Step::Hold)
    }

    fn filtered(&self, cmd: &Command) -> bool {
        cmd.is_empty()
            || cmd.is("PING")
            || cmd.is("REPLCONF")
            || (cmd.is("PUBLISH") && cmd.arg(1) == Some(b"__sentinel__:hello"))
            || (!self.opts.keep_flush && (cmd.is("FLUSHALL") || cmd.is("FLUSHDB")))
    }
}

fn drop_step(end_offset: u64) -> Step {
    Step::Drop(BatchBuilder::new().finish(Ack::Offset(end_offset), Replay::Idempotent))
}

/// Commands whose first argument is not a key.
const KEYLESS: &[&str] = &[
    "SELECT", "MULTI", "EXEC", "DISCARD", "FLUSHALL", "FLUSHDB", "SCRIPT", "FUNCTION", "PUBLISH",
    "SPUBLISH", "SWAPDB", "PING", "REPLCONF",
];

/// Scripts and functions: `name script-or-sha numkeys key…`.
const WITH_NUMKEYS: &[&str] = &[
    "EVAL",
    "EVALSHA",
    "EVAL_RO",
    "EVALSHA_RO",
    "FCALL",
    "FCALL_RO",
];

/// The key a stream command writes, for error messages.
pub fn command_key(cmd: &Command) -> Option<Bytes> {
    if KEYLESS.iter().any(|n| cmd.is(n)) {
        return None;
    }
    if WITH_NUMKEYS.iter().any(|n| cmd.is(n)) {
        let numkeys: u64 = std::str::from_utf8(cmd.arg(2)?).ok()?.parse().ok()?;
        return (numkeys > 0).then(|| cmd.arg_bytes(3)).flatten();
    }
    cmd.arg_bytes(1)
}

/// Whether executing the command again after it ran gives the same state: plain
/// assignments and removals.
pub fn is_idempotent(cmd: &Command) -> bool {
    const ALWAYS: &[&str] = &[
        "SELECT",
        "DEL",
        "UNLINK",
        "HSET",
        "HMSET",
        "HDEL",
        "SADD",
        "SREM",
        "ZREM",
        "MSET",
        "PEXPIREAT",
        "EXPIREAT",
        "PERSIST",
        "SETEX",
        "PSETEX",
    ];
    if ALWAYS.iter().any(|n| cmd.is(n)) {
        return true;
    }
    let options = || cmd.args().skip(3).map(|a| a.to_ascii_uppercase());
    if cmd.is("SET") {
        return options().all(|o| !matches!(o.as_slice(), b"NX" | b"XX" | b"GET"));
    }
    if cmd.is("ZADD") {
        // Options come before the first score; INCR and the conditions are not assignments.
        return cmd
            .args()
            .skip(2)
            .map(|a| a.to_ascii_uppercase())
            .take_while(|a| a.first().is_some_and(u8::is_ascii_alphabetic))
            .all(|o| o.as_slice() == b"CH");
    }
    if cmd.is("RESTORE") {
        return cmd.args().any(|a| a.eq_ignore_ascii_case(b"REPLACE"));
    }
    false
}
