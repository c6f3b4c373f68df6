//! A limit on the bytes per second written to the target (DCS `bandwidth_limit_mb`).
//!
//! [`TokenBucket`] is the sans-IO core: it takes `Instant`s and says how long to wait, so tests
//! drive it with a fake clock. [`RateLimit`] wraps it for async writers: share it in an `Arc`,
//! call [`RateLimit::acquire`] before each write and [`RateLimit::set`] to change the limit
//! while a migration runs (waiters notice at once).
//!
//! Bursts are bounded: the bucket holds at most [`BURST`] worth of bytes (100 ms at the current
//! rate), so over any window of length `T` at most `rate × T + rate × 0.1 s + one piece` bytes
//! go out. Writers ask for pieces of at most [`piece_for`] bytes; then every 5 s window
//! stays within a few percent of the limit.

use std::sync::Mutex;
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// How much the bucket may hold when idle: this long at the current rate.
pub const BURST: Duration = Duration::from_millis(100);

/// The largest piece a writer should acquire at once, so that one write never makes a spike.
pub const MAX_PIECE: usize = 64 * 1024;

/// The piece size for a rate: 100 ms worth, between 64 bytes and [`MAX_PIECE`].
pub fn piece_for(bytes_per_sec: Option<u64>) -> usize {
    match bytes_per_sec {
        None => MAX_PIECE,
        Some(r) => usize::try_from(r / 10)
            .unwrap_or(MAX_PIECE)
            .clamp(64, MAX_PIECE),
    }
}

/// Bytes in the "MB" of DCS `bandwidth_limit_mb`: 1 MB = 1,048,576 bytes (a mebibyte).
///
/// The DCS API reference gives the unit as "MB/s" without saying decimal or binary; the DCS
/// statistics report rates in KB where 1 KB = 1024 bytes, so the binary reading is the
/// consistent one. A limit of 10 means 10,485,760 bytes per second.
pub const BYTES_PER_MB: u64 = 1_048_576;

/// The range DCS accepts for `bandwidth_limit_mb`.
pub const BANDWIDTH_LIMIT_MB_RANGE: std::ops::RangeInclusive<u64> = 1..=10_240;

/// A `bandwidth_limit_mb` outside 1–10240.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("bandwidth_limit_mb is {0}; DCS accepts 1 to 10240 (MB/s, 1 MB = 1,048,576 bytes)")]
pub struct BandwidthOutOfRange(pub u64);

/// Converts DCS `bandwidth_limit_mb` (MB/s) to bytes per second, checking the range.
pub fn bandwidth_limit_mb_to_bytes(mb: u64) -> Result<u64, BandwidthOutOfRange> {
    if BANDWIDTH_LIMIT_MB_RANGE.contains(&mb) {
        Ok(mb * BYTES_PER_MB)
    } else {
        Err(BandwidthOutOfRange(mb))
    }
}

const NANOS: i128 = 1_000_000_000;

/// A token bucket counted in bytes. Tokens are kept in byte-nanoseconds (bytes × 10⁹) so that
/// refills and waits are exact integers.
#[derive(Debug, Clone)]
pub struct TokenBucket {
    /// Bytes per second; `None` = unlimited.
    rate: Option<u64>,
    /// Byte-nanoseconds available; negative while a taken piece is being paid off.
    tokens: i128,
    last: Instant,
}

impl TokenBucket {
    /// A bucket that starts full (one burst available).
    pub fn new(rate: Option<u64>, now: Instant) -> Self {
        let mut b = Self {
            rate: None,
            tokens: 0,
            last: now,
        };
        b.set_rate(rate, now);
        b.tokens = b.capacity();
        b
    }

    /// The limit in bytes per second (`None`: unlimited).
    pub fn rate(&self) -> Option<u64> {
        self.rate
    }

    /// Changes the limit. Tokens earned so far are kept up to the new burst size; a debt from
    /// a piece already taken is kept and paid off at the new rate.
    pub fn set_rate(&mut self, rate: Option<u64>, now: Instant) {
        self.refill(now);
        self.rate = rate.filter(|&r| r > 0);
        self.tokens = self.tokens.min(self.capacity());
        if self.rate.is_none() {
            self.tokens = 0;
        }
    }

