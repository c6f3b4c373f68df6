//! The rewrite path: a key recreated with ordinary write commands from decoded chunks, for
//! values too large for one `RESTORE` and for targets that refuse the source's RDB version.
//!
//! Every key starts with `DEL key`, so the commands of one key are idempotent as a whole
//! (sent again from the `DEL`, they give the same value). Then, per chunk: `RPUSH`, `SADD`,
//! `ZADD` (scores written so they parse back to the same double), `HSET` (+ `HPEXPIREAT` for
//! field TTLs where the target has it), `SET` + `APPEND` for strings, `XADD` with explicit ids
//! for streams, then the stream's `XSETID`, groups (`XGROUP CREATE … ENTRIESREAD`), consumers
//! (`XGROUP CREATECONSUMER`) and pending entries (`XCLAIM … TIME RETRYCOUNT FORCE JUSTID`);
//! finally `PEXPIREAT`.
//!
//! What Redis 7.0 and Valkey 8.1 support: all of the above except `HPEXPIREAT` (Redis 7.4+,
//! Valkey 9.0+); `ENTRIESADDED`/`MAXDELETEDID`/`ENTRIESREAD` need 7.0. Not reproducible by
//! commands: consumers' seen and active times (they become the time of the write), and
//! pending entries whose message was deleted from the stream (`XCLAIM` skips them).

use super::batch::BatchBuilder;
use crate::rdb::{HashField, StreamGroup, StreamId, StreamMeta, ValueChunk};
use bytes::Bytes;

/// Most ids in one `XCLAIM`, fields in one `HPEXPIREAT`.
const IDS_PER_COMMAND: usize = 256;

/// Temporary group used to create an empty stream (`MKSTREAM`), destroyed at once.
const TMP_GROUP: &str = "__redis_migrate_tmp__";

/// What the target's commands can express.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Features {
    /// `XSETID … ENTRIESADDED … MAXDELETEDID` and `XGROUP CREATE … ENTRIESREAD` (7.0+).
    pub stream_meta: bool,
    /// `HPEXPIREAT` (Redis 7.4+, Valkey 9.0+).
    pub hash_field_ttl: bool,
    /// `SET … PXAT` (6.2+): a string with an expire in one command the target runs faster
    /// than a `RESTORE`.
    pub set_pxat: bool,
}

impl Default for Features {
    /// A Redis 7.0 target.
    fn default() -> Self {
        Self {
            stream_meta: true,
            hash_field_ttl: false,
            set_pxat: true,
        }
    }
}

/// Rewrites one key, chunk by chunk.
#[derive(Debug)]
pub struct KeyRewrite {
    key: Bytes,
    string_started: bool,
    stream_entries: u64,
    /// Hash field TTLs the target could not take.
    pub lost_field_ttls: u64,
}

impl KeyRewrite {
    /// Starts a key: `DEL key`.
    pub fn start(b: &mut BatchBuilder, key: Bytes) -> Self {
        b.push(&[&b"DEL"[..], &key], Some(&key));
        Self {
            key,
            string_started: false,
            stream_entries: 0,
            lost_field_ttls: 0,
        }
    }

    pub fn key(&self) -> &Bytes {
        &self.key
    }

    /// Appends the commands for one chunk.
    pub fn chunk(&mut self, b: &mut BatchBuilder, chunk: &ValueChunk, f: Features) {
        let key = &self.key;
        match chunk {
            ValueChunk::String(piece) => {
                let cmd: &[u8] = if self.string_started {
                    b"APPEND"
                } else {
                    b"SET"
                };
                self.string_started = true;
                b.push(&[cmd, key, piece], Some(key));
            }
            ValueChunk::ListItems(items) => many(b, b"RPUSH", key, items),
            ValueChunk::SetMembers(members) => many(b, b"SADD", key, members),
            ValueChunk::ZSetMembers(members) => {
                let scores: Vec<String> = members.iter().map(|(_, s)| format_score(*s)).collect();
                let mut args: Vec<&[u8]> = vec![b"ZADD", key];
                for ((member, _), score) in members.iter().zip(&scores) {
                    args.push(score.as_bytes());
                    args.push(member);
                }
                if args.len() > 2 {
                    b.push(&args, Some(key));
                }
            }
            ValueChunk::HashFields(fields) => self.hash(b, fields, f),
            ValueChunk::StreamEntries(entries) => {
                for e in entries {
                    let id = format_id(e.id);
                    let mut args: Vec<&[u8]> = vec![b"XADD", key, id.as_bytes()];
                    for (field, value) in &e.fields {
                        args.push(field);
                        args.push(value);
                    }
                    b.push(&args, Some(key));
                    self.stream_entries += 1;
                }
            }
            ValueChunk::StreamMeta(meta) => self.stream_meta(b, meta, f),
            ValueChunk::StreamGroup(group) => stream_group(b, key, group, f),
        }
    }

