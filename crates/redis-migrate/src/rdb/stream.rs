//! Streams (RDB types 15, 19, 21): listpack nodes keyed by a master id, then the stream's
//! metadata, then consumer groups with their pending entries and consumers. Entries come
//! in bounded batches; deleted entries (still present in the nodes) are skipped.

use super::listpack::Listpack;
use super::source::{Entry, Source};
use super::string::{read_len, read_string};
use super::types::{STREAM_LISTPACKS_2, STREAM_LISTPACKS_3};
use super::value::{Decoder, with_blob};
use super::visit::{
    Consumer, PendingEntry, StreamEntry, StreamGroup, StreamId, StreamMeta, ValueChunk, Visitor,
};
use super::{ParseOptions, RdbError};
use bytes::{Bytes, BytesMut};
use std::collections::HashMap;
use std::io::Read;

const FLAG_DELETED: i64 = 1;
const FLAG_SAMEFIELDS: i64 = 2;

/// Entries waiting to be sent; their bytes are in the batch arena.
#[derive(Default)]
struct Pending {
    ids: Vec<StreamId>,
    /// Index in `pairs` after each entry's last pair.
    ends: Vec<usize>,
    pairs: Vec<(usize, usize, usize)>,
}

pub(crate) fn decode<R: Read, V: Visitor>(
    d: &mut Decoder<'_, R, V>,
    t: u8,
) -> Result<(), RdbError> {
    let mut pending = Pending::default();
    for _ in 0..read_len(d.input, "a stream node count")? {
        let at = d.input.offset();
        d.blob.clear();
        read_string(d.input, d.blob, 16, d.scratch, "a stream node key")?;
        if d.blob.len() != 16 {
            return Err(RdbError::bad(
                "stream",
                at,
                format!("node key of {} bytes, not a 16-byte id", d.blob.len()),
            ));
        }
        let master = id_be(&d.blob[..]);
        let opts = d.opts;
        with_blob!(d, "stream node", |src| node(
            src,
            master,
            &mut d.sink,
            &mut pending,
            opts
        ))?;
    }
    flush(&mut d.sink, &mut pending, d.input.offset())?;

    let mut meta = StreamMeta {
        length: read_len(d.input, "the stream length")?,
        last_id: read_id(d)?,
        ..StreamMeta::default()
    };
    if t >= STREAM_LISTPACKS_2 {
        meta.first_id = Some(read_id(d)?);
        meta.max_deleted_id = Some(read_id(d)?);
        meta.entries_added = Some(read_len(d.input, "the stream's entries-added")?);
    }
    d.sink
        .send(ValueChunk::StreamMeta(meta), d.input.offset())?;

    for _ in 0..read_len(d.input, "a consumer group count")? {
        let group = read_group(d, t)?;
        d.sink
            .send(ValueChunk::StreamGroup(group), d.input.offset())?;
    }
    Ok(())
}

fn read_id<R: Read, V>(d: &mut Decoder<'_, R, V>) -> Result<StreamId, RdbError> {
    Ok(StreamId {
        ms: read_len(d.input, "a stream id")?,
        seq: read_len(d.input, "a stream id")?,
    })
}

fn id_be(b: &[u8]) -> StreamId {
    let mut ms = [0u8; 8];
    let mut seq = [0u8; 8];
    ms.copy_from_slice(&b[..8]);
    seq.copy_from_slice(&b[8..16]);
    StreamId {
        ms: u64::from_be_bytes(ms),
        seq: u64::from_be_bytes(seq),
    }
}

fn read_bytes<R: Read, V>(
    d: &mut Decoder<'_, R, V>,
    what: &'static str,
) -> Result<Bytes, RdbError> {
    d.blob.clear();
    read_string(d.input, d.blob, d.opts.max_string, d.scratch, what)?;
    Ok(d.blob.split().freeze())
}

fn read_group<R: Read, V>(d: &mut Decoder<'_, R, V>, t: u8) -> Result<StreamGroup, RdbError> {
    let name = read_bytes(d, "a consumer group name")?;
    let last_id = read_id(d)?;
    // Redis stores "unknown" as -1, which reads back as u64::MAX.
    let entries_read = if t >= STREAM_LISTPACKS_2 {
        Some(read_len(d.input, "a group's entries-read")?).filter(|&n| n != u64::MAX)
    } else {
        None
    };
    let mut pending = Vec::new();
    let mut by_id = HashMap::new();
    for _ in 0..read_len(d.input, "a pending entry count")? {
        let id = id_be(&d.input.array::<16>("a pending entry id")?);
        let delivery_time_ms = u64::from_le_bytes(d.input.array("a delivery time")?);
        let delivery_count = read_len(d.input, "a delivery count")?;
        by_id.insert(id, pending.len());
        pending.push(PendingEntry {
            id,
            delivery_time_ms,
            delivery_count,
            consumer: Bytes::new(),
        });
    }
    let mut consumers = Vec::new();
    for _ in 0..read_len(d.input, "a consumer count")? {
        let name = read_bytes(d, "a consumer name")?;
        let seen_time_ms = u64::from_le_bytes(d.input.array("a consumer's seen time")?);
        let active_time_ms = if t >= STREAM_LISTPACKS_3 {
            Some(u64::from_le_bytes(
                d.input.array("a consumer's active time")?,
            ))
        } else {
            None
        };
        for _ in 0..read_len(d.input, "a consumer's pending count")? {
            let at = d.input.offset();
            let id = id_be(&d.input.array::<16>("a consumer's pending id")?);
            let Some(&i) = by_id.get(&id) else {
                return Err(RdbError::bad(
                    "stream",
                    at,
                    format!(
                        "consumer's pending entry {}-{} is not in its group's list",
                        id.ms, id.seq
                    ),
                ));
            };
            pending[i].consumer = name.clone();
        }
        consumers.push(Consumer {
            name,
            seen_time_ms,
            active_time_ms,
        });
    }
    Ok(StreamGroup {
        name,
        last_id,
        entries_read,
        pending,
        consumers,
    })
}

