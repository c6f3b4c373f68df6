//! Cross-field rule `format_if`: the format applies only when its condition holds.

use super::*;
use rule_format_if::types::Network;

fn network(use_ipv6: Option<bool>, ip: Option<&str>) -> Network {
    Network {
        use_ipv6,
        migration_ip: ip.map(str::to_owned),
    }
}

#[test]
fn matching_format_passes() {
    passes(network(Some(true), Some("fe80::1")).validate());
    passes(network(Some(false), Some("10.0.0.1")).validate());
    passes(network(None, Some("10.0.0.1")).validate());
    passes(network(Some(true), None).validate());
}

#[test]
fn equals_condition_fails() {
    fails(
        network(Some(true), Some("10.0.0.1")).validate(),
        "migration_ip",
        "format_if",
        "`10.0.0.1` is not a valid ipv6 (required when use_ipv6 is true)",
    );
}

#[test]
fn not_equals_condition_fails() {
    fails(
        network(None, Some("fe80::1")).validate(),
        "migration_ip",
        "format_if",
        "`fe80::1` is not a valid ipv4 (required when use_ipv6 is not true)",
    );
    fails(
        network(Some(false), Some("fe80::1")).validate(),
        "migration_ip",
        "format_if",
        "`fe80::1` is not a valid ipv4 (required when use_ipv6 is not true)",
    );
}
