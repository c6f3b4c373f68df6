//! Request signing exactly as the official Huawei Cloud SDKs do it (`SDK-HMAC-SHA256`,
//! `SDK-HMAC-SM3`, derived `V11-HMAC-SHA256`), and the verifier the emulator uses.
//!
//! - `Algorithm` names the scheme; `Algorithm::name()` is the token in `Authorization`.
//! - `SignableRequest` is the request as it will go on the wire: method, the path exactly as
//!   sent (already percent-encoded), decoded query pairs in send order, every header that will
//!   be sent (including `Host` and `X-Sdk-Date`), and the body bytes.
//! - `sign()` returns every intermediate step, so the test vectors can check each one;
//!   `SigningKey::authorization()` computes only the `Authorization` value, with the HMAC key
//!   prepared once (what the runtime does on every attempt). Both run the same streaming
//!   signer (`canonical`), which feeds the canonical request and the string to sign straight
//!   into the hash and the MAC.
//! - `verify()` checks a received request's `Authorization` against a key lookup, as strictly
//!   as the service's gateway (`verify`).

mod authorization;
mod canonical;
mod crypto;
mod date;
pub mod encoding;
mod verify;

pub use authorization::{ParsedAuthorization, parse_authorization};
use canonical::{
    PayloadLine, SignedOrder, Tee, write_canonical_request, write_joined, write_payload_hash,
    write_string_to_sign,
};
pub use crypto::derive_v11_key;
pub use date::civil_from_days;
pub use verify::{DEFAULT_MAX_SKEW, Verified, VerifyError, verify};

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

impl Algorithm {
    /// Every algorithm, in declaration order.
    pub const ALL: [Algorithm; 3] = [
        Algorithm::HmacSha256,
        Algorithm::HmacSm3,
        Algorithm::V11HmacSha256,
    ];

    /// The token written at the start of `Authorization`.
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::HmacSha256 => "SDK-HMAC-SHA256",
            Algorithm::HmacSm3 => "SDK-HMAC-SM3",
            Algorithm::V11HmacSha256 => "V11-HMAC-SHA256",
        }
    }

    /// The algorithm whose [`name`](Self::name) is `name` (exact, case-sensitive).
    pub fn from_name(name: &str) -> Option<Algorithm> {
        Algorithm::ALL.into_iter().find(|a| a.name() == name)
    }

    /// The header that carries a precomputed payload hash (or `UNSIGNED-PAYLOAD`):
    /// `X-Sdk-Content-Sm3` for SM3, `X-Sdk-Content-Sha256` otherwise.
    pub fn content_hash_header(self) -> &'static str {
        match self {
            Algorithm::HmacSm3 => "X-Sdk-Content-Sm3",
            Algorithm::HmacSha256 | Algorithm::V11HmacSha256 => "X-Sdk-Content-Sha256",
        }
    }
}

impl std::fmt::Display for Algorithm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What the derived (`V11`) algorithm needs besides the keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DerivationScope {
    /// Region id, e.g. `eu-west-0`.
    pub region: String,
    /// The derived-auth service name, e.g. `dcs`.
    pub service: String,
}

/// One header as a name and a value, whatever string types hold them: `(String, String)`
/// on a server, `(Cow<'static, str>, Cow<'static, str>)` in a client's
/// [`HttpRequest`](crate::transport::HttpRequest), `(&str, &str)` in tests.
pub trait Header {
    /// The name as sent (any case).
    fn name(&self) -> &str;
    /// The value as sent.
    fn value(&self) -> &str;
}

impl<N: AsRef<str>, V: AsRef<str>> Header for (N, V) {
    fn name(&self) -> &str {
        self.0.as_ref()
    }
    fn value(&self) -> &str {
        self.1.as_ref()
    }
}

/// A request as it will be (or was) sent.
#[derive(Debug)]
pub struct SignableRequest<'a, H = (String, String)> {
    /// Upper-case HTTP method.
    pub method: &'a str,
    /// The path as sent on the wire, already percent-encoded, without query.
    pub path: &'a str,
    /// Decoded query pairs in the order they are sent.
    pub query: &'a [(String, String)],
    /// Every header sent, names in any case, values as sent.
    pub headers: &'a [H],
    /// The body bytes (empty slice for no body).
    pub body: &'a [u8],
}

