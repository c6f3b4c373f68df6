//! State: one SQLite database in the data directory (durable), or a map in memory.
//!
//! Every record is a JSON document keyed by `(kind, id)` with its owning project. A request
//! handler runs entirely inside one transaction under one lock ([`Store::transaction`]), so
//! a refused request changes nothing and a success is committed before its answer is sent.
//! The in-memory store keeps the same semantics (writes are staged and applied only when the
//! handler succeeds) without SQLite, which was most of the emulator's per-request cost.
//! Beside the records, a small key → text metadata table holds what is not a record (the
//! clock's anchor).

mod mem;
mod sql;
mod types;

use std::cell::RefCell;
use std::path::Path;
use std::sync::Mutex;

use mem::{Mem, MemTx};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::Serialize;
use serde::de::DeserializeOwned;
pub use types::{DB_FILE, Kind, LOCK_FILE, StoreError};

use crate::dirlock::{DirLock, LockError};
use crate::sync::lock;

/// The database behind one emulator.
pub struct Store {
    backend: Backend,
}

enum Backend {
    /// The connection, and the data directory's lock file (locked while it is open).
    Sqlite(Mutex<Connection>, #[allow(dead_code)] DirLock),
    Memory(Mutex<Mem>),
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
        sql::init(&conn)?;
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
                    inner: DbInner::Mem(RefCell::new(MemTx::new(&mut mem))),
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

impl Db<'_> {
    /// The record `id` of `kind` owned by `project_id`.
    pub fn get<T: DeserializeOwned + Clone + 'static>(
        &self,
        kind: Kind,
        project_id: &str,
        id: &str,
    ) -> Result<Option<T>, StoreError> {
        match &self.inner {
            DbInner::Sql(tx) => sql::get(tx, kind, project_id, id),
            DbInner::Mem(m) => m
                .borrow()
                .read(kind, id)
                .filter(|r| r.project_id == project_id)
                .map(|r| r.value::<T>())
                .transpose(),
        }
    }

    /// Inserts or replaces a record (an update keeps its place in `list` order).
    pub fn put<T: Serialize + Clone + Send + Sync + 'static>(
        &self,
        kind: Kind,
        project_id: &str,
        id: &str,
        created_ms: i64,
        value: &T,
    ) -> Result<(), StoreError> {
        match &self.inner {
            DbInner::Sql(tx) => sql::put(tx, kind, project_id, id, created_ms, value),
            DbInner::Mem(m) => {
                m.borrow_mut()
                    .put(kind, project_id, id, created_ms, value.clone());
                Ok(())
            }
        }
    }

    /// Deletes a record; true when it existed.
    pub fn delete(&self, kind: Kind, project_id: &str, id: &str) -> Result<bool, StoreError> {
        match &self.inner {
            DbInner::Sql(tx) => sql::delete(tx, kind, project_id, id),
            DbInner::Mem(m) => Ok(m.borrow_mut().delete(kind, project_id, id)),
        }
    }

    /// Every record of `kind` owned by `project_id`, oldest first (for filtered listings,
    /// which must look at each record; an unfiltered one uses [`Db::page`]).
    pub fn list<T: DeserializeOwned + Clone + 'static>(
        &self,
        kind: Kind,
        project_id: &str,
    ) -> Result<Vec<T>, StoreError> {
        match &self.inner {
            DbInner::Sql(tx) => sql::list(tx, kind, project_id),
            DbInner::Mem(m) => m
                .borrow()
                .list(kind, project_id)
                .iter()
                .map(|r| r.value::<T>())
                .collect(),
        }
    }

    /// The number of `kind` records owned by `project_id`, and at most `limit` of them from
    /// `offset`, oldest first. It walks `offset + limit` index entries and decodes the page
    /// only: its cost does not grow with the number of records.
    pub fn page<T: DeserializeOwned + Clone + 'static>(
        &self,
        kind: Kind,
        project_id: &str,
        offset: usize,
        limit: usize,
    ) -> Result<(usize, Vec<T>), StoreError> {
        match &self.inner {
            DbInner::Sql(tx) => sql::page(tx, kind, project_id, offset, limit),
            DbInner::Mem(m) => {
                let (total, rows) = m.borrow().page(kind, project_id, offset, limit);
                let rows = rows
                    .iter()
                    .map(|r| r.value::<T>())
                    .collect::<Result<_, _>>()?;
                Ok((total, rows))
            }
        }
    }
}

#[cfg(test)]
mod tests;
