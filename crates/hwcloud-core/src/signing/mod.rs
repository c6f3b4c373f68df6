//! Request signing exactly as the official Huawei Cloud SDKs do it (`SDK-HMAC-SHA256`,
//! `SDK-HMAC-SM3`, derived `V11-HMAC-SHA256`), and the verifier the emulator uses.
//!
//! CONTRACT (other modules code against these names; the bodies are being written):
//! - `Algorithm` names the scheme; `Algorithm::name()` is the token in `Authorization`.
//! - `SignableRequest` is the request as it will go on the wire: method, the path exactly as
//!   sent (already percent-encoded), decoded query pairs in send order, every header that will
//!   be sent (including `Host` and `X-Sdk-Date`), and the body bytes.
//! - `sign()` returns every intermediate step, so the test vectors can check each one.
//! - `verify()` checks a received request's `Authorization` against a key lookup.

use crate::secret::Secret;

/// A signing scheme of the official SDK core.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Algorithm {
    /// `SDK-HMAC-SHA256`, the default.
    #[default]
    HmacSha256,
    /// `SDK-HMAC-SM3` (Chinese national standard hash).
    HmacSm3,
    /// `V11-HMAC-SHA256`: HMAC-SHA256 with a key derived from the SK, date, region and service.
    V11HmacSha256,
}

/// What the derived (`V11`) algorithm needs besides the keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DerivationScope {
    /// Region id, e.g. `eu-west-0`.
    pub region: String,
    /// The derived-auth service name, e.g. `dcs`.
    pub service: String,
}

/// A request as it will be (or was) sent.
#[derive(Debug, Clone, Copy)]
pub struct SignableRequest<'a> {
    /// Upper-case HTTP method.
    pub method: &'a str,
    /// The path as sent on the wire, already percent-encoded, without query.
    pub path: &'a str,
    /// Decoded query pairs in the order they are sent.
    pub query: &'a [(String, String)],
    /// Every header sent, names in any case, values as sent.
    pub headers: &'a [(String, String)],
    /// The body bytes (empty slice for no body).
    pub body: &'a [u8],
}

/// Every step of one signature, for debugging and for the test vectors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningOutput {
    /// The canonical request text.
    pub canonical_request: String,
    /// The string that is MAC-ed.
    pub string_to_sign: String,
    /// `;`-joined lower-case signed header names.
    pub signed_headers: String,
    /// Lower-case hex signature.
    pub signature: String,
    /// The full `Authorization` header value.
    pub authorization: String,
}

/// Why signing failed (the request lacks what the algorithm needs).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignError {
    /// `X-Sdk-Date` is absent or not `YYYYMMDDTHHMMSSZ`.
    #[error("the request has no valid X-Sdk-Date header")]
    MissingDate,
    /// `V11-HMAC-SHA256` needs a region and service.
    #[error("the derived algorithm needs a region and service scope")]
    MissingScope,
}

/// The caller a verified request came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The access key id from `Authorization`.
    pub access_key: String,
    /// The algorithm the request used.
    pub algorithm: Algorithm,
}

/// Why a received request's signature was refused. Never carries secret material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("the Authorization header is missing")]
    MissingAuthorization,
    #[error("the Authorization header is malformed: {0}")]
    MalformedAuthorization(String),
    #[error("unsupported signing algorithm {0:?}")]
    UnsupportedAlgorithm(String),
    #[error("the X-Sdk-Date header is missing or malformed")]
    BadDate,
    #[error("X-Sdk-Date is more than the allowed skew away from the server clock")]
    StaleDate,
    #[error("a header listed in SignedHeaders is missing: {0}")]
    SignedHeaderMissing(String),
    #[error("unknown access key")]
    UnknownAccessKey,
    #[error("the signature does not match")]
    SignatureMismatch,
}

/// Signs `req` with `sk`. The date comes from the request's `X-Sdk-Date` header.
pub fn sign(
    algorithm: Algorithm,
    access_key: &str,
    secret_key: &Secret,
    scope: Option<&DerivationScope>,
    req: &SignableRequest<'_>,
) -> Result<SigningOutput, SignError> {
    let _ = (algorithm, access_key, secret_key, scope, req);
    unimplemented!("being written")
}

/// Verifies a received request: parses `Authorization`, checks the date is within
/// `max_skew` of `now`, looks up the secret key with `lookup`, recomputes and compares in
/// constant time. `scope` is needed only for `V11-HMAC-SHA256`.
pub fn verify(
    req: &SignableRequest<'_>,
    now: std::time::SystemTime,
    max_skew: std::time::Duration,
    lookup: &dyn Fn(&str) -> Option<Secret>,
    scope: Option<&DerivationScope>,
) -> Result<Verified, VerifyError> {
    let _ = (req, now, max_skew, lookup, scope);
    unimplemented!("being written")
}

/// Formats a time as `X-Sdk-Date` (`YYYYMMDDTHHMMSSZ`, UTC).
pub fn format_sdk_date(t: std::time::SystemTime) -> String {
    let _ = t;
    unimplemented!("being written")
}

/// Parses an `X-Sdk-Date` value.
pub fn parse_sdk_date(s: &str) -> Option<std::time::SystemTime> {
    let _ = s;
    unimplemented!("being written")
}
