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
