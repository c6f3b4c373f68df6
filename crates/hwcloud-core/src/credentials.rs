//! Credentials: static AK/SK, the official environment variables, the profile file, IAM
//! tokens, and the default chain (facts §5.2).
//!
//! Secrets live in [`Secret`]; nothing here prints one. A failed chain says why every
//! provider failed, without values.

use crate::secret::Secret;
use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;

/// Env var: access key id.
pub const ENV_AK: &str = "HUAWEICLOUD_SDK_AK";
/// Env var: secret access key.
pub const ENV_SK: &str = "HUAWEICLOUD_SDK_SK";
/// Env var: security token of temporary credentials.
pub const ENV_SECURITY_TOKEN: &str = "HUAWEICLOUD_SDK_SECURITY_TOKEN";
/// Env var: project id.
pub const ENV_PROJECT_ID: &str = "HUAWEICLOUD_SDK_PROJECT_ID";
/// Env var: path of the profile file.
pub const ENV_CREDENTIALS_FILE: &str = "HUAWEICLOUD_SDK_CREDENTIALS_FILE";

/// How requests are authenticated.
#[derive(Clone, PartialEq, Eq)]
pub enum Credentials {
    /// Access key / secret key, signed per request.
    AkSk {
        /// Access key id (not secret; it appears in `Authorization`).
        access_key: String,
        /// Secret access key.
        secret_key: Secret,
        /// Security token of temporary credentials, sent as `X-Security-Token`.
        security_token: Option<Secret>,
        /// Project id: fills `{project_id}` and is sent as `X-Project-Id`.
        project_id: Option<String>,
    },
    /// An IAM token sent as `X-Auth-Token`; requests are not signed.
    Token {
        /// The IAM token.
        token: Secret,
        /// Project id the token is scoped to.
        project_id: Option<String>,
    },
}

impl Credentials {
    /// Static AK/SK credentials.
    pub fn new(access_key: impl Into<String>, secret_key: impl Into<Secret>) -> Self {
        Credentials::AkSk {
            access_key: access_key.into(),
            secret_key: secret_key.into(),
            security_token: None,
            project_id: None,
        }
    }

    /// IAM token credentials.
    pub fn token(token: impl Into<Secret>) -> Self {
        Credentials::Token {
            token: token.into(),
            project_id: None,
        }
    }

    /// Sets the project id.
    pub fn with_project_id(mut self, id: impl Into<String>) -> Self {
        match &mut self {
            Credentials::AkSk { project_id, .. } | Credentials::Token { project_id, .. } => {
                *project_id = Some(id.into())
            }
        }
        self
    }

    /// Sets the security token (AK/SK credentials only; ignored for IAM tokens).
    pub fn with_security_token(mut self, token: impl Into<Secret>) -> Self {
        if let Credentials::AkSk { security_token, .. } = &mut self {
            *security_token = Some(token.into());
        }
        self
    }

    /// The project id, if known.
    pub fn project_id(&self) -> Option<&str> {
        match self {
            Credentials::AkSk { project_id, .. } | Credentials::Token { project_id, .. } => {
                project_id.as_deref()
            }
        }
    }

    /// The access key id, for AK/SK credentials.
    pub fn access_key(&self) -> Option<&str> {
        match self {
            Credentials::AkSk { access_key, .. } => Some(access_key),
            Credentials::Token { .. } => None,
        }
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credentials::AkSk {
                access_key,
                security_token,
                project_id,
                ..
            } => f
                .debug_struct("Credentials::AkSk")
                .field("access_key", access_key)
                .field("secret_key", &"***")
                .field("security_token", &security_token.as_ref().map(|_| "***"))
                .field("project_id", project_id)
                .finish(),
            Credentials::Token { project_id, .. } => f
                .debug_struct("Credentials::Token")
                .field("token", &"***")
                .field("project_id", project_id)
                .finish(),
        }
    }
}

/// Where environment values come from; a trait so tests need not touch the process env.
pub trait Env: Send + Sync {
    /// The value of `name`, if set and not empty.
    fn var(&self, name: &str) -> Option<String>;
}

