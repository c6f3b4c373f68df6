//! Key-by-key comparison of a batch of keys on both sides, at the depth the mode asks for:
//! existence and type; then length; then value and TTL.
//!
//! Each step is pipelined for the whole batch. Values are compared in bounded memory: strings
//! by `GETRANGE` chunks, lists by `LRANGE` chunks, streams by `XRANGE` chunks plus their
//! consumer groups, and sets, hashes and sorted sets by an order-independent digest of their
//! `SSCAN`/`HSCAN`/`ZSCAN` pages ([`super::digest`]). When both servers allow
//! `DEBUG DIGEST-VALUE`, equal digests settle a key at once (except streams: the digest
//! leaves out consumer groups and pending entries); differing ones are confirmed by the
//! logical compare, since two server versions need not hash alike.

use super::digest::{SetDigest, score_key};
use super::report::{DiffKind, KeyDiff};
use super::side::{Side, args, cursor_page};
use super::{VerifyError, VerifyOptions};
use crate::resp::Frame;
use bytes::Bytes;
use std::collections::BTreeSet;

/// How deep to compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Depth {
    Outline,
    Length,
    Full,
}

pub(crate) struct Checker<'a> {
    pub src: &'a mut Side,
    pub dst: &'a mut Side,
    pub options: &'a VerifyOptions,
    pub depth: Depth,
    /// Both sides answer `DEBUG DIGEST-VALUE`.
    pub digest_value: bool,
    pub notes: &'a mut BTreeSet<String>,
}

fn length_command(kind: &str) -> Option<&'static [u8]> {
    Some(match kind {
        "string" => b"STRLEN",
        "list" => b"LLEN",
        "set" => b"SCARD",
        "zset" => b"ZCARD",
        "hash" => b"HLEN",
        "stream" => b"XLEN",
        _ => return None,
    })
}

fn text(frame: &Frame) -> String {
    match frame {
        Frame::Simple(b) | Frame::Bulk(Some(b)) => String::from_utf8_lossy(b).into_owned(),
        Frame::Integer(i) => i.to_string(),
        other => format!("{other:?}"),
    }
}

fn int(frame: &Frame) -> Option<i64> {
    match frame {
        Frame::Integer(i) => Some(*i),
        _ => None,
    }
}

fn describe_ttl(pttl: i64) -> String {
    match pttl {
        -1 => "no ttl".into(),
        -2 => "gone".into(),
        ms => format!("ttl {ms} ms"),
    }
}

