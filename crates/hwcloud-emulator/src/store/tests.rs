//! The two backends behave alike: transactions, project scoping, order, paging and counts.

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

/// Paging reads the same records in the same order as listing, in both backends; the
/// counts follow inserts, updates (no change), deletes and rolled-back transactions.
#[test]
fn pages_are_slices_of_the_list_and_counts_follow_every_write() {
    for (store, _dir) in both() {
        store
            .transaction(|db| {
                for i in 0..25_i64 {
                    // Same creation time for some: insertion order breaks the tie.
                    db.put(TASK, "p1", &format!("t{i:02}"), i / 3, &i)?;
                    db.put(TASK, "p2", &format!("u{i:02}"), i, &(100 + i))?;
                }
                Ok::<_, StoreError>(())
            })
            .unwrap();
        let all: Vec<i64> = store.transaction(|db| db.list(TASK, "p1")).unwrap();
        assert_eq!(all, (0..25).collect::<Vec<_>>());
        for (offset, limit) in [(0, 10), (10, 10), (20, 10), (25, 10), (3, 0), (0, 100)] {
            let (total, rows): (usize, Vec<i64>) = store
                .transaction(|db| db.page(TASK, "p1", offset, limit))
                .unwrap();
            assert_eq!(total, 25);
            let want: Vec<i64> = all.iter().copied().skip(offset).take(limit).collect();
            assert_eq!(rows, want, "offset {offset} limit {limit}");
        }
        // An update keeps the count and the place; a delete and a rollback are counted right.
        store
            .transaction(|db| {
                db.put(TASK, "p1", "t00", 999, &1000_i64)?;
                db.delete(TASK, "p1", "t01")?;
                Ok::<_, StoreError>(())
            })
            .unwrap();
        let _ = store.transaction(|db| {
            db.put(TASK, "p1", "new", 0, &5_i64)?;
            Err::<(), _>(StoreError::Type)
        });
        let (total, rows): (usize, Vec<i64>) =
            store.transaction(|db| db.page(TASK, "p1", 0, 2)).unwrap();
        assert_eq!((total, rows), (24, vec![1000, 2]));
        let (other, _): (usize, Vec<i64>) =
            store.transaction(|db| db.page(TASK, "p2", 0, 0)).unwrap();
        assert_eq!(other, 25);
        // Inside a transaction, a page sees the transaction's own writes.
        let (total, rows): (usize, Vec<i64>) = store
            .transaction(|db| {
                db.put(TASK, "p1", "t99", -1, &-1_i64)?;
                db.page(TASK, "p1", 0, 1)
            })
            .unwrap();
        assert_eq!((total, rows), (25, vec![-1]));
    }
}

/// The SQLite page query walks the project index in order: no table scan, no sort.
#[test]
fn the_sqlite_page_query_uses_the_index_without_sorting() {
    let conn = rusqlite::Connection::open_in_memory().unwrap();
    super::sql::init(&conn).unwrap();
    let mut stmt = conn
        .prepare(&format!("EXPLAIN QUERY PLAN {}", super::sql::PAGE_SQL))
        .unwrap();
    let plan: Vec<String> = stmt
        .query_map(rusqlite::params!["k", "p", 10, 0], |r| {
            r.get::<_, String>(3)
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let plan = plan.join(" | ");
    assert!(plan.contains("USING INDEX records_by_project"), "{plan}");
    assert!(!plan.contains("TEMP B-TREE"), "{plan}");
}

/// Counts are rebuilt when a database is opened (older versions kept none).
#[test]
fn counts_survive_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(Some(dir.path())).unwrap();
        store
            .transaction(|db| {
                for i in 0..7_i64 {
                    db.put(TASK, "p", &format!("t{i}"), i, &i)?;
                }
                Ok::<_, StoreError>(())
            })
            .unwrap();
    }
    let conn = rusqlite::Connection::open(dir.path().join(DB_FILE)).unwrap();
    conn.execute("DELETE FROM counts", []).unwrap();
    drop(conn);
    let store = Store::open(Some(dir.path())).unwrap();
    let (total, _): (usize, Vec<i64>) = store.transaction(|db| db.page(TASK, "p", 0, 1)).unwrap();
    assert_eq!(total, 7);
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
    /// Any sequence of writes: every page of either backend equals the same slice of a plain
    /// model (sorted by creation time, then first insertion).
    #[test]
    fn pages_match_a_model(ops in proptest::collection::vec((0u8..3, 0u8..12, 0i64..5, proptest::bool::ANY), 1..60),
                           offset in 0usize..15, limit in 0usize..15) {
        for (store, _dir) in both() {
            let mut model: Vec<(String, i64, usize, i64)> = Vec::new(); // id, created, first, value
            let mut seq = 0;
            for (op, id, created, commit) in &ops {
                let id = format!("r{id}");
                let value = seq as i64;
                let r: Result<(), StoreError> = store.transaction(|db| {
                    match op {
                        0 | 1 => db.put(TASK, "p", &id, *created, &value)?,
                        _ => { db.delete(TASK, "p", &id)?; }
                    }
                    if *commit { Ok(()) } else { Err(StoreError::Type) }
                });
                seq += 1;
                if r.is_ok() {
                    match op {
                        0 | 1 => match model.iter_mut().find(|m| m.0 == id) {
                            Some(m) => m.3 = value,
                            None => model.push((id, *created, seq, value)),
                        },
                        _ => model.retain(|m| m.0 != id),
                    }
                }
            }
            let mut sorted = model.clone();
            sorted.sort_by_key(|m| (m.1, m.2));
            let want: Vec<i64> = sorted.iter().map(|m| m.3).skip(offset).take(limit).collect();
            let (total, rows): (usize, Vec<i64>) =
                store.transaction(|db| db.page(TASK, "p", offset, limit)).unwrap();
            proptest::prop_assert_eq!(total, model.len());
            proptest::prop_assert_eq!(rows, want);
        }
    }
}
