//! Tests of `config`.

use super::*;
use std::collections::HashMap;

const EPS: ServiceEndpoints = ServiceEndpoints {
    service: "dcs",
    huaweicloud: &[("eu-west-0", "https://dcs.eu-west-0.myhuaweicloud.com")],
    otc: &[("eu-de", "https://dcs.eu-de.otc.t-systems.com")],
};

fn cfg(cloud: Cloud, region: &str) -> Config {
    Config {
        cloud,
        region: Some(region.into()),
        ..Default::default()
    }
}

#[test]
fn region_tables() {
    let env = HashMap::new();
    assert_eq!(
        resolve_endpoint(&cfg(Cloud::HuaweiCloud, "eu-west-0"), &EPS, &env)
            .unwrap()
            .url,
        "https://dcs.eu-west-0.myhuaweicloud.com"
    );
    assert_eq!(
        resolve_endpoint(&cfg(Cloud::Otc, "eu-de"), &EPS, &env)
            .unwrap()
            .url,
        "https://dcs.eu-de.otc.t-systems.com"
    );
    let e = resolve_endpoint(&cfg(Cloud::Otc, "eu-west-0"), &EPS, &env).unwrap_err();
    assert!(e.contains("known regions: eu-de"), "{e}");
}

#[test]
fn endpoints_are_checked_and_give_their_host() {
    assert_eq!(
        check_endpoint(" http://127.0.0.1:8080/base/ ").unwrap(),
        Endpoint {
            url: "http://127.0.0.1:8080/base".into(),
            host: "127.0.0.1:8080".into(),
        }
    );
    assert_eq!(
        check_endpoint("https://dcs.eu-west-0.myhuaweicloud.com")
            .unwrap()
            .host,
        "dcs.eu-west-0.myhuaweicloud.com"
    );
    assert!(check_endpoint("ftp://x").is_err());
    assert!(check_endpoint("https:///path").is_err());
}

#[test]
fn endpoints_with_more_than_scheme_host_port_and_path_are_refused_by_part() {
    for (ep, part) in [
        ("http://host/?x=1", "has a query"),
        ("http://host?x=1", "has a query"),
        ("https://host/base?x=1#f", "has a query"),
        ("http://host/#frag", "has a fragment"),
        ("http://host#frag", "has a fragment"),
        (
            "http://host:8080/a b",
            "space or control character (byte 18)",
        ),
        ("http://ho\rst", "space or control character (byte 9)"),
        ("http://host:0", "port \"0\" is not a number"),
        ("http://host:99999", "is not a number from 1 to 65535"),
        ("http://host:+80", "is not a number"),
        ("http://ho$t", "has the character '$'"),
        ("http://[::1", "closing ']'"),
        ("http://[zz]:1", "is not an IPv6 address"),
        ("http://:8080", "no host"),
    ] {
        let e = check_endpoint(ep).unwrap_err();
        assert!(e.contains(part), "{ep}: {e}");
    }
    for ok in [
        "http://[::1]:8080/base",
        "https://a-b.c_d.example:443",
        "http://10.0.0.1",
    ] {
        assert!(check_endpoint(ok).is_ok(), "{ok}");
    }
    assert_eq!(
        check_endpoint("http://[::1]:8080/b").unwrap().host,
        "[::1]:8080"
    );
}

#[test]
fn user_info_is_refused_without_printing_the_password() {
    for ep in [
        "http://user:hunter2@host",
        "https://user:hunter2@host:8443/base",
        "http://user:hunter2@host/?x=1",
        "ftp://user:hunter2@host",
        "http://us@er:hunter2@host",
    ] {
        let e = check_endpoint(ep).unwrap_err();
        assert!(
            !e.contains("hunter2") && !e.contains("user:h") && !e.contains("us@"),
            "{e}"
        );
        assert!(e.contains("***@host"), "{e}");
    }
    let e = check_endpoint("http://user:hunter2@host").unwrap_err();
    assert!(e.contains("has user info"), "{e}");
}

proptest::proptest! {
    /// Any text: no panic; an accepted endpoint is exactly scheme, host and base path.
    #[test]
    fn check_endpoint_accepts_only_scheme_host_port_and_path(ep in "\\PC{0,40}|https?://[a-z0-9@:?#/\\[\\] .%-]{0,30}") {
        if let Ok(e) = check_endpoint(&ep) {
            proptest::prop_assert!(e.url.starts_with("http://") || e.url.starts_with("https://"));
            proptest::prop_assert!(!e.url.contains(['?', '#', ' ']));
            proptest::prop_assert!(!e.host.is_empty() && !e.host.contains(['@', '/']));
        }
    }
}

#[test]
fn env_override_and_explicit_endpoint() {
    let mut env = HashMap::new();
    env.insert(
        "HUAWEICLOUD_SDK_REGION_DCS_EU_WEST_0".to_string(),
        "https://a.example, https://b.example".to_string(),
    );
    assert_eq!(
        resolve_endpoint(&cfg(Cloud::HuaweiCloud, "eu-west-0"), &EPS, &env)
            .unwrap()
            .url,
        "https://a.example"
    );
    let mut c = cfg(Cloud::HuaweiCloud, "eu-west-0");
    c.endpoint = Some("http://127.0.0.1:8080/".into());
    assert_eq!(
        resolve_endpoint(&c, &EPS, &env).unwrap().url,
        "http://127.0.0.1:8080"
    );
    c.endpoint = Some("ftp://x".into());
    assert!(resolve_endpoint(&c, &EPS, &env).is_err());
}

#[test]
fn backoff_is_capped() {
    let p = RetryPolicy {
        max_attempts: 5,
        base_delay: Duration::from_millis(100),
        max_delay: Duration::from_millis(300),
        ..Default::default()
    };
    for n in 1..40 {
        assert!(p.backoff(n) <= Duration::from_millis(300));
    }
    // Full jitter: retry n draws uniformly from [0, min(max_delay, base_delay·2^n)]. With
    // 500 draws, each "max above x" check below fails by chance with probability at most
    // (2/3)^500 (< 1e-88).
    let max_of = |retry: u32| (0..500).map(|_| p.backoff(retry)).max().unwrap();
    let m0 = max_of(0);
    assert!(m0 <= Duration::from_millis(100), "{m0:?}");
    assert!(m0 > Duration::from_millis(50), "{m0:?}");
    let m1 = max_of(1);
    assert!(m1 <= Duration::from_millis(200), "{m1:?}");
    assert!(m1 > Duration::from_millis(100), "{m1:?}");
    let m3 = max_of(3);
    assert!(m3 > Duration::from_millis(200), "{m3:?}");
    assert!(m3 <= Duration::from_millis(300), "{m3:?}");
    // Far past the cap (and past the shift limit) the bound stays max_delay, not zero.
    let m40 = max_of(40);
    assert!(m40 > Duration::from_millis(200), "{m40:?}");
    assert!(m40 <= Duration::from_millis(300), "{m40:?}");
}
