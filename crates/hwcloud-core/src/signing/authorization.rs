//! Parsing a received `Authorization` header.

use super::{Algorithm, VerifyError};

/// The parts of an `Authorization` header written by [`super::sign`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedAuthorization {
    /// The algorithm token.
    pub algorithm: Algorithm,
    /// The access key (`Access=` or the first part of `Credential=`).
    pub access_key: String,
    /// For `V11-HMAC-SHA256`: the `YYYYMMDD/region/service` part of `Credential=`.
    pub credential_scope: Option<String>,
    /// The signed header names, as listed (already lower case when written by a signer).
    pub signed_headers: Vec<String>,
    /// The signature as lower-case hex text.
    pub signature: String,
}

fn malformed(what: &str) -> VerifyError {
    VerifyError::MalformedAuthorization(what.to_owned())
}

/// Parses `ALG Access=AK, SignedHeaders=a;b, Signature=hex` (or, for `V11-HMAC-SHA256`,
/// `ALG Credential=AK/YYYYMMDD/region/service, SignedHeaders=..., Signature=...`).
///
/// The three fields may come in any order and be separated by `,` with optional spaces.
/// Signed header names are kept exactly as listed (not trimmed), because the official signer
/// does not trim header names either.
pub fn parse_authorization(value: &str) -> Result<ParsedAuthorization, VerifyError> {
    let value = value.trim();
    let (alg_token, rest) = value
        .split_once(' ')
        .ok_or_else(|| malformed("expected '<algorithm> <fields>'"))?;
    let algorithm = Algorithm::from_name(alg_token)
        .ok_or_else(|| VerifyError::UnsupportedAlgorithm(alg_token.to_owned()))?;

    let mut access = None;
    let mut credential = None;
    let mut signed = None;
    let mut signature = None;
    for part in rest.split(',') {
        let part = part.trim_start();
        let (key, val) = part
            .split_once('=')
            .ok_or_else(|| malformed("a field is not key=value"))?;
        let slot = match key {
            "Access" => &mut access,
            "Credential" => &mut credential,
            "SignedHeaders" => &mut signed,
            "Signature" => &mut signature,
            _ => return Err(malformed("unknown field")),
        };
        if slot.replace(val).is_some() {
            return Err(malformed("a field appears twice"));
        }
    }

    let (access_key, credential_scope) = match algorithm {
        Algorithm::HmacSha256 | Algorithm::HmacSm3 => {
            if credential.is_some() {
                return Err(malformed("Credential is only used by V11-HMAC-SHA256"));
            }
            let ak = access.ok_or_else(|| malformed("missing Access"))?.trim();
            (ak.to_owned(), None)
        }
        Algorithm::V11HmacSha256 => {
            if access.is_some() {
                return Err(malformed("V11-HMAC-SHA256 uses Credential, not Access"));
            }
            let cred = credential
                .ok_or_else(|| malformed("missing Credential"))?
                .trim();
            let (ak, scope) = cred
                .split_once('/')
                .ok_or_else(|| malformed("Credential is not AK/date/region/service"))?;
            if scope.split('/').count() != 3 || scope.split('/').any(str::is_empty) {
                return Err(malformed("Credential is not AK/date/region/service"));
            }
            (ak.to_owned(), Some(scope.to_owned()))
        }
    };
    if access_key.is_empty() {
        return Err(malformed("empty access key"));
    }

    let signed = signed.ok_or_else(|| malformed("missing SignedHeaders"))?;
    let signed_headers: Vec<String> = signed.split(';').map(str::to_owned).collect();
    if signed_headers.iter().any(String::is_empty) {
        return Err(malformed("empty name in SignedHeaders"));
    }

    let signature = signature
        .ok_or_else(|| malformed("missing Signature"))?
        .trim();
    if signature.len() != 64
        || !signature
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return Err(malformed("Signature is not 64 lower-case hex digits"));
    }

    Ok(ParsedAuthorization {
        algorithm,
        access_key,
        credential_scope,
        signed_headers,
        signature: signature.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIG: &str = "4bb7b7143e81477e9db472f9ef91593a051992ff04f22cee935bc1b497847a29";

    #[test]
    fn parses_access_form() {
        let p = parse_authorization(&format!(
            "SDK-HMAC-SHA256 Access=AK1, SignedHeaders=host;x-sdk-date, Signature={SIG}"
        ))
        .unwrap();
        assert_eq!(p.algorithm, Algorithm::HmacSha256);
        assert_eq!(p.access_key, "AK1");
        assert_eq!(p.credential_scope, None);
        assert_eq!(p.signed_headers, ["host", "x-sdk-date"]);
        assert_eq!(p.signature, SIG);
    }

    #[test]
    fn parses_credential_form() {
        let p = parse_authorization(&format!(
            "V11-HMAC-SHA256 Credential=AK1/20240315/cn-north-4/dcs, SignedHeaders=host;x-sdk-date, Signature={SIG}"
        ))
        .unwrap();
        assert_eq!(p.algorithm, Algorithm::V11HmacSha256);
        assert_eq!(p.access_key, "AK1");
        assert_eq!(
            p.credential_scope.as_deref(),
            Some("20240315/cn-north-4/dcs")
        );
    }

    #[test]
    fn rejects_malformed() {
        let bad = [
            "".to_owned(),
            "SDK-HMAC-SHA256".to_owned(),
            format!("SDK-HMAC-SHA256 Access=AK, Signature={SIG}"),
            "SDK-HMAC-SHA256 Access=AK, SignedHeaders=host".to_owned(),
            "SDK-HMAC-SHA256 Access=AK, SignedHeaders=host, Signature=abc".to_owned(),
            format!(
                "SDK-HMAC-SHA256 Access=AK, SignedHeaders=host, Signature={}",
                SIG.to_uppercase()
            ),
            format!("SDK-HMAC-SHA256 SignedHeaders=host, Signature={SIG}"),
            format!("SDK-HMAC-SHA256 Access=, SignedHeaders=host, Signature={SIG}"),
            format!("SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;;a, Signature={SIG}"),
            format!("SDK-HMAC-SHA256 Access=AK, Access=AK, SignedHeaders=host, Signature={SIG}"),
            format!("SDK-HMAC-SHA256 Access=AK, Foo=1, SignedHeaders=host, Signature={SIG}"),
            format!("SDK-HMAC-SHA256 Access=AK SignedHeaders=host Signature={SIG}"),
            format!("V11-HMAC-SHA256 Credential=AK, SignedHeaders=host, Signature={SIG}"),
            format!("V11-HMAC-SHA256 Credential=AK/d//s, SignedHeaders=host, Signature={SIG}"),
            format!("V11-HMAC-SHA256 Access=AK, SignedHeaders=host, Signature={SIG}"),
        ];
        for b in bad {
            assert!(
                matches!(
                    parse_authorization(&b),
                    Err(VerifyError::MalformedAuthorization(_))
                ),
                "{b:?}"
            );
        }
        assert_eq!(
            parse_authorization(&format!("AWS4-HMAC-SHA256 Access=AK, Signature={SIG}")),
            Err(VerifyError::UnsupportedAlgorithm("AWS4-HMAC-SHA256".into()))
        );
    }
}
