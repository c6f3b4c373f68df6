//! The token call's request body (IAM API reference, "Obtaining a User Token") and the
//! identities IAM answers with. No HTTP here.
//!
//! Accounts and users have ids in IAM; the emulator configures them by name, so their ids
//! are derived from the names (the same name always gives the same id).

use serde::Deserialize;
use sha2::{Digest, Sha256};

/// `{"auth": {"identity": {...}, "scope": {...}}}`.
#[derive(Debug, Deserialize)]
pub struct TokenRequest {
    pub auth: Auth,
}

#[derive(Debug, Deserialize)]
pub struct Auth {
    pub identity: Identity,
    #[serde(default)]
    pub scope: Option<Scope>,
}

/// `methods` (`["password"]`; a signed or token request may send another method, e.g.
/// `hw_ak_sk` or `token`) and the password identity.
#[derive(Debug, Deserialize)]
pub struct Identity {
    #[serde(default)]
    pub methods: Vec<String>,
    #[serde(default)]
    pub password: Option<PasswordIdentity>,
}

#[derive(Debug, Deserialize)]
pub struct PasswordIdentity {
    pub user: UserRef,
}

/// The user: `name` and `password`, and the account (`domain`) it belongs to.
#[derive(Deserialize)]
pub struct UserRef {
    pub name: String,
    pub password: String,
    pub domain: NameRef,
}

impl std::fmt::Debug for UserRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserRef")
            .field("name", &self.name)
            .field("password", &"***")
            .field("domain", &self.domain)
            .finish()
    }
}

#[derive(Debug, Deserialize)]
pub struct NameRef {
    pub name: String,
}

/// What the token is for: a project (by id or name) or an account.
#[derive(Debug, Deserialize)]
pub struct Scope {
    #[serde(default)]
    pub project: Option<ProjectRef>,
    #[serde(default)]
    pub domain: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
pub struct ProjectRef {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
}

impl ProjectRef {
    /// Whether this names `project_id` (by id) or a project of `region` (by name; a project
    /// is named after its region).
    pub fn names(&self, project_id: &str, region: &str) -> bool {
        self.id.as_deref().is_none_or(|id| id == project_id)
            && self.name.as_deref().is_none_or(|n| n == region)
            && (self.id.is_some() || self.name.is_some())
    }
}

/// The id IAM gives `name` of `kind` (`domain`, `user`): 32 hex characters.
pub fn derived_id(kind: &str, name: &str) -> String {
    let d = Sha256::digest(format!("{kind}:{name}").as_bytes());
    hex::encode(&d[..16])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_request_parses_and_hides_its_password() {
        let r: TokenRequest = serde_json::from_str(
            r#"{"auth": {"identity": {"methods": ["password"], "password": {"user":
                {"domain": {"name": "IAMDomain"}, "name": "IAMUser", "password": "IAMPassword"}}},
                "scope": {"project": {"name": "cn-north-1"}}}}"#,
        )
        .unwrap();
        assert_eq!(r.auth.identity.methods, ["password"]);
        let shown = format!("{r:?}");
        assert!(!shown.contains("IAMPassword"), "{shown}");
        let p = r.auth.scope.unwrap().project.unwrap();
        assert!(p.names("any", "cn-north-1"));
        assert!(!p.names("any", "eu-west-0"));
        assert_eq!(derived_id("domain", "d"), derived_id("domain", "d"));
        assert_ne!(derived_id("domain", "d"), derived_id("user", "d"));
        assert_eq!(derived_id("domain", "d").len(), 32);
    }
}
