//! A bound on the bytes of batches the snapshot writer has sent and the target has not yet
//! acknowledged (in the channel and in the pipeline's window). The parser waits beyond it,
//! so a run of large values cannot pile up in memory however slow the target is: each sent
//! batch carries a [`Held`] share that is released when the batch is dropped, which the
//! pipeline does once the target has answered it.

use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

/// How often a waiting writer looks whether the consumer has gone.
const RECHECK: Duration = Duration::from_millis(50);

#[derive(Debug)]
pub(super) struct ByteBudget {
    limit: usize,
    used: Mutex<usize>,
    freed: Condvar,
}

/// Bytes of the budget held by one batch; given back on drop.
#[derive(Debug)]
pub(super) struct Held {
    budget: Arc<ByteBudget>,
    bytes: usize,
}

impl Drop for Held {
    fn drop(&mut self) {
        let mut used = self.budget.used.lock().unwrap_or_else(|e| e.into_inner());
        *used -= self.bytes;
        drop(used);
        self.budget.freed.notify_all();
    }
}

impl ByteBudget {
    pub fn new(limit: usize) -> Arc<Self> {
        Arc::new(ByteBudget {
            limit: limit.max(1),
            used: Mutex::new(0),
            freed: Condvar::new(),
        })
    }

    /// Takes `bytes`, blocking while what others hold would put it over the limit (a share
    /// larger than the limit is taken when nothing else is held). `None` when `gone` turns
    /// true while waiting (nobody will release anything any more).
    pub fn take(self: &Arc<Self>, bytes: usize, gone: impl Fn() -> bool) -> Option<Held> {
        let mut used = self.used.lock().unwrap_or_else(|e| e.into_inner());
        while *used > 0 && *used + bytes > self.limit {
            if gone() {
                return None;
            }
            used = self
                .freed
                .wait_timeout(used, RECHECK)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        *used += bytes;
        Some(Held {
            budget: self.clone(),
            bytes,
        })
    }

    #[cfg(test)]
    pub fn used(&self) -> usize {
        *self.used.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};

    #[test]
    fn waits_for_room_releases_on_drop_and_lets_one_large_share_through_alone() {
        let b = ByteBudget::new(100);
        let big = b.take(500, || false).expect("alone, a large share passes");
        assert_eq!(b.used(), 500);
        let waiter = {
            let b = b.clone();
            std::thread::spawn(move || b.take(60, || false).map(|h| h.bytes))
        };
        std::thread::sleep(Duration::from_millis(100));
        assert!(
            !waiter.is_finished(),
            "must wait while the large share is held"
        );
        drop(big);
        assert_eq!(waiter.join().unwrap(), Some(60));
        assert_eq!(
            b.used(),
            0,
            "the waiter's share was dropped with its result"
        );
    }

    #[test]
    fn a_gone_consumer_ends_the_wait() {
        let b = ByteBudget::new(10);
        let _held = b.take(10, || false).unwrap();
        let gone = Arc::new(AtomicBool::new(false));
        let g = gone.clone();
        let b2 = b.clone();
        let waiter = std::thread::spawn(move || b2.take(5, || g.load(Ordering::Relaxed)).is_none());
        std::thread::sleep(Duration::from_millis(80));
        gone.store(true, Ordering::Relaxed);
        assert!(waiter.join().unwrap());
    }
}
