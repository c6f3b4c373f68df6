//! What the pipeline sends: a [`Batch`] of encoded commands that is acknowledged as a whole.
//!
//! A batch carries, besides the bytes, what the pipeline needs to check replies and to recover
//! from a cut: each command's name and key (for error messages; argument values are never
//! kept, they may be secrets or customer data), where each command ends in the bytes (to
//! resend a suffix), which commands are `SELECT` (to re-select the right database after a
//! reconnect), what acknowledging the batch means ([`Ack`]) and whether it may be sent twice
//! ([`Replay`]).

use crate::resp::{self, Command};
use bytes::{Bytes, BytesMut};
use std::any::Any;
use std::sync::Arc;

/// What the acknowledgement of a batch means to the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ack {
    /// Nothing to record (a `SELECT`, a function, the first pieces of a large key).
    None,
    /// The last batch of a snapshot key: once acknowledged the target holds the whole key, and
    /// the first `file_keys` keys of the snapshot file are done (this one, and any skipped
    /// before it). A restart after an unrecoverable cut passes this as `skip_keys`.
    KeyDone { file_keys: u64 },
    /// Like [`Ack::KeyDone`] for a batch that completes `keys` snapshot keys at once (small
    /// keys are grouped, many to a batch).
    KeysDone { keys: u64, file_keys: u64 },
    /// Commands of the replication stream up to this offset (the offset just after the
    /// batch's last byte in the stream) are applied.
    Offset(u64),
}

/// Whether a batch may be executed again after a cut left it unconfirmed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replay {
    /// Executing it again gives the same result whatever ran of it before: `RESTORE …
    /// REPLACE`, a rewrite that starts with `DEL`, `SELECT`, assignments such as `SET`.
    Idempotent,
    /// A later piece of a key whose first batch starts with `DEL`: safe only when the batches
    /// before it, back to that first one, are executed again too.
    Chained,
    /// Must not run twice (`INCR`, `RPUSH` of a stream command, …).
    Never,
}

/// One command of a batch, without its arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CmdInfo {
    /// The command name as sent (`RESTORE`, `rpush`, …).
    pub name: Bytes,
    /// The key it writes, when it has one (for error messages).
    pub key: Option<Bytes>,
    /// Where the command ends in [`Batch::bytes`].
    pub end: usize,
    /// `Some(db)` when this is `SELECT db`.
    pub select: Option<u32>,
}

impl CmdInfo {
    /// The name upper-cased, for messages.
    pub fn name_upper(&self) -> String {
        String::from_utf8_lossy(&self.name[..self.name.len().min(32)]).to_ascii_uppercase()
    }

    /// The key escaped and shortened to 200 bytes, for messages.
    pub fn key_display(&self) -> Option<String> {
        self.key.as_ref().map(|k| display_key(k))
    }
}

/// A key as it appears in messages: escaped, at most 200 bytes shown.
pub fn display_key(key: &[u8]) -> String {
    if key.len() > 200 {
        format!("{}…({} bytes)", key[..200].escape_ascii(), key.len())
    } else {
        key.escape_ascii().to_string()
    }
}

/// Encoded commands acknowledged together. `Debug` shows sizes and names, never values.
#[derive(Clone)]
pub struct Batch {
    bytes: Bytes,
    cmds: Vec<CmdInfo>,
    ack: Ack,
    replay: Replay,
    atomic: bool,
    /// Dropped with the last clone of the batch (see [`Batch::holding`]).
    hold: Option<Arc<dyn Any + Send + Sync>>,
}

impl Batch {
    /// The RESP bytes of every command, back to back.
    pub fn bytes(&self) -> &Bytes {
        &self.bytes
    }

    pub fn cmds(&self) -> &[CmdInfo] {
        &self.cmds
    }

    pub fn len(&self) -> usize {
        self.cmds.len()
    }

    pub fn is_empty(&self) -> bool {
        self.cmds.is_empty()
    }

    pub fn ack(&self) -> Ack {
        self.ack
    }

    pub fn replay(&self) -> Replay {
        self.replay
    }

    /// A `MULTI … EXEC` transaction: replied to and retried as one unit.
    pub fn is_atomic(&self) -> bool {
        self.atomic
    }

    /// Keeps `guard` alive as long as the batch: the pipeline drops a batch once the target
    /// has acknowledged it, so a producer can bound what it has outstanding (a memory budget
    /// released on drop).
    pub fn holding(mut self, guard: Arc<dyn Any + Send + Sync>) -> Batch {
        self.hold = Some(guard);
        self
    }

    /// Where command `i` starts in [`Batch::bytes`].
    pub fn cmd_start(&self, i: usize) -> usize {
        match i {
            0 => 0,
            _ => self.cmds.get(i - 1).map_or(self.bytes.len(), |c| c.end),
        }
    }
}

impl std::fmt::Debug for Batch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<String> = self.cmds.iter().take(4).map(CmdInfo::name_upper).collect();
        f.debug_struct("Batch")
            .field("commands", &self.cmds.len())
            .field("first", &names)
            .field("bytes", &self.bytes.len())
            .field("ack", &self.ack)
            .field("replay", &self.replay)
            .field("atomic", &self.atomic)
            .finish()
    }
}

