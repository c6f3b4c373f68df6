//! `sign()` and `authorization()` against every step of the official vectors; vector coverage.

use super::*;
use hwcloud_core::signing::{
    SigningOutput, authorization, encoding, sign, unsigned_payload_header,
};

const FIELDS: [&str; 5] = [
    "canonical_request",
    "string_to_sign",
    "signed_headers",
    "signature",
    "authorization",
];

/// Compares each step separately; returns one message per differing step.
fn compare(case: &str, expected: &Expected, got: &SigningOutput) -> Vec<String> {
    let steps = [
        (
            "canonical_request",
            &expected.canonical_request,
            &got.canonical_request,
        ),
        (
            "string_to_sign",
            &expected.string_to_sign,
            &got.string_to_sign,
        ),
        (
            "signed_headers",
            &expected.signed_headers,
            &got.signed_headers,
        ),
        ("signature", &expected.signature, &got.signature),
        ("authorization", &expected.authorization, &got.authorization),
    ];
    steps
        .iter()
        .filter(|(_, e, g)| e != g)
        .map(|(step, e, g)| {
            format!("case {case}: step {step} differs\n  expected: {e:?}\n  got:      {g:?}")
        })
        .collect()
}

fn sign_case(c: &Case) -> SigningOutput {
    sign(
        c.algorithm,
        &c.ak,
        &Secret::new(c.sk.clone()),
        c.scope.as_ref(),
        &c.req(),
    )
    .unwrap_or_else(|e| panic!("case {}: sign failed: {e}", c.file))
}

#[test]
fn enough_vectors_for_every_algorithm() {
    let cases = load_cases();
    assert!(
        cases.len() >= MIN_CASES,
        "only {} vectors (need {MIN_CASES}); run tools/signing-vectors/generate.py",
        cases.len()
    );
    for alg in Algorithm::ALL {
        let n = cases.iter().filter(|c| c.algorithm == alg).count();
        assert!(n >= 5, "only {n} vectors for {alg}");
    }
    for m in ["GET", "POST", "PUT", "DELETE", "PATCH"] {
        assert!(
            cases.iter().any(|c| c.method.eq_ignore_ascii_case(m)),
            "{m}"
        );
    }
}

#[test]
fn sign_matches_every_step() {
    let mut failures = Vec::new();
    for c in load_cases() {
        failures.extend(compare(&c.file, &c.expected, &sign_case(&c)));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The runtime signs every attempt with `authorization()` (no intermediate texts); it must give
/// the official value for every case too.
#[test]
fn authorization_alone_matches_every_case() {
    let mut failures = Vec::new();
    for c in load_cases() {
        let got = authorization(
            c.algorithm,
            &c.ak,
            &Secret::new(c.sk.clone()),
            c.scope.as_ref(),
            &c.req(),
        )
        .unwrap_or_else(|e| panic!("case {}: authorization failed: {e}", c.file));
        if got != c.expected.authorization {
            failures.push(format!(
                "case {}: expected {:?}\n  got {got:?}",
                c.file, c.expected.authorization
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn comparison_detects_a_single_flipped_byte_in_every_field() {
    for c in load_cases() {
        let got = sign_case(&c);
        assert!(compare(&c.file, &c.expected, &got).is_empty(), "{}", c.file);
        for field in FIELDS {
            let mut tampered = c.expected.clone();
            let value = tampered.field_mut(field);
            let mut bytes = std::mem::take(value).into_bytes();
            assert!(!bytes.is_empty(), "case {}: empty {field}", c.file);
            // Flip the lowest bit of an ASCII byte near the middle; the text stays UTF-8.
            let mid = bytes.len() / 2;
            let pos = (mid..bytes.len())
                .chain(0..mid)
                .find(|&i| bytes[i].is_ascii())
                .expect("an ASCII byte");
            bytes[pos] ^= 1;
            *value = String::from_utf8(bytes).expect("still UTF-8");
            let report = compare(&c.file, &tampered, &got);
            assert_eq!(
                report.len(),
                1,
                "case {}: flipping {field} gave {report:?}",
                c.file
            );
            assert!(
                report[0].contains(&format!("step {field} differs")) && report[0].contains(&c.file),
                "case {}: {report:?}",
                c.file
            );
        }
    }
}

#[test]
fn wire_uri_is_path_plus_canonical_query() {
    for c in load_cases() {
        let q = encoding::canonical_query(&c.query);
        let want = if q.is_empty() {
            c.path.clone()
        } else {
            format!("{}?{q}", c.path)
        };
        assert_eq!(c.wire_uri, want, "case {}", c.file);
    }
}

#[test]
fn unsigned_payload_header_matches_the_sdk() {
    for c in load_cases() {
        let name = c.algorithm.content_hash_header();
        let without: Vec<(String, String)> = c
            .headers
            .iter()
            .filter(|(k, _)| !k.eq_ignore_ascii_case(name))
            .cloned()
            .collect();
        let in_vector = c
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str());
        match unsigned_payload_header(c.algorithm, &without) {
            Some((n, v)) => {
                assert_eq!(n, name, "case {}", c.file);
                assert_eq!(in_vector, Some(v), "case {}", c.file);
            }
            // Only a caller-set header may exist without a non-JSON Content-Type.
            None => assert!(
                in_vector.is_none() || c.file.contains("explicit-content"),
                "case {}",
                c.file
            ),
        }
    }
}

#[test]
fn sign_needs_a_valid_date() {
    let c = &load_cases()[0];
    let mut r = c.clone();
    r.headers
        .retain(|(k, _)| !k.eq_ignore_ascii_case("x-sdk-date"));
    assert_eq!(
        sign(
            r.algorithm,
            &r.ak,
            &Secret::new(r.sk.clone()),
            None,
            &r.req()
        ),
        Err(hwcloud_core::signing::SignError::MissingDate)
    );
    let mut r = c.clone();
    set_header(&mut r, "x-sdk-date", "20240315T083000");
    assert_eq!(
        sign(
            r.algorithm,
            &r.ak,
            &Secret::new(r.sk.clone()),
            None,
            &r.req()
        ),
        Err(hwcloud_core::signing::SignError::MissingDate)
    );
}