impl Checker<'_> {
    /// Compares `keys` of database `db`. With `from_source`, keys the source no longer has
    /// are left to the target-side pass (which reports them as extra).
    pub async fn compare(
        &mut self,
        db: u32,
        keys: &[Bytes],
        from_source: bool,
    ) -> Result<Vec<KeyDiff>, VerifyError> {
        let mut diffs = Vec::new();
        if keys.is_empty() {
            return Ok(diffs);
        }
        self.src.select(db).await?;
        self.dst.select(db).await?;
        let per_key = |verb: &[u8]| -> Vec<Vec<Bytes>> {
            keys.iter()
                .map(|k| vec![Bytes::copy_from_slice(verb), k.clone()])
                .collect()
        };
        let types = per_key(b"TYPE");
        let src_types = self.src.pipeline(&types).await?;
        let dst_types = self.dst.pipeline(&types).await?;
        let diff = |key: &Bytes, kind, source: String, target: String| KeyDiff {
            db,
            key: key.clone(),
            kind,
            source,
            target,
        };
        let mut same = Vec::new();
        for ((key, s), t) in keys.iter().zip(&src_types).zip(&dst_types) {
            let (s, t) = (text(s), text(t));
            match (s.as_str(), t.as_str()) {
                ("none", "none") => {}
                ("none", _) if from_source => {}
                ("none", _) => diffs.push(diff(key, DiffKind::Extra, s, t)),
                (_, "none") => diffs.push(diff(key, DiffKind::Missing, s, t)),
                _ if s != t => diffs.push(diff(key, DiffKind::Type, s, t)),
                _ => same.push((key.clone(), s)),
            }
        }
        if self.depth == Depth::Outline || same.is_empty() {
            return Ok(diffs);
        }
        let lengths: Vec<Vec<Bytes>> = same
            .iter()
            .map(|(k, kind)| match length_command(kind) {
                Some(cmd) => vec![Bytes::from_static(cmd), k.clone()],
                None => args(&[b"EXISTS", k]),
            })
            .collect();
        let src_len = self.src.pipeline(&lengths).await?;
        let dst_len = self.dst.pipeline(&lengths).await?;
        let mut sized = Vec::new();
        for (((key, kind), s), t) in same.iter().zip(&src_len).zip(&dst_len) {
            if s != t {
                diffs.push(diff(
                    key,
                    DiffKind::Value,
                    format!("{kind} of length {}", text(s)),
                    format!("{kind} of length {}", text(t)),
                ));
            } else {
                sized.push((key.clone(), kind.clone(), int(s).unwrap_or(0)));
            }
        }
        if self.depth < Depth::Full {
            return Ok(diffs);
        }
        let ttls: Vec<Vec<Bytes>> = same.iter().map(|(k, _)| args(&[b"PTTL", k])).collect();
        let src_ttl = self.src.pipeline(&ttls).await?;
        let dst_ttl = self.dst.pipeline(&ttls).await?;
        let tolerance = i64::try_from(self.options.ttl_tolerance.as_millis()).unwrap_or(i64::MAX);
        for (((key, _), s), t) in same.iter().zip(&src_ttl).zip(&dst_ttl) {
            let (s, t) = (int(s).unwrap_or(-2), int(t).unwrap_or(-2));
            if s == -2 || t == -2 {
                continue; // expired meanwhile; a later round or the other pass sees it
            }
            let differs = match (s, t) {
                (-1, -1) => false,
                (-1, _) | (_, -1) => true,
                (a, b) => a.abs_diff(b) > tolerance.unsigned_abs(),
            };
            if differs {
                diffs.push(diff(key, DiffKind::Ttl, describe_ttl(s), describe_ttl(t)));
            }
        }
        let settled = self.settled_by_digest(&sized).await?;
        for ((key, kind, len), done) in sized.iter().zip(settled) {
            if done {
                continue;
            }
            if let Some((s, t)) = self.value_differs(key, kind, *len).await? {
                diffs.push(diff(key, DiffKind::Value, s, t));
            }
        }
        Ok(diffs)
    }

    /// Which keys `DEBUG DIGEST-VALUE` shows equal on both sides.
    async fn settled_by_digest(
        &mut self,
        keys: &[(Bytes, String, i64)],
    ) -> Result<Vec<bool>, VerifyError> {
        if !self.digest_value {
            return Ok(vec![false; keys.len()]);
        }
        let cmds: Vec<Vec<Bytes>> = keys
            .iter()
            .map(|(k, _, _)| args(&[b"DEBUG", b"DIGEST-VALUE", k]))
            .collect();
        let s = self.src.pipeline(&cmds).await?;
        let t = self.dst.pipeline(&cmds).await?;
        // A stream's digest covers its entries only, not its consumer groups.
        Ok(s.iter()
            .zip(&t)
            .zip(keys)
            .map(|((a, b), (_, kind, _))| {
                kind != "stream" && !matches!(a, Frame::Error(_)) && a == b
            })
            .collect())
    }

    /// `None` when the values are equal; otherwise what each side has.
    async fn value_differs(
        &mut self,
        key: &Bytes,
        kind: &str,
        len: i64,
    ) -> Result<Option<(String, String)>, VerifyError> {
        match kind {
            "string" => self.string_differs(key, len).await,
            "list" => self.list_differs(key, len).await,
            "set" => self.scan_differs(key, kind, b"SSCAN", 1, len).await,
            "hash" => self.scan_differs(key, kind, b"HSCAN", 2, len).await,
            "zset" => self.scan_differs(key, kind, b"ZSCAN", 2, len).await,
            "stream" => self.stream_differs(key).await,
            other => {
                if !self.digest_value {
                    self.notes.insert(format!(
                        "values of type {other} are compared by type and existence only \
                         (DEBUG DIGEST-VALUE is not available on both sides)"
                    ));
                    return Ok(None);
                }
                Ok(Some((
                    format!("{other} value"),
                    "another value (DEBUG DIGEST-VALUE)".into(),
                )))
            }
        }
    }

    async fn both(&mut self, cmd: Vec<Bytes>) -> Result<(Frame, Frame), VerifyError> {
        let s = self.src.call(cmd.clone()).await?;
        let t = self.dst.call(cmd).await?;
        Ok((s, t))
    }

    async fn string_differs(
        &mut self,
        key: &Bytes,
        len: i64,
    ) -> Result<Option<(String, String)>, VerifyError> {
        let chunk = self.options.chunk_bytes.max(1) as i64;
        let mut at = 0i64;
        loop {
            let end = (at + chunk - 1).to_string();
            let (s, t) = self
                .both(args(&[
                    b"GETRANGE",
                    key,
                    at.to_string().as_bytes(),
                    end.as_bytes(),
                ]))
                .await?;
            if s != t {
                let found = format!(
                    "string of {len} bytes, differing in bytes {at}..{}",
                    at + chunk
                );
                return Ok(Some((found.clone(), found)));
            }
            at += chunk;
            if at >= len {
                return Ok(None);
            }
        }
    }

    async fn list_differs(
        &mut self,
        key: &Bytes,
        len: i64,
    ) -> Result<Option<(String, String)>, VerifyError> {
        let chunk = self.options.chunk_items.max(1) as i64;
        let mut at = 0i64;
        while at < len {
            let end = (at + chunk - 1).to_string();
            let (s, t) = self
                .both(args(&[
                    b"LRANGE",
                    key,
                    at.to_string().as_bytes(),
                    end.as_bytes(),
                ]))
                .await?;
            if s != t {
                let first = match (&s, &t) {
                    (Frame::Array(Some(a)), Frame::Array(Some(b))) => a
                        .iter()
                        .zip(b)
                        .position(|(x, y)| x != y)
                        .unwrap_or(a.len().min(b.len())),
                    _ => 0,
                };
                let found = format!("list of {len}, differing at index {}", at + first as i64);
                return Ok(Some((found.clone(), found)));
            }
            at += chunk;
        }
        Ok(None)
    }

    /// Digest of a set, hash or zset from its scan pages; `width` items per element.
    async fn scan_digest(
        side: &mut Side,
        key: &Bytes,
        verb: &'static [u8],
        width: usize,
        count: usize,
    ) -> Result<SetDigest, VerifyError> {
        let mut digest = SetDigest::default();
        let mut cursor = Bytes::from_static(b"0");
        let count = count.to_string();
        loop {
            let reply = side
                .call_ok(args(&[verb, key, &cursor, b"COUNT", count.as_bytes()]))
                .await?;
            let (next, items) = cursor_page(&reply)
                .filter(|(_, items)| items.len() % width == 0)
                .ok_or_else(|| side.unexpected(&String::from_utf8_lossy(verb), &reply))?;
            for element in items.chunks(width) {
                match (verb, element) {
                    (b"ZSCAN", [member, score]) => {
                        let score =
                            score_key(score).ok_or_else(|| side.unexpected("ZSCAN", &reply))?;
                        digest.add(&[member, &score]);
                    }
                    _ => digest.add(&element.iter().map(|b| &b[..]).collect::<Vec<_>>()),
                }
            }
            if &next[..] == b"0" {
                return Ok(digest);
            }
            cursor = next;
        }
    }

    async fn scan_differs(
        &mut self,
        key: &Bytes,
        kind: &str,
        verb: &'static [u8],
        width: usize,
        len: i64,
    ) -> Result<Option<(String, String)>, VerifyError> {
        let count = self.options.chunk_items.max(1);
        let s = Self::scan_digest(self.src, key, verb, width, count).await?;
        let t = Self::scan_digest(self.dst, key, verb, width, count).await?;
        let len = len.max(0) as u64;
        if s == t && s.count() == len {
            return Ok(None);
        }
        let show = |d: &SetDigest| {
            if d.count() == len {
                format!("{kind} of {len} (digest {})", d.short())
            } else {
                // SCAN returned more than the length: the value changed while it was read.
                format!(
                    "{kind} of {len}, {} elements scanned (changed while compared)",
                    d.count()
                )
            }
        };
        Ok(Some((show(&s), show(&t))))
    }

    async fn stream_differs(
        &mut self,
        key: &Bytes,
    ) -> Result<Option<(String, String)>, VerifyError> {
        let count = self.options.chunk_items.max(1).to_string();
        let mut start = Bytes::from_static(b"-");
        let mut seen = 0usize;
        loop {
            let (s, t) = self
                .both(args(&[
                    b"XRANGE",
                    key,
                    &start,
                    b"+",
                    b"COUNT",
                    count.as_bytes(),
                ]))
                .await?;
            if s != t {
                let found = format!("stream differing after {seen} entries");
                return Ok(Some((found.clone(), found)));
            }
            let Frame::Array(Some(entries)) = &s else {
                break;
            };
            let last_id = entries.last().and_then(|e| match e {
                Frame::Array(Some(parts)) => parts
                    .first()
                    .and_then(Frame::as_bytes)
                    .map(Bytes::copy_from_slice),
                _ => None,
            });
            seen += entries.len();
            match last_id {
                Some(id) if entries.len() == count.parse::<usize>().unwrap_or(0) => {
                    let mut exclusive = Vec::with_capacity(id.len() + 1);
                    exclusive.push(b'(');
                    exclusive.extend_from_slice(&id);
                    start = Bytes::from(exclusive);
                }
                _ => break,
            }
        }
        let (s, t) = self.both(args(&[b"XINFO", b"GROUPS", key])).await?;
        let (gs, gt) = (groups(&s), groups(&t));
        if gs != gt {
            return Ok(Some((format!("groups {gs:?}"), format!("groups {gt:?}"))));
        }
        // Who holds the pending entries: the summary per group (count, first and last id,
        // entries per consumer).
        for name in group_names(&s) {
            let (ps, pt) = self.both(args(&[b"XPENDING", key, &name])).await?;
            if ps != pt {
                let group = String::from_utf8_lossy(&name).into_owned();
                return Ok(Some((
                    format!("group {group}: {}", pending_summary(&ps)),
                    format!("group {group}: {}", pending_summary(&pt)),
                )));
            }
        }
        Ok(None)
    }
}