    fn capacity(&self) -> i128 {
        self.rate
            .map_or(0, |r| i128::from(r) * BURST.as_nanos() as i128)
    }

    fn refill(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.last).as_nanos() as i128;
        self.last = self.last.max(now);
        if let Some(r) = self.rate {
            self.tokens = (self.tokens + elapsed * i128::from(r)).min(self.capacity());
        }
    }

    /// Takes `n` bytes when the bucket is not in debt (`Ok`), or says how long to wait before
    /// asking again (`Err`). A piece larger than the burst is allowed; the bucket then owes
    /// it and later pieces wait until it is paid off.
    pub fn try_take(&mut self, n: u64, now: Instant) -> Result<(), Duration> {
        let Some(rate) = self.rate else {
            return Ok(());
        };
        self.refill(now);
        if self.tokens >= 0 {
            self.tokens -= i128::from(n) * NANOS;
            Ok(())
        } else {
            // Round up so that asking again after the wait succeeds.
            let rate = i128::from(rate);
            let nanos = (-self.tokens + rate - 1) / rate;
            Err(Duration::from_nanos(
                u64::try_from(nanos).unwrap_or(u64::MAX),
            ))
        }
    }
}

/// A shared, changeable byte-rate limit for async writers.
#[derive(Debug)]
pub struct RateLimit {
    bucket: Mutex<TokenBucket>,
    changed: Notify,
}

impl RateLimit {
    /// A limit of `bytes_per_sec` (`None`: unlimited).
    pub fn new(bytes_per_sec: Option<u64>) -> Self {
        Self {
            bucket: Mutex::new(TokenBucket::new(bytes_per_sec, now())),
            changed: Notify::new(),
        }
    }

    /// No limit.
    pub fn unlimited() -> Self {
        Self::new(None)
    }

    /// The current limit in bytes per second.
    pub fn get(&self) -> Option<u64> {
        self.lock().rate()
    }

    /// Changes the limit while writers run; writers waiting on the old rate re-check at once.
    pub fn set(&self, bytes_per_sec: Option<u64>) {
        self.lock().set_rate(bytes_per_sec, now());
        self.changed.notify_waiters();
    }

    /// The piece size writers should use at the current limit ([`piece_for`]).
    pub fn piece(&self) -> usize {
        piece_for(self.get())
    }

