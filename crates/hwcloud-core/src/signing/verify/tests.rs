//! One test per rule of the verifier; each request here was accepted before the rule existed.

use super::*;
use crate::signing::{body_hash, sign};

const AK: &str = "AKVERIFYTESTS0000001";
const SK: &str = "verify-tests-secret";
const DATE: &str = "20240315T083000Z";
const JSON: &[u8] = br#"{"name":"a"}"#;
const OTHER: &[u8] = br#"{"name":"b"}"#;

type Headers = Vec<(String, String)>;

fn pairs(h: &[(&str, &str)]) -> Headers {
    h.iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// `headers` plus the `Authorization` the official signer computes for them and `body`.
fn signed(algorithm: Algorithm, headers: &[(&str, &str)], body: &[u8]) -> Headers {
    let mut h = pairs(headers);
    let scope = DerivationScope {
        region: "eu-west-0".into(),
        service: "dcs".into(),
    };
    let out = sign(
        algorithm,
        AK,
        &Secret::new(SK),
        Some(&scope),
        &request(&h, body),
    )
    .unwrap();
    h.push(("Authorization".into(), out.authorization));
    h
}

fn request<'a>(headers: &'a Headers, body: &'a [u8]) -> SignableRequest<'a> {
    SignableRequest {
        method: "POST",
        path: "/v2/p/migration-task",
        query: &[],
        headers,
        body,
    }
}

fn check(headers: &Headers, body: &[u8]) -> Result<Verified, VerifyError> {
    let lookup = |ak: &str| (ak == AK).then(|| Secret::new(SK));
    let scope = DerivationScope {
        region: "eu-west-0".into(),
        service: "dcs".into(),
    };
    let now = crate::signing::parse_sdk_date(DATE).unwrap();
    verify(
        &request(headers, body),
        now,
        DEFAULT_MAX_SKEW,
        &lookup,
        Some(&scope),
    )
}

fn base(content_type: &str) -> Vec<(&str, &str)> {
    vec![
        ("Host", "dcs.example.com"),
        ("Content-Type", content_type),
        ("X-Sdk-Date", DATE),
        ("X-Project-Id", "p"),
    ]
}

#[track_caller]
fn accepted(r: Result<Verified, VerifyError>) {
    assert!(matches!(&r, Ok(v) if v.access_key == AK), "{r:?}");
}

#[test]
fn the_plain_signed_request_is_accepted_with_every_algorithm() {
    for alg in Algorithm::ALL {
        accepted(check(&signed(alg, &base("application/json"), JSON), JSON));
    }
}

#[test]
fn an_unsigned_content_hash_does_not_replace_the_body_hash() {
    for alg in Algorithm::ALL {
        let name = alg.content_hash_header();
        // Body swap: sign body A, send body B with A's hash in an unsigned header.
        let mut h = signed(alg, &base("application/json"), JSON);
        h.push((name.into(), body_hash(alg, JSON)));
        assert_eq!(
            check(&h, OTHER),
            Err(VerifyError::SignatureMismatch),
            "{alg}"
        );
        // The body it came with still verifies: the header is ignored, not refused.
        accepted(check(&h, JSON));

        // Same with an unsigned UNSIGNED-PAYLOAD on a non-JSON body.
        let mut h = signed(alg, &base("text/plain"), b"one");
        h.push((name.into(), "UNSIGNED-PAYLOAD".into()));
        assert_eq!(
            check(&h, b"two"),
            Err(VerifyError::SignatureMismatch),
            "{alg}"
        );
    }
}

#[test]
fn a_signed_unsigned_payload_needs_a_signed_non_json_content_type() {
    for alg in Algorithm::ALL {
        let name = alg.content_hash_header();
        let refused = Err(VerifyError::ContentHash {
            header: name,
            reason: "UNSIGNED-PAYLOAD is accepted only with a signed, non-JSON Content-Type",
        });
        // What the official SDK sends for a non-JSON body: the body is not covered.
        let mut text = base("text/plain");
        text.push((name, "UNSIGNED-PAYLOAD"));
        let h = signed(alg, &text, b"one");
        accepted(check(&h, b"one"));
        accepted(check(&h, b"two"));

        // On a JSON body the SDK never sends it; a gateway hashes the body.
        let mut json = base("application/json;charset=utf-8");
        json.push((name, "UNSIGNED-PAYLOAD"));
        assert_eq!(check(&signed(alg, &json, JSON), JSON), refused, "{alg}");

        // A Content-Type added after signing does not count.
        let mut bare: Vec<_> = base("x").into_iter().skip(2).collect();
        bare.push(("Host", "dcs.example.com"));
        bare.push((name, "UNSIGNED-PAYLOAD"));
        let mut h = signed(alg, &bare, b"one");
        h.push(("Content-Type".into(), "text/plain".into()));
        assert_eq!(check(&h, b"one"), refused, "{alg}");

        // An empty body is hashed whatever the header says, as the signer does.
        accepted(check(&signed(alg, &json, b""), b""));
    }
}

#[test]
fn a_signed_content_hash_must_be_the_hash_of_the_body_received() {
    for alg in Algorithm::ALL {
        let name = alg.content_hash_header();
        for spelling in [body_hash(alg, JSON), body_hash(alg, JSON).to_uppercase()] {
            let mut h = base("application/json");
            h.push((name, &spelling));
            let h = signed(alg, &h, JSON);
            accepted(check(&h, JSON));
            assert_eq!(
                check(&h, OTHER),
                Err(VerifyError::ContentHash {
                    header: name,
                    reason: "its value is not the hash of the body received",
                }),
                "{alg}"
            );
        }
    }
}

#[test]
fn host_and_date_must_be_signed() {
    let without_host: Vec<_> = base("application/json")
        .into_iter()
        .filter(|(k, _)| *k != "Host")
        .collect();
    let mut h = signed(Algorithm::HmacSha256, &without_host, JSON);
    h.push(("Host".into(), "dcs.example.com".into()));
    assert_eq!(
        check(&h, JSON),
        Err(VerifyError::MalformedAuthorization(
            "SignedHeaders must include host".into()
        ))
    );
    let mut h = signed(Algorithm::HmacSha256, &base("application/json"), JSON);
    let auth = h.pop().unwrap().1.replace("x-sdk-date", "x-other");
    h.push(("Authorization".into(), auth));
    assert_eq!(
        check(&h, JSON),
        Err(VerifyError::MalformedAuthorization(
            "SignedHeaders must include x-sdk-date".into()
        ))
    );
}

#[test]
fn a_second_authorization_is_refused_whichever_comes_first() {
    let good = signed(Algorithm::HmacSha256, &base("application/json"), JSON);
    let garbage = (
        "authorization".to_owned(),
        "SDK-HMAC-SHA256 garbage".to_owned(),
    );
    let mut after = good.clone();
    after.push(garbage.clone());
    let mut before = good.clone();
    before.insert(0, garbage);
    let mut twice = good.clone();
    twice.push(good.last().unwrap().clone());
    for h in [after, before, twice] {
        assert_eq!(
            check(&h, JSON),
            Err(VerifyError::DuplicateHeader("authorization".into()))
        );
    }
}

#[test]
fn a_repeated_signed_header_is_refused() {
    let good = signed(Algorithm::HmacSha256, &base("application/json"), JSON);
    for (name, value) in [
        ("X-Sdk-Date", DATE),
        ("x-sdk-date", "20240315T090000Z"),
        ("Host", "evil.example.com"),
        ("X-Project-Id", "another-project"),
    ] {
        // Before the signed one (a first-wins reader sees it) and after it (a last-wins one).
        for at in [0, good.len() - 1] {
            let mut h = good.clone();
            h.insert(at, (name.into(), value.into()));
            assert_eq!(
                check(&h, JSON),
                Err(VerifyError::DuplicateHeader(name.to_lowercase())),
                "{name} at {at}"
            );
        }
    }
    // A repeated header that is not signed changes nothing.
    let mut h = good;
    h.push(("Accept".into(), "a".into()));
    h.push(("Accept".into(), "b".into()));
    accepted(check(&h, JSON));
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    const NAMES: [&str; 10] = [
        "Host",
        "host",
        "X-Sdk-Date",
        "Authorization",
        "authorization",
        "X-Project-Id",
        "X-Sdk-Content-Sha256",
        "Content-Type",
        "Accept",
        "x_under",
    ];

    proptest! {
        /// Whatever is added to a signed request, verify never panics, and it accepts only
        /// the signed body with every signed header and `Authorization` received once.
        #[test]
        fn accepted_only_when_everything_relied_on_is_covered(
            extra in prop::collection::vec(
                (0..NAMES.len(), "[ -~]{0,80}", 0usize..8), 0..4),
            body in prop::option::of(prop::collection::vec(any::<u8>(), 0..64)),
        ) {
            let mut h = signed(Algorithm::HmacSha256, &base("application/json"), JSON);
            for (name, value, at) in extra {
                let at = at.min(h.len());
                h.insert(at, (NAMES[name].to_owned(), value));
            }
            let body = body.unwrap_or_else(|| JSON.to_vec());
            if check(&h, &body).is_ok() {
                prop_assert_eq!(&body[..], JSON);
                for once in ["authorization", "host", "x-sdk-date", "content-type", "x-project-id"] {
                    let n = h.iter().filter(|(k, _)| k.eq_ignore_ascii_case(once)).count();
                    prop_assert_eq!(n, 1, "{}", once);
                }
            }
        }
    }
}