/// `XPENDING key group` as `3 pending (alice 2, bob 1)`.
fn pending_summary(reply: &Frame) -> String {
    let Frame::Array(Some(parts)) = reply else {
        return text(reply);
    };
    let count = parts.first().map(text).unwrap_or_default();
    let consumers: Vec<String> = match parts.get(3) {
        Some(Frame::Array(Some(cs))) => cs
            .iter()
            .filter_map(|c| match c {
                Frame::Array(Some(nc)) if nc.len() == 2 => {
                    Some(format!("{} {}", text(&nc[0]), text(&nc[1])))
                }
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    format!("{count} pending ({})", consumers.join(", "))
}

/// The group names of an `XINFO GROUPS` reply.
fn group_names(reply: &Frame) -> Vec<Bytes> {
    let Frame::Array(Some(groups)) = reply else {
        return Vec::new();
    };
    groups
        .iter()
        .filter_map(|g| match g {
            Frame::Array(Some(kv)) => kv
                .chunks(2)
                .find(|p| p[0].as_bytes() == Some(b"name"))
                .and_then(|p| p.get(1)?.as_bytes().map(Bytes::copy_from_slice)),
            _ => None,
        })
        .collect()
}

/// The comparable part of `XINFO GROUPS`: name, consumers, pending, last delivered id (lag
/// and entries-read depend on the server's bookkeeping, not on the data).
fn groups(reply: &Frame) -> Vec<Vec<String>> {
    let Frame::Array(Some(groups)) = reply else {
        return Vec::new();
    };
    let mut out: Vec<Vec<String>> = groups
        .iter()
        .filter_map(|g| match g {
            Frame::Array(Some(kv)) => Some(
                kv.chunks(2)
                    .filter(|p| {
                        matches!(
                            p[0].as_bytes(),
                            Some(b"name" | b"consumers" | b"pending" | b"last-delivered-id")
                        )
                    })
                    .map(|p| format!("{}={}", text(&p[0]), p.get(1).map(text).unwrap_or_default()))
                    .collect(),
            ),
            _ => None,
        })
        .collect();
    out.sort();
    out
}
