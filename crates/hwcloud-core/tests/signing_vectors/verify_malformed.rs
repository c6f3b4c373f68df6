//! `verify()` names what is missing or malformed, down to the V11 derivation scope.

use super::*;
use hwcloud_core::signing::sign;

#[test]
fn verify_rejects_missing_and_malformed_headers() {
    let cases = load_cases();
    for c in &cases {
        let now = c.sdk_date();
        assert_eq!(
            verify_case(c, now, &c.sk),
            Err(VerifyError::MissingAuthorization),
            "case {}",
            c.file
        );

        let mut r = c.received();
        r.headers
            .retain(|(k, _)| !k.eq_ignore_ascii_case("x-sdk-date"));
        assert_eq!(
            verify_case(&r, now, &c.sk),
            Err(VerifyError::BadDate),
            "case {}",
            c.file
        );

        let mut r = c.received();
        set_header(&mut r, "x-sdk-date", "2024-03-15T08:30:00Z");
        assert_eq!(
            verify_case(&r, now, &c.sk),
            Err(VerifyError::BadDate),
            "case {}",
            c.file
        );

        let mut r = c.received();
        r.headers.retain(|(k, _)| !k.eq_ignore_ascii_case("host"));
        assert_eq!(
            verify_case(&r, now, &c.sk),
            Err(VerifyError::SignedHeaderMissing("host".into())),
            "case {}",
            c.file
        );

        let mut r = c.received();
        r.ak = format!("{}-other", c.ak);
        assert_eq!(
            verify_case(&r, now, &c.sk),
            Err(VerifyError::UnknownAccessKey),
            "case {}",
            c.file
        );

        let auth = &c.expected.authorization;
        let malformed = [
            "garbage".to_owned(),
            String::new(),
            auth.replace(", Signature=", ", Sig="),
            auth.replace("SignedHeaders=", "Headers="),
            auth.replace("Access=", "Acces="),
            auth.replace("Credential=", "Credentials="),
            format!("{}0", auth),
            auth.to_uppercase()
                .replacen(&c.algorithm.name().to_uppercase(), c.algorithm.name(), 1),
            auth.replace("x-sdk-date", "x-other-date"),
        ];
        for bad in malformed.into_iter().filter(|b| b != auth) {
            let mut r = c.clone();
            r.headers.push(("Authorization".into(), bad.clone()));
            let got = verify_case(&r, now, &c.sk);
            assert!(
                matches!(got, Err(VerifyError::MalformedAuthorization(_))),
                "case {}: {bad:?} gave {got:?}",
                c.file
            );
        }

        let mut r = c.clone();
        let other = auth.replacen(c.algorithm.name(), "SDK-HMAC-MD5", 1);
        r.headers.push(("authorization".into(), other));
        assert_eq!(
            verify_case(&r, now, &c.sk),
            Err(VerifyError::UnsupportedAlgorithm("SDK-HMAC-MD5".into())),
            "case {}",
            c.file
        );

        // A header listed in SignedHeaders that was not received.
        let mut r = c.clone();
        let listed = auth.replacen("SignedHeaders=", "SignedHeaders=a-missing;", 1);
        r.headers.push(("Authorization".into(), listed));
        assert_eq!(
            verify_case(&r, now, &c.sk),
            Err(VerifyError::SignedHeaderMissing("a-missing".into())),
            "case {}",
            c.file
        );
    }
}

#[test]
fn verify_v11_needs_the_right_scope() {
    let cases = load_cases();
    let v11: Vec<&Case> = cases
        .iter()
        .filter(|c| c.algorithm == Algorithm::V11HmacSha256)
        .collect();
    assert!(v11.len() >= 5);
    for c in v11 {
        let mut r = c.received();
        r.scope = None;
        assert_eq!(
            verify_case(&r, c.sdk_date(), &c.sk),
            Err(VerifyError::UnsupportedAlgorithm("V11-HMAC-SHA256".into())),
            "case {}",
            c.file
        );
        let mut r = c.received();
        r.scope.as_mut().unwrap().region.push('x');
        assert_eq!(
            verify_case(&r, c.sdk_date(), &c.sk),
            Err(VerifyError::SignatureMismatch),
            "case {}",
            c.file
        );
        let mut r = c.received();
        r.scope.as_mut().unwrap().service = "sms-other".into();
        assert_eq!(
            verify_case(&r, c.sdk_date(), &c.sk),
            Err(VerifyError::SignatureMismatch),
            "case {}",
            c.file
        );
        // Signing without a scope is refused.
        assert_eq!(
            sign(
                c.algorithm,
                &c.ak,
                &Secret::new(c.sk.clone()),
                None,
                &c.req()
            ),
            Err(hwcloud_core::signing::SignError::MissingScope)
        );
    }
}
