//! `format` (ipv4, ipv6, local date-time, host:port list): valid values pass, each bad one fails.

use super::*;
use constraint_format::types::Formats;

#[test]
fn valid_values_pass() {
    let f = Formats {
        ipv4_addr: Some("192.168.0.1".into()),
        ipv6_addr: Some("fe80::1".into()),
        start_time: Some("2024-05-01 12:30:00".into()),
        addrs: Some("10.0.0.1:6379,redis.local:6380".into()),
    };
    passes(f.validate());
    passes(Formats::default().validate());
}

#[test]
fn ipv4_fails() {
    let f = Formats {
        ipv4_addr: Some("::1".into()),
        ..Default::default()
    };
    fails(
        f.validate(),
        "ipv4_addr",
        "format",
        "`::1` is not a valid ipv4",
    );
}

#[test]
fn ipv6_fails() {
    let f = Formats {
        ipv6_addr: Some("10.0.0.1".into()),
        ..Default::default()
    };
    fails(
        f.validate(),
        "ipv6_addr",
        "format",
        "`10.0.0.1` is not a valid ipv6",
    );
}

#[test]
fn date_time_local_fails() {
    let f = Formats {
        start_time: Some("2024-05-01T12:30:00".into()),
        ..Default::default()
    };
    fails(
        f.validate(),
        "start_time",
        "format",
        "`2024-05-01T12:30:00` is not a valid date_time_local",
    );
}

#[test]
fn host_port_list_fails() {
    let f = Formats {
        addrs: Some("10.0.0.1:6379,10.0.0.2".into()),
        ..Default::default()
    };
    fails(
        f.validate(),
        "addrs",
        "format",
        "`10.0.0.1:6379,10.0.0.2` is not a valid host_port_list",
    );
}