    /// Waits until `n` bytes may be written. Ask for pieces of at most [`RateLimit::piece`].
    pub async fn acquire(&self, n: usize) {
        loop {
            let changed = self.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            let wait = match self.lock().try_take(n as u64, now()) {
                Ok(()) => return,
                Err(wait) => wait,
            };
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                () = &mut changed => {}
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, TokenBucket> {
        self.bucket.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Tokio's clock, so that tests with paused time see the same time as the sleeps.
fn now() -> Instant {
    tokio::time::Instant::now().into_std()
}

impl Default for RateLimit {
    fn default() -> Self {
        Self::unlimited()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    /// Drives a greedy writer (always wanting to write `piece` bytes) for `total` on a fake
    /// clock and returns (time, cumulative bytes) after each write.
    fn run(
        b: &mut TokenBucket,
        start: Instant,
        piece: u64,
        total: Duration,
    ) -> Vec<(Duration, u64)> {
        let mut now = start;
        let mut sent = 0;
        let mut log = vec![(Duration::ZERO, 0)];
        while now - start < total {
            match b.try_take(piece, now) {
                Ok(()) => {
                    sent += piece;
                    log.push((now - start, sent));
                }
                Err(wait) => now += wait,
            }
        }
        log
    }

    /// Bytes written in the window [from, from + len) of a log.
    fn in_window(log: &[(Duration, u64)], from: Duration, len: Duration) -> u64 {
        let before = log
            .iter()
            .take_while(|(t, _)| *t < from)
            .last()
            .map_or(0, |e| e.1);
        let until = log
            .iter()
            .take_while(|(t, _)| *t < from + len)
            .last()
            .map_or(0, |e| e.1);
        until - before
    }

    #[test]
    fn every_five_second_window_is_within_ten_percent() {
        let start = Instant::now();
        for rate in [1_048_576u64, 100_000, 10_240 * BYTES_PER_MB, 5_000, 2_000] {
            let piece = piece_for(Some(rate)) as u64;
            let mut b = TokenBucket::new(Some(rate), start);
            let log = run(&mut b, start, piece, Duration::from_secs(9));
            let five = Duration::from_secs(5);
            for s in 0..4 {
                let got = in_window(&log, Duration::from_millis(s * 1000 + 37), five);
                let want = rate * 5;
                let err = (got as f64 - want as f64).abs() / want as f64;
                assert!(
                    err <= 0.10,
                    "rate {rate} piece {piece}: window at {s}s wrote {got}, limit {want}"
                );
            }
        }
    }

    #[test]
    fn a_burst_after_idling_is_at_most_one_hundred_milliseconds_worth() {
        let start = Instant::now();
        let mut b = TokenBucket::new(Some(1_000_000), start);
        // Idle for an hour: the bucket does not grow beyond 100 ms worth.
        let later = start + Duration::from_secs(3600);
        let mut taken = 0;
        while b.try_take(1000, later).is_ok() {
            taken += 1000;
        }
        assert!((100_000..=101_000).contains(&taken), "{taken}");
    }

    #[test]
    fn a_large_piece_is_paid_off_before_the_next() {
        let start = Instant::now();
        let mut b = TokenBucket::new(Some(1000), start);
        b.try_take(100, start).unwrap(); // empties the 100-byte burst
        b.try_take(5000, start).unwrap(); // allowed: not in debt before it
        assert_eq!(b.try_take(1, start), Err(Duration::from_secs(5)));
        assert!(b.try_take(1, start + Duration::from_secs(5)).is_ok());
    }

    #[test]
    fn changing_the_rate_takes_effect_at_once() {
        let start = Instant::now();
        let mut b = TokenBucket::new(Some(1000), start);
        b.try_take(1100, start).unwrap();
        assert_eq!(b.try_take(1, start), Err(Duration::from_secs(1)));
        b.set_rate(Some(10_000), start);
        assert_eq!(b.try_take(1, start), Err(Duration::from_millis(100)));
        b.set_rate(None, start);
        assert!(b.try_take(u64::MAX / 2, start).is_ok());
        b.set_rate(Some(10), start);
        // From unlimited, the new limit starts empty: no burst from the unlimited period.
        assert!(b.try_take(1, start).is_ok());
        assert!(b.try_take(1, start).is_err());
    }

    #[test]
    fn dcs_bandwidth_is_in_mebibytes_per_second_and_range_checked() {
        assert_eq!(bandwidth_limit_mb_to_bytes(1), Ok(1_048_576));
        assert_eq!(bandwidth_limit_mb_to_bytes(10_240), Ok(10_737_418_240));
        assert_eq!(bandwidth_limit_mb_to_bytes(0), Err(BandwidthOutOfRange(0)));
        let err = bandwidth_limit_mb_to_bytes(10_241).unwrap_err();
        assert!(err.to_string().contains("1 to 10240"), "{err}");
    }

    #[tokio::test(start_paused = true)]
    async fn waiting_writers_wake_when_the_limit_is_lifted() {
        let limit = Arc::new(RateLimit::new(Some(10)));
        limit.acquire(1_000).await; // now 100 s in debt
        let l = limit.clone();
        let waiter = tokio::spawn(async move { l.acquire(1).await });
        tokio::time::sleep(Duration::from_millis(10)).await;
        assert!(!waiter.is_finished());
        limit.set(None);
        tokio::time::timeout(Duration::from_secs(1), waiter)
            .await
            .expect("the waiter must wake when the limit changes")
            .unwrap();
        assert_eq!(limit.get(), None);
    }
}