// By hand: a derive would require `H: Copy`, but only references are copied.
impl<H> Clone for SignableRequest<'_, H> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<H> Copy for SignableRequest<'_, H> {}

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

/// The value of the first header named `name` (ASCII case-insensitive), like the official
/// signer's `_get_header_ignore_case`.
pub fn header_value<'h, H: Header>(headers: &'h [H], name: &str) -> Option<&'h str> {
    headers
        .iter()
        .find(|h| h.name().eq_ignore_ascii_case(name))
        .map(Header::value)
}

/// The header a client must add before signing so that the body is not hashed, as the official
/// SDK does: when `Content-Type` is present, non-empty and starts with neither
/// `application/json` nor `application/bson`, it sets
/// [`Algorithm::content_hash_header`] to `UNSIGNED-PAYLOAD`. The caller adds (or replaces) the
/// returned header in the request, then signs; [`sign`] itself never adds headers.
///
/// Deviation: the official SDK looks up the exact name `Content-Type`; this looks it up
/// case-insensitively, so a client that writes `content-type` gets the same behaviour.
pub fn unsigned_payload_header<H: Header>(
    algorithm: Algorithm,
    headers: &[H],
) -> Option<(&'static str, &'static str)> {
    let ct = header_value(headers, "Content-Type")?;
    if ct.is_empty() || ct.starts_with("application/json") || ct.starts_with("application/bson") {
        return None;
    }
    Some((algorithm.content_hash_header(), "UNSIGNED-PAYLOAD"))
}

/// Lower-case hex hash (SHA-256 or SM3) of a body; the empty body gives the empty-input hash.
pub fn body_hash(algorithm: Algorithm, body: &[u8]) -> String {
    crypto::hash_hex(algorithm, body)
}

/// The last line of the canonical request. An empty body always uses the empty-input hash;
/// otherwise a non-empty [`Algorithm::content_hash_header`] value (trimmed) is used verbatim
/// (normally `UNSIGNED-PAYLOAD`); otherwise the body is hashed.
pub fn payload_hash<H: Header>(algorithm: Algorithm, req: &SignableRequest<'_, H>) -> String {
    let mut out = String::new();
    write_payload_hash(algorithm, req, &mut out);
    out
}

/// The names the official signer signs: every header whose name has no `_`, lower-cased
/// (names are not trimmed), sorted.
pub fn signed_header_names<H: Header>(headers: &[H]) -> Vec<String> {
    SignedOrder::of(headers)
        .names(headers)
        .map(str::to_lowercase)
        .collect()
}

/// The canonical request the official signer builds for `req` (signing every header whose
/// name has no `_`):
///
/// ```text
/// METHOD\nCANONICAL_URI\nCANONICAL_QUERY\nname:value\n...\n\nsigned;headers\nPAYLOAD_HASH
/// ```
pub fn canonical_request<H: Header>(algorithm: Algorithm, req: &SignableRequest<'_, H>) -> String {
    let order = SignedOrder::of(req.headers);
    let mut joined = String::new();
    write_joined(order.names(req.headers), &mut joined);
    let mut out = String::with_capacity(512);
    write_canonical_request(
        req,
        order.entries(req.headers),
        &joined,
        PayloadLine::AsSigner(algorithm),
        &mut out,
    );
    out
}

/// `YYYYMMDD/region/service`, the derivation info and credential scope of `V11-HMAC-SHA256`.
pub fn v11_scope(sdk_date: &str, scope: &DerivationScope) -> String {
    format!(
        "{}/{}/{}",
        sdk_date.get(..8).unwrap_or(sdk_date),
        scope.region,
        scope.service
    )
}

/// A secret key made ready for one algorithm. For the `SDK-` algorithms the HMAC key schedule
/// (the inner and outer padded key blocks) is computed once here instead of on every
/// signature; `V11-HMAC-SHA256` derives its key per date, region and service, so it keeps the
/// secret. Build one per credentials and reuse it. `Debug` prints no key material.
#[derive(Clone)]
pub struct SigningKey {
    algorithm: Algorithm,
    key: KeyKind,
}