/// Builds a [`Batch`] command by command.
#[derive(Default)]
pub struct BatchBuilder {
    buf: BytesMut,
    cmds: Vec<CmdInfo>,
}

impl BatchBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a command built from arguments (the first is the name); `key` names the key it
    /// writes, for messages.
    pub fn push<A: AsRef<[u8]>>(&mut self, args: &[A], key: Option<&Bytes>) {
        resp::encode_command(&mut self.buf, args);
        let name = args
            .first()
            .map_or_else(Bytes::new, |a| name_bytes(a.as_ref()));
        let select = select_target(&name, args.get(1).map(AsRef::as_ref));
        self.cmds.push(CmdInfo {
            name,
            key: key.cloned(),
            end: self.buf.len(),
            select,
        });
    }

    /// Appends one command that `encode` writes in RESP itself (the `*N` header and every
    /// argument, `name` first): for arguments built in place, such as a `RESTORE` payload or
    /// the pairs of an `MSET`. `name` must not be `SELECT`.
    pub fn push_encoded(
        &mut self,
        name: &'static [u8],
        key: Option<&Bytes>,
        encode: impl FnOnce(&mut BytesMut),
    ) {
        encode(&mut self.buf);
        self.cmds.push(CmdInfo {
            name: Bytes::from_static(name),
            key: key.cloned(),
            end: self.buf.len(),
            select: None,
        });
    }

    /// Appends a command received from the source, forwarded byte for byte.
    pub fn push_raw(&mut self, cmd: &Command, key: Option<Bytes>) {
        self.buf.extend_from_slice(cmd.raw());
        let name = cmd.arg_bytes(0).unwrap_or_default();
        let select = select_target(&name, cmd.arg(1));
        self.cmds.push(CmdInfo {
            name,
            key,
            end: self.buf.len(),
            select,
        });
    }

    /// Commands so far.
    pub fn len(&self) -> usize {
        self.cmds.len()
    }

    pub fn is_empty(&self) -> bool {
        self.cmds.is_empty()
    }

    /// Bytes so far.
    pub fn byte_len(&self) -> usize {
        self.buf.len()
    }

    /// The batch. It is a transaction (atomic) when it starts with `MULTI` and ends with
    /// `EXEC`.
    pub fn finish(self, ack: Ack, replay: Replay) -> Batch {
        let is = |c: Option<&CmdInfo>, name: &str| {
            c.is_some_and(|c| c.name.eq_ignore_ascii_case(name.as_bytes()))
        };
        let atomic =
            self.cmds.len() >= 2 && is(self.cmds.first(), "MULTI") && is(self.cmds.last(), "EXEC");
        Batch {
            bytes: self.buf.freeze(),
            cmds: self.cmds,
            ack,
            replay,
            atomic,
            hold: None,
        }
    }
}

/// The name as kept in [`CmdInfo`]: the commands the snapshot sends for every key are static,
/// so that they cost no allocation.
fn name_bytes(name: &[u8]) -> Bytes {
    const STATIC: [&[u8]; 7] = [
        b"RESTORE",
        b"SELECT",
        b"SET",
        b"MSET",
        b"PEXPIREAT",
        b"DEL",
        b"HSET",
    ];
    STATIC
        .iter()
        .find(|s| **s == name)
        .map_or_else(|| Bytes::copy_from_slice(name), |s| Bytes::from_static(s))
}

fn select_target(name: &[u8], arg: Option<&[u8]>) -> Option<u32> {
    if !name.eq_ignore_ascii_case(b"SELECT") {
        return None;
    }
    std::str::from_utf8(arg?).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_ends_keys_selects_and_transactions() {
        let mut b = BatchBuilder::new();
        b.push(&["select", "3"], None);
        let key = Bytes::from_static(b"k");
        b.push(&[&b"SET"[..], b"k", b"secret"], Some(&key));
        let mut wire = BytesMut::from(&b"*1\r\n$4\r\nEXEC\r\n"[..]);
        let exec = resp::parse_command(&mut wire, &resp::Limits::default())
            .unwrap()
            .unwrap();
        b.push_raw(&exec, None);
        let batch = b.finish(Ack::Offset(9), Replay::Never);
        assert_eq!(batch.len(), 3);
        assert_eq!(batch.cmds()[0].select, Some(3));
        assert_eq!(batch.cmds()[1].select, None);
        assert_eq!(batch.cmd_start(1), batch.cmds()[0].end);
        assert_eq!(batch.cmds()[2].end, batch.bytes().len());
        assert_eq!(batch.cmds()[1].name_upper(), "SET");
        assert!(!batch.is_atomic(), "starts with SELECT, not MULTI");
        assert!(!format!("{batch:?}").contains("secret"), "{batch:?}");

        let mut t = BatchBuilder::new();
        t.push(&["MULTI"], None);
        t.push(&["INCR", "n"], None);
        t.push(&["exec"], None);
        assert!(t.finish(Ack::None, Replay::Never).is_atomic());
    }

    #[test]
    fn long_and_binary_keys_are_escaped_and_shortened() {
        assert_eq!(display_key(b"a\r\n\xff"), "a\\r\\n\\xff");
        let long = vec![b'x'; 500];
        let shown = display_key(&long);
        assert!(
            shown.ends_with("…(500 bytes)") && shown.len() < 220,
            "{shown}"
        );
    }
}
