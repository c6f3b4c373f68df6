//! The SQLite backend: the schema, and each record operation as one cached statement.
//!
//! A page is `ORDER BY created_ms, rowid LIMIT … OFFSET …` on the index
//! `records_by_project (kind, project_id, created_ms)` (its entries end in the rowid, so the
//! order needs no sort), and the total comes from `counts`, kept by triggers: a list reads and
//! decodes one page, whatever the number of records.

use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::types::{Kind, StoreError};

/// Creates what is missing and recounts the records (databases of older versions have no
/// counts; recounting once at start is cheap and always right).
pub fn init(conn: &Connection) -> Result<(), StoreError> {
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
             ON records (kind, project_id, created_ms);
         CREATE TABLE IF NOT EXISTS counts (
             kind TEXT NOT NULL,
             project_id TEXT NOT NULL,
             n INTEGER NOT NULL,
             PRIMARY KEY (kind, project_id)
         ) WITHOUT ROWID;
         CREATE TRIGGER IF NOT EXISTS records_counted_in AFTER INSERT ON records BEGIN
             INSERT INTO counts (kind, project_id, n) VALUES (new.kind, new.project_id, 1)
             ON CONFLICT (kind, project_id) DO UPDATE SET n = n + 1;
         END;
         CREATE TRIGGER IF NOT EXISTS records_counted_out AFTER DELETE ON records BEGIN
             UPDATE counts SET n = n - 1
             WHERE kind = old.kind AND project_id = old.project_id;
         END;
         BEGIN;
         DELETE FROM counts;
         INSERT INTO counts (kind, project_id, n)
             SELECT kind, project_id, COUNT(*) FROM records GROUP BY kind, project_id;
         COMMIT;",
    )?;
    Ok(())
}

pub fn get<T: DeserializeOwned>(
    tx: &Transaction<'_>,
    kind: Kind,
    project_id: &str,
    id: &str,
) -> Result<Option<T>, StoreError> {
    // Cached statements: parsing SQL again on every request costs more than running it.
    let v: Option<String> = tx
        .prepare_cached("SELECT data FROM records WHERE kind = ?1 AND id = ?2 AND project_id = ?3")?
        .query_row(params![kind.as_str(), id, project_id], |r| r.get(0))
        .optional()?;
    match v {
        Some(v) => Ok(Some(serde_json::from_str(&v)?)),
        None => Ok(None),
    }
}

pub fn put<T: Serialize>(
    tx: &Transaction<'_>,
    kind: Kind,
    project_id: &str,
    id: &str,
    created_ms: i64,
    value: &T,
) -> Result<(), StoreError> {
    let data = serde_json::to_string(value)?;
    tx.prepare_cached(
        "INSERT INTO records (kind, id, project_id, created_ms, data)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT(kind, id) DO UPDATE SET data = excluded.data",
    )?
    .execute(params![kind.as_str(), id, project_id, created_ms, data])?;
    Ok(())
}

pub fn delete(
    tx: &Transaction<'_>,
    kind: Kind,
    project_id: &str,
    id: &str,
) -> Result<bool, StoreError> {
    let n = tx
        .prepare_cached("DELETE FROM records WHERE kind = ?1 AND id = ?2 AND project_id = ?3")?
        .execute(params![kind.as_str(), id, project_id])?;
    Ok(n > 0)
}

pub fn list<T: DeserializeOwned>(
    tx: &Transaction<'_>,
    kind: Kind,
    project_id: &str,
) -> Result<Vec<T>, StoreError> {
    let (_, rows) = page(tx, kind, project_id, 0, usize::MAX)?;
    Ok(rows)
}

/// Every statement of the page query, for the query-plan test.
pub const PAGE_SQL: &str = "SELECT data FROM records WHERE kind = ?1 AND project_id = ?2
     ORDER BY created_ms, rowid LIMIT ?3 OFFSET ?4";

pub fn page<T: DeserializeOwned>(
    tx: &Transaction<'_>,
    kind: Kind,
    project_id: &str,
    offset: usize,
    limit: usize,
) -> Result<(usize, Vec<T>), StoreError> {
    let total: i64 = tx
        .prepare_cached("SELECT n FROM counts WHERE kind = ?1 AND project_id = ?2")?
        .query_row(params![kind.as_str(), project_id], |r| r.get(0))
        .optional()?
        .unwrap_or(0);
    let as_sql = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
    let mut stmt = tx.prepare_cached(PAGE_SQL)?;
    let rows = stmt.query_map(
        params![kind.as_str(), project_id, as_sql(limit), as_sql(offset)],
        |r| r.get::<_, String>(0),
    )?;
    let mut out = Vec::new();
    for row in rows {
        out.push(serde_json::from_str(&row?)?);
    }
    Ok((usize::try_from(total).unwrap_or(0), out))
}
