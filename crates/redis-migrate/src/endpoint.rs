//! Where a server is and how to log in, without ever showing the password.
//!
//! URLs name the server (`redis://[user@]host:port[/db]`); passwords come from elsewhere (an
//! environment variable or a file, chosen by the caller), because a URL on a command line is
//! visible to every user of the machine. A URL that carries a password is refused with a
//! message that says where to put it instead, and never repeats it.

use std::fmt;

/// A secret string: `Debug` and `Display` print `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself; call only where it is sent.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// A Redis server to connect to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// `host:port` as given (IPv6 hosts in brackets).
    pub host: String,
    pub port: u16,
    /// ACL user (`AUTH user password`); `None` for the default user (`AUTH password`).
    pub user: Option<String>,
    pub password: Option<Secret>,
    /// Database for commands that need one (import into a database other than 0).
    pub db: u32,
}

/// Why a URL is not usable. Never contains a password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EndpointError {
    #[error("{url}: expected redis://[user@]host:port[/db]")]
    Syntax { url: String },
    #[error(
        "the URL carries a password; pass it through the environment or a password file instead (command lines are visible to every user of the machine)"
    )]
    PasswordInUrl,
    #[error("{url}: bad port {port:?} (1-65535)")]
    Port { url: String, port: String },
    #[error("{url}: bad database {db:?} (a number)")]
    Db { url: String, db: String },
    #[error("{url}: {scheme}:// is not supported (redis:// only; TLS is not implemented)")]
    Scheme { url: String, scheme: String },
}

impl Endpoint {
    /// Parses `redis://[user@]host[:port][/db]` (port 6379 by default). `host:port` alone is
    /// accepted too.
    pub fn parse(url: &str) -> Result<Endpoint, EndpointError> {
        let syntax = || EndpointError::Syntax {
            url: redact_userinfo(url),
        };
        let rest = match url.split_once("://") {
            Some(("redis", rest)) => rest,
            Some((scheme, _)) => {
                return Err(EndpointError::Scheme {
                    url: redact_userinfo(url),
                    scheme: scheme.to_owned(),
                });
            }
            None => url,
        };
        let (authority, db) = match rest.split_once('/') {
            Some((a, "")) => (a, None),
            Some((a, db)) => (a, Some(db)),
            None => (rest, None),
        };
        let (user, hostport) = match authority.rsplit_once('@') {
            Some((userinfo, hp)) => {
                if userinfo.contains(':') {
                    return Err(EndpointError::PasswordInUrl);
                }
                (Some(userinfo.to_owned()).filter(|u| !u.is_empty()), hp)
            }
            None => (None, authority),
        };
        let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
            let (h, after) = v6.split_once(']').ok_or_else(syntax)?;
            (format!("[{h}]"), after.strip_prefix(':'))
        } else {
            match hostport.rsplit_once(':') {
                Some((h, p)) => (h.to_owned(), Some(p)),
                None => (hostport.to_owned(), None),
            }
        };
        if host.is_empty() || host.contains(['?', '#', ' ']) {
            return Err(syntax());
        }
        let port =
            match port {
                None => 6379,
                Some(p) => p.parse::<u16>().ok().filter(|&p| p != 0).ok_or_else(|| {
                    EndpointError::Port {
                        url: redact_userinfo(url),
                        port: p.to_owned(),
                    }
                })?,
            };
        let db = match db {
            None => 0,
            Some(d) => d.parse().map_err(|_| EndpointError::Db {
                url: redact_userinfo(url),
                db: d.to_owned(),
            })?,
        };
        Ok(Endpoint {
            host,
            port,
            user,
            password: None,
            db,
        })
    }

    /// Sets the password (from an environment variable or a file).
    pub fn with_password(mut self, password: Option<Secret>) -> Self {
        self.password = password;
        self
    }

    /// `host:port`, for connecting and for messages.
    pub fn addr(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.user {
            Some(u) => write!(f, "redis://{u}@{}:{}", self.host, self.port),
            None => write!(f, "redis://{}:{}", self.host, self.port),
        }
    }
}

/// The URL with anything between `://` and `@` replaced, for error messages.
fn redact_userinfo(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let shown = match rest.rsplit_once('@') {
        Some((_, hp)) => format!("***@{hp}"),
        None => rest.to_owned(),
    };
    if scheme.is_empty() {
        shown
    } else {
        format!("{scheme}://{shown}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_accepted_forms() {
        let e = Endpoint::parse("redis://127.0.0.1:6380").unwrap();
        assert_eq!(
            (e.host.as_str(), e.port, e.user.as_deref(), e.db),
            ("127.0.0.1", 6380, None, 0)
        );
        let e = Endpoint::parse("redis://app@cache.local/3").unwrap();
        assert_eq!(
            (e.host.as_str(), e.port, e.user.as_deref(), e.db),
            ("cache.local", 6379, Some("app"), 3)
        );
        let e = Endpoint::parse("[::1]:7000").unwrap();
        assert_eq!((e.addr().as_str(), e.port), ("[::1]:7000", 7000));
        assert_eq!(Endpoint::parse("redis://h:1/").unwrap().db, 0);
    }

    #[test]
    fn a_password_in_the_url_is_refused_and_never_repeated() {
        let err = Endpoint::parse("redis://app:hunter2@h:1").unwrap_err();
        assert_eq!(err, EndpointError::PasswordInUrl);
        assert!(!err.to_string().contains("hunter2"));
        let err = Endpoint::parse("redis://:hunter2@h:1").unwrap_err();
        assert!(!err.to_string().contains("hunter2"));
        let err = Endpoint::parse("redis://u@h:99999").unwrap_err();
        assert!(err.to_string().contains("99999"), "{err}");
    }

    #[test]
    fn bad_urls_say_what_is_wrong() {
        assert!(matches!(
            Endpoint::parse("rediss://h:1"),
            Err(EndpointError::Scheme { .. })
        ));
        assert!(matches!(
            Endpoint::parse("redis://h:0"),
            Err(EndpointError::Port { .. })
        ));
        assert!(matches!(
            Endpoint::parse("redis://h:1/x"),
            Err(EndpointError::Db { .. })
        ));
        assert!(matches!(
            Endpoint::parse("redis://:1"),
            Err(EndpointError::Syntax { .. })
        ));
        assert!(matches!(
            Endpoint::parse("redis://h?x:1"),
            Err(EndpointError::Syntax { .. })
        ));
    }

    #[test]
    fn secrets_do_not_print() {
        let e = Endpoint::parse("redis://h:1")
            .unwrap()
            .with_password(Some(Secret::new("hunter2")));
        assert!(!format!("{e:?} {e}").contains("hunter2"));
    }
}
