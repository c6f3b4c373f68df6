//! Redis passwords for `hwcloud redis …`: from an environment variable or a file, never from
//! a flag or a URL (both show in `ps` and in shell history), never printed.

use crate::runner::CliError;
use redis_migrate::endpoint::{Endpoint, Secret};
use std::path::Path;

/// Which server a password is for; picks the variable names and the flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Source,
    Target,
}

impl Side {
    /// The variable read first (`HWCLOUD_REDIS_SOURCE_PASSWORD` / `…_TARGET_…`).
    pub fn env_var(self) -> &'static str {
        match self {
            Side::Source => "HWCLOUD_REDIS_SOURCE_PASSWORD",
            Side::Target => "HWCLOUD_REDIS_TARGET_PASSWORD",
        }
    }

    pub fn flag(self) -> &'static str {
        match self {
            Side::Source => "--source",
            Side::Target => "--target",
        }
    }
}

/// The variable redis-cli reads; used for both sides when the specific one is not set.
pub const SHARED_ENV: &str = "REDISCLI_AUTH";

/// Parses the URL given with `side.flag()` and attaches its password: the file when given,
/// else `side.env_var()`, else `REDISCLI_AUTH`, else none.
pub fn endpoint(side: Side, url: &str, password_file: Option<&Path>) -> Result<Endpoint, CliError> {
    let ep = Endpoint::parse(url).map_err(|e| CliError::usage(format!("{}: {e}", side.flag())))?;
    let password = match password_file {
        Some(path) => Some(from_file(path)?),
        None => from_env(side.env_var())?.or(from_env(SHARED_ENV)?),
    };
    Ok(ep.with_password(password))
}

pub(crate) fn from_env(var: &str) -> Result<Option<Secret>, CliError> {
    match std::env::var(var) {
        Ok(v) if v.is_empty() => Ok(None),
        Ok(v) => check(&v, var).map(Some),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => Err(CliError::config(format!(
            "{var} is not valid UTF-8 (its value is not shown)"
        ))),
    }
}

/// Reads a password file: its first line, without the line ending.
pub(crate) fn from_file(path: &Path) -> Result<Secret, CliError> {
    let shown = path.display();
    let bytes =
        std::fs::read(path).map_err(|e| CliError::config(format!("password file {shown}: {e}")))?;
    let text = String::from_utf8(bytes).map_err(|_| {
        CliError::config(format!(
            "password file {shown} is not valid UTF-8 (its content is not shown)"
        ))
    })?;
    let line = text.lines().next().unwrap_or("");
    if line.is_empty() {
        return Err(CliError::config(format!("password file {shown} is empty")));
    }
    check(line, &format!("password file {shown}"))
}

/// Refuses control characters (a pasted CR/LF would break the `AUTH` command).
fn check(value: &str, what: &str) -> Result<Secret, CliError> {
    if value.chars().any(char::is_control) {
        return Err(CliError::config(format!(
            "{what} contains a control character (its value is not shown)"
        )));
    }
    Ok(Secret::new(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_gives_its_first_line_and_errors_never_show_it() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("pw");
        std::fs::write(&f, "s3cret\nignored\n").unwrap();
        let ep = endpoint(Side::Source, "redis://127.0.0.1:1", Some(&f)).unwrap();
        assert_eq!(ep.password.as_ref().map(Secret::expose), Some("s3cret"));
        std::fs::write(&f, "bad\u{7}pw\n").unwrap();
        let e = endpoint(Side::Source, "redis://127.0.0.1:1", Some(&f)).unwrap_err();
        assert_eq!(e.code, crate::runner::exit::CONFIG);
        assert!(!e.message.contains("bad"), "{}", e.message);
        std::fs::write(&f, "").unwrap();
        assert!(endpoint(Side::Target, "redis://h:1", Some(&f)).is_err());
    }

    #[test]
    fn a_password_in_the_url_is_a_usage_error_without_it() {
        let e = endpoint(Side::Target, "redis://u:hunter2@h:1", None).unwrap_err();
        assert_eq!(e.code, crate::runner::exit::USAGE);
        assert!(e.message.contains("--target") && !e.message.contains("hunter2"));
    }
}
