//! The in-memory backend: typed records (no JSON round trip per request), an ordered index
//! per (kind, project) for paging, a count per (kind, project), and transactions whose writes
//! are staged and applied only on success.

use std::any::Any;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use super::types::{Kind, StoreError};

/// Where a record sits in `list` order: creation time, then insertion order (SQLite's rowid).
type OrderKey = (Kind, String, i64, u64);

/// The in-memory records.
#[derive(Default)]
pub struct Mem {
    records: HashMap<(Kind, String), MemRecord>,
    /// Every record's id by (kind, project, created, seq): a page is a range walk.
    order: BTreeMap<OrderKey, String>,
    counts: HashMap<(Kind, String), usize>,
    next_seq: u64,
    pub meta: HashMap<String, String>,
}

#[derive(Clone)]
pub struct MemRecord {
    pub project_id: String,
    created_ms: i64,
    /// Insertion order, the tie-breaker of `list` (SQLite's rowid).
    seq: u64,
    /// The value itself: no JSON round trip per request in memory.
    data: Arc<dyn Any + Send + Sync>,
}

impl MemRecord {
    pub fn value<T: Clone + 'static>(&self) -> Result<T, StoreError> {
        self.data
            .downcast_ref::<T>()
            .cloned()
            .ok_or(StoreError::Type)
    }

    fn order_key(&self, kind: Kind) -> OrderKey {
        (kind, self.project_id.clone(), self.created_ms, self.seq)
    }
}

/// An in-memory transaction: writes are staged and applied by `commit`.
pub struct MemTx<'a> {
    mem: &'a mut Mem,
    /// `(kind, id, Some(record))` to write, `(kind, id, None)` to delete.
    pending: Vec<(Kind, String, Option<MemRecord>)>,
}

impl<'a> MemTx<'a> {
    pub fn new(mem: &'a mut Mem) -> Self {
        Self {
            mem,
            pending: Vec::new(),
        }
    }

    /// The record as this transaction sees it (staged writes first).
    pub fn read(&self, kind: Kind, id: &str) -> Option<MemRecord> {
        if let Some((_, _, r)) = self
            .pending
            .iter()
            .rev()
            .find(|(k, i, _)| *k == kind && i == id)
        {
            return r.clone();
        }
        self.mem.records.get(&(kind, id.to_owned())).cloned()
    }

    /// Stages an insert or update; an update keeps the record's place in `list` order (its
    /// creation time and sequence), as SQLite keeps its rowid.
    pub fn put<T: Send + Sync + 'static>(
        &mut self,
        kind: Kind,
        project_id: &str,
        id: &str,
        created_ms: i64,
        value: T,
    ) {
        let (created_ms, seq) = match self.read(kind, id) {
            Some(r) => (r.created_ms, r.seq),
            None => {
                self.mem.next_seq += 1;
                (created_ms, self.mem.next_seq)
            }
        };
        let record = MemRecord {
            project_id: project_id.to_owned(),
            created_ms,
            seq,
            data: Arc::new(value),
        };
        self.pending.push((kind, id.to_owned(), Some(record)));
    }

    /// Stages a delete; true when the record exists for `project_id`.
    pub fn delete(&mut self, kind: Kind, project_id: &str, id: &str) -> bool {
        let existed = self
            .read(kind, id)
            .is_some_and(|r| r.project_id == project_id);
        if existed {
            self.pending.push((kind, id.to_owned(), None));
        }
        existed
    }

    /// Every record of `kind` owned by `project_id`, oldest first.
    pub fn list(&self, kind: Kind, project_id: &str) -> Vec<MemRecord> {
        if !self.has_pending(kind) {
            return self.walk(kind, project_id).collect();
        }
        // Staged writes of this kind (a write followed by a read in one transaction): merge.
        let mut ids: Vec<&String> = self
            .walk_ids(kind, project_id)
            .chain(
                self.pending
                    .iter()
                    .filter(|(k, ..)| *k == kind)
                    .map(|(_, id, _)| id),
            )
            .collect();
        ids.sort();
        ids.dedup();
        let mut rows: Vec<MemRecord> = ids
            .into_iter()
            .filter_map(|id| self.read(kind, id))
            .filter(|r| r.project_id == project_id)
            .collect();
        rows.sort_by_key(|r| (r.created_ms, r.seq));
        rows
    }

    /// The count of `kind` records of `project_id`, and the page of at most `limit` from
    /// `offset`, oldest first: a walk of `offset + limit` index entries.
    pub fn page(
        &self,
        kind: Kind,
        project_id: &str,
        offset: usize,
        limit: usize,
    ) -> (usize, Vec<MemRecord>) {
        if self.has_pending(kind) {
            let all = self.list(kind, project_id);
            let total = all.len();
            return (total, all.into_iter().skip(offset).take(limit).collect());
        }
        let total = self
            .mem
            .counts
            .get(&(kind, project_id.to_owned()))
            .copied()
            .unwrap_or(0);
        let rows = self
            .walk(kind, project_id)
            .skip(offset)
            .take(limit)
            .collect();
        (total, rows)
    }

    fn has_pending(&self, kind: Kind) -> bool {
        self.pending.iter().any(|(k, ..)| *k == kind)
    }

    fn walk_ids<'s>(
        &'s self,
        kind: Kind,
        project_id: &str,
    ) -> impl Iterator<Item = &'s String> + use<'s> {
        let from = (kind, project_id.to_owned(), i64::MIN, 0);
        let to = (kind, project_id.to_owned(), i64::MAX, u64::MAX);
        self.mem.order.range(from..=to).map(|(_, id)| id)
    }

    fn walk<'s>(
        &'s self,
        kind: Kind,
        project_id: &str,
    ) -> impl Iterator<Item = MemRecord> + use<'s> {
        self.walk_ids(kind, project_id)
            .filter_map(move |id| self.mem.records.get(&(kind, id.clone())).cloned())
    }

    /// Applies the staged writes, keeping the index and the counts in step.
    pub fn commit(self) {
        let mem = self.mem;
        for (kind, id, record) in self.pending {
            let key = (kind, id);
            if let Some(old) = mem.records.remove(&key) {
                mem.order.remove(&old.order_key(kind));
                if let Some(n) = mem.counts.get_mut(&(kind, old.project_id.clone())) {
                    *n = n.saturating_sub(1);
                }
            }
            if let Some(r) = record {
                mem.order.insert(r.order_key(kind), key.1.clone());
                *mem.counts.entry((kind, r.project_id.clone())).or_insert(0) += 1;
                mem.records.insert(key, r);
            }
        }
    }
}