#[derive(Clone)]
enum KeyKind {
    Keyed(crypto::AnyMac),
    Derived(Secret),
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("algorithm", &self.algorithm)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// Prepares `secret_key` for `algorithm`.
    pub fn new(algorithm: Algorithm, secret_key: &Secret) -> Self {
        let key = match algorithm {
            Algorithm::V11HmacSha256 => KeyKind::Derived(secret_key.clone()),
            Algorithm::HmacSha256 | Algorithm::HmacSm3 => KeyKind::Keyed(crypto::AnyMac::new(
                algorithm,
                secret_key.expose().as_bytes(),
            )),
        };
        SigningKey { algorithm, key }
    }

    /// The algorithm this key signs with.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The `Authorization` value for `req`, as [`authorization()`] computes it.
    pub fn authorization<H: Header>(
        &self,
        access_key: &str,
        scope: Option<&DerivationScope>,
        req: &SignableRequest<'_, H>,
    ) -> Result<String, SignError> {
        sign_into(self, access_key, scope, req, None).map(|s| s.authorization)
    }

    /// A fresh MAC keyed for this signature (`v11_info` is the `V11` credential scope, which
    /// signing and verifying always have for that algorithm).
    fn mac(&self, access_key: &str, v11_info: Option<&str>) -> crypto::AnyMac {
        match &self.key {
            KeyKind::Keyed(mac) => mac.clone(),
            KeyKind::Derived(secret) => {
                let info = v11_info.expect("V11-HMAC-SHA256 is signed with a credential scope");
                let key = derive_v11_key(access_key, secret.expose(), info);
                crypto::AnyMac::new(self.algorithm, key.as_bytes())
            }
        }
    }
}

/// Reads and parses `X-Sdk-Date`, returning the normalised text and the instant.
/// The strict parser accepts only the canonical `YYYYMMDDTHHMMSSZ` text, so the raw value is
/// already normalised.
fn sdk_date<'r, H: Header>(
    req: &SignableRequest<'r, H>,
) -> Option<(&'r str, std::time::SystemTime)> {
    let raw = header_value(req.headers, "X-Sdk-Date")?;
    let t = date::parse(raw)?;
    debug_assert_eq!(date::format(t), raw);
    Some((raw, t))
}

/// The intermediate texts [`sign`] keeps and [`authorization()`] does not.
#[derive(Default)]
struct Steps {
    canonical_request: String,
    string_to_sign: String,
}

/// One signature: the `Authorization` value and where its `SignedHeaders` list sits in it.
struct Signed {
    authorization: String,
    signed_headers: std::ops::Range<usize>,
}

/// The signer behind [`sign`] and [`authorization()`]: builds the `Authorization` value in one
/// buffer and streams the canonical request and string to sign straight into the hash and the
/// MAC; the texts are kept only when `steps` is given.
fn sign_into<H: Header>(
    key: &SigningKey,
    access_key: &str,
    scope: Option<&DerivationScope>,
    req: &SignableRequest<'_, H>,
    mut steps: Option<&mut Steps>,
) -> Result<Signed, SignError> {
    let algorithm = key.algorithm;
    let (date_text, _) = sdk_date(req).ok_or(SignError::MissingDate)?;
    let v11_info = match algorithm {
        Algorithm::V11HmacSha256 => {
            let scope = scope.ok_or(SignError::MissingScope)?;
            if scope.region.is_empty() || scope.service.is_empty() {
                return Err(SignError::MissingScope);
            }
            Some(v11_scope(date_text, scope))
        }
        Algorithm::HmacSha256 | Algorithm::HmacSm3 => None,
    };

    let order = SignedOrder::of(req.headers);

    let mut auth = String::with_capacity(160 + access_key.len());
    auth.push_str(algorithm.name());
    match v11_info.as_deref() {
        Some(info) => {
            auth.push_str(" Credential=");
            auth.push_str(access_key);
            auth.push('/');
            auth.push_str(info);
        }
        None => {
            auth.push_str(" Access=");
            auth.push_str(access_key);
        }
    }
    auth.push_str(", SignedHeaders=");
    let joined_start = auth.len();
    write_joined(order.names(req.headers), &mut auth);
    let signed_headers = joined_start..auth.len();

    let mut canonical = Tee {
        digest: crypto::AnyHash::new(algorithm),
        text: steps.as_deref_mut().map(|s| &mut s.canonical_request),
    };
    write_canonical_request(
        req,
        order.entries(req.headers),
        &auth[signed_headers.clone()],
        PayloadLine::AsSigner(algorithm),
        &mut canonical,
    );
    let canonical_hash = crypto::Hex32::of(&canonical.digest.finalize());

    let mut sts = Tee {
        digest: key.mac(access_key, v11_info.as_deref()),
        text: steps.map(|s| &mut s.string_to_sign),
    };
    write_string_to_sign(
        algorithm,
        date_text,
        v11_info.as_deref(),
        &canonical_hash,
        &mut sts,
    );
    let signature = crypto::Hex32::of(&sts.digest.finalize());
    auth.push_str(", Signature=");
    auth.push_str(signature.as_str());
    Ok(Signed {
        authorization: auth,
        signed_headers,
    })
}

