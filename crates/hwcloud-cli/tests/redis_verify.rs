//! `hwcloud redis verify`: exit 0 when the servers hold the same data, 1 with a report naming
//! each differing key when they do not, in every mode.

mod redis_support;

use redis_support::*;
use redis_test_server::{Flavor, require};

#[test]
fn equal_servers_exit_0_and_differences_exit_1_with_a_report() {
    let Some(b) = require(Flavor::Redis) else {
        return;
    };
    let (source, target) = (b.clone().start().unwrap(), b.start().unwrap());
    fill(&source, "v");
    fill(&target, "v");
    let (s, t) = (source.url(), target.url());
    let verify = |mode: &str| {
        run(
            &[],
            &[
                "redis", "verify", "--source", &s, "--target", &t, "--mode", mode,
            ],
        )
    };
    for mode in ["digest", "outline", "length", "full"] {
        let r = verify(mode);
        assert_eq!(r.code, 0, "{mode}: {r:?}");
    }

    ok(&target, &["DEL", "v:s:7"]);
    ok(&target, &["SET", "v:s:8", "changed"]);
    ok(&target, &["RPUSH", "v:list", "extra element"]);
    ok(&target, &["SET", "only-on-target", "1"]);
    let r = verify("full");
    assert_eq!(r.code, 1, "{r:?}");
    for needle in [
        "missing 1",
        "extra 1",
        "value 2",
        "\"v:s:7\"",
        "\"v:s:8\"",
        "\"v:list\"",
        "\"only-on-target\"",
    ] {
        assert!(r.stdout.contains(needle), "{needle}: {}", r.stdout);
    }
    assert!(r.stderr.contains("differ"), "{}", r.stderr);
    // Digest mode finds the digests differ and names the keys the same way.
    let r = verify("digest");
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stdout.contains("\"v:s:8\""), "{}", r.stdout);
    // Outline sees the missing and extra keys; length also the longer list.
    let r = verify("outline");
    assert_eq!(r.code, 1, "{r:?}");
    assert!(!r.stdout.contains("\"v:s:8\""), "{}", r.stdout);
    let r = verify("length");
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stdout.contains("\"v:list\""), "{}", r.stdout);
}
