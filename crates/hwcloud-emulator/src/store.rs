//! State: one SQLite database in the data directory (durable), or a map in memory.
//!
//! Every record is a JSON document keyed by `(kind, id)` with its owning project. A request
//! handler runs entirely inside one transaction under one lock ([`Store::transaction`]), so
//! a refused request changes nothing and a success is committed before its answer is sent.
//! The in-memory store keeps the same semantics (writes are staged and applied only when the
//! handler succeeds) without SQLite, which was most of the emulator's per-request cost.
//! Beside the records, a small key → text metadata table holds what is not a record (the
//! clock's anchor).

use std::any::Any;
use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::dirlock::{DirLock, LockError};
use crate::sync::lock;

/// File name of the database inside the data directory.
pub const DB_FILE: &str = "hwcloud-emulator.sqlite3";
/// File whose lock, held for the life of the process, keeps a second emulator off the same
/// data directory (their clocks and writes would disagree).
pub const LOCK_FILE: &str = "hwcloud-emulator.lock";

/// The kind of a stored record (`dcs_task`, `sms_task`, ...), part of its key. Each service
/// names its own kinds; the store knows none of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Kind(&'static str);

impl Kind {
    /// The kind stored as `name` (the `kind` column of the durable store: never rename one).
    pub const fn new(name: &'static str) -> Self {
        Self(name)
    }

    fn as_str(self) -> &'static str {
        self.0
    }
}

/// A storage failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite failed.
    #[error("database error: {0}")]
    Sql(#[from] rusqlite::Error),
    /// A stored document could not be (de)serialized.
    #[error("stored document error: {0}")]
    Json(#[from] serde_json::Error),
    /// A record was read as another type than it was written with (a programming error).
    #[error("stored record has another type")]
    Type,
    /// The data directory could not be created.
    #[error("cannot create data directory {0}: {1}")]
    Dir(PathBuf, std::io::Error),
    /// Another emulator holds the data directory.
    #[error(
        "the data directory {dir} is in use by another emulator{holder} (it holds the lock on \
         {lock}); stop that emulator or choose another --data-dir",
        lock = .dir.join(LOCK_FILE).display(),
        dir = .dir.display(),
        holder = .holder.map(|p| format!(" (process {p})")).unwrap_or_default()
    )]
    Locked {
        /// The data directory.
        dir: PathBuf,
        /// The process id the holder wrote into the lock file, if readable.
        holder: Option<u32>,
    },
    /// The lock file could not be opened or locked.
    #[error("cannot lock {0}: {1}")]
    Lock(PathBuf, std::io::Error),
}

/// The database behind one emulator.
pub struct Store {
    backend: Backend,
}

enum Backend {
    /// The connection, and the data directory's lock file (locked while it is open).
    Sqlite(Mutex<Connection>, #[allow(dead_code)] DirLock),
    Memory(Mutex<Mem>),
}

/// The in-memory records.
#[derive(Default)]
struct Mem {
    records: HashMap<(Kind, String), MemRecord>,
    next_seq: u64,
    meta: HashMap<String, String>,
}

#[derive(Clone)]
struct MemRecord {
    project_id: String,
    created_ms: i64,
    /// Insertion order, the tie-breaker of `list` (SQLite's rowid).
    seq: u64,
    /// The value itself: no JSON round trip per request in memory.
    data: Arc<dyn Any + Send + Sync>,
}

impl MemRecord {
    fn value<T: Clone + 'static>(&self) -> Result<T, StoreError> {
        self.data
            .downcast_ref::<T>()
            .cloned()
            .ok_or(StoreError::Type)
    }
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Store")
    }
}

