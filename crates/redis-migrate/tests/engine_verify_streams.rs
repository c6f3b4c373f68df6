//! The verifier (the oracle of the cross-version engine tests) compares a stream's consumer
//! groups, pending entries and consumers, which `DEBUG DIGEST` and `DEBUG DIGEST-VALUE` do not
//! cover: two streams with the same entries and different groups differ.

mod engine_support;

use engine_support::*;
use redis_test_server::{Flavor, Server, require};

fn stream(server: &Server) {
    for i in 1..=5 {
        ok(
            server,
            &["XADD", "x", &format!("{i}-1"), "f", &i.to_string()],
        );
    }
    ok(server, &["XGROUP", "CREATE", "x", "g", "0"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streams_differing_only_in_their_groups_are_reported() {
    let Some(b) = require(Flavor::Redis) else {
        return;
    };
    let (source, target) = (b.clone().start().unwrap(), b.start().unwrap());
    stream(&source);
    stream(&target);
    assert_keys_equal(&source, &target).await;

    // Pending entries on the source only: the same digest, other groups.
    ok(
        &source,
        &[
            "XREADGROUP",
            "GROUP",
            "g",
            "alice",
            "COUNT",
            "2",
            "STREAMS",
            "x",
            ">",
        ],
    );
    assert_eq!(
        ok(&source, &["DEBUG", "DIGEST-VALUE", "x"]),
        ok(&target, &["DEBUG", "DIGEST-VALUE", "x"]),
        "the digest ignores groups (the reason for this test)"
    );
    let report = full_report(&source, &target).await;
    assert!(!report.equal, "{report}");
    assert_eq!(report.value_mismatch, 1, "{report}");
    assert!(report.to_string().contains("\"x\""), "{report}");

    // A second group on the target only.
    ok(
        &target,
        &[
            "XREADGROUP",
            "GROUP",
            "g",
            "alice",
            "COUNT",
            "2",
            "STREAMS",
            "x",
            ">",
        ],
    );
    assert_keys_equal(&source, &target).await;
    ok(&target, &["XGROUP", "CREATE", "x", "other", "$"]);
    assert!(!full_report(&source, &target).await.equal);
}