/// The process environment.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok().filter(|v| !v.is_empty())
    }
}

impl Env for HashMap<String, String> {
    fn var(&self, name: &str) -> Option<String> {
        self.get(name).filter(|v| !v.is_empty()).cloned()
    }
}

/// Why no credentials could be found: one entry per provider tried.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct CredentialsError {
    /// `(provider, reason)` in the order tried.
    pub attempts: Vec<(&'static str, String)>,
}

impl fmt::Display for CredentialsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("no credentials found")?;
        for (i, (provider, reason)) in self.attempts.iter().enumerate() {
            let sep = if i == 0 { ": " } else { "; " };
            write!(f, "{sep}{provider}: {reason}")?;
        }
        Ok(())
    }
}

impl CredentialsError {
    fn one(provider: &'static str, reason: impl Into<String>) -> Self {
        CredentialsError {
            attempts: vec![(provider, reason.into())],
        }
    }
}

/// Reads `HUAWEICLOUD_SDK_AK`/`_SK`/`_SECURITY_TOKEN`/`_PROJECT_ID`.
pub fn from_env(env: &dyn Env) -> Result<Credentials, CredentialsError> {
    const NAME: &str = "environment";
    match (env.var(ENV_AK), env.var(ENV_SK)) {
        (Some(ak), Some(sk)) => {
            let mut c = Credentials::new(ak, sk);
            if let Some(t) = env.var(ENV_SECURITY_TOKEN) {
                c = c.with_security_token(t);
            }
            if let Some(p) = env.var(ENV_PROJECT_ID) {
                c = c.with_project_id(p);
            }
            Ok(c)
        }
        (None, None) => Err(CredentialsError::one(
            NAME,
            format!("{ENV_AK} and {ENV_SK} are not set"),
        )),
        (Some(_), None) => Err(CredentialsError::one(
            NAME,
            format!("{ENV_AK} is set but {ENV_SK} is not"),
        )),
        (None, Some(_)) => Err(CredentialsError::one(
            NAME,
            format!("{ENV_SK} is set but {ENV_AK} is not"),
        )),
    }
}

/// The profile file path: `HUAWEICLOUD_SDK_CREDENTIALS_FILE`, else
/// `~/.huaweicloud/credentials` (HOME, or USERPROFILE on Windows).
pub fn profile_path(env: &dyn Env) -> Option<PathBuf> {
    if let Some(p) = env.var(ENV_CREDENTIALS_FILE) {
        return Some(PathBuf::from(p));
    }
    let home = env.var("HOME").or_else(|| env.var("USERPROFILE"))?;
    Some(PathBuf::from(home).join(".huaweicloud").join("credentials"))
}

/// Reads the `[basic]` section of the profile file (INI: `ak`, `sk`, `security_token`,
/// `project_id`).
pub fn from_profile(env: &dyn Env) -> Result<Credentials, CredentialsError> {
    const NAME: &str = "profile file";
    let Some(path) = profile_path(env) else {
        return Err(CredentialsError::one(
            NAME,
            "no HOME and no HUAWEICLOUD_SDK_CREDENTIALS_FILE",
        ));
    };
    let text = std::fs::read_to_string(&path)
        .map_err(|e| CredentialsError::one(NAME, format!("cannot read {}: {e}", path.display())))?;
    parse_profile(&text)
        .map_err(|reason| CredentialsError::one(NAME, format!("{}: {reason}", path.display())))
}