impl Store {
    /// Opens (creating if needed) the database in `dir`, or an in-memory one for `None`.
    pub fn open(dir: Option<&Path>) -> Result<Self, StoreError> {
        let Some(dir) = dir else {
            return Ok(Self {
                backend: Backend::Memory(Mutex::default()),
            });
        };
        std::fs::create_dir_all(dir).map_err(|e| StoreError::Dir(dir.to_owned(), e))?;
        let lock = DirLock::acquire(dir, LOCK_FILE).map_err(|e| match e {
            LockError::Held(holder) => StoreError::Locked {
                dir: dir.to_owned(),
                holder,
            },
            LockError::Io(path, e) => StoreError::Lock(path, e),
        })?;
        let conn = Connection::open(dir.join(DB_FILE))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS meta (
                 key TEXT PRIMARY KEY,
                 value TEXT NOT NULL
             );
             CREATE TABLE IF NOT EXISTS records (
                 kind TEXT NOT NULL,
                 id TEXT NOT NULL,
                 project_id TEXT NOT NULL,
                 created_ms INTEGER NOT NULL,
                 data TEXT NOT NULL,
                 PRIMARY KEY (kind, id)
             );
             CREATE INDEX IF NOT EXISTS records_by_project
                 ON records (kind, project_id, created_ms);",
        )?;
        Ok(Self {
            backend: Backend::Sqlite(Mutex::new(conn), lock),
        })
    }

    /// True for the in-memory database: transactions take microseconds and never touch a
    /// disk, so they can run on the async worker without a blocking-pool hop.
    pub fn is_in_memory(&self) -> bool {
        matches!(self.backend, Backend::Memory(_))
    }

    /// Runs `f` in one transaction; commits when it returns `Ok`, rolls back otherwise.
    pub fn transaction<T, E: From<StoreError>>(
        &self,
        f: impl FnOnce(&Db<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        match &self.backend {
            Backend::Sqlite(conn, _) => {
                let mut conn = lock(conn);
                let tx = conn.transaction().map_err(StoreError::from)?;
                let out = f(&Db {
                    inner: DbInner::Sql(&tx),
                })?;
                tx.commit().map_err(StoreError::from)?;
                Ok(out)
            }
            Backend::Memory(mem) => {
                let mut mem = lock(mem);
                let db = Db {
                    inner: DbInner::Mem(RefCell::new(MemTx {
                        mem: &mut mem,
                        pending: Vec::new(),
                    })),
                };
                let out = f(&db)?;
                if let DbInner::Mem(tx) = db.inner {
                    tx.into_inner().commit();
                }
                Ok(out)
            }
        }
    }

    /// The metadata value stored under `key`, if any.
    pub fn load_meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        let conn = match &self.backend {
            Backend::Sqlite(conn, _) => lock(conn),
            Backend::Memory(mem) => return Ok(lock(mem).meta.get(key).cloned()),
        };
        Ok(conn
            .query_row("SELECT value FROM meta WHERE key = ?1", params![key], |r| {
                r.get(0)
            })
            .optional()?)
    }

    /// Stores `value` under the metadata `key` (committed at once, outside any transaction).
    pub fn save_meta(&self, key: &str, value: &str) -> Result<(), StoreError> {
        let conn = match &self.backend {
            Backend::Sqlite(conn, _) => lock(conn),
            Backend::Memory(mem) => {
                lock(mem).meta.insert(key.to_owned(), value.to_owned());
                return Ok(());
            }
        };
        conn.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        Ok(())
    }
}

/// Record access inside one transaction.
pub struct Db<'a> {
    inner: DbInner<'a>,
}

enum DbInner<'a> {
    Sql(&'a Transaction<'a>),
    Mem(RefCell<MemTx<'a>>),
}

/// An in-memory transaction: writes are staged and applied by `commit`.
struct MemTx<'a> {
    mem: &'a mut Mem,
    /// `(kind, id, Some(record))` to write, `(kind, id, None)` to delete.
    pending: Vec<(Kind, String, Option<MemRecord>)>,
}

