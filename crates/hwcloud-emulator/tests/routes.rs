//! The emulator serves every operation of both specs: a new spec operation without a route
//! fails here instead of being answered "no such API".

mod common;

use common::*;
use hwcloud_core::operation::OperationMeta;
use serde_json::json;

/// `meta.path` with `{project_id}` as the caller's project and other placeholders as `x`.
fn path_of(meta: &OperationMeta, project: &str) -> String {
    let mut out = String::new();
    let mut rest = meta.path;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let end = start + rest[start..].find('}').expect("closed placeholder");
        out.push_str(match &rest[start + 1..end] {
            "project_id" => project,
            _ => "x",
        });
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

#[tokio::test]
async fn every_spec_operation_has_a_route() {
    let emu = start_frozen().await;
    let c = Client::new(&emu, cred1());
    let all: Vec<&OperationMeta> = hwcloud_dcs::operations::ALL
        .iter()
        .chain(hwcloud_sms::operations::ALL)
        .copied()
        .collect();
    assert_eq!(all.len(), 19 + 11, "spec operations (dcs + sms)");
    for meta in all {
        let path = path_of(meta, c.project());
        let body = matches!(meta.method, "POST" | "PUT").then(|| json!({}));
        let a = c.call(meta.method, &path, body).await;
        let code = a.body["error_code"].as_str().unwrap_or_default();
        assert!(
            a.status != 405 && code != "APIGW.0101" && code != "DCS.4001",
            "{} {} {path}: no route ({a:?})",
            meta.name,
            meta.method
        );
    }
    // The check can fail: a path of no operation is answered "no such API".
    let a = c.call("GET", "/v2/nothing-here", None).await;
    assert_eq!(a.body["error_code"], "DCS.4001", "{a:?}");
    let a = c.call("GET", "/v3/nothing-here", None).await;
    assert_eq!(a.body["error_code"], "APIGW.0101", "{a:?}");
}
