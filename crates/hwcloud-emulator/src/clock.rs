//! The emulator's virtual clock: `virtual = anchor_virtual + (real - anchor_real) × speed`.
//!
//! Every lifecycle (job completion, migration progress, SMS sub-tasks) is computed from this
//! clock, so what a read returns depends only on the stored task and the clock. Tests step it
//! with [`ClockHandle::advance`] or speed it up with [`ClockHandle::set_speed`]. The anchor is
//! stored with the state, so after a restart the clock continues where it was.
//!
//! Signature date checks (`X-Sdk-Date`) use the real wall clock, not this one.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::store::{Store, StoreError};
use crate::sync::lock;

/// The store metadata key of the clock state (a JSON document).
const META_KEY: &str = "clock";

/// The highest accepted speed factor.
pub const MAX_SPEED: f64 = 1_000_000.0;

/// The clock's persistent state.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ClockState {
    /// Real time (ms since the epoch) at the last re-anchoring.
    pub anchor_real_ms: i64,
    /// Virtual time (ms since the epoch) at the last re-anchoring.
    pub anchor_virtual_ms: i64,
    /// Virtual milliseconds per real millisecond.
    pub speed: f64,
}

impl ClockState {
    /// The state stored in `store`, if any (an unreadable one counts as none).
    pub(crate) fn load(store: &Store) -> Result<Option<Self>, StoreError> {
        Ok(store
            .load_meta(META_KEY)?
            .and_then(|v| serde_json::from_str(&v).ok()))
    }

    /// Stores this state in `store`.
    fn save(&self, store: &Store) -> Result<(), StoreError> {
        store.save_meta(META_KEY, &serde_json::to_string(self)?)
    }

    fn now_at(&self, real_ms: i64) -> i64 {
        let elapsed = real_ms.saturating_sub(self.anchor_real_ms).max(0) as f64;
        let v = self.anchor_virtual_ms as f64 + elapsed * self.speed;
        if v.is_finite() && v < i64::MAX as f64 {
            v as i64
        } else {
            i64::MAX / 2
        }
    }
}

/// Milliseconds since the Unix epoch of the real wall clock.
pub fn real_now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX / 2))
        .unwrap_or(0)
}

/// Why a clock change was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ClockError {
    /// Speed outside `0..=MAX_SPEED` or not finite.
    #[error("speed must be a finite number between 0 and {MAX_SPEED}")]
    BadSpeed,
    /// Advance by a negative or non-finite amount.
    #[error("seconds must be a finite number >= 0 (the clock never goes back)")]
    BadAdvance,
    /// The new clock state could not be stored.
    #[error("the clock state could not be stored: {0}")]
    Store(String),
}

/// Shared handle on the virtual clock. Cheap to clone.
///
/// Lock order: a transaction holds the store's lock and reads the clock, so the clock's
/// state lock is never held while the store is locked; changes are serialized by `writer`
/// instead (see [`ClockHandle::update`]).
#[derive(Clone)]
pub struct ClockHandle {
    state: Arc<Mutex<ClockState>>,
    writer: Arc<Mutex<()>>,
    store: Arc<Store>,
}

impl std::fmt::Debug for ClockHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClockHandle")
            .field("state", &self.snapshot())
            .finish()
    }
}

impl ClockHandle {
    pub(crate) fn new(state: ClockState, store: Arc<Store>) -> Self {
        Self {
            state: Arc::new(Mutex::new(state)),
            writer: Arc::new(Mutex::new(())),
            store,
        }
    }

    /// The clock state right now.
    pub fn snapshot(&self) -> ClockState {
        *lock(&self.state)
    }

    /// Virtual now, in milliseconds since the Unix epoch.
    pub fn now_ms(&self) -> i64 {
        lock(&self.state).now_at(real_now_ms())
    }

    /// Virtual now.
    pub fn now(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(u64::try_from(self.now_ms()).unwrap_or(0))
    }

    /// Current speed factor.
    pub fn speed(&self) -> f64 {
        lock(&self.state).speed
    }

    /// Moves virtual time forward by `by`.
    pub fn advance(&self, by: Duration) -> Result<ClockState, ClockError> {
        self.advance_secs(by.as_secs_f64())
    }

    /// Moves virtual time forward by `secs` seconds (fractions allowed).
    pub fn advance_secs(&self, secs: f64) -> Result<ClockState, ClockError> {
        if !secs.is_finite() || !(0.0..=1e12).contains(&secs) {
            return Err(ClockError::BadAdvance);
        }
        self.update(|s, real| {
            let now = s.now_at(real);
            s.anchor_real_ms = real;
            s.anchor_virtual_ms = now.saturating_add((secs * 1000.0) as i64);
        })
    }

