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

mod authorization;
mod crypto;
mod date;
pub mod encoding;

pub use authorization::{ParsedAuthorization, parse_authorization};
pub use crypto::derive_v11_key;
pub use date::civil_from_days;

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

/// The value of the first header named `name` (ASCII case-insensitive), like the official
/// signer's `_get_header_ignore_case`.
pub fn header_value<'h>(headers: &'h [(String, String)], name: &str) -> Option<&'h str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// The header a client must add before signing so that the body is not hashed, as the official
/// SDK does: when `Content-Type` is present, non-empty and starts with neither
/// `application/json` nor `application/bson`, it sets
/// [`Algorithm::content_hash_header`] to `UNSIGNED-PAYLOAD`. The caller adds (or replaces) the
/// returned header in the request, then signs; [`sign`] itself never adds headers.
///
/// Deviation: the official SDK looks up the exact name `Content-Type`; this looks it up
/// case-insensitively, so a client that writes `content-type` gets the same behaviour.
pub fn unsigned_payload_header(
    algorithm: Algorithm,
    headers: &[(String, String)],
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
pub fn payload_hash(algorithm: Algorithm, req: &SignableRequest<'_>) -> String {
    if req.body.is_empty() {
        return body_hash(algorithm, b"");
    }
    if let Some(v) = header_value(req.headers, algorithm.content_hash_header()) {
        let v = encoding::py_strip(v);
        if !v.is_empty() {
            // The official signer reads this after writing header values back as
            // `value.encode('utf-8').decode('iso-8859-1')`; mirror that for non-ASCII values.
            return encoding::utf8_as_latin1(v);
        }
    }
    body_hash(algorithm, req.body)
}

/// The names the official signer signs: every header whose name has no `_`, lower-cased
/// (names are not trimmed), sorted.
pub fn signed_header_names(headers: &[(String, String)]) -> Vec<String> {
    let mut names: Vec<String> = headers
        .iter()
        .filter(|(k, _)| !k.contains('_'))
        .map(|(k, _)| k.to_lowercase())
        .collect();
    names.sort();
    names
}

/// `k.to_lowercase() == name`, without allocating when `k` is ASCII (header names almost
/// always are; for ASCII text `to_lowercase` is `to_ascii_lowercase`).
fn lowercase_equals(k: &str, name: &str) -> bool {
    if k.is_ascii() {
        k.len() == name.len()
            && k.bytes()
                .zip(name.bytes())
                .all(|(a, b)| a.to_ascii_lowercase() == b)
    } else {
        k.to_lowercase() == name
    }
}

/// Builds the canonical request over the listed (lower-case) header names. Each name's value
/// is the trimmed value of the last header whose lower-cased name equals it. Returns the first
/// listed name that is absent.
fn build_canonical_request(
    algorithm: Algorithm,
    req: &SignableRequest<'_>,
    signed: &[String],
    signed_joined: &str,
) -> Result<String, String> {
    let mut out = String::with_capacity(512);
    if req.method.bytes().any(|b| b.is_ascii_lowercase()) || !req.method.is_ascii() {
        out.push_str(&req.method.to_uppercase());
    } else {
        out.push_str(req.method);
    }
    out.push('\n');
    out.push_str(&encoding::canonical_uri(req.path));
    out.push('\n');
    out.push_str(&encoding::canonical_query(req.query));
    out.push('\n');
    for name in signed {
        let value = req
            .headers
            .iter()
            .rev()
            .find(|(k, _)| lowercase_equals(k, name))
            .map(|(_, v)| encoding::py_strip(v))
            .ok_or_else(|| name.clone())?;
        out.push_str(name);
        out.push(':');
        out.push_str(value);
        out.push('\n');
    }
    out.push('\n');
    out.push_str(signed_joined);
    out.push('\n');
    out.push_str(&payload_hash(algorithm, req));
    Ok(out)
}

/// The canonical request the official signer builds for `req` (signing every header whose
/// name has no `_`):
///
/// ```text
/// METHOD\nCANONICAL_URI\nCANONICAL_QUERY\nname:value\n...\n\nsigned;headers\nPAYLOAD_HASH
/// ```
pub fn canonical_request(algorithm: Algorithm, req: &SignableRequest<'_>) -> String {
    let signed = signed_header_names(req.headers);
    build_canonical_request(algorithm, req, &signed, &signed.join(";"))
        .expect("every signed header name comes from the request")
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

/// The string to sign: `ALG\nDATE\nhex(hash(canonical))`, with the credential scope as an
/// extra third line for `V11-HMAC-SHA256`.
fn string_to_sign(
    algorithm: Algorithm,
    sdk_date: &str,
    v11_info: Option<&str>,
    canonical: &str,
) -> String {
    let hash = crypto::hash_hex(algorithm, canonical.as_bytes());
    match v11_info {
        Some(info) => format!("{}\n{sdk_date}\n{info}\n{hash}", algorithm.name()),
        None => format!("{}\n{sdk_date}\n{hash}", algorithm.name()),
    }
}

/// The MAC keyed for the algorithm: the SK for the `SDK-` algorithms, the derived key
/// (as hex text) for `V11-HMAC-SHA256`.
fn keyed_mac(
    algorithm: Algorithm,
    access_key: &str,
    secret_key: &Secret,
    v11_info: Option<&str>,
) -> crypto::AnyMac {
    match (algorithm, v11_info) {
        (Algorithm::V11HmacSha256, Some(info)) => {
            let key = derive_v11_key(access_key, secret_key.expose(), info);
            crypto::AnyMac::new(algorithm, key.as_bytes())
        }
        _ => crypto::AnyMac::new(algorithm, secret_key.expose().as_bytes()),
    }
}

fn authorization_value(
    algorithm: Algorithm,
    access_key: &str,
    v11_info: Option<&str>,
    signed_headers: &str,
    signature: &str,
) -> String {
    match v11_info {
        Some(info) => format!(
            "{} Credential={access_key}/{info}, SignedHeaders={signed_headers}, Signature={signature}",
            algorithm.name()
        ),
        None => format!(
            "{} Access={access_key}, SignedHeaders={signed_headers}, Signature={signature}",
            algorithm.name()
        ),
    }
}

/// Reads and parses `X-Sdk-Date`, returning the normalised text and the instant.
/// The strict parser accepts only the canonical `YYYYMMDDTHHMMSSZ` text, so the raw value is
/// already normalised.
fn sdk_date<'r>(req: &SignableRequest<'r>) -> Option<(&'r str, std::time::SystemTime)> {
    let raw = header_value(req.headers, "X-Sdk-Date")?;
    let t = date::parse(raw)?;
    debug_assert_eq!(date::format(t), raw);
    Some((raw, t))
}

/// Signs `req` with `sk`. The date comes from the request's `X-Sdk-Date` header.
///
/// `sign` signs exactly the headers given (every one whose name has no `_`); it adds none. The
/// caller adds `Host`, `X-Sdk-Date`, `X-Project-Id`, `X-Security-Token` and, where
/// [`unsigned_payload_header`] says so, the payload-hash header, then sends
/// `Authorization: {output.authorization}`.
pub fn sign(
    algorithm: Algorithm,
    access_key: &str,
    secret_key: &Secret,
    scope: Option<&DerivationScope>,
    req: &SignableRequest<'_>,
) -> Result<SigningOutput, SignError> {
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

    let signed = signed_header_names(req.headers);
    let signed_headers = signed.join(";");
    let canonical_request = build_canonical_request(algorithm, req, &signed, &signed_headers)
        .expect("every signed header name comes from the request");
    let string_to_sign = string_to_sign(
        algorithm,
        date_text,
        v11_info.as_deref(),
        &canonical_request,
    );
    let mut mac = keyed_mac(algorithm, access_key, secret_key, v11_info.as_deref());
    mac.update(string_to_sign.as_bytes());
    let signature = mac.finalize_hex();
    let authorization = authorization_value(
        algorithm,
        access_key,
        v11_info.as_deref(),
        &signed_headers,
        &signature,
    );
    Ok(SigningOutput {
        canonical_request,
        string_to_sign,
        signed_headers,
        signature,
        authorization,
    })
}

/// Verifies a received request: parses `Authorization`, checks the date is within
/// `max_skew` of `now`, looks up the secret key with `lookup`, recomputes and compares in
/// constant time. `scope` is needed only for `V11-HMAC-SHA256`.
///
/// The canonical request is rebuilt over the header names listed in `SignedHeaders` (not over
/// every header received), which must include `x-sdk-date`. A `V11-HMAC-SHA256` request is
/// refused with `UnsupportedAlgorithm` when `scope` is `None`, and with `SignatureMismatch`
/// when its credential scope is not `{X-Sdk-Date day}/{scope.region}/{scope.service}`.
pub fn verify(
    req: &SignableRequest<'_>,
    now: std::time::SystemTime,
    max_skew: std::time::Duration,
    lookup: &dyn Fn(&str) -> Option<Secret>,
    scope: Option<&DerivationScope>,
) -> Result<Verified, VerifyError> {
    let auth_value =
        header_value(req.headers, "Authorization").ok_or(VerifyError::MissingAuthorization)?;
    let auth = parse_authorization(auth_value)?;
    if !auth.signed_headers.iter().any(|h| h == "x-sdk-date") {
        return Err(VerifyError::MalformedAuthorization(
            "SignedHeaders must include x-sdk-date".to_owned(),
        ));
    }

    let (date_text, t) = sdk_date(req).ok_or(VerifyError::BadDate)?;
    let skew = match now.duration_since(t) {
        Ok(d) => d,
        Err(e) => e.duration(),
    };
    if skew > max_skew {
        return Err(VerifyError::StaleDate);
    }

    let v11_info = match auth.algorithm {
        Algorithm::V11HmacSha256 => {
            let scope = scope
                .ok_or_else(|| VerifyError::UnsupportedAlgorithm(auth.algorithm.name().into()))?;
            let expected = v11_scope(date_text, scope);
            if auth.credential_scope.as_deref() != Some(expected.as_str()) {
                return Err(VerifyError::SignatureMismatch);
            }
            Some(expected)
        }
        Algorithm::HmacSha256 | Algorithm::HmacSm3 => None,
    };

    let secret = lookup(&auth.access_key).ok_or(VerifyError::UnknownAccessKey)?;

    let canonical = build_canonical_request(
        auth.algorithm,
        req,
        &auth.signed_headers,
        &auth.signed_headers.join(";"),
    )
    .map_err(VerifyError::SignedHeaderMissing)?;
    let sts = string_to_sign(auth.algorithm, date_text, v11_info.as_deref(), &canonical);
    let mut mac = keyed_mac(
        auth.algorithm,
        &auth.access_key,
        &secret,
        v11_info.as_deref(),
    );
    mac.update(sts.as_bytes());
    let provided = hex::decode(&auth.signature)
        .map_err(|_| VerifyError::MalformedAuthorization("Signature is not hex".to_owned()))?;
    if mac.verify(&provided) {
        Ok(Verified {
            access_key: auth.access_key,
            algorithm: auth.algorithm,
        })
    } else {
        Err(VerifyError::SignatureMismatch)
    }
}

/// Formats a time as `X-Sdk-Date` (`YYYYMMDDTHHMMSSZ`, UTC).
pub fn format_sdk_date(t: std::time::SystemTime) -> String {
    date::format(t)
}

/// Parses an `X-Sdk-Date` value.
pub fn parse_sdk_date(s: &str) -> Option<std::time::SystemTime> {
    date::parse(s)
}
