//! The request log behind `GET /_emulator/requests`: what authenticated callers sent, with
//! every secret masked and every part bounded, in bounded memory.
//!
//! - Only requests whose caller was authenticated are kept; the others are only counted
//!   (`unauthenticated`), so an anonymous flood cannot fill the log or push real entries out.
//! - Credential headers (`Authorization`, `X-Auth-Token`, `X-Security-Token`) and every
//!   parameter the operation's spec marks sensitive show as `***`; in a JSON body, every field
//!   the spec marks sensitive ([`OperationMeta::sensitive_body`], generated from the same flags
//!   as the redacting `Debug`) shows as `"***"`. A body that is not JSON is not kept at all
//!   (it cannot be masked field by field), only its length.
//! - A body keeps at most [`BODY_KEEP`] bytes, a header value [`VALUE_KEEP`] characters, and
//!   the whole log at most [`MAX_ENTRIES`] entries and about [`MAX_BYTES`] bytes (oldest
//!   dropped first).

use std::collections::VecDeque;

use hwcloud_core::operation::OperationMeta;
use hwcloud_core::sensitive::MASK;
use hwcloud_core::signing::encoding::url_decode;
use hwcloud_core::transport::is_credential_header;
use serde::{Deserialize, Serialize};

use crate::error::clip;

/// Most entries kept.
pub const MAX_ENTRIES: usize = 10_000;
/// About the most bytes the entries take together.
pub const MAX_BYTES: usize = 8 * 1024 * 1024;
/// Most bytes of a body kept (the rest is cut, with a marker).
pub const BODY_KEEP: usize = 4 * 1024;
/// Most characters of a header value, the path or the query kept.
pub const VALUE_KEEP: usize = 512;
/// Most headers kept per request.
pub const HEADERS_KEEP: usize = 64;

/// One request as received (`GET /_emulator/requests`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordedRequest {
    /// Sequence number since start.
    pub seq: u64,
    /// Real receive time, ms since the epoch.
    pub received_ms: i64,
    /// HTTP method.
    pub method: String,
    /// Path as received (percent-encoded).
    pub path: String,
    /// Raw query string (without `?`), if any; sensitive parameters masked.
    pub query: Option<String>,
    /// Headers in receive order; credentials and sensitive parameters masked.
    pub headers: Vec<(String, String)>,
    /// The JSON body with its sensitive fields masked, cut after [`BODY_KEEP`] bytes;
    /// `null` when empty, too large to read or not JSON.
    pub body: Option<String>,
    /// Length of the body as received, in bytes.
    pub body_bytes: usize,
}

impl RecordedRequest {
    /// A log entry for an authenticated request of the operation `meta`, masked and cut
    /// (the texts are moved in, and copied only when masked or cut).
    pub fn new(
        meta: &OperationMeta,
        received_ms: i64,
        method: String,
        path: String,
        query: Option<String>,
        mut headers: Vec<(String, String)>,
        body: &[u8],
    ) -> Self {
        headers.truncate(HEADERS_KEEP);
        for (k, v) in &mut headers {
            if is_credential_header(k) || meta.is_sensitive_param(k) {
                MASK.clone_into(v);
            } else {
                cut(v, VALUE_KEEP);
            }
            cut(k, VALUE_KEEP);
        }
        let mut method = method;
        cut(&mut method, 16);
        let mut path = path;
        cut(&mut path, VALUE_KEEP);
        let query = query.map(|q| {
            let mut q = masked_query(meta, q);
            cut(&mut q, VALUE_KEEP);
            q
        });
        Self {
            seq: 0,
            received_ms,
            method,
            path,
            query,
            headers,
            body: masked_body(meta, body),
            body_bytes: body.len(),
        }
    }

    /// About how many bytes the entry holds.
    fn weight(&self) -> usize {
        let headers: usize = self
            .headers
            .iter()
            .map(|(k, v)| k.len() + v.len() + 16)
            .sum();
        128 + self.method.len()
            + self.path.len()
            + self.query.as_ref().map_or(0, String::len)
            + headers
            + self.body.as_ref().map_or(0, String::len)
    }
}

/// `s` cut to `n` characters (with a marker) when longer; untouched otherwise.
fn cut(s: &mut String, n: usize) {
    if s.len() > n {
        *s = clip(s, n);
    }
}

