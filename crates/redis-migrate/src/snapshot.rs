//! The snapshot writer: an [`rdb::Visitor`] that turns each key of the RDB into batches for
//! the target pipeline.
//!
//! It runs on the RDB parser's blocking thread and hands batches to the async pipeline
//! through a bounded channel (`blocking_send`), so a slow target slows the parser instead of
//! filling memory; when the pipeline is gone the visitor answers [`Stop`] and the parser
//! stops.
//!
//! Per key: `SELECT` when the database changes, then either the fast path from the raw value
//! (when the target accepts the source's RDB version): `RESTORE … REPLACE ABSTTL`, or for a
//! plain string a pair of an `MSET` (no expire) or `SET … PXAT`, many keys to a batch
//! acknowledged at once ([`Ack::KeysDone`], see `group`); or the rewrite commands from decoded chunks, cut
//! into batches of bounded size, the last of which acknowledges the key ([`Ack::KeyDone`]).
//! Expire times are written absolute, with the TTL policy of
//! [`SnapshotOptions`]. Functions become `FUNCTION LOAD REPLACE`, a `lua` aux field (scripts
//! in RDBs of Redis before 7.0) `SCRIPT LOAD`.

use crate::metrics::{Level, Metrics};
use crate::rdb::{Flow, KeyMeta, Stop, ValueChunk, Visitor};
use crate::target::restore::Access;
use crate::target::rewrite::KeyRewrite;
use crate::target::{Ack, Batch, BatchBuilder, Replay};
use bytes::Bytes;
use std::sync::Arc;
use tokio::sync::mpsc;

mod budget;
mod group;
mod options;
#[cfg(test)]
mod tests;

pub use options::{Mode, RAW_LIMIT, SnapshotOptions, parse_options, unix_ms};

use budget::ByteBudget;
use group::Group;

/// RDB types that only exist as raw payloads (module values).
const MODULE_TYPES: [u8; 2] = [6, 7];

/// What the writer did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SnapshotSummary {
    /// Keys in the file, skipped ones included.
    pub keys_seen: u64,
    pub keys_restored: u64,
    pub keys_rewritten: u64,
    /// Skipped by `skip_keys`.
    pub keys_skipped_resume: u64,
    /// Skipped as already expired (full mode).
    pub keys_skipped_expired: u64,
    /// Written with their expire pushed to now + grace (incremental mode).
    pub keys_expire_extended: u64,
    /// Hash field TTLs the target could not take (no `HPEXPIREAT`).
    pub field_ttls_lost: u64,
    pub functions: u64,
    pub scripts: u64,
}

/// Why the writer stopped the parser.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SnapshotError {
    #[error(
        "the source has functions but the target has no FUNCTION command (Redis 7.0 or newer is needed)"
    )]
    FunctionsUnsupported,
    /// Module values can only be copied as their raw bytes (`RESTORE`), and this one is
    /// larger than the raw limit of the parser.
    #[error(
        "key {key} holds a {module} module value of {bytes} bytes, larger than the raw limit; module values can only be copied raw (raise the raw limit)"
    )]
    ModuleTooLarge {
        key: String,
        module: String,
        bytes: u64,
    },
    #[error(
        "the pipeline to the target has stopped; its error says why (after key #{file_keys} of the file)"
    )]
    PipelineGone { file_keys: u64 },
}

enum KeyState {
    /// Not written (resume skip or expired).
    Skip,
    /// Written; waiting for the value.
    Pending {
        expire: Option<i64>,
    },
    Rewrite {
        rewrite: KeyRewrite,
        expire: Option<i64>,
        batch: BatchBuilder,
        /// The batch in `batch` is the key's first (it holds the `DEL`).
        first: bool,
    },
    Done,
}