    fn hash(&mut self, b: &mut BatchBuilder, fields: &[HashField], f: Features) {
        let key = &self.key;
        let mut args: Vec<&[u8]> = vec![b"HSET", key];
        for h in fields {
            args.push(&h.field);
            args.push(&h.value);
        }
        if args.len() > 2 {
            b.push(&args, Some(key));
        }
        let mut with_ttl: Vec<(i64, &Bytes)> = fields
            .iter()
            .filter_map(|h| h.expire_at_ms.map(|t| (t, &h.field)))
            .collect();
        if !f.hash_field_ttl {
            self.lost_field_ttls += with_ttl.len() as u64;
            return;
        }
        with_ttl.sort_by_key(|(t, _)| *t);
        for same in with_ttl.chunk_by(|a, b| a.0 == b.0) {
            let at = same[0].0.max(1).to_string();
            for part in same.chunks(IDS_PER_COMMAND) {
                let n = part.len().to_string();
                let mut args: Vec<&[u8]> =
                    vec![b"HPEXPIREAT", key, at.as_bytes(), b"FIELDS", n.as_bytes()];
                args.extend(part.iter().map(|(_, field)| field.as_ref()));
                b.push(&args, Some(key));
            }
        }
    }

    fn stream_meta(&mut self, b: &mut BatchBuilder, meta: &StreamMeta, f: Features) {
        let key = &self.key;
        if self.stream_entries == 0 {
            // No entry to XADD: create the empty stream through a throw-away group.
            b.push(
                &[
                    &b"XGROUP"[..],
                    b"CREATE",
                    key,
                    TMP_GROUP.as_bytes(),
                    b"$",
                    b"MKSTREAM",
                ],
                Some(key),
            );
            b.push(
                &[&b"XGROUP"[..], b"DESTROY", key, TMP_GROUP.as_bytes()],
                Some(key),
            );
        }
        let last = format_id(meta.last_id);
        let mut args: Vec<&[u8]> = vec![b"XSETID", key, last.as_bytes()];
        let added = meta.entries_added.map(|n| n.to_string());
        let deleted = meta.max_deleted_id.map(format_id);
        if f.stream_meta {
            if let Some(added) = &added {
                args.extend([&b"ENTRIESADDED"[..], added.as_bytes()]);
            }
            if let Some(deleted) = &deleted {
                args.extend([&b"MAXDELETEDID"[..], deleted.as_bytes()]);
            }
        }
        b.push(&args, Some(key));
    }

    /// Ends the key: `PEXPIREAT` when it has an expire time (absolute Unix ms).
    pub fn finish(self, b: &mut BatchBuilder, expire_at_ms: Option<i64>) -> u64 {
        if let Some(at) = expire_at_ms {
            let at = at.max(1).to_string();
            b.push(
                &[&b"PEXPIREAT"[..], &self.key, at.as_bytes()],
                Some(&self.key),
            );
        }
        self.lost_field_ttls
    }
}

fn many(b: &mut BatchBuilder, cmd: &[u8], key: &Bytes, items: &[Bytes]) {
    if items.is_empty() {
        return;
    }
    let mut args: Vec<&[u8]> = Vec::with_capacity(items.len() + 2);
    args.push(cmd);
    args.push(key);
    args.extend(items.iter().map(Bytes::as_ref));
    b.push(&args, Some(key));
}

fn stream_group(b: &mut BatchBuilder, key: &Bytes, g: &StreamGroup, f: Features) {
    let last = format_id(g.last_id);
    let read = g.entries_read.map(|n| n.to_string());
    let mut args: Vec<&[u8]> = vec![b"XGROUP", b"CREATE", key, &g.name, last.as_bytes()];
    if let (true, Some(read)) = (f.stream_meta, &read) {
        args.extend([&b"ENTRIESREAD"[..], read.as_bytes()]);
    }
    b.push(&args, Some(key));
    for c in &g.consumers {
        b.push(
            &[&b"XGROUP"[..], b"CREATECONSUMER", key, &g.name, &c.name],
            Some(key),
        );
    }
    let runs = g.pending.chunk_by(|a, b| {
        (a.consumer.as_ref(), a.delivery_time_ms, a.delivery_count)
            == (b.consumer.as_ref(), b.delivery_time_ms, b.delivery_count)
    });
    for run in runs {
        for part in run.chunks(IDS_PER_COMMAND) {
            let p = &part[0];
            let ids: Vec<String> = part.iter().map(|e| format_id(e.id)).collect();
            let time = p.delivery_time_ms.to_string();
            let count = p.delivery_count.to_string();
            let mut args: Vec<&[u8]> = vec![b"XCLAIM", key, &g.name, &p.consumer, b"0"];
            args.extend(ids.iter().map(String::as_bytes));
            args.extend([
                &b"TIME"[..],
                time.as_bytes(),
                b"RETRYCOUNT",
                count.as_bytes(),
                b"FORCE",
                b"JUSTID",
            ]);
            b.push(&args, Some(key));
        }
    }
}

/// `ms-seq`.
pub fn format_id(id: StreamId) -> String {
    format!("{}-{}", id.ms, id.seq)
}

/// A score as text that parses back to the same double: `+inf`/`-inf`, the shortest
/// round-trip digits, with an exponent for very large or small magnitudes.
pub fn format_score(score: f64) -> String {
    if score.is_infinite() {
        return if score > 0.0 { "+inf" } else { "-inf" }.to_owned();
    }
    let abs = score.abs();
    if abs != 0.0 && !(1e-4..1e16).contains(&abs) {
        format!("{score:e}")
    } else {
        format!("{score}")
    }
}

#[cfg(test)]
mod tests;
