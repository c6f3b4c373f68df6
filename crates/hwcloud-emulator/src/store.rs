//! Durable state: one SQLite database (a file in the data directory, or in memory).
//!
//! Every record is a JSON document keyed by `(kind, id)` with its owning project. A request
//! handler runs entirely inside one transaction under one lock ([`Store::transaction`]), so
//! a refused request changes nothing and a success is committed before its answer is sent.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::clock::ClockState;

/// File name of the database inside the data directory.
pub const DB_FILE: &str = "hwcloud-emulator.sqlite3";

/// Kinds of stored records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A DCS migration task.
    DcsTask,
    /// A DCS background job (migration machine creation).
    DcsJob,
    /// An SMS migration task.
    SmsTask,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::DcsTask => "dcs_task",
            Kind::DcsJob => "dcs_job",
            Kind::SmsTask => "sms_task",
        }
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
    /// The data directory could not be created.
    #[error("cannot create data directory {0}: {1}")]
    Dir(PathBuf, std::io::Error),
}

/// The database behind one emulator.
pub struct Store {
    conn: Mutex<Connection>,
    in_memory: bool,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Store")
    }
}

impl Store {
    /// Opens (creating if needed) the database in `dir`, or an in-memory one for `None`.
    pub fn open(dir: Option<&Path>) -> Result<Self, StoreError> {
        let conn = match dir {
            Some(dir) => {
                std::fs::create_dir_all(dir).map_err(|e| StoreError::Dir(dir.to_owned(), e))?;
                let conn = Connection::open(dir.join(DB_FILE))?;
                conn.pragma_update(None, "journal_mode", "WAL")?;
                conn.pragma_update(None, "synchronous", "FULL")?;
                conn
            }
            None => Connection::open_in_memory()?,
        };
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
            conn: Mutex::new(conn),
            in_memory: dir.is_none(),
        })
    }

    /// True for the in-memory database: transactions take microseconds and never touch a
    /// disk, so they can run on the async worker without a blocking-pool hop.
    pub fn is_in_memory(&self) -> bool {
        self.in_memory
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `f` in one transaction; commits when it returns `Ok`, rolls back otherwise.
    pub fn transaction<T, E: From<StoreError>>(
        &self,
        f: impl FnOnce(&Db<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        let mut conn = self.lock();
        let tx = conn.transaction().map_err(StoreError::from)?;
        let out = f(&Db { tx: &tx })?;
        tx.commit().map_err(StoreError::from)?;
        Ok(out)
    }

    /// The stored clock state, if any.
    pub fn load_clock(&self) -> Result<Option<ClockState>, StoreError> {
        let conn = self.lock();
        let v: Option<String> = conn
            .query_row("SELECT value FROM meta WHERE key = 'clock'", [], |r| {
                r.get(0)
            })
            .optional()?;
        match v {
            Some(v) => Ok(serde_json::from_str(&v).ok()),
            None => Ok(None),
        }
    }

    /// Stores the clock state.
    pub fn save_clock(&self, state: &ClockState) -> Result<(), StoreError> {
        let v = serde_json::to_string(state)?;
        self.lock().execute(
            "INSERT INTO meta (key, value) VALUES ('clock', ?1)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            params![v],
        )?;
        Ok(())
    }
}

/// Record access inside one transaction.
pub struct Db<'a> {
    tx: &'a Transaction<'a>,
}

impl Db<'_> {
    /// The record `id` of `kind` owned by `project_id`.
    pub fn get<T: DeserializeOwned>(
        &self,
        kind: Kind,
        project_id: &str,
        id: &str,
    ) -> Result<Option<T>, StoreError> {
        // Cached statements: parsing SQL again on every request costs more than running it.
        let v: Option<String> = self
            .tx
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
    pub fn put<T: Serialize>(
        &self,
        kind: Kind,
        project_id: &str,
        id: &str,
        created_ms: i64,
        value: &T,
    ) -> Result<(), StoreError> {
        let data = serde_json::to_string(value)?;
        self.tx
            .prepare_cached(
                "INSERT INTO records (kind, id, project_id, created_ms, data)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT(kind, id) DO UPDATE SET data = excluded.data",
            )?
            .execute(params![kind.as_str(), id, project_id, created_ms, data])?;
        Ok(())
    }

    /// Deletes a record; true when it existed.
    pub fn delete(&self, kind: Kind, project_id: &str, id: &str) -> Result<bool, StoreError> {
        let n = self
            .tx
            .prepare_cached("DELETE FROM records WHERE kind = ?1 AND id = ?2 AND project_id = ?3")?
            .execute(params![kind.as_str(), id, project_id])?;
        Ok(n > 0)
    }

    /// Every record of `kind` owned by `project_id`, oldest first.
    pub fn list<T: DeserializeOwned>(
        &self,
        kind: Kind,
        project_id: &str,
    ) -> Result<Vec<T>, StoreError> {
        let mut stmt = self.tx.prepare_cached(
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