/// The visitor. Create it with the sending half of a channel whose receiver goes to
/// [`crate::target::Pipeline::submit_all`].
pub struct SnapshotWriter {
    opts: SnapshotOptions,
    tx: mpsc::Sender<Batch>,
    metrics: Arc<Metrics>,
    source_rdb_version: u32,
    raw_ok: bool,
    current_db: Option<u32>,
    state: KeyState,
    /// Small keys waiting to go out together.
    group: Group,
    /// Decoded string values (integers, LZF).
    scratch: Vec<u8>,
    budget: Arc<ByteBudget>,
    summary: SnapshotSummary,
    error: Option<SnapshotError>,
}

impl SnapshotWriter {
    pub fn new(opts: SnapshotOptions, tx: mpsc::Sender<Batch>, metrics: Arc<Metrics>) -> Self {
        Self {
            opts,
            tx,
            metrics,
            source_rdb_version: 0,
            raw_ok: opts.raw_allowed,
            current_db: None,
            state: KeyState::Done,
            group: Group::default(),
            scratch: Vec::new(),
            budget: ByteBudget::new(opts.max_unacked_bytes),
            summary: SnapshotSummary::default(),
            error: None,
        }
    }

    /// What was done, or why the writer stopped the parser.
    pub fn finish(self) -> Result<SnapshotSummary, SnapshotError> {
        match self.error {
            Some(e) => Err(e),
            None => Ok(self.summary),
        }
    }

    /// Whether values go out as `RESTORE` (decided from the header).
    pub fn uses_restore(&self) -> bool {
        self.raw_ok
    }

    fn send(&mut self, batch: Batch) -> Flow {
        let tx = &self.tx;
        let held = self.budget.take(batch.bytes().len(), || tx.is_closed());
        let sent = match held {
            Some(held) => self.tx.blocking_send(batch.holding(Arc::new(held))).is_ok(),
            None => false,
        };
        if !sent {
            self.error.get_or_insert(SnapshotError::PipelineGone {
                file_keys: self.summary.keys_seen,
            });
            return Err(Stop);
        }
        Ok(())
    }

    /// Sends the small keys gathered so far; `file_keys` of the file are done once the
    /// batch is acknowledged.
    fn send_group(&mut self, file_keys: u64) -> Flow {
        match self.group.take(file_keys) {
            Some(batch) => self.send(batch),
            None => Ok(()),
        }
    }

    /// Sends the group once it is full.
    fn maybe_send_group(&mut self) -> Flow {
        if self.group.keys() >= self.opts.group_keys
            || self.group.byte_len() >= self.opts.group_bytes
        {
            self.send_group(self.summary.keys_seen)?;
        }
        Ok(())
    }

    /// A one-command batch that may run twice (`SCRIPT LOAD`, `FUNCTION LOAD REPLACE`).
    fn send_one(&mut self, args: &[&[u8]]) -> Flow {
        self.send_group(self.summary.keys_seen)?;
        let mut b = BatchBuilder::new();
        b.push(args, None);
        self.send(b.finish(Ack::None, Replay::Idempotent))
    }

    /// The expire to write, or `None` in the outer option when the key is skipped.
    fn expire_policy(&mut self, expire_at_ms: Option<i64>) -> Option<Option<i64>> {
        let Some(at) = expire_at_ms else {
            return Some(None);
        };
        let now = (self.opts.clock)();
        match self.opts.mode {
            Mode::Full if at <= now => None,
            Mode::Incremental => {
                let grace = i64::try_from(self.opts.expire_grace.as_millis()).unwrap_or(i64::MAX);
                let floor = now.saturating_add(grace);
                if at < floor {
                    self.summary.keys_expire_extended += 1;
                    Some(Some(floor))
                } else {
                    Some(Some(at))
                }
            }
            Mode::Full => Some(Some(at)),
        }
    }

    /// A hash field's expire under the TTL policy (incremental: at least now + grace).
    fn field_expire(&self, at: i64) -> Option<i64> {
        match self.opts.mode {
            Mode::Full => Some(at),
            Mode::Incremental => {
                let grace = i64::try_from(self.opts.expire_grace.as_millis()).unwrap_or(i64::MAX);
                Some(at.max((self.opts.clock)().saturating_add(grace)))
            }
        }
    }

