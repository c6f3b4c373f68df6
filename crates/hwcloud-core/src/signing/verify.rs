//! The server side of signing: checking a received request as strictly as the service's API
//! gateway. A signature vouches only for what it covers, so whatever the server relies on
//! (the body, `Host`, `X-Sdk-Date`, the `Authorization` it checks) must be covered and must
//! arrive once: with two values, the signer may have used one and the server read the other.

use std::borrow::Cow;
use std::time::{Duration, SystemTime};

use super::canonical::{PayloadLine, lowercase_is, write_canonical_request, write_string_to_sign};
use super::{
    Algorithm, DerivationScope, Header, SignableRequest, SigningKey, crypto, encoding,
    parse_authorization, sdk_date, unsigned_payload_header, v11_scope,
};
use crate::secret::Secret;

/// How far `X-Sdk-Date` may be from a server's clock (API Gateway accepts 15 minutes).
pub const DEFAULT_MAX_SKEW: Duration = Duration::from_secs(15 * 60);

/// The payload-hash value that leaves a non-JSON body out of the signature.
const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";

/// Headers every signature must cover: the request's target and its date.
const MUST_BE_SIGNED: [&str; 2] = ["host", "x-sdk-date"];

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
#[non_exhaustive]
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
    /// `Authorization` or a signed header was received more than once (name lower-cased).
    #[error("the {0} header appears more than once")]
    DuplicateHeader(String),
    /// A signed payload-hash header the server cannot honour.
    #[error("the {header} header is refused: {reason}")]
    ContentHash {
        /// `X-Sdk-Content-Sha256` or `X-Sdk-Content-Sm3`.
        header: &'static str,
        /// What is wrong with its value.
        reason: &'static str,
    },
    #[error("unknown access key")]
    UnknownAccessKey,
    #[error("the signature does not match")]
    SignatureMismatch,
}

/// Verifies a received request: parses `Authorization`, checks the date is within
/// `max_skew` of `now`, looks up the secret key with `lookup`, recomputes and compares in
/// constant time. `scope` is needed only for `V11-HMAC-SHA256`.
///
/// `req.headers` must hold every header received, repeated names included (as
/// [`header_pairs`](crate::transport::header_pairs) gives them). Stricter than the signer is
/// lenient:
/// - `Authorization` must arrive once, and so must every header listed in `SignedHeaders`;
/// - `SignedHeaders` must include `host` and `x-sdk-date`; the canonical request is rebuilt
///   over the names listed there (not over every header received);
/// - the payload hash is that of the body received. A payload-hash header
///   ([`Algorithm::content_hash_header`]) counts only when signed: `UNSIGNED-PAYLOAD` only
///   with a signed, non-JSON `Content-Type` (where the official SDK sets it), any other value
///   only when it is the body's hash.
///
/// A `V11-HMAC-SHA256` request is refused with `UnsupportedAlgorithm` when `scope` is `None`,
/// and with `SignatureMismatch` when its credential scope is not
/// `{X-Sdk-Date day}/{scope.region}/{scope.service}`.
pub fn verify<H: Header>(
    req: &SignableRequest<'_, H>,
    now: SystemTime,
    max_skew: Duration,
    lookup: &dyn Fn(&str) -> Option<Secret>,
    scope: Option<&DerivationScope>,
) -> Result<Verified, VerifyError> {
    let auth_value =
        single_header(req.headers, "authorization")?.ok_or(VerifyError::MissingAuthorization)?;
    let auth = parse_authorization(auth_value)?;
    for required in MUST_BE_SIGNED {
        if !auth.signed_headers.iter().any(|h| h == required) {
            return Err(VerifyError::MalformedAuthorization(format!(
                "SignedHeaders must include {required}"
            )));
        }
    }
    // Before the date is read: a second X-Sdk-Date must not decide the skew check.
    for name in &auth.signed_headers {
        single_header(req.headers, name)?;
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

    // Names are matched as listed: one with upper-case letters matches no received header.
    let mut entries = Vec::with_capacity(auth.signed_headers.len());
    for name in &auth.signed_headers {
        let value = single_header(req.headers, name)?
            .ok_or_else(|| VerifyError::SignedHeaderMissing(name.clone()))?;
        entries.push((name.as_str(), value));
    }
    let payload = payload_line(auth.algorithm, &entries, req.body)?;
    let mut canonical = crypto::AnyHash::new(auth.algorithm);
    write_canonical_request(
        req,
        entries.iter().copied(),
        &auth.signed_headers.join(";"),
        PayloadLine::Given(&payload),
        &mut canonical,
    );
    let mut mac =
        SigningKey::new(auth.algorithm, &secret).mac(&auth.access_key, v11_info.as_deref());
    write_string_to_sign(
        auth.algorithm,
        date_text,
        v11_info.as_deref(),
        &crypto::Hex32::of(&canonical.finalize()),
        &mut mac,
    );
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

/// The value of the only header whose lower-cased name is `name`, `None` when there is none.
fn single_header<'h, H: Header>(
    headers: &'h [H],
    name: &str,
) -> Result<Option<&'h str>, VerifyError> {
    let mut found = headers.iter().filter(|h| lowercase_is(h.name(), name));
    let first = found.next();
    if found.next().is_some() {
        return Err(VerifyError::DuplicateHeader(name.to_owned()));
    }
    Ok(first.map(Header::value))
}

/// The last line of the canonical request as the server can vouch for it, from the signed
/// headers (`signed`) and the body received. An empty body always uses the empty-input hash,
/// as the signer does.
fn payload_line<'h>(
    algorithm: Algorithm,
    signed: &[(&str, &'h str)],
    body: &[u8],
) -> Result<Cow<'h, str>, VerifyError> {
    let body_hash = || Cow::Owned(crypto::hash_hex(algorithm, body));
    let header = algorithm.content_hash_header();
    let claimed = signed
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(header))
        .map(|(_, value)| encoding::py_strip(value));
    let claimed = match claimed {
        Some(c) if !body.is_empty() && !c.is_empty() => c,
        // The signer hashes the body when the header is empty, absent or the body is empty.
        _ => return Ok(body_hash()),
    };
    if claimed == UNSIGNED_PAYLOAD {
        return if unsigned_payload_header(algorithm, signed).is_some() {
            Ok(Cow::Borrowed(claimed))
        } else {
            Err(VerifyError::ContentHash {
                header,
                reason: "UNSIGNED-PAYLOAD is accepted only with a signed, non-JSON Content-Type",
            })
        };
    }
    let hash = body_hash();
    if claimed.eq_ignore_ascii_case(&hash) {
        // The client wrote its own spelling of the hash into the canonical request.
        Ok(Cow::Borrowed(claimed))
    } else {
        Err(VerifyError::ContentHash {
            header,
            reason: "its value is not the hash of the body received",
        })
    }
}

#[cfg(test)]
mod tests;
