//! `verify()` accepts every signed vector; refuses a wrong key, tampering and a stale date.

use super::*;
use hwcloud_core::signing::unsigned_payload_header;

/// Whether the case claims `UNSIGNED-PAYLOAD` for a non-empty body the official SDK would
/// hash (JSON or no `Content-Type`): its signer uses the caller's header verbatim, a server
/// hashes the body it receives (see `verify`).
fn unsigned_payload_on_hashed_body(c: &Case) -> bool {
    let name = c.algorithm.content_hash_header();
    let claimed = c
        .headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case(name) && v.trim() == "UNSIGNED-PAYLOAD");
    claimed && !c.body.is_empty() && unsigned_payload_header(c.algorithm, &c.headers).is_none()
}

/// The cases a strict server accepts: every request the official SDK sends on its own.
fn verifiable_cases() -> Vec<Case> {
    let cases: Vec<Case> = load_cases()
        .into_iter()
        .filter(|c| !unsigned_payload_on_hashed_body(c))
        .collect();
    assert!(cases.len() >= MIN_CASES);
    cases
}

/// A caller-set `UNSIGNED-PAYLOAD` on a JSON body signs fine but is refused by the verifier,
/// however the clock and key compare: the body would not be covered.
#[test]
fn verify_refuses_unsigned_payload_on_a_json_body() {
    let refused: Vec<Case> = load_cases()
        .into_iter()
        .filter(unsigned_payload_on_hashed_body)
        .collect();
    assert!(!refused.is_empty(), "the explicit-content vector is gone");
    for c in refused {
        let got = verify_case(&c.received(), c.sdk_date(), &c.sk);
        assert!(
            matches!(got, Err(VerifyError::ContentHash { .. })),
            "case {}: {got:?}",
            c.file
        );
    }
}

#[test]
fn verify_accepts_every_signed_vector() {
    for c in verifiable_cases() {
        let r = c.received();
        let t = c.sdk_date();
        for now in [
            t,
            t + Duration::from_secs(14 * 60),
            t - Duration::from_secs(14 * 60),
        ] {
            assert_eq!(
                verify_case(&r, now, &c.sk),
                Ok(Verified {
                    access_key: c.ak.clone(),
                    algorithm: c.algorithm
                }),
                "case {}",
                c.file
            );
        }
    }
}

#[test]
fn verify_rejects_a_wrong_key() {
    for c in verifiable_cases() {
        let r = c.received();
        let wrong = format!("{}x", c.sk);
        assert_eq!(
            verify_case(&r, c.sdk_date(), &wrong),
            Err(VerifyError::SignatureMismatch),
            "case {}",
            c.file
        );
    }
}

#[test]
fn verify_rejects_a_tampered_body() {
    let mut checked = 0;
    for c in verifiable_cases() {
        let mut r = c.received();
        r.body.push(b'x');
        let unsigned_payload = c.headers.iter().any(|(k, v)| {
            k.eq_ignore_ascii_case(c.algorithm.content_hash_header()) && !v.trim().is_empty()
        });
        let got = verify_case(&r, c.sdk_date(), &c.sk);
        if unsigned_payload && !c.body.is_empty() {
            // By design of the protocol a non-JSON body sent with a signed
            // `UNSIGNED-PAYLOAD` is not covered.
            assert!(got.is_ok(), "case {}: {got:?}", c.file);
        } else {
            assert_eq!(got, Err(VerifyError::SignatureMismatch), "case {}", c.file);
            checked += 1;
        }
    }
    assert!(checked >= MIN_CASES - 5);
}

#[test]
fn verify_rejects_a_tampered_header_value() {
    for c in verifiable_cases() {
        let mut r = c.received();
        let host = r
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("host"))
            .map(|(_, v)| v.clone())
            .expect("Host");
        set_header(&mut r, "host", &format!("{host}.evil"));
        assert_eq!(
            verify_case(&r, c.sdk_date(), &c.sk),
            Err(VerifyError::SignatureMismatch),
            "case {}",
            c.file
        );
    }
}

#[test]
fn verify_rejects_a_tampered_query() {
    for c in verifiable_cases() {
        let mut added = c.received();
        added.query.push(("injected".into(), "1".into()));
        assert_eq!(
            verify_case(&added, c.sdk_date(), &c.sk),
            Err(VerifyError::SignatureMismatch),
            "case {} (added pair)",
            c.file
        );
        if !c.query.is_empty() {
            let mut changed = c.received();
            changed.query[0].1.push('x');
            assert_eq!(
                verify_case(&changed, c.sdk_date(), &c.sk),
                Err(VerifyError::SignatureMismatch),
                "case {} (changed value)",
                c.file
            );
        }
    }
}

#[test]
fn verify_rejects_a_stale_date() {
    for c in load_cases() {
        let r = c.received();
        let t = c.sdk_date();
        for now in [
            t + Duration::from_secs(16 * 60),
            t - Duration::from_secs(16 * 60),
        ] {
            assert_eq!(
                verify_case(&r, now, &c.sk),
                Err(VerifyError::StaleDate),
                "case {}",
                c.file
            );
        }
    }
}