/// Signs `req` with `sk` and returns every intermediate step. The date comes from the
/// request's `X-Sdk-Date` header.
///
/// `sign` signs exactly the headers given (every one whose name has no `_`); it adds none. The
/// caller adds `Host`, `X-Sdk-Date`, `X-Project-Id`, `X-Security-Token` and, where
/// [`unsigned_payload_header`] says so, the payload-hash header, then sends
/// `Authorization: {output.authorization}`. [`authorization()`] gives the same value without
/// keeping the steps.
pub fn sign<H: Header>(
    algorithm: Algorithm,
    access_key: &str,
    secret_key: &Secret,
    scope: Option<&DerivationScope>,
    req: &SignableRequest<'_, H>,
) -> Result<SigningOutput, SignError> {
    let mut steps = Steps::default();
    let key = SigningKey::new(algorithm, secret_key);
    let signed = sign_into(&key, access_key, scope, req, Some(&mut steps))?;
    let auth = signed.authorization;
    Ok(SigningOutput {
        canonical_request: steps.canonical_request,
        string_to_sign: steps.string_to_sign,
        signed_headers: auth[signed.signed_headers].to_owned(),
        signature: auth[auth.len() - crypto::Hex32::LEN..].to_owned(),
        authorization: auth,
    })
}

/// The `Authorization` value [`sign`] would return, computed without keeping the
/// intermediate texts. A client signing many requests with one key keeps a [`SigningKey`]
/// and calls [`SigningKey::authorization`] instead.
pub fn authorization<H: Header>(
    algorithm: Algorithm,
    access_key: &str,
    secret_key: &Secret,
    scope: Option<&DerivationScope>,
    req: &SignableRequest<'_, H>,
) -> Result<String, SignError> {
    SigningKey::new(algorithm, secret_key).authorization(access_key, scope, req)
}

/// Formats a time as `X-Sdk-Date` (`YYYYMMDDTHHMMSSZ`, UTC).
pub fn format_sdk_date(t: std::time::SystemTime) -> String {
    date::format(t)
}

/// Parses an `X-Sdk-Date` value.
pub fn parse_sdk_date(s: &str) -> Option<std::time::SystemTime> {
    date::parse(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prepared_key_signs_like_sign_and_prints_no_secret() {
        let secret = Secret::new("very-secret-key");
        let h = vec![
            ("Host".to_string(), "example.com".to_string()),
            ("X-Sdk-Date".to_string(), "20240315T083000Z".to_string()),
            ("Content-Type".to_string(), "application/json".to_string()),
        ];
        let req = SignableRequest {
            method: "POST",
            path: "/v3/tasks",
            query: &[],
            headers: &h,
            body: b"{\"a\":1}",
        };
        let scope = DerivationScope {
            region: "eu-west-0".into(),
            service: "sms".into(),
        };
        for algorithm in Algorithm::ALL {
            let key = SigningKey::new(algorithm, &secret);
            let full = sign(algorithm, "AK", &secret, Some(&scope), &req).unwrap();
            let fast = key.authorization("AK", Some(&scope), &req).unwrap();
            assert_eq!(fast, full.authorization, "{algorithm}");
            // The same key signs again with the same result (the cached MAC is cloned).
            assert_eq!(key.authorization("AK", Some(&scope), &req).unwrap(), fast);
            let printed = format!("{key:?}");
            assert!(!printed.contains("very-secret"), "{printed}");
        }
    }
}
