//! Emulator configuration: credentials, timings.

use std::path::Path;
use std::time::Duration;

use hwcloud_core::Secret;

/// Access key of the documented test credential used when none is configured.
pub const DEFAULT_AK: &str = "EMULATORTESTAK0000001";
/// Secret key of the documented test credential (public test data, safe to print).
pub const DEFAULT_SK: &str = "emulator-test-secret-key";
/// Project of the documented test credential.
pub const DEFAULT_PROJECT_ID: &str = "0123456789abcdef0123456789abcdef";
/// Default region: the `V11-HMAC-SHA256` derivation scope used when a malformed
/// `Authorization` header names none (well-formed ones are verified for the region they name).
pub const DEFAULT_REGION: &str = "eu-west-0";

/// Account (domain) of the documented test IAM user.
pub const DEFAULT_DOMAIN: &str = "emulator-domain";
/// Name of the documented test IAM user.
pub const DEFAULT_USER: &str = "emulator-user";
/// Password of the documented test IAM user (public test data, safe to print).
pub const DEFAULT_PASSWORD: &str = "emulator-test-password";

/// One accepted AK/SK pair and the project it belongs to, with the IAM user of that project
/// who may obtain tokens by password, if any.
#[derive(Clone, PartialEq, Eq)]
pub struct Credential {
    /// Access key id.
    pub ak: String,
    /// Secret access key.
    pub sk: Secret,
    /// The project this key belongs to.
    pub project_id: String,
    /// An IAM user of the same project (`POST /v3/auth/tokens` with a password).
    pub user: Option<IamUser>,
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credential")
            .field("ak", &self.ak)
            .field("sk", &self.sk)
            .field("project_id", &self.project_id)
            .field("user", &self.user)
            .finish()
    }
}

/// An IAM user: account (domain) name, user name and password.
#[derive(Clone, PartialEq, Eq)]
pub struct IamUser {
    /// The account the user belongs to (`auth.identity.password.user.domain.name`).
    pub domain: String,
    /// The user name.
    pub name: String,
    /// The password.
    pub password: Secret,
}

impl std::fmt::Debug for IamUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IamUser")
            .field("domain", &self.domain)
            .field("name", &self.name)
            .field("password", &self.password)
            .finish()
    }
}

impl IamUser {
    /// A user.
    pub fn new(
        domain: impl Into<String>,
        name: impl Into<String>,
        password: impl Into<String>,
    ) -> Self {
        Self {
            domain: domain.into(),
            name: name.into(),
            password: Secret::new(password.into()),
        }
    }

    /// The documented test user ([`DEFAULT_DOMAIN`], [`DEFAULT_USER`], [`DEFAULT_PASSWORD`]).
    pub fn test_default() -> Self {
        Self::new(DEFAULT_DOMAIN, DEFAULT_USER, DEFAULT_PASSWORD)
    }
}

impl Credential {
    /// A credential.
    pub fn new(
        ak: impl Into<String>,
        sk: impl Into<String>,
        project_id: impl Into<String>,
    ) -> Self {
        Self {
            ak: ak.into(),
            sk: Secret::new(sk.into()),
            project_id: project_id.into(),
            user: None,
        }
    }

    /// The same credential, with `user` as the IAM user of its project.
    pub fn with_user(mut self, user: IamUser) -> Self {
        self.user = Some(user);
        self
    }

    /// The documented test credential ([`DEFAULT_AK`], [`DEFAULT_SK`], [`DEFAULT_PROJECT_ID`]),
    /// with the documented test user.
    pub fn test_default() -> Self {
        Self::new(DEFAULT_AK, DEFAULT_SK, DEFAULT_PROJECT_ID).with_user(IamUser::test_default())
    }

    /// True for the documented test credential (whose secret may be printed).
    pub fn is_test_default(&self) -> bool {
        self.ak == DEFAULT_AK && self.sk.expose() == DEFAULT_SK
    }

    /// `HUAWEICLOUD_SDK_AK` / `_SK` / `_PROJECT_ID` from the environment, when all three are
    /// set and non-empty.
    pub fn from_env() -> Option<Self> {
        let get = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        Some(Self::new(
            get("HUAWEICLOUD_SDK_AK")?,
            get("HUAWEICLOUD_SDK_SK")?,
            get("HUAWEICLOUD_SDK_PROJECT_ID")?,
        ))
    }
}