impl MemTx<'_> {
    /// The record as this transaction sees it (staged writes first).
    fn read(&self, kind: Kind, id: &str) -> Option<MemRecord> {
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

    fn commit(self) {
        for (kind, id, record) in self.pending {
            match record {
                Some(r) => {
                    self.mem.records.insert((kind, id), r);
                }
                None => {
                    self.mem.records.remove(&(kind, id));
                }
            }
        }
    }
}

impl Db<'_> {
    /// The record `id` of `kind` owned by `project_id`.
    pub fn get<T: DeserializeOwned + Clone + 'static>(
        &self,
        kind: Kind,
        project_id: &str,
        id: &str,
    ) -> Result<Option<T>, StoreError> {
        let tx = match &self.inner {
            DbInner::Sql(tx) => tx,
            DbInner::Mem(m) => {
                let found = m
                    .borrow()
                    .read(kind, id)
                    .filter(|r| r.project_id == project_id);
                return found.map(|r| r.value::<T>()).transpose();
            }
        };
        // Cached statements: parsing SQL again on every request costs more than running it.
        let v: Option<String> = tx
            .prepare_cached(
                "SELECT data FROM records WHERE kind = ?1 AND id = ?2 AND project_id = ?3",
            )?
            .query_row(params![kind.as_str(), id, project_id], |r| r.get(0))
            .optional()?;
        match v {
            Some(v) => Ok(Some(serde_json::from_str(&v)?)),
            None => Ok(None),
        }
    }

    /// Inserts or replaces a record.
    pub fn put<T: Serialize + Clone + Send + Sync + 'static>(
        &self,
        kind: Kind,
        project_id: &str,
        id: &str,
        created_ms: i64,
        value: &T,
    ) -> Result<(), StoreError> {
        let tx = match &self.inner {
            DbInner::Sql(tx) => tx,
            DbInner::Mem(m) => {
                let mut m = m.borrow_mut();
                // An update keeps the record's place in `list` order, as SQLite keeps its rowid.
                let seq = match m.read(kind, id) {
                    Some(r) => r.seq,
                    None => {
                        m.mem.next_seq += 1;
                        m.mem.next_seq
                    }
                };
                let created_ms = m.read(kind, id).map_or(created_ms, |r| r.created_ms);
                m.pending.push((
                    kind,
                    id.to_owned(),
                    Some(MemRecord {
                        project_id: project_id.to_owned(),
                        created_ms,
                        seq,
                        data: Arc::new(value.clone()),
                    }),
                ));
                return Ok(());
            }
        };
        let data = serde_json::to_string(value)?;
        tx.prepare_cached(
            "INSERT INTO records (kind, id, project_id, created_ms, data)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT(kind, id) DO UPDATE SET data = excluded.data",
        )?
        .execute(params![kind.as_str(), id, project_id, created_ms, data])?;
        Ok(())
    }

    /// Deletes a record; true when it existed.
    pub fn delete(&self, kind: Kind, project_id: &str, id: &str) -> Result<bool, StoreError> {
        let tx = match &self.inner {
            DbInner::Sql(tx) => tx,
            DbInner::Mem(m) => {
                let mut m = m.borrow_mut();
                let existed = m.read(kind, id).is_some_and(|r| r.project_id == project_id);
                if existed {
                    m.pending.push((kind, id.to_owned(), None));
                }
                return Ok(existed);
            }
        };
        let n = tx
            .prepare_cached("DELETE FROM records WHERE kind = ?1 AND id = ?2 AND project_id = ?3")?
            .execute(params![kind.as_str(), id, project_id])?;
        Ok(n > 0)
    }

    /// Every record of `kind` owned by `project_id`, oldest first.
    pub fn list<T: DeserializeOwned + Clone + 'static>(
        &self,
        kind: Kind,
        project_id: &str,
    ) -> Result<Vec<T>, StoreError> {
        let tx = match &self.inner {
            DbInner::Sql(tx) => tx,
            DbInner::Mem(m) => {
                let m = m.borrow();
                let mut keys: Vec<&String> = m
                    .mem
                    .records
                    .keys()
                    .filter(|(k, _)| *k == kind)
                    .map(|(_, id)| id)
                    .collect();
                keys.extend(
                    m.pending
                        .iter()
                        .filter(|(k, ..)| *k == kind)
                        .map(|(_, id, _)| id),
                );
                keys.sort();
                keys.dedup();
                let mut rows: Vec<MemRecord> = keys
                    .into_iter()
                    .filter_map(|id| m.read(kind, id))
                    .filter(|r| r.project_id == project_id)
                    .collect();
                rows.sort_by_key(|r| (r.created_ms, r.seq));
                return rows.iter().map(MemRecord::value::<T>).collect();
            }
        };
        let mut stmt = tx.prepare_cached(
            "SELECT data FROM records WHERE kind = ?1 AND project_id = ?2
             ORDER BY created_ms, rowid",
        )?;
        let rows = stmt.query_map(params![kind.as_str(), project_id], |r| {
            r.get::<_, String>(0)
        })?;
        let mut out = Vec::new();
        for row in rows {
            out.push(serde_json::from_str(&row?)?);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TASK: Kind = Kind::new("dcs_task");

    fn both() -> Vec<(Store, Option<tempfile::TempDir>)> {
        let dir = tempfile::tempdir().unwrap();
        let durable = Store::open(Some(dir.path())).unwrap();
        vec![(Store::open(None).unwrap(), None), (durable, Some(dir))]
    }

    /// The in-memory store behaves as the SQLite one: staged reads, rollback on error,
    /// project scoping, list order, delete.
    #[test]
    fn memory_and_sqlite_agree() {
        for (store, _dir) in both() {
            let r: Result<(), StoreError> = store.transaction(|db| {
                db.put(TASK, "p1", "b", 20, &"second".to_string())?;
                db.put(TASK, "p1", "a", 10, &"first".to_string())?;
                db.put(TASK, "p2", "c", 5, &"other project".to_string())?;
                // Reads inside the transaction see its own writes.
                assert_eq!(db.get::<String>(TASK, "p1", "a")?.as_deref(), Some("first"));
                Ok(())
            });
            r.unwrap();
            // A failing transaction leaves nothing behind.
            let r: Result<(), StoreError> = store.transaction(|db| {
                db.put(TASK, "p1", "z", 1, &"rolled back".to_string())?;
                db.delete(TASK, "p1", "a")?;
                Err(StoreError::Json(
                    serde_json::from_str::<u8>("x").unwrap_err(),
                ))
            });
            assert!(r.is_err());
            let (list, other, missing) = store
                .transaction(|db| {
                    Ok::<_, StoreError>((
                        db.list::<String>(TASK, "p1")?,
                        db.get::<String>(TASK, "p1", "c")?,
                        db.get::<String>(TASK, "p1", "z")?,
                    ))
                })
                .unwrap();
            assert_eq!(list, ["first", "second"]);
            assert_eq!(other, None, "another project's record is invisible");
            assert_eq!(missing, None);
            // Update keeps the place; delete removes.
            store
                .transaction(|db| {
                    db.put(TASK, "p1", "a", 99, &"first, updated".to_string())?;
                    assert!(db.delete(TASK, "p1", "b")?);
                    assert!(!db.delete(TASK, "p2", "a")?);
                    Ok::<_, StoreError>(())
                })
                .unwrap();
            let list = store
                .transaction(|db| db.list::<String>(TASK, "p1"))
                .unwrap();
            assert_eq!(list, ["first, updated"]);
        }
    }

    /// Metadata reads back in both backends; a save replaces the value under its key.
    #[test]
    fn metadata_round_trips() {
        for (store, _dir) in both() {
            assert_eq!(store.load_meta("clock").unwrap(), None);
            store.save_meta("clock", "one").unwrap();
            store.save_meta("clock", "two").unwrap();
            store.save_meta("other", "x").unwrap();
            assert_eq!(store.load_meta("clock").unwrap().as_deref(), Some("two"));
        }
    }
}