    /// Sends the rewrite batch so far when it is big enough.
    fn maybe_flush(&mut self) -> Flow {
        let limits = (self.opts.batch_bytes, self.opts.batch_commands);
        let KeyState::Rewrite { batch, first, .. } = &mut self.state else {
            return Ok(());
        };
        if batch.byte_len() < limits.0 && batch.len() < limits.1 {
            return Ok(());
        }
        let full = std::mem::take(batch);
        let replay = if *first {
            Replay::Idempotent
        } else {
            Replay::Chained
        };
        *first = false;
        self.send(full.finish(Ack::None, replay))
    }
}

impl Visitor for SnapshotWriter {
    fn header(&mut self, rdb_version: u32) -> Flow {
        self.source_rdb_version = rdb_version;
        let accepted = self
            .opts
            .target_rdb_version
            .is_none_or(|t| rdb_version <= u32::from(t));
        self.raw_ok = self.opts.raw_allowed && accepted && rdb_version <= u32::from(u16::MAX);
        if self.opts.raw_allowed && !accepted {
            self.metrics.event(
                Level::Info,
                format!(
                    "the source writes RDB version {rdb_version}, newer than the target's {}: keys are rewritten as commands instead of RESTORE",
                    self.opts.target_rdb_version.unwrap_or_default()
                ),
            );
        }
        Ok(())
    }

    fn aux(&mut self, key: &[u8], value: &[u8]) -> Flow {
        if key != b"lua" {
            return Ok(());
        }
        self.summary.scripts += 1;
        self.send_one(&[b"SCRIPT", b"LOAD", value])
    }

    fn function(&mut self, code: Bytes) -> Flow {
        if !self.opts.target_has_functions {
            self.error = Some(SnapshotError::FunctionsUnsupported);
            return Err(Stop);
        }
        self.summary.functions += 1;
        self.send_one(&[b"FUNCTION", b"LOAD", b"REPLACE", &code])
    }

    fn wants_raw(&mut self, meta: &KeyMeta) -> bool {
        // Skipped values are cheapest raw; module values have no other form.
        self.raw_ok || matches!(self.state, KeyState::Skip) || MODULE_TYPES.contains(&meta.rdb_type)
    }

    fn module_value(&mut self, meta: &KeyMeta, module: &crate::rdb::ModuleValue) -> Flow {
        if matches!(self.state, KeyState::Skip) {
            return Ok(());
        }
        self.error = Some(SnapshotError::ModuleTooLarge {
            key: crate::target::batch::display_key(&meta.key),
            module: module.name.clone(),
            bytes: module.encoded_len,
        });
        Err(Stop)
    }

    fn key_start(&mut self, meta: &KeyMeta) -> Flow {
        self.summary.keys_seen += 1;
        if self.summary.keys_seen <= self.opts.skip_keys {
            self.summary.keys_skipped_resume += 1;
            self.state = KeyState::Skip;
            return Ok(());
        }
        let Some(expire) = self.expire_policy(meta.expire_at_ms) else {
            self.summary.keys_skipped_expired += 1;
            Metrics::add(&self.metrics.keys_skipped_expired, 1);
            self.state = KeyState::Skip;
            return Ok(());
        };
        if self.current_db != Some(meta.db) {
            self.group.select(meta.db);
            self.current_db = Some(meta.db);
        }
        self.state = KeyState::Pending { expire };
        Ok(())
    }

    fn value_raw(&mut self, meta: &KeyMeta, raw: Bytes) -> Flow {
        match raw.split_first() {
            Some((&t, encoded)) => self.value_raw_parts(meta, t, encoded),
            None => Ok(()),
        }
    }