/// Why a credentials file was refused.
#[derive(Debug, thiserror::Error)]
pub enum CredentialsFileError {
    /// The file could not be read.
    #[error("cannot read credentials file {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The file is not the documented JSON shape.
    #[error(
        "credentials file {path} is not a JSON list of {{\"ak\", \"sk\", \"project_id\"}} objects: {message}"
    )]
    Format {
        /// The file.
        path: String,
        /// What is wrong (never includes a secret).
        message: String,
    },
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct FileEntry {
    ak: String,
    sk: String,
    project_id: String,
    #[serde(default)]
    user: Option<FileUser>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct FileUser {
    domain: String,
    name: String,
    password: String,
}

#[derive(serde::Deserialize)]
#[serde(untagged)]
enum FileShape {
    List(Vec<FileEntry>),
    Object { credentials: Vec<FileEntry> },
}

/// Reads a credentials file: a JSON list `[{"ak": "...", "sk": "...", "project_id": "..."}]`
/// (or the same list under a top-level `"credentials"` key); an entry may add the IAM user
/// of its project, `"user": {"domain": "...", "name": "...", "password": "..."}`.
pub fn read_credentials_file(path: &Path) -> Result<Vec<Credential>, CredentialsFileError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| CredentialsFileError::Read {
        path: shown.clone(),
        source,
    })?;
    parse_credentials(&text).map_err(|message| CredentialsFileError::Format {
        path: shown,
        message,
    })
}

/// Parses the credentials file format (see [`read_credentials_file`]).
pub fn parse_credentials(text: &str) -> Result<Vec<Credential>, String> {
    // serde_json error messages quote no input values, so no secret can leak through them.
    let shape: FileShape = serde_json::from_str(text).map_err(|e| {
        format!(
            "line {} column {}: {}",
            e.line(),
            e.column(),
            match e.classify() {
                serde_json::error::Category::Syntax | serde_json::error::Category::Eof =>
                    "invalid JSON",
                _ => "unexpected structure",
            }
        )
    })?;
    let entries = match shape {
        FileShape::List(l) | FileShape::Object { credentials: l } => l,
    };
    let mut out = Vec::with_capacity(entries.len());
    for (i, e) in entries.into_iter().enumerate() {
        if e.ak.trim().is_empty() || e.sk.is_empty() || e.project_id.trim().is_empty() {
            return Err(format!(
                "entry {i}: ak, sk and project_id must be non-empty"
            ));
        }
        let mut c = Credential::new(e.ak.trim(), e.sk, e.project_id.trim());
        if let Some(u) = e.user {
            if u.domain.trim().is_empty() || u.name.trim().is_empty() || u.password.is_empty() {
                return Err(format!(
                    "entry {i}: user domain, name and password must be non-empty"
                ));
            }
            c = c.with_user(IamUser::new(u.domain.trim(), u.name.trim(), u.password));
        }
        out.push(c);
    }
    if out.is_empty() {
        return Err("the list is empty".into());
    }
    Ok(out)
}

/// How long each lifecycle step takes, in *virtual* time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timings {
    /// CreateOnlineMigrationTask's job (migration machine creation): CREATING → RUNNING.
    pub job: Duration,
    /// Full synchronisation after configuration or restart: FULLMIGRATING → SUCCESS /
    /// INCRMIGEATING.
    pub full_sync: Duration,
    /// Stop: TERMINATING → TERMINATED.
    pub terminate: Duration,
    /// Backup import: MIGRATING → SUCCESS.
    pub backup_import: Duration,
    /// SMS migration: RUNNING → MIGRATE_SUCCESS.
    pub sms_migrate: Duration,
    /// SMS stop: ABORTING → ABORT.
    pub sms_abort: Duration,
    /// DCS IP switch (exchange or rollback): EXCHANGING → EXCHANGE_SUCCESS / ROLLBACK_SUCCESS.
    pub ip_switch: Duration,
}

impl Default for Timings {
    fn default() -> Self {
        Self {
            job: Duration::from_secs(1),
            full_sync: Duration::from_secs(2),
            terminate: Duration::from_secs(1),
            backup_import: Duration::from_secs(2),
            sms_migrate: Duration::from_secs(3),
            sms_abort: Duration::from_secs(1),
            ip_switch: Duration::from_secs(2),
        }
    }
}

pub(crate) fn ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX / 4)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_shapes_and_never_echoes_secrets() {
        let a = parse_credentials(r#"[{"ak":"A","sk":"S","project_id":"P"}]"#).unwrap();
        assert_eq!(a[0].ak, "A");
        let b =
            parse_credentials(r#"{"credentials":[{"ak":"A","sk":"S","project_id":"P"}]}"#).unwrap();
        assert_eq!(b, a);
        let e = parse_credentials(r#"[{"ak":"A","sk":"topsecret"}]"#).unwrap_err();
        assert!(!e.contains("topsecret"), "{e}");
        assert!(parse_credentials("[]").is_err());
        let u = parse_credentials(
            r#"[{"ak":"A","sk":"S","project_id":"P","user":{"domain":"d","name":"n","password":"pw-secret"}}]"#,
        )
        .unwrap();
        assert_eq!(u[0].user.as_ref().map(|u| u.name.as_str()), Some("n"));
        assert!(!format!("{:?}", u[0]).contains("pw-secret"));
        let e = parse_credentials(
            r#"[{"ak":"A","sk":"S","project_id":"P","user":{"domain":"d","name":"n","password":""}}]"#,
        )
        .unwrap_err();
        assert!(e.contains("password"), "{e}");
        assert!(format!("{:?}", a[0]).contains("***"));
    }
}
