//! Decoded elements gathered into bounded chunks. Element bytes go into one arena per chunk
//! and are handed out as slices of it, so a batch of 512 elements costs one allocation for
//! the bytes, not 512.

use super::visit::{HashField, KeyMeta, ValueChunk, Visitor};
use super::{ParseOptions, RdbError};
use bytes::{Bytes, BytesMut};

/// Which chunk variant a batch becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ChunkKind {
    List,
    Set,
    ZSet,
    Hash,
}

pub(crate) struct Batch {
    /// Element bytes of the chunk being built.
    pub(crate) arena: BytesMut,
    ranges: Vec<(usize, usize)>,
    scores: Vec<f64>,
    ttls: Vec<Option<i64>>,
    items: usize,
    max_items: usize,
    max_bytes: usize,
}

impl Batch {
    pub(crate) fn new(opts: &ParseOptions) -> Self {
        Batch {
            arena: BytesMut::new(),
            ranges: Vec::new(),
            scores: Vec::new(),
            ttls: Vec::new(),
            items: 0,
            max_items: opts.batch_items.max(1),
            max_bytes: opts.batch_bytes.max(1),
        }
    }

    /// Records the bytes appended to the arena since `start` as one element.
    #[inline]
    pub(crate) fn element(&mut self, start: usize) {
        self.ranges.push((start, self.arena.len()));
    }

    /// Records `arena[start..end]` as one element.
    pub(crate) fn range(&mut self, start: usize, end: usize) {
        self.ranges.push((start, end));
    }

    pub(crate) fn score(&mut self, score: f64) {
        self.scores.push(score);
    }

    pub(crate) fn ttl(&mut self, expire_at_ms: Option<i64>) {
        self.ttls.push(expire_at_ms);
    }

    /// Ends one item (an element, a member with its score, a field with its value).
    #[inline]
    pub(crate) fn item_done(&mut self) -> bool {
        self.items += 1;
        self.items >= self.max_items || self.arena.len() >= self.max_bytes
    }

    fn take(&mut self, kind: ChunkKind) -> Option<ValueChunk> {
        if self.items == 0 {
            return None;
        }
        let bytes = self.arena.split().freeze();
        let slice = |(a, b): (usize, usize)| bytes.slice(a..b);
        let chunk = match kind {
            ChunkKind::List => ValueChunk::ListItems(self.ranges.drain(..).map(slice).collect()),
            ChunkKind::Set => ValueChunk::SetMembers(self.ranges.drain(..).map(slice).collect()),
            ChunkKind::ZSet => ValueChunk::ZSetMembers(
                self.ranges
                    .drain(..)
                    .map(slice)
                    .zip(self.scores.drain(..))
                    .collect(),
            ),
            ChunkKind::Hash => {
                let mut fields = Vec::with_capacity(self.items);
                let mut ttls = self.ttls.drain(..);
                let mut ranges = self.ranges.drain(..);
                while let (Some(f), Some(v)) = (ranges.next(), ranges.next()) {
                    fields.push(HashField {
                        field: slice(f),
                        value: slice(v),
                        expire_at_ms: ttls.next().flatten(),
                    });
                }
                ValueChunk::HashFields(fields)
            }
        };
        self.items = 0;
        self.ranges.clear();
        self.scores.clear();
        self.ttls.clear();
        Some(chunk)
    }
}

/// Where decoded chunks of one key go.
pub(crate) struct Sink<'a, V> {
    pub(crate) visitor: &'a mut V,
    pub(crate) meta: &'a KeyMeta,
    pub(crate) batch: &'a mut Batch,
    pub(crate) kind: ChunkKind,
}

impl<V: Visitor> Sink<'_, V> {
    /// Ends an item and sends the batch when it is full.
    #[inline]
    pub(crate) fn item_done(&mut self, offset: u64) -> Result<(), RdbError> {
        if self.batch.item_done() {
            self.flush(offset)?;
        }
        Ok(())
    }

    /// Sends what the batch holds.
    pub(crate) fn flush(&mut self, offset: u64) -> Result<(), RdbError> {
        match self.batch.take(self.kind) {
            Some(chunk) => self.send(chunk, offset),
            None => Ok(()),
        }
    }

    pub(crate) fn send(&mut self, chunk: ValueChunk, offset: u64) -> Result<(), RdbError> {
        self.visitor
            .value_chunk(self.meta, chunk)
            .map_err(|_| RdbError::Stopped { offset })
    }

    /// Sends a piece of a string value.
    pub(crate) fn string_piece(&mut self, piece: Bytes, offset: u64) -> Result<(), RdbError> {
        self.send(ValueChunk::String(piece), offset)
    }
}
