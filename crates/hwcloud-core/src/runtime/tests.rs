//! Signing of non-JSON bodies, V11 regions, query encoding, `Retry-After`.

use super::*;
use crate::operation::{OperationMeta, RequestParts};
use crate::validate::ValidationErrors;

const ENDPOINTS: ServiceEndpoints = ServiceEndpoints {
    service: "dcs",
    huaweicloud: &[],
    otc: &[],
};

/// An operation with a non-JSON body, which the official SDK signs without hashing it.
struct Upload;

static UPLOAD: OperationMeta = OperationMeta {
    service: "dcs",
    name: "Upload",
    method: "PUT",
    path: "/v2/upload",
    content_type: "application/octet-stream",
    idempotent: true,
    success_status: &[200],
    response: ResponseKind::Empty,
    sensitive_params: &[],
    sensitive_body: &[],
};

impl Operation for Upload {
    type Output = ();
    fn meta(&self) -> &'static OperationMeta {
        &UPLOAD
    }
    fn validate(&self) -> Result<(), ValidationErrors> {
        Ok(())
    }
    fn to_parts(&self) -> Result<RequestParts, serde_json::Error> {
        Ok(RequestParts {
            body: Some(b"raw bytes".to_vec()),
            ..RequestParts::default()
        })
    }
    fn parse_output(_: &[u8]) -> Result<(), serde_json::Error> {
        Ok(())
    }
}

fn runtime(algorithm: signing::Algorithm, region: Option<&str>) -> Result<Runtime, Error> {
    Runtime::builder(ENDPOINTS)
        .credentials(Credentials::new("AK", "SK"))
        .endpoint("http://127.0.0.1:9")
        .configure(|c| {
            c.algorithm = algorithm;
            c.region = region.map(str::to_owned);
        })
        .build()
}

#[test]
fn v11_needs_a_region_when_the_client_is_built() {
    let err = runtime(signing::Algorithm::V11HmacSha256, None).unwrap_err();
    assert!(
        matches!(&err, Error::Config(m) if m.contains("set a region")),
        "{err}"
    );
    let rt = runtime(signing::Algorithm::V11HmacSha256, Some("eu-west-0")).unwrap();
    let req = rt
        .presign(&Upload, CallOptions::default(), SystemTime::UNIX_EPOCH)
        .unwrap();
    let auth = req.header("Authorization").unwrap();
    assert!(
        auth.starts_with("V11-HMAC-SHA256 Credential=AK/19700101/eu-west-0/dcs, "),
        "{auth}"
    );
}

#[test]
fn a_non_json_body_is_signed_as_unsigned_payload() {
    let rt = runtime(signing::Algorithm::HmacSha256, None).unwrap();
    let req = rt
        .presign(&Upload, CallOptions::default(), SystemTime::UNIX_EPOCH)
        .unwrap();
    assert_eq!(req.header("X-Sdk-Content-Sha256"), Some("UNSIGNED-PAYLOAD"));
    assert!(
        req.header("Authorization")
            .unwrap()
            .contains("x-sdk-content-sha256"),
        "the payload header is signed"
    );
}

#[test]
fn query_encoding() {
    let q = vec![
        ("name".to_string(), "a b+c/é".to_string()),
        ("limit".to_string(), "10".to_string()),
    ];
    assert_eq!(encode_query(&q), "?name=a%20b%2Bc%2F%C3%A9&limit=10");
    assert_eq!(encode_query(&[]), "");
}

#[test]
fn retry_after_forms() {
    let mut r = HttpResponse::default();
    r.headers.push(("retry-after".into(), "3".into()));
    assert_eq!(retry_after(&r), Some(Duration::from_secs(3)));
    r.headers[0].1 = "Wed, 21 Oct 2015 07:28:00 GMT".into();
    assert_eq!(retry_after(&r), Some(Duration::ZERO));
    r.headers[0].1 = "soon".into();
    assert_eq!(retry_after(&r), None);
}