/// Parses the profile file text; errors name the line and never quote a value.
pub fn parse_profile(text: &str) -> Result<Credentials, String> {
    let mut section = String::new();
    let mut basic: HashMap<String, String> = HashMap::new();
    let mut seen_basic = false;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[') {
            let Some(name) = name.strip_suffix(']') else {
                return Err(format!("line {}: unterminated section header", i + 1));
            };
            section = name.trim().to_ascii_lowercase();
            seen_basic |= section == "basic";
            continue;
        }
        let Some((key, value)) = line.split_once('=').or_else(|| line.split_once(':')) else {
            return Err(format!("line {}: expected `key = value`", i + 1));
        };
        if section == "basic" {
            basic.insert(key.trim().to_ascii_lowercase(), value.trim().to_owned());
        }
    }
    if !seen_basic {
        return Err("no [basic] section".into());
    }
    let get = |k: &str| basic.get(k).filter(|v| !v.is_empty()).cloned();
    let (Some(ak), Some(sk)) = (get("ak"), get("sk")) else {
        return Err("[basic] needs both `ak` and `sk`".into());
    };
    let mut c = Credentials::new(ak, sk);
    if let Some(t) = get("security_token") {
        c = c.with_security_token(t);
    }
    if let Some(p) = get("project_id") {
        c = c.with_project_id(p);
    }
    Ok(c)
}

/// The default chain: environment, then profile file. The error lists every failure.
/// (The official chain also tries OIDC, ECS metadata and pod identity, which only work inside
/// Huawei Cloud; they are not implemented here.)
pub fn default_chain(env: &dyn Env) -> Result<Credentials, CredentialsError> {
    let mut attempts = Vec::new();
    for provider in [from_env, from_profile] {
        match provider(env) {
            Ok(c) => return Ok(c),
            Err(mut e) => attempts.append(&mut e.attempts),
        }
    }
    Err(CredentialsError { attempts })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn env_provider_reads_all_variables() {
        let c = from_env(&env(&[
            (ENV_AK, "AKID"),
            (ENV_SK, "topsecret-sk"),
            (ENV_SECURITY_TOKEN, "topsecret-token"),
            (ENV_PROJECT_ID, "p1"),
        ]))
        .unwrap();
        assert_eq!(c.access_key(), Some("AKID"));
        assert_eq!(c.project_id(), Some("p1"));
        let dbg = format!("{c:?}");
        assert!(!dbg.contains("topsecret"), "{dbg}");
    }

    #[test]
    fn env_provider_explains_partial_config() {
        let e = from_env(&env(&[(ENV_AK, "AKID")])).unwrap_err();
        assert!(e.to_string().contains("HUAWEICLOUD_SDK_SK is not"));
    }

    #[test]
    fn profile_parsing() {
        let c = parse_profile(
            "# comment\n[other]\nak = X\n[basic]\nak = AK2\nsk = topsecret\nproject_id = p2\n",
        )
        .unwrap();
        assert_eq!(c.access_key(), Some("AK2"));
        assert_eq!(c.project_id(), Some("p2"));
        assert_eq!(
            parse_profile("[basic]\nak = A\n").unwrap_err(),
            "[basic] needs both `ak` and `sk`"
        );
        assert_eq!(
            parse_profile("[basic\n").unwrap_err(),
            "line 1: unterminated section header"
        );
        let e = parse_profile("[basic]\nsk topsecret\n").unwrap_err();
        assert!(!e.contains("topsecret"), "{e}");
    }

    #[test]
    fn chain_falls_back_to_profile_and_lists_failures() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("creds");
        std::fs::write(&file, "[basic]\nak=FROMFILE\nsk=s\n").unwrap();
        let e = env(&[(ENV_CREDENTIALS_FILE, file.to_str().unwrap())]);
        assert_eq!(default_chain(&e).unwrap().access_key(), Some("FROMFILE"));

        let missing = env(&[(ENV_CREDENTIALS_FILE, "/nonexistent/creds")]);
        let err = default_chain(&missing).unwrap_err();
        assert_eq!(err.attempts.len(), 2);
        let text = err.to_string();
        assert!(
            text.contains("environment: HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK are not set")
        );
        assert!(text.contains("profile file: cannot read /nonexistent/creds"));
    }

    #[test]
    fn home_profile_path() {
        assert_eq!(
            profile_path(&env(&[("HOME", "/home/u")])),
            Some(PathBuf::from("/home/u/.huaweicloud/credentials"))
        );
    }
}
