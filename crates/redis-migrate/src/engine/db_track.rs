//! Which database is selected at each replication offset, so that a checkpoint taken at the
//! offset the target has acknowledged names the database a resumed stream continues in (a
//! `SELECT` may have been sent but not yet acknowledged). Pure logic, no I/O.

use super::Checkpoint;
use std::collections::VecDeque;

/// The database in effect at each applied offset: a short list of (offset, db) changes.
#[derive(Debug, Default)]
pub(super) struct DbTrack {
    /// The replication id the offsets belong to.
    replid: String,
    /// The database selected at the oldest offset still kept.
    base_db: u32,
    changes: VecDeque<(u64, u32)>,
}

impl DbTrack {
    /// A track for a stream of replication id `replid`, starting in database 0.
    pub(super) fn new(replid: String) -> Self {
        DbTrack {
            replid,
            ..DbTrack::default()
        }
    }

    /// A track that continues from checkpoint `cp` (its stream, in its database).
    pub(super) fn resuming(cp: &Checkpoint) -> Self {
        DbTrack {
            replid: cp.replid.clone(),
            base_db: cp.db,
            changes: VecDeque::new(),
        }
    }

    /// `db` is selected once the stream up to `end_offset` is applied.
    pub(super) fn note(&mut self, end_offset: u64, db: u32) {
        let last = self.changes.back().map_or(self.base_db, |c| c.1);
        if db != last {
            self.changes.push_back((end_offset, db));
        }
    }

    /// The checkpoint at `offset` (everything up to it applied); forgets older changes.
    pub(super) fn checkpoint_at(&mut self, offset: u64) -> Checkpoint {
        while let Some(&(at, db)) = self.changes.front() {
            if at > offset {
                break;
            }
            self.base_db = db;
            self.changes.pop_front();
        }
        Checkpoint {
            replid: self.replid.clone(),
            offset,
            db: self.base_db,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::DbTrack;

    fn track() -> DbTrack {
        DbTrack::new("r".into())
    }

    #[test]
    fn a_select_counts_only_once_its_offset_is_acknowledged() {
        let mut t = track();
        t.note(100, 3);
        assert_eq!(t.checkpoint_at(99).db, 0);
        let cp = t.checkpoint_at(100);
        assert_eq!((cp.replid.as_str(), cp.offset, cp.db), ("r", 100, 3));
    }

    #[test]
    fn repeated_selects_of_the_same_db_are_not_kept_and_old_changes_are_forgotten() {
        let mut t = track();
        t.note(10, 0);
        t.note(20, 2);
        t.note(30, 2);
        t.note(40, 5);
        assert_eq!(t.changes.len(), 2);
        assert_eq!(t.checkpoint_at(25).db, 2);
        assert_eq!(t.changes.len(), 1);
        assert_eq!(t.checkpoint_at(25).db, 2, "asking again changes nothing");
        assert_eq!(t.checkpoint_at(1_000).db, 5);
        assert!(t.changes.is_empty());
    }

    #[test]
    fn a_resumed_track_starts_in_the_checkpoints_db() {
        let cp = super::Checkpoint {
            replid: "x".into(),
            offset: 7,
            db: 4,
        };
        let mut t = DbTrack::resuming(&cp);
        let at = t.checkpoint_at(9);
        assert_eq!((at.replid.as_str(), at.offset, at.db), ("x", 9, 4));
    }
}
