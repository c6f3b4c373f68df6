//! IAM tokens the emulator issued (`POST /v3/auth/tokens`): random, kept only as their
//! SHA-256 digest, valid until their expiry on the emulator's virtual clock, and bounded in
//! number. A token the emulator did not issue, or one that expired, is refused.

use std::collections::HashMap;

use sha2::{Digest, Sha256};

/// Most tokens kept at once; the expired go first, then those expiring soonest.
pub const MAX_TOKENS: usize = 10_000;

/// What the emulator knows about a token it issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issued {
    /// The project the token is scoped to.
    pub project_id: String,
    /// Who obtained it (user name, or the access key that signed the request).
    pub user: String,
    /// Virtual time of issue and of expiry, ms since the epoch.
    pub issued_ms: i64,
    pub expires_ms: i64,
}

/// The outcome of presenting a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenCheck {
    /// Issued here and not expired.
    Valid(Issued),
    /// Issued here, expired.
    Expired,
    /// Not issued here (guessed, forged or from elsewhere).
    Unknown,
}

/// The issued tokens, by digest.
#[derive(Debug, Default)]
pub struct TokenStore {
    by_digest: HashMap<[u8; 32], Issued>,
}

impl TokenStore {
    /// Keeps `token` as issued, making room if the store is full.
    pub fn insert(&mut self, token: &str, issued: Issued) {
        if self.by_digest.len() >= MAX_TOKENS {
            let now = issued.issued_ms;
            self.by_digest.retain(|_, t| t.expires_ms > now);
        }
        if self.by_digest.len() >= MAX_TOKENS {
            let soonest = self
                .by_digest
                .iter()
                .min_by_key(|(_, t)| t.expires_ms)
                .map(|(k, _)| *k);
            if let Some(k) = soonest {
                self.by_digest.remove(&k);
            }
        }
        self.by_digest.insert(digest(token), issued);
    }

    /// Whether `token` was issued here and is still valid at virtual time `now_ms`. The
    /// lookup goes by the token's digest, so its time says nothing about the token.
    pub fn check(&self, token: &str, now_ms: i64) -> TokenCheck {
        match self.by_digest.get(&digest(token)) {
            None => TokenCheck::Unknown,
            Some(t) if t.expires_ms <= now_ms => TokenCheck::Expired,
            Some(t) => TokenCheck::Valid(t.clone()),
        }
    }

    /// How many tokens are kept.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.by_digest.len()
    }
}

fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.trim().as_bytes()).into()
}

/// A new token: 32 bytes from the operating system's random source, hex-encoded (nothing
/// in it can be guessed from a project, a user or a time). `None` when the OS has no random
/// source to give.
pub fn new_token() -> Option<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).ok()?;
    Some(hex::encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issued(expires_ms: i64) -> Issued {
        Issued {
            project_id: "p".into(),
            user: "u".into(),
            issued_ms: 0,
            expires_ms,
        }
    }

    #[test]
    fn only_issued_unexpired_tokens_are_valid() {
        let mut store = TokenStore::default();
        let token = new_token().unwrap();
        assert_eq!(token.len(), 64);
        assert_ne!(new_token().unwrap(), token, "tokens are random");
        store.insert(&token, issued(1_000));
        assert_eq!(store.check(&token, 999), TokenCheck::Valid(issued(1_000)));
        assert_eq!(store.check(&token, 1_000), TokenCheck::Expired);
        assert_eq!(store.check("emulator-token-p", 0), TokenCheck::Unknown);
        assert_eq!(store.check(&token[..63], 0), TokenCheck::Unknown);
    }

    #[test]
    fn the_store_is_bounded() {
        let mut store = TokenStore::default();
        for i in 0..(MAX_TOKENS as i64 + 50) {
            store.insert(&format!("t{i}"), issued(10_000 + i));
        }
        assert_eq!(store.len(), MAX_TOKENS);
        // The soonest-expiring went first; the newest is there.
        assert_eq!(store.check("t0", 0), TokenCheck::Unknown);
        let last = format!("t{}", MAX_TOKENS + 49);
        assert!(matches!(store.check(&last, 0), TokenCheck::Valid(_)));
    }
}