    /// Sets how many virtual seconds pass per real second (0 freezes the clock).
    pub fn set_speed(&self, speed: f64) -> Result<ClockState, ClockError> {
        if !speed.is_finite() || !(0.0..=MAX_SPEED).contains(&speed) {
            return Err(ClockError::BadSpeed);
        }
        self.update(|s, real| {
            let now = s.now_at(real);
            s.anchor_real_ms = real;
            s.anchor_virtual_ms = now;
            s.speed = speed;
        })
    }

    /// Applies `f`, stores the result, then makes it current (a state that cannot be stored
    /// is not applied). Holding the state lock while storing would deadlock against a
    /// transaction that holds the store and reads the clock; `writer` keeps concurrent
    /// changes in order instead.
    fn update(&self, f: impl FnOnce(&mut ClockState, i64)) -> Result<ClockState, ClockError> {
        let _writer = lock(&self.writer);
        let mut next = self.snapshot();
        f(&mut next, real_now_ms());
        next.save(&self.store)
            .map_err(|e| ClockError::Store(e.to_string()))?;
        *lock(&self.state) = next;
        Ok(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn speed_scales_elapsed_real_time() {
        let s = ClockState {
            anchor_real_ms: 1000,
            anchor_virtual_ms: 5000,
            speed: 10.0,
        };
        assert_eq!(s.now_at(1000), 5000);
        assert_eq!(s.now_at(1100), 6000);
        // Real time going backwards never moves virtual time back.
        assert_eq!(s.now_at(900), 5000);
    }

    /// Clock changes while transactions read the clock: each side holds one lock and wants
    /// the other's if the clock keeps its lock while storing (the OpenAPI fuzzer hung the
    /// emulator this way). Both sides must finish.
    #[test]
    fn changing_the_clock_during_transactions_does_not_deadlock() {
        for dir in [None, Some(tempfile::tempdir().unwrap())] {
            let store = Arc::new(Store::open(dir.as_ref().map(|d| d.path())).unwrap());
            let clock = ClockHandle::new(
                ClockState::load(&store).unwrap().unwrap_or(ClockState {
                    anchor_real_ms: 0,
                    anchor_virtual_ms: 0,
                    speed: 0.0,
                }),
                Arc::clone(&store),
            );
            let (done, finished) = std::sync::mpsc::channel();
            let readers: Vec<_> = (0..2)
                .map(|_| {
                    let (store, clock, done) = (Arc::clone(&store), clock.clone(), done.clone());
                    std::thread::spawn(move || {
                        for _ in 0..2000 {
                            store
                                .transaction(|_| Ok::<_, StoreError>(clock.now_ms()))
                                .unwrap();
                        }
                        done.send(()).unwrap();
                    })
                })
                .collect();
            let writer = {
                let clock = clock.clone();
                std::thread::spawn(move || {
                    for _ in 0..2000 {
                        clock.advance_secs(1.0).unwrap();
                    }
                    done.send(()).unwrap();
                })
            };
            for _ in 0..3 {
                finished
                    .recv_timeout(Duration::from_secs(60))
                    .expect("clock changes and transactions deadlocked");
            }
            readers.into_iter().for_each(|r| r.join().unwrap());
            writer.join().unwrap();
            assert_eq!(clock.snapshot().anchor_virtual_ms, 2_000_000);
        }
    }

    /// The durable store keeps the clock across a reopen; an unreadable state counts as none.
    #[test]
    fn the_state_is_stored_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(Store::open(Some(dir.path())).unwrap());
        assert_eq!(ClockState::load(&store).unwrap(), None);
        let frozen = ClockState {
            anchor_real_ms: 0,
            anchor_virtual_ms: 0,
            speed: 0.0,
        };
        let clock = ClockHandle::new(frozen, Arc::clone(&store));
        let advanced = clock.advance_secs(5.0).unwrap();
        assert_eq!(advanced.anchor_virtual_ms, 5000);
        drop((clock, store));
        let reopened = Store::open(Some(dir.path())).unwrap();
        assert_eq!(ClockState::load(&reopened).unwrap(), Some(advanced));
        reopened.save_meta(META_KEY, "not json").unwrap();
        assert_eq!(ClockState::load(&reopened).unwrap(), None);
    }
}
