//! Where the emulator may connect: loopback always, other networks only when the operator
//! lists them (`--allow-network CIDR`, `EmulatorBuilder::allow_network`). An emulator that
//! connected wherever a request body pointed would let any caller of its API probe the
//! network it runs in.

use std::net::IpAddr;
use std::str::FromStr;

/// An IP network: an address and a prefix length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    net: IpAddr,
    prefix: u8,
}

/// Why a CIDR text was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{text:?} is not a network: expected ADDRESS/PREFIX (e.g. 10.0.0.0/8, fd00::/8) or one address ({reason})"
)]
pub struct CidrError {
    text: String,
    reason: &'static str,
}

impl FromStr for Cidr {
    type Err = CidrError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = |reason| CidrError {
            text: s.chars().take(64).collect(),
            reason,
        };
        let (addr, prefix) = match s.trim().split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s.trim(), None),
        };
        let net: IpAddr = addr.parse().map_err(|_| err("not an IP address"))?;
        let max = if net.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| err("the prefix must be 0-32 for IPv4, 0-128 for IPv6"))?,
        };
        Ok(Cidr { net, prefix })
    }
}

impl std::fmt::Display for Cidr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.net, self.prefix)
    }
}

impl Cidr {
    /// Whether `ip` is inside this network (IPv4-mapped IPv6 addresses count as IPv4).
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.net, ip.to_canonical()) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                prefix_eq(&n.octets(), &a.octets(), u32::from(self.prefix))
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                prefix_eq(&n.octets(), &a.octets(), u32::from(self.prefix))
            }
            _ => false,
        }
    }
}

/// Whether the first `bits` bits of `a` and `b` agree.
fn prefix_eq(a: &[u8], b: &[u8], bits: u32) -> bool {
    let whole = (bits / 8) as usize;
    let rest = bits % 8;
    if a.get(..whole) != b.get(..whole) {
        return false;
    }
    if rest == 0 {
        return true;
    }
    let mask = 0xffu8 << (8 - rest);
    match (a.get(whole), b.get(whole)) {
        (Some(x), Some(y)) => x & mask == y & mask,
        _ => false,
    }
}

/// Loopback plus the listed networks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NetPolicy {
    allowed: Vec<Cidr>,
}

impl NetPolicy {
    /// Loopback and `allowed`.
    pub fn new(allowed: Vec<Cidr>) -> Self {
        Self { allowed }
    }

    /// Whether the emulator may connect to `ip`.
    pub fn allows(&self, ip: IpAddr) -> bool {
        ip.to_canonical().is_loopback() || self.allowed.iter().any(|c| c.contains(ip))
    }

    /// Resolves `host` and checks every address it names; the error says which address was
    /// refused and how to allow it.
    pub async fn check(&self, host: &str, port: u16) -> Result<(), String> {
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        let addrs: Vec<IpAddr> = match bare.parse::<IpAddr>() {
            Ok(ip) => vec![ip],
            Err(_) => tokio::net::lookup_host((bare, port))
                .await
                .map_err(|e| format!("cannot resolve {host}: {e}"))?
                .map(|a| a.ip())
                .collect(),
        };
        if addrs.is_empty() {
            return Err(format!("{host} resolves to no address"));
        }
        match addrs.into_iter().find(|ip| !self.allows(*ip)) {
            None => Ok(()),
            Some(ip) => Err(format!(
                "{host}:{port} ({ip}) is outside the networks this emulator may connect to (loopback{}); start it with --allow-network CIDR to allow more",
                self.allowed
                    .iter()
                    .map(|c| format!(", {c}"))
                    .collect::<String>()
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn networks_contain_their_addresses_only() {
        let c: Cidr = "10.20.0.0/14".parse().unwrap();
        assert!(c.contains(ip("10.23.255.255")));
        assert!(!c.contains(ip("10.24.0.0")));
        assert!(c.contains(ip("::ffff:10.21.0.1")), "IPv4-mapped counts");
        let one: Cidr = "192.168.1.5".parse().unwrap();
        assert_eq!(one.to_string(), "192.168.1.5/32");
        assert!(one.contains(ip("192.168.1.5")) && !one.contains(ip("192.168.1.6")));
        let v6: Cidr = "fd00::/8".parse().unwrap();
        assert!(v6.contains(ip("fdab::1")) && !v6.contains(ip("fe80::1")));
        assert!(!v6.contains(ip("10.0.0.1")));
        let all: Cidr = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains(ip("8.8.8.8")));
        for bad in [
            "10.0.0.0/33",
            "x/8",
            "10.0.0.0/",
            "::/129",
            "",
            "10.0.0.0/-1",
        ] {
            assert!(bad.parse::<Cidr>().is_err(), "{bad:?} accepted");
        }
    }

    #[tokio::test]
    async fn loopback_always_others_only_when_listed() {
        let strict = NetPolicy::default();
        assert!(strict.check("127.0.0.1", 6379).await.is_ok());
        assert!(strict.check("[::1]", 6379).await.is_ok());
        assert!(strict.check("localhost", 6379).await.is_ok());
        let e = strict.check("10.1.2.3", 6379).await.unwrap_err();
        assert!(
            e.contains("10.1.2.3:6379") && e.contains("--allow-network"),
            "{e}"
        );
        let open = NetPolicy::new(vec!["10.0.0.0/8".parse().unwrap()]);
        assert!(open.check("10.1.2.3", 6379).await.is_ok());
        assert!(open.check("11.1.2.3", 6379).await.is_err());
    }

    proptest::proptest! {
        /// Any text parses or is refused without a panic; a parsed network contains its own
        /// address.
        #[test]
        fn parsing_never_panics(s in "\\PC{0,48}", a in proptest::prelude::any::<[u8; 4]>(), p in 0u8..=40) {
            if let Ok(c) = s.parse::<Cidr>() {
                proptest::prop_assert!(c.contains(c.net));
            }
            let text = format!("{}.{}.{}.{}/{p}", a[0], a[1], a[2], a[3]);
            match text.parse::<Cidr>() {
                Ok(c) => proptest::prop_assert!(p <= 32 && c.contains(IpAddr::from(a))),
                Err(_) => proptest::prop_assert!(p > 32),
            }
        }
    }
}