/// An integer element of a stream node.
fn int<S: Source>(
    lp: &mut Listpack,
    src: &mut S,
    tmp: &mut BytesMut,
    what: &str,
) -> Result<i64, RdbError> {
    tmp.clear();
    match lp.next(src, tmp)? {
        Some(Entry::Int(v)) => Ok(v),
        Some(Entry::Str) => std::str::from_utf8(tmp)
            .ok()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| src.bad(format_args!("{what} is not an integer"))),
        None => Err(src.bad(format_args!("the node ends where {what} belongs"))),
    }
}

/// One node: the master entry (counts and field names), then the entries.
fn node<S: Source, V: Visitor>(
    src: &mut S,
    master: StreamId,
    sink: &mut super::batch::Sink<'_, V>,
    pending: &mut Pending,
    opts: &ParseOptions,
) -> Result<(), RdbError> {
    let mut lp = Listpack::open(src)?;
    let mut tmp = BytesMut::new();
    let live = int(&mut lp, src, &mut tmp, "the live entry count")?;
    let deleted = int(&mut lp, src, &mut tmp, "the deleted entry count")?;
    let nfields = int(&mut lp, src, &mut tmp, "the master field count")?;
    if nfields < 0 || nfields as u64 > src.remaining() {
        return Err(src.bad(format_args!("master field count {nfields}")));
    }
    let mut names = BytesMut::new();
    let mut name_ranges = Vec::new();
    for _ in 0..nfields {
        let start = names.len();
        if !lp.next_bytes(src, &mut names)? {
            return Err(src.bad(format_args!("the node ends inside the master fields")));
        }
        name_ranges.push((start, names.len()));
    }
    if int(&mut lp, src, &mut tmp, "the master terminator")? != 0 {
        return Err(src.bad(format_args!("master entry not terminated by 0")));
    }
    let (mut seen_live, mut seen_deleted) = (0i64, 0i64);
    loop {
        tmp.clear();
        let flags = match lp.next(src, &mut tmp)? {
            None => break,
            Some(Entry::Int(f)) => f,
            Some(Entry::Str) => return Err(src.bad(format_args!("entry flags are not an integer"))),
        };
        let ms = int(&mut lp, src, &mut tmp, "an id's ms difference")?;
        let seq = int(&mut lp, src, &mut tmp, "an id's seq difference")?;
        let id = StreamId {
            ms: master.ms.wrapping_add(ms as u64),
            seq: master.seq.wrapping_add(seq as u64),
        };
        let same = flags & FLAG_SAMEFIELDS != 0;
        let n = if same {
            nfields
        } else {
            int(&mut lp, src, &mut tmp, "an entry's field count")?
        };
        if n < 0 || n as u64 > src.remaining() {
            return Err(src.bad(format_args!("entry field count {n}")));
        }
        let arena = &mut sink.batch.arena;
        let mark = (arena.len(), pending.pairs.len());
        let mut master_names = name_ranges.iter();
        for _ in 0..n {
            let f = arena.len();
            if same {
                // `n` is the master field count here, so every entry has a name.
                let &(a, b) = master_names.next().unwrap_or(&(0, 0));
                arena.extend_from_slice(&names[a..b]);
            } else if !lp.next_bytes(src, arena)? {
                return Err(src.bad(format_args!("the node ends inside an entry")));
            }
            let v = arena.len();
            if !lp.next_bytes(src, arena)? {
                return Err(src.bad(format_args!("the node ends inside an entry")));
            }
            pending.pairs.push((f, v, arena.len()));
        }
        let count = int(&mut lp, src, &mut tmp, "an entry's element count")?;
        let want = if same { n + 3 } else { 2 * n + 4 };
        if count != want {
            return Err(src.bad(format_args!("entry counts {count} elements, it has {want}")));
        }
        if flags & FLAG_DELETED != 0 {
            seen_deleted += 1;
            sink.batch.arena.truncate(mark.0);
            pending.pairs.truncate(mark.1);
            continue;
        }
        seen_live += 1;
        pending.ids.push(id);
        pending.ends.push(pending.pairs.len());
        if pending.ids.len() >= opts.batch_items.max(1)
            || sink.batch.arena.len() >= opts.batch_bytes.max(1)
        {
            flush(sink, pending, src.offset())?;
        }
    }
    if (seen_live, seen_deleted) != (live, deleted) {
        return Err(src.bad(format_args!(
            "master entry counts {live} live and {deleted} deleted entries, the node has {seen_live} and {seen_deleted}"
        )));
    }
    Ok(())
}

fn flush<V: Visitor>(
    sink: &mut super::batch::Sink<'_, V>,
    pending: &mut Pending,
    offset: u64,
) -> Result<(), RdbError> {
    if pending.ids.is_empty() {
        return Ok(());
    }
    let bytes = sink.batch.arena.split().freeze();
    let mut entries = Vec::with_capacity(pending.ids.len());
    let mut from = 0;
    for (id, end) in pending.ids.drain(..).zip(pending.ends.drain(..)) {
        let fields = pending.pairs[from..end]
            .iter()
            .map(|&(f, v, e)| (bytes.slice(f..v), bytes.slice(v..e)))
            .collect();
        entries.push(StreamEntry { id, fields });
        from = end;
    }
    pending.pairs.clear();
    sink.send(ValueChunk::StreamEntries(entries), offset)
}
