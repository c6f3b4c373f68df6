//! An order-independent digest of a collection, built page by page.
//!
//! `SSCAN`, `HSCAN` and `ZSCAN` return elements in hash-table order, which differs between two
//! servers holding the same set. Summing a strong hash of each element (mod 2^128) gives the
//! same digest in any order while holding one page at a time, so a million-member set is
//! compared in constant memory. Each element's parts are length-prefixed before hashing so
//! that `("ab", "c")` and `("a", "bc")` differ.

use sha2::{Digest, Sha256};

/// The running digest of a collection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SetDigest {
    sum: u128,
    count: u64,
}

impl SetDigest {
    /// Adds one element made of `parts` (a member; a field and value; a member and score).
    pub fn add(&mut self, parts: &[&[u8]]) {
        let mut h = Sha256::new();
        for p in parts {
            h.update((p.len() as u64).to_le_bytes());
            h.update(p);
        }
        let out = h.finalize();
        let mut first = [0u8; 16];
        first.copy_from_slice(&out[..16]);
        self.sum = self.sum.wrapping_add(u128::from_le_bytes(first));
        self.count += 1;
    }

    /// Elements added.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// A short text for reports.
    pub fn short(&self) -> String {
        format!("{:016x}", (self.sum >> 64) as u64)
    }
}

/// A zset score as the bytes to hash: the number, not its text, since servers format scores
/// differently (`0.1` or `0.10000000000000001`). `None` when it is not a number.
pub fn score_key(text: &[u8]) -> Option<[u8; 8]> {
    let s = std::str::from_utf8(text).ok()?;
    let v: f64 = match s {
        "inf" | "+inf" => f64::INFINITY,
        "-inf" => f64::NEG_INFINITY,
        _ => s.parse().ok()?,
    };
    // 0 and -0 are the same score to Redis.
    let v = if v == 0.0 { 0.0 } else { v };
    Some(v.to_bits().to_le_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parts_are_delimited() {
        let (mut a, mut b) = (SetDigest::default(), SetDigest::default());
        a.add(&[b"ab", b"c"]);
        b.add(&[b"a", b"bc"]);
        assert_ne!(a, b);
        assert_eq!(score_key(b"0.1"), score_key(b"0.10000000000000001"));
        assert_eq!(score_key(b"-0"), score_key(b"0"));
        assert_eq!(
            score_key(b"inf"),
            Some(f64::INFINITY.to_bits().to_le_bytes())
        );
        assert_eq!(score_key(b"x"), None);
    }

    proptest! {
        #[test]
        fn order_does_not_matter_and_one_change_shows(
            items in proptest::collection::btree_set(proptest::collection::vec(any::<u8>(), 0..12), 1..40),
            flip in any::<proptest::sample::Index>(),
        ) {
            let items: Vec<Vec<u8>> = items.into_iter().collect();
            let (mut fwd, mut rev) = (SetDigest::default(), SetDigest::default());
            items.iter().for_each(|i| fwd.add(&[i]));
            items.iter().rev().for_each(|i| rev.add(&[i]));
            prop_assert_eq!(fwd, rev);
            let mut changed = SetDigest::default();
            let at = flip.index(items.len());
            for (n, i) in items.iter().enumerate() {
                let mut i = i.clone();
                if n == at { i.push(0); }
                changed.add(&[&i]);
            }
            prop_assert_ne!(fwd, changed);
        }
    }
}
