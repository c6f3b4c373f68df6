//! Mutex locking that survives a panicking holder.

use std::sync::{Mutex, MutexGuard};

/// Locks `m`, carrying on with the data if a panicking holder poisoned it.
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
