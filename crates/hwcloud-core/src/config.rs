//! Client configuration: cloud and region (→ endpoint), explicit endpoint override,
//! timeouts, retry policy, user agent, signing algorithm.

use crate::credentials::Env;
use crate::signing::Algorithm;
use std::time::Duration;

/// Which cloud's endpoint table to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Cloud {
    /// Huawei Cloud (`*.myhuaweicloud.com`).
    #[default]
    HuaweiCloud,
    /// Open Telekom Cloud / T Cloud Public (`*.otc.t-systems.com`).
    Otc,
}

impl Cloud {
    /// Parses `huaweicloud` or `otc` (case-insensitive).
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "huaweicloud" | "huawei" | "hwc" => Some(Cloud::HuaweiCloud),
            "otc" | "opentelekomcloud" | "tcloud" => Some(Cloud::Otc),
            _ => None,
        }
    }

    /// The name `parse` accepts.
    pub fn name(self) -> &'static str {
        match self {
            Cloud::HuaweiCloud => "huaweicloud",
            Cloud::Otc => "otc",
        }
    }
}

/// A service's endpoint tables, as generated from the spec.
#[derive(Debug, Clone, Copy)]
pub struct ServiceEndpoints {
    /// Service short name, e.g. `dcs`.
    pub service: &'static str,
    /// `(region, endpoint)` on Huawei Cloud.
    pub huaweicloud: &'static [(&'static str, &'static str)],
    /// `(region, endpoint)` on Open Telekom Cloud.
    pub otc: &'static [(&'static str, &'static str)],
}

/// Timeouts. The official SDK uses 60 s connect and 120 s read; we add a whole-call limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// TCP + TLS connect.
    pub connect: Duration,
    /// One attempt, from sending to the last body byte.
    pub attempt: Duration,
    /// The whole call including retries and backoff; `None` for no limit.
    pub call: Option<Duration>,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_secs(60),
            attempt: Duration::from_secs(120),
            call: Some(Duration::from_secs(300)),
        }
    }
}

/// When and how often to retry.
///
/// Retries happen on connection failures, per-attempt timeouts, 429 and 5xx — and only for
/// idempotent operations, except that a request that provably never reached the server
/// (connection refused) is retried for any operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, including the first (1 = no retries).
    pub max_attempts: u32,
    /// Backoff before retry n is a random value in `[0, min(max_delay, base_delay·2^n)]`
    /// ("full jitter").
    pub base_delay: Duration,
    /// Upper bound of one computed backoff.
    pub max_delay: Duration,
    /// Upper bound of an honoured `Retry-After` (longer hints are cut to this).
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(20),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..Default::default()
        }
    }

    /// The jittered delay before retry `retry` (1-based).
    pub fn backoff(&self, retry: u32) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(1u32.checked_shl(retry.min(20)).unwrap_or(u32::MAX));
        let cap = exp.min(self.max_delay);
        let nanos = u64::try_from(cap.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(fastrand::u64(0..=nanos))
    }
}

/// Everything a client needs besides credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Cloud whose endpoint table is used.
    pub cloud: Cloud,
    /// Region id; picks the endpoint unless `endpoint` is set.
    pub region: Option<String>,
    /// Explicit endpoint (`https://…`, or `http://…` e.g. for the emulator).
    pub endpoint: Option<String>,
    /// Timeouts.
    pub timeouts: Timeouts,
    /// Retry policy.
    pub retry: RetryPolicy,
    /// Appended to our user agent.
    pub user_agent_suffix: Option<String>,
    /// Signing algorithm for AK/SK credentials.
    pub algorithm: Algorithm,
    /// Run `validate()` before sending (default on).
    pub validate_requests: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            cloud: Cloud::HuaweiCloud,
            region: None,
            endpoint: None,
            timeouts: Timeouts::default(),
            retry: RetryPolicy::default(),
            user_agent_suffix: None,
            algorithm: Algorithm::HmacSha256,
            validate_requests: true,
        }
    }
}

/// The user agent we send.
pub fn user_agent(suffix: Option<&str>) -> String {
    let base = concat!("hwcloud-rs/", env!("CARGO_PKG_VERSION"));
    match suffix {
        Some(s) if !s.is_empty() => format!("{base} {s}"),
        _ => base.to_owned(),
    }
}