    fn value_raw_parts(&mut self, meta: &KeyMeta, rdb_type: u8, encoded: &[u8]) -> Flow {
        let KeyState::Pending { expire } = std::mem::replace(&mut self.state, KeyState::Done)
        else {
            return Ok(()); // skipped
        };
        let access = Access {
            idle_secs: meta.idle_secs,
            lfu_freq: meta.lfu_freq,
        };
        let plain = rdb_type == 0
            && meta.rdb_type == 0
            && access == Access::default()
            && (expire.is_none() || self.opts.features.set_pxat);
        let value = plain
            .then(|| crate::rdb::codec::encoded_string(encoded, &mut self.scratch).ok())
            .flatten();
        match (value, expire) {
            (Some(v), None) => self.group.string(&meta.key, v),
            (Some(v), Some(at)) => self.group.string_until(&meta.key, v, at),
            (None, _) => {
                let version = u16::try_from(self.source_rdb_version).unwrap_or(u16::MAX);
                self.group
                    .restore(&meta.key, rdb_type, encoded, version, expire, access);
            }
        }
        self.summary.keys_restored += 1;
        self.maybe_send_group()
    }

    fn value_chunk(&mut self, meta: &KeyMeta, mut chunk: ValueChunk) -> Flow {
        if let ValueChunk::HashFields(fields) = &mut chunk {
            // Field TTLs follow the key's policy: pushed to the grace period when incremental.
            for f in fields.iter_mut() {
                if let Some(at) = f.expire_at_ms {
                    f.expire_at_ms = self.field_expire(at);
                }
            }
        }
        if matches!(self.state, KeyState::Pending { .. })
            && let KeyState::Pending { expire } = std::mem::replace(&mut self.state, KeyState::Done)
        {
            // The keys before this one go first; this one is not done yet.
            self.send_group(self.summary.keys_seen - 1)?;
            let mut batch = BatchBuilder::new();
            let rewrite = KeyRewrite::start(&mut batch, meta.key.clone());
            self.state = KeyState::Rewrite {
                rewrite,
                expire,
                batch,
                first: true,
            };
        }
        let features = self.opts.features;
        match &mut self.state {
            KeyState::Rewrite { rewrite, batch, .. } => rewrite.chunk(batch, &chunk, features),
            // Skipped, or (cannot happen) a chunk after the raw value.
            KeyState::Skip | KeyState::Pending { .. } | KeyState::Done => return Ok(()),
        }
        self.maybe_flush()
    }

    fn key_end(&mut self, _meta: &KeyMeta) -> Flow {
        match std::mem::replace(&mut self.state, KeyState::Done) {
            KeyState::Rewrite {
                rewrite,
                expire,
                mut batch,
                first,
            } => {
                let lost = rewrite.finish(&mut batch, expire);
                self.summary.field_ttls_lost += lost;
                self.summary.keys_rewritten += 1;
                let replay = if first {
                    Replay::Idempotent
                } else {
                    Replay::Chained
                };
                let file_keys = self.summary.keys_seen;
                self.send(batch.finish(Ack::KeyDone { file_keys }, replay))
            }
            KeyState::Pending { .. } | KeyState::Skip | KeyState::Done => Ok(()),
        }
    }

    fn eof(&mut self, _checksum_verified: bool) -> Flow {
        self.send_group(self.summary.keys_seen)?;
        let s = self.summary;
        if s.field_ttls_lost > 0 {
            self.metrics.event(
                Level::Warn,
                format!(
                    "{} hash field TTLs were not written: the target has no HPEXPIREAT (Redis 7.4+, Valkey 9.0+)",
                    s.field_ttls_lost
                ),
            );
        }
        self.metrics.event(
            Level::Info,
            format!(
                "snapshot read: {} keys ({} restored, {} rewritten, {} skipped as expired, {} skipped on resume)",
                s.keys_seen,
                s.keys_restored,
                s.keys_rewritten,
                s.keys_skipped_expired,
                s.keys_skipped_resume
            ),
        );
        Ok(())
    }
}
