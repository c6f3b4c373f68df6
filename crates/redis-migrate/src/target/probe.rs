//! What the target is: server and version, the RDB version its `RESTORE` accepts, the number
//! of databases, and which commands it has.
//!
//! The RDB version is read from a real `DUMP` footer (`MULTI; SET tmp x; DUMP tmp; DEL tmp;
//! EXEC`), which is exact whatever the server calls itself; when `DUMP` is not allowed, it is
//! looked up from the version in `INFO server`, rounding down when unsure (a lower guess only
//! costs speed: the rewrite path instead of `RESTORE`). Nothing here fails on a missing
//! permission; only a broken connection is an error.

use super::restore::payload_version;
use super::rewrite::Features;
use crate::conn::{ConnError, Connection};
use crate::resp::Frame;
use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

/// Which server program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerKind {
    Redis,
    Valkey,
    /// `server_name` said something else (a compatible server).
    Other(String),
}

/// What the target is and can do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetInfo {
    pub server: ServerKind,
    /// The server's own version (`valkey_version` for Valkey, `redis_version` otherwise);
    /// empty when `INFO` was refused.
    pub version: String,
    /// The newest RDB version `RESTORE` accepts.
    pub rdb_version: u16,
    /// Whether `rdb_version` was read from a `DUMP` (exact) rather than looked up.
    pub rdb_version_probed: bool,
    /// `CONFIG GET databases`, when allowed.
    pub databases: Option<u32>,
    /// `FUNCTION` exists (7.0+).
    pub has_functions: bool,
    /// What the rewrite path may use.
    pub features: Features,
    /// `DEBUG DIGEST-VALUE` is allowed (for verification).
    pub debug_digest: bool,
}

impl TargetInfo {
    /// Whether `RESTORE` takes payloads written with `source_rdb_version`.
    pub fn accepts_rdb(&self, source_rdb_version: u32) -> bool {
        source_rdb_version <= u32::from(self.rdb_version)
    }
}

/// Finds out what the target is, over an open connection.
pub async fn probe(conn: &mut Connection, timeout: Duration) -> Result<TargetInfo, ConnError> {
    let info = match conn.call_timeout(&["INFO", "server"], timeout).await? {
        Frame::Bulk(Some(text)) => String::from_utf8_lossy(&text).into_owned(),
        _ => String::new(),
    };
    let (server, version) = server_of(&info);
    let parsed = parse_version(&version);
    let dumped = dump_version(conn, timeout).await?;
    let rdb_version = dumped
        .or_else(|| rdb_version_for(&server, parsed))
        .unwrap_or(6);
    let databases = match conn
        .call_timeout(&["CONFIG", "GET", "databases"], timeout)
        .await?
    {
        Frame::Array(Some(items)) => items
            .get(1)
            .and_then(Frame::as_bytes)
            .and_then(|b| std::str::from_utf8(b).ok()?.parse().ok()),
        _ => None,
    };
    let at_least = |major, minor| parsed.is_some_and(|v| v >= (major, minor));
    let (has_functions, hash_field_ttl) = match conn
        .call_timeout(&["COMMAND", "INFO", "FUNCTION", "HPEXPIREAT"], timeout)
        .await?
    {
        Frame::Array(Some(items)) if items.len() == 2 => {
            let known = |f: &Frame| matches!(f, Frame::Array(Some(_)));
            (known(&items[0]), known(&items[1]))
        }
        _ => (
            server == ServerKind::Valkey || at_least(7, 0),
            match server {
                ServerKind::Valkey => at_least(9, 0),
                _ => at_least(7, 4),
            },
        ),
    };
    let digest = conn
        .call_timeout(&["DEBUG", "DIGEST-VALUE", &probe_key()], timeout)
        .await?;
    let set_pxat = has_functions || server == ServerKind::Valkey || at_least(6, 2);
    Ok(TargetInfo {
        server,
        version,
        rdb_version,
        rdb_version_probed: dumped.is_some(),
        databases,
        has_functions,
        features: Features {
            // Introduced together with FUNCTION (7.0).
            stream_meta: has_functions,
            hash_field_ttl,
            set_pxat,
        },
        debug_digest: digest.as_error().is_none(),
    })
}

