//! Test vectors produced by the official Python SDK core (`huaweicloudsdkcore==3.1.219`,
//! `signer/signer.py`) with `tools/signing-vectors/generate.py`. Each JSON file holds the
//! inputs and every intermediate step of the official signer. The loader and the shared
//! helpers live here; the tests live in the modules below.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use hwcloud_core::Secret;
use hwcloud_core::signing::{
    Algorithm, DerivationScope, SignableRequest, Verified, VerifyError, parse_sdk_date, verify,
};
use serde_json::Value;

mod signing;
mod verify_malformed;
mod verify_signed;

const MIN_CASES: usize = 45;
const SKEW: Duration = Duration::from_secs(15 * 60);

#[derive(Debug, Clone)]
struct Expected {
    canonical_request: String,
    string_to_sign: String,
    signed_headers: String,
    signature: String,
    authorization: String,
}

impl Expected {
    fn field_mut(&mut self, name: &str) -> &mut String {
        match name {
            "canonical_request" => &mut self.canonical_request,
            "string_to_sign" => &mut self.string_to_sign,
            "signed_headers" => &mut self.signed_headers,
            "signature" => &mut self.signature,
            "authorization" => &mut self.authorization,
            other => panic!("unknown field {other}"),
        }
    }
}

#[derive(Debug, Clone)]
struct Case {
    file: String,
    algorithm: Algorithm,
    ak: String,
    sk: String,
    scope: Option<DerivationScope>,
    method: String,
    path: String,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    wire_uri: String,
    expected: Expected,
}

impl Case {
    fn req(&self) -> SignableRequest<'_> {
        SignableRequest {
            method: &self.method,
            path: &self.path,
            query: &self.query,
            headers: &self.headers,
            body: &self.body,
        }
    }

    fn sdk_date(&self) -> SystemTime {
        let raw = self
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("x-sdk-date"))
            .map(|(_, v)| v.as_str())
            .expect("every case has X-Sdk-Date");
        parse_sdk_date(raw).expect("valid X-Sdk-Date")
    }

    /// The request as received by a server: the signed headers plus `Authorization`.
    fn received(&self) -> Case {
        let mut c = self.clone();
        c.headers
            .push(("Authorization".into(), self.expected.authorization.clone()));
        c
    }
}

fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/signing-vectors")
}

fn base64_decode(s: &str) -> Vec<u8> {
    fn val(c: u8) -> u32 {
        match c {
            b'A'..=b'Z' => u32::from(c - b'A'),
            b'a'..=b'z' => u32::from(c - b'a') + 26,
            b'0'..=b'9' => u32::from(c - b'0') + 52,
            b'+' => 62,
            b'/' => 63,
            _ => panic!("bad base64 byte {c}"),
        }
    }
    let clean: Vec<u8> = s.bytes().filter(|&c| c != b'=').collect();
    let mut out = Vec::new();
    for chunk in clean.chunks(4) {
        let mut acc = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            acc |= val(c) << (18 - 6 * i);
        }
        let n = chunk.len() * 6 / 8;
        out.extend_from_slice(&acc.to_be_bytes()[1..1 + n]);
    }
    out
}

fn pairs(v: &Value, file: &str, what: &str) -> Vec<(String, String)> {
    v.as_array()
        .unwrap_or_else(|| panic!("{file}: {what} is not an array"))
        .iter()
        .map(|p| {
            let p = p.as_array().expect("pair");
            (
                p[0].as_str().expect("pair key").to_owned(),
                p[1].as_str().expect("pair value").to_owned(),
            )
        })
        .collect()
}

fn load_cases() -> Vec<Case> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(vectors_dir())
        .expect("tests/signing-vectors exists")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|path| {
            let file = path.file_name().unwrap().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(path).expect("readable vector");
            let v: Value =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{file}: invalid JSON: {e}"));
            let s = |k: &str| -> String {
                v[k].as_str()
                    .unwrap_or_else(|| panic!("{file}: missing string {k}"))
                    .to_owned()
            };
            let e = |k: &str| -> String {
                v["expected"][k]
                    .as_str()
                    .unwrap_or_else(|| panic!("{file}: missing expected.{k}"))
                    .to_owned()
            };
            let alg_name = s("algorithm");
            let algorithm = Algorithm::from_name(&alg_name)
                .unwrap_or_else(|| panic!("{file}: unknown algorithm {alg_name}"));
            let scope = match &v["scope"] {
                Value::Null => None,
                sc => Some(DerivationScope {
                    region: sc["region"].as_str().expect("scope.region").to_owned(),
                    service: sc["service"].as_str().expect("scope.service").to_owned(),
                }),
            };
            let body = match (v.get("body"), v.get("body_base64")) {
                (Some(b), None) => b.as_str().expect("body string").as_bytes().to_vec(),
                (None, Some(b)) => base64_decode(b.as_str().expect("body_base64 string")),
                _ => panic!("{file}: exactly one of body / body_base64"),
            };
            Case {
                algorithm,
                ak: s("ak"),
                sk: s("sk"),
                scope,
                method: s("method"),
                path: s("path"),
                query: pairs(&v["query"], &file, "query"),
                headers: pairs(&v["headers"], &file, "headers"),
                body,
                wire_uri: s("wire_uri"),
                expected: Expected {
                    canonical_request: e("canonical_request"),
                    string_to_sign: e("string_to_sign"),
                    signed_headers: e("signed_headers"),
                    signature: e("signature"),
                    authorization: e("authorization"),
                },
                file,
            }
        })
        .collect()
}

fn verify_case(c: &Case, now: SystemTime, sk: &str) -> Result<Verified, VerifyError> {
    let ak = c.ak.clone();
    let sk = sk.to_owned();
    let lookup = move |k: &str| (k == ak).then(|| Secret::new(sk.clone()));
    verify(&c.req(), now, SKEW, &lookup, c.scope.as_ref())
}

fn set_header(c: &mut Case, name: &str, value: &str) {
    for (k, v) in &mut c.headers {
        if k.eq_ignore_ascii_case(name) {
            *v = value.to_owned();
        }
    }
}