/// `query` with the values of the operation's sensitive parameters masked.
fn masked_query(meta: &OperationMeta, query: String) -> String {
    if meta.sensitive_params.is_empty() {
        return query;
    }
    query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((k, _)) if meta.is_sensitive_param(&url_decode(k)) => format!("{k}={MASK}"),
            _ => pair.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// The body as JSON text with its sensitive fields masked, cut after [`BODY_KEEP`] bytes;
/// `None` when empty or not JSON.
pub fn masked_body(meta: &OperationMeta, body: &[u8]) -> Option<String> {
    if body.is_empty() {
        return None;
    }
    let text = if meta.sensitive_body.is_empty() {
        // Nothing to mask: the JSON text as sent (checked to be JSON all the same).
        serde_json::from_slice::<serde::de::IgnoredAny>(body).ok()?;
        String::from_utf8_lossy(body).into_owned()
    } else {
        let mut value: serde_json::Value = serde_json::from_slice(body).ok()?;
        meta.redact_body(&mut value);
        value.to_string()
    };
    if text.len() <= BODY_KEEP {
        return Some(text);
    }
    let mut end = BODY_KEEP;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    Some(format!("{}… (truncated)", &text[..end]))
}

/// The log itself.
#[derive(Debug, Default)]
pub struct RequestLog {
    entries: VecDeque<RecordedRequest>,
    bytes: usize,
    next_seq: u64,
    unauthenticated: u64,
}

impl RequestLog {
    /// Keeps `r` (numbered), dropping the oldest entries beyond the limits.
    pub fn push(&mut self, mut r: RecordedRequest) {
        self.next_seq += 1;
        r.seq = self.next_seq;
        self.bytes += r.weight();
        self.entries.push_back(r);
        while self.entries.len() > MAX_ENTRIES || (self.bytes > MAX_BYTES && self.entries.len() > 1)
        {
            if let Some(old) = self.entries.pop_front() {
                self.bytes -= old.weight();
            }
        }
    }

    /// Counts a request whose caller was not authenticated (not kept).
    pub fn count_unauthenticated(&mut self) {
        self.next_seq += 1;
        self.unauthenticated += 1;
    }

    /// The entries, oldest first, and the count of unauthenticated requests.
    pub fn snapshot(&self) -> (Vec<RecordedRequest>, u64) {
        (self.entries.iter().cloned().collect(), self.unauthenticated)
    }

    /// Forgets everything; answers how many entries were kept.
    pub fn clear(&mut self) -> usize {
        let n = self.entries.len();
        self.entries.clear();
        self.bytes = 0;
        self.unauthenticated = 0;
        n
    }

    /// About how many bytes the entries hold.
    #[cfg(test)]
    pub fn bytes(&self) -> usize {
        self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hwcloud_dcs::operations::set_online_migration_task::META as SET;

    fn entry(query: Option<&str>, headers: Vec<(String, String)>, body: &[u8]) -> RecordedRequest {
        let q = query.map(str::to_owned);
        RecordedRequest::new(&SET, 1, "POST".into(), "/p".into(), q, headers, body)
    }

    #[test]
    fn secrets_are_masked_and_bodies_cut() {
        let body = serde_json::json!({
            "migration_method": "full_amount_migration",
            "source_instance": {"addrs": "10.0.0.1:6379", "password": "source-secret"},
            "target_instance": {"id": "t", "password": 31415926},
            "zz_pad": "x".repeat(10_000)
        });
        let raw = serde_json::to_vec(&body).unwrap();
        let headers = vec![
            (
                "authorization".to_owned(),
                "SDK-HMAC-SHA256 Signature=abc".to_owned(),
            ),
            ("x-auth-token".to_owned(), "tok".to_owned()),
            ("x-custom".to_owned(), "v".repeat(2000)),
        ];
        let r = entry(Some("a=1"), headers, &raw);
        let text = serde_json::to_string(&r).unwrap();
        for secret in ["source-secret", "31415926", "Signature=abc", "\"tok\""] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
        let kept = r.body.unwrap();
        assert!(
            kept.len() <= BODY_KEEP + 20 && kept.ends_with("(truncated)"),
            "{}",
            kept.len()
        );
        assert!(kept.contains(r#""password":"***""#), "{kept}");
        assert_eq!(r.body_bytes, raw.len());
        assert_eq!(r.headers[2].1.chars().count(), VALUE_KEEP);
        // Not JSON: not kept, it could not be masked field by field.
        let r = entry(None, vec![], b"password=x");
        assert_eq!(r.body, None);
    }

    #[test]
    fn the_log_stays_within_its_entry_and_byte_budgets() {
        let mut log = RequestLog::default();
        let big = serde_json::to_vec(&serde_json::json!({"pad": "y".repeat(BODY_KEEP)})).unwrap();
        for _ in 0..(MAX_BYTES / BODY_KEEP + 500) {
            log.push(entry(None, vec![], &big));
        }
        assert!(log.bytes() <= MAX_BYTES, "{}", log.bytes());
        let (entries, _) = log.snapshot();
        assert!(entries.len() < MAX_BYTES / BODY_KEEP);
        for _ in 0..(MAX_ENTRIES + 10) {
            log.push(entry(None, vec![], b""));
        }
        assert_eq!(log.snapshot().0.len(), MAX_ENTRIES);
        log.count_unauthenticated();
        assert_eq!(log.snapshot().1, 1);
        assert_eq!(log.clear(), MAX_ENTRIES);
        assert_eq!(log.bytes(), 0);
    }
}