/// A key no one else uses.
fn probe_key() -> String {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    format!("__redis_migrate_probe__:{:016x}", h.finish())
}

/// The RDB version of a `DUMP` made on the target, or `None` when not allowed.
async fn dump_version(conn: &mut Connection, timeout: Duration) -> Result<Option<u16>, ConnError> {
    let key = probe_key();
    let multi = conn.call_timeout(&["MULTI"], timeout).await?;
    if multi.as_error().is_some() {
        return Ok(None);
    }
    for args in [&["SET", &key, "x"][..], &["DUMP", &key], &["DEL", &key]] {
        conn.call_timeout(args, timeout).await?;
    }
    Ok(match conn.call_timeout(&["EXEC"], timeout).await? {
        Frame::Array(Some(items)) => items
            .get(1)
            .and_then(Frame::as_bytes)
            .and_then(payload_version),
        _ => None,
    })
}

/// Server kind and version from `INFO server`.
pub fn server_of(info: &str) -> (ServerKind, String) {
    let field = |name: &str| {
        info.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(':'))
            .map(|v| v.trim().to_owned())
    };
    match (field("server_name"), field("valkey_version")) {
        (_, Some(v)) => (ServerKind::Valkey, v),
        (Some(name), None) if name != "redis" => (
            ServerKind::Other(name),
            field("redis_version").unwrap_or_default(),
        ),
        _ => (
            ServerKind::Redis,
            field("redis_version").unwrap_or_default(),
        ),
    }
}

/// `major.minor` of a version string.
pub fn parse_version(version: &str) -> Option<(u32, u32)> {
    let mut parts = version.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next().unwrap_or("0").parse().ok()?;
    Some((major, minor))
}

/// The RDB version a release writes and accepts, from the release notes of each version;
/// newer releases than we know get the newest version we know for that server.
pub fn rdb_version_for(server: &ServerKind, version: Option<(u32, u32)>) -> Option<u16> {
    let v = version?;
    Some(match server {
        ServerKind::Valkey => 11, // 7.2, 8.0 and 8.1; 9.0 moved on, 11 stays accepted
        _ => match v {
            (0..=2, _) => 6,
            (3, 0..=1) => 6,
            (3, _) => 7,
            (4, _) => 8,
            (5..=6, _) => 9,
            (7, 0..=1) => 10,
            (7, 2..=3) => 11,
            _ => 12,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn info_names_the_server_and_its_own_version() {
        let valkey =
            "# Server\r\nredis_version:7.2.4\r\nserver_name:valkey\r\nvalkey_version:8.1.8\r\n";
        assert_eq!(server_of(valkey), (ServerKind::Valkey, "8.1.8".into()));
        let redis = "# Server\r\nredis_version:7.0.15\r\nredis_git_sha1:0\r\n";
        assert_eq!(server_of(redis), (ServerKind::Redis, "7.0.15".into()));
        let other = "server_name:keydb\r\nredis_version:6.3.4\r\n";
        assert_eq!(
            server_of(other),
            (ServerKind::Other("keydb".into()), "6.3.4".into())
        );
        assert_eq!(server_of(""), (ServerKind::Redis, String::new()));
    }

    #[test]
    fn versions_map_to_rdb_versions() {
        let redis = |v| rdb_version_for(&ServerKind::Redis, parse_version(v));
        assert_eq!(redis("7.0.15"), Some(10));
        assert_eq!(redis("7.2.4"), Some(11));
        assert_eq!(redis("7.4.1"), Some(12));
        assert_eq!(redis("6.2.14"), Some(9));
        assert_eq!(redis("5.0.7"), Some(9));
        assert_eq!(redis("4.0.14"), Some(8));
        assert_eq!(redis("3.2.12"), Some(7));
        assert_eq!(redis("garbage"), None);
        assert_eq!(
            rdb_version_for(&ServerKind::Valkey, parse_version("8.1.8")),
            Some(11)
        );
    }
}