/// Picks the endpoint: explicit override, else `HUAWEICLOUD_SDK_REGION_{SERVICE}_{REGION}`
/// (first of its comma-separated list, as the official SDK), else the cloud's table.
pub fn resolve_endpoint(
    config: &Config,
    service: &ServiceEndpoints,
    env: &dyn Env,
) -> Result<Endpoint, String> {
    if let Some(ep) = &config.endpoint {
        return check_endpoint(ep);
    }
    let Some(region) = &config.region else {
        return Err(format!(
            "no endpoint and no region for {}: set a region (e.g. eu-west-0) or an explicit endpoint",
            service.service
        ));
    };
    let var = format!(
        "HUAWEICLOUD_SDK_REGION_{}_{}",
        service.service.to_ascii_uppercase(),
        region.to_ascii_uppercase().replace('-', "_")
    );
    if let Some(list) = env.var(&var) {
        let first = list.split(',').map(str::trim).find(|s| !s.is_empty());
        return match first {
            Some(ep) => check_endpoint(ep).map_err(|e| format!("{var}: {e}")),
            None => Err(format!("{var} is set but lists no endpoint")),
        };
    }
    let table = match config.cloud {
        Cloud::HuaweiCloud => service.huaweicloud,
        Cloud::Otc => service.otc,
    };
    if let Some((_, ep)) = table.iter().find(|(r, _)| r == region) {
        return check_endpoint(ep);
    }
    let known: Vec<&str> = table.iter().map(|(r, _)| *r).collect();
    if known.is_empty() {
        Err(format!(
            "{} is not offered on {}; set an explicit endpoint",
            service.service,
            config.cloud.name()
        ))
    } else {
        Err(format!(
            "unknown region {region:?} for {} on {}; known regions: {}",
            service.service,
            config.cloud.name(),
            known.join(", ")
        ))
    }
}

/// A checked endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// `scheme://host[:port][/base]`, without a trailing `/`.
    pub url: String,
    /// `host[:port]`: the `Host` header the requests carry (and sign).
    pub host: String,
}

/// Accepts `http://host[:port][/base]` or `https://…`; trims a trailing `/`.
///
/// Refused, naming the part: another scheme, no host, a space or control character, user
/// info (`user:password@`: credentials come from the credential providers, and a URL's user
/// info would be sent as Basic auth), a query (`?…`) or a fragment (`#…`), which would end up
/// in front of every operation's path. Messages show the endpoint with any user info replaced
/// by `***`.
pub fn check_endpoint(ep: &str) -> Result<Endpoint, String> {
    let trimmed = ep.trim().trim_end_matches('/');
    let shown = without_userinfo(trimmed);
    let rest = trimmed
        .strip_prefix("https://")
        .or_else(|| trimmed.strip_prefix("http://"))
        .ok_or_else(|| format!("endpoint {shown:?} must start with https:// or http://"))?;
    if let Some(at) = trimmed.find(|c: char| c.is_whitespace() || c.is_control()) {
        return Err(format!(
            "endpoint {shown:?} contains a space or control character (byte {at})"
        ));
    }
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    if authority.contains('@') {
        return Err(format!(
            "endpoint {shown:?} has user info (user:password@); credentials are never taken \
             from the endpoint: use the credential environment variables or profile file"
        ));
    }
    for (mark, part) in [('?', "query"), ('#', "fragment")] {
        if rest.contains(mark) {
            return Err(format!(
                "endpoint {shown:?} has a {part} (from {mark:?}); an endpoint is \
                 scheme://host[:port][/base-path]"
            ));
        }
    }
    check_authority(authority).map_err(|why| format!("endpoint {shown:?}: {why}"))?;
    Ok(Endpoint {
        url: trimmed.to_owned(),
        host: authority.to_owned(),
    })
}

/// `host[:port]`: a DNS name or IPv4 address, or an IPv6 address in brackets, and a port of
/// 1 to 65535 digits' worth.
fn check_authority(authority: &str) -> Result<(), String> {
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (addr, after) = v6
            .split_once(']')
            .ok_or("an IPv6 host needs a closing ']'")?;
        if addr.is_empty()
            || !addr
                .bytes()
                .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.')
        {
            return Err(format!("host [{addr}] is not an IPv6 address"));
        }
        match after {
            "" => (authority, None),
            p => (
                &authority[..authority.len() - p.len()],
                Some(
                    p.strip_prefix(':')
                        .ok_or("expected ':' and a port after ']'")?,
                ),
            ),
        }
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    if host.is_empty() {
        return Err("no host".into());
    }
    if !host.starts_with('[')
        && let Some(bad) = host
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_')))
    {
        return Err(format!("host {host:?} has the character {bad:?}"));
    }
    if let Some(port) = port {
        match port.parse::<u16>() {
            Ok(n) if n > 0 && port.bytes().all(|b| b.is_ascii_digit()) => {}
            _ => return Err(format!("port {port:?} is not a number from 1 to 65535")),
        }
    }
    Ok(())
}

/// `ep` with the user info of its authority (`user:password@`) replaced by `***@`, for
/// messages.
fn without_userinfo(ep: &str) -> std::borrow::Cow<'_, str> {
    let start = ep.find("://").map_or(0, |i| i + 3);
    let rest = &ep[start..];
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    match authority.rfind('@') {
        Some(at) => format!("{}***{}", &ep[..start], &ep[start + at..]).into(),
        None => ep.into(),
    }
}

#[cfg(test)]
mod tests;
