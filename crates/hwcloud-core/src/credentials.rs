//! Credentials: static AK/SK, the official environment variables, the profile file, IAM
//! tokens, and the default chain of the official SDK core (`docs/api-notes.md`,
//! "Official SDK behaviour the runtime follows").
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

    /// Checks every value with [`check_value`]; the error names the field, never its value.
    pub fn check(&self) -> Result<(), String> {
        let fields: [(&str, Option<&str>, bool); 4] = match self {
            Credentials::AkSk {
                access_key,
                secret_key,
                security_token,
                project_id,
            } => [
                ("access key", Some(access_key), true),
                ("secret key", Some(secret_key.expose()), false),
                (
                    "security token",
                    security_token.as_ref().map(Secret::expose),
                    true,
                ),
                ("project id", project_id.as_deref(), true),
            ],
            Credentials::Token { token, project_id } => [
                ("IAM token", Some(token.expose()), true),
                ("project id", project_id.as_deref(), true),
                ("", None, false),
                ("", None, false),
            ],
        };
        for (name, value, header) in fields {
            if let Some(value) = value {
                check_value(value, header).map_err(|why| format!("the {name} {why}"))?;
            }
        }
        Ok(())
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

    /// Like [`var`](Self::var), but a value that is set and is not UTF-8 is an error instead
    /// of looking unset. The credential providers read their variables with it.
    fn var_utf8(&self, name: &str) -> Result<Option<String>, NotUtf8> {
        Ok(self.var(name))
    }
}

/// An environment variable is set to bytes that are not UTF-8.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotUtf8;

/// The process environment.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok().filter(|v| !v.is_empty())
    }

    fn var_utf8(&self, name: &str) -> Result<Option<String>, NotUtf8> {
        match std::env::var(name) {
            Ok(v) => Ok(Some(v).filter(|v| !v.is_empty())),
            Err(std::env::VarError::NotPresent) => Ok(None),
            Err(std::env::VarError::NotUnicode(_)) => Err(NotUtf8),
        }
    }
}

/// Why a credential value cannot be used, without the value: a control character anywhere
/// (CR/LF would split the header it is sent in), or a non-ASCII character in a value sent
/// as a header (`sent_as_header`: everything but the secret key, which only keys the HMAC).
pub fn check_value(value: &str, sent_as_header: bool) -> Result<(), String> {
    if let Some((at, _)) = value.char_indices().find(|(_, c)| c.is_control()) {
        return Err(format!("contains a control character at byte {at}"));
    }
    if sent_as_header && let Some(at) = value.bytes().position(|b| !b.is_ascii()) {
        return Err(format!(
            "contains a non-ASCII character at byte {at} (it is sent in a header)"
        ));
    }
    Ok(())
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
    env_credentials(env).map_err(|(e, _)| e)
}

/// [`from_env`], telling whether the failure must stop the chain: a variable that is set to
/// something unusable is a mistake to report, not a reason to try the next provider.
fn env_credentials(env: &dyn Env) -> Result<Credentials, (CredentialsError, bool)> {
    const NAME: &str = "environment";
    let read = |var: &'static str, sent_as_header: bool| -> Result<Option<String>, _> {
        let value = env.var_utf8(var).map_err(|NotUtf8| {
            let e = CredentialsError::one(NAME, format!("{var} is set but is not valid UTF-8"));
            (e, true)
        })?;
        if let Some(v) = &value {
            check_value(v, sent_as_header)
                .map_err(|why| (CredentialsError::one(NAME, format!("{var} {why}")), true))?;
        }
        Ok(value)
    };
    let (ak, sk) = (read(ENV_AK, true)?, read(ENV_SK, false)?);
    let (token, project) = (read(ENV_SECURITY_TOKEN, true)?, read(ENV_PROJECT_ID, true)?);
    let missing = |why: String| (CredentialsError::one(NAME, why), false);
    match (ak, sk) {
        (Some(ak), Some(sk)) => {
            let mut c = Credentials::new(ak, sk);
            if let Some(t) = token {
                c = c.with_security_token(t);
            }
            if let Some(p) = project {
                c = c.with_project_id(p);
            }
            Ok(c)
        }
        (None, None) => Err(missing(format!("{ENV_AK} and {ENV_SK} are not set"))),
        (Some(_), None) => Err(missing(format!("{ENV_AK} is set but {ENV_SK} is not"))),
        (None, Some(_)) => Err(missing(format!("{ENV_SK} is set but {ENV_AK} is not"))),
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
            let key = key.trim().to_ascii_lowercase();
            let value = value.trim();
            if let Some(sent_as_header) = match key.as_str() {
                "sk" => Some(false),
                "ak" | "security_token" | "project_id" => Some(true),
                _ => None,
            } {
                check_value(value, sent_as_header)
                    .map_err(|why| format!("line {}: `{key}` {why}", i + 1))?;
            }
            basic.insert(key, value.to_owned());
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

/// The default chain: environment, then profile file. The error lists every failure; an
/// environment variable set to an unusable value (control characters, not UTF-8) stops the
/// chain with that error rather than falling back to the profile file.
/// (The official chain also tries OIDC, ECS metadata and pod identity, which only work inside
/// Huawei Cloud; they are not implemented here.)
pub fn default_chain(env: &dyn Env) -> Result<Credentials, CredentialsError> {
    let mut attempts = Vec::new();
    match env_credentials(env) {
        Ok(c) => return Ok(c),
        Err((e, true)) => return Err(e),
        Err((mut e, false)) => attempts.append(&mut e.attempts),
    }
    match from_profile(env) {
        Ok(c) => Ok(c),
        Err(mut e) => {
            attempts.append(&mut e.attempts);
            Err(CredentialsError { attempts })
        }
    }
}

#[cfg(test)]
mod tests;
