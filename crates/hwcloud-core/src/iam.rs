//! The IAM calls the SDK core makes on its own, as the official core does: the project
//! lookup of automatic project-id discovery (`GET /v3/projects?name=<region>`), and the
//! token call (`POST /v3/auth/tokens`). No spec of this project describes IAM, so their
//! metadata is written here, once, for the runtime and for servers that answer them (the
//! emulator).

use crate::config::{Cloud, Endpoint, check_endpoint};
use crate::credentials::Env;
use crate::operation::{OperationMeta, ResponseKind};

/// Env var naming the IAM endpoint (the official core reads the same one).
pub const ENV_IAM_ENDPOINT: &str = "HUAWEICLOUD_SDK_IAM_ENDPOINT";

/// Keystone "list projects": `GET /v3/projects?name=<region>`, signed. The official core
/// calls it when credentials have no project id (`BasicCredentials.process_auth_params`).
pub const LIST_PROJECTS: OperationMeta = OperationMeta {
    service: "iam",
    name: "KeystoneListProjects",
    method: "GET",
    path: "/v3/projects",
    content_type: "application/json;charset=UTF-8",
    idempotent: true,
    success_status: &[200],
    response: ResponseKind::Json,
    sensitive_params: &[],
    sensitive_body: &[],
};

/// Keystone "create a user token": `POST /v3/auth/tokens` with a password (IAM API
/// reference, "Obtaining a User Token"); the token comes back in `X-Subject-Token`.
pub const CREATE_TOKEN: OperationMeta = OperationMeta {
    service: "iam",
    name: "KeystoneCreateUserTokenByPassword",
    method: "POST",
    path: "/v3/auth/tokens",
    content_type: "application/json;charset=UTF-8",
    idempotent: false,
    success_status: &[201],
    response: ResponseKind::Json,
    sensitive_params: &[],
    sensitive_body: &["auth.identity.password.user.password"],
};

/// The IAM endpoint of regions without their own (the official core's default).
pub const DEFAULT_IAM_ENDPOINT: &str = "https://iam.myhuaweicloud.com";

/// Huawei Cloud regions with their own IAM endpoint, `https://iam.<region>.myhuaweicloud.com`
/// (the table of huaweicloudsdkcore 3.1.219, `auth/endpoint.py`); other regions use
/// [`DEFAULT_IAM_ENDPOINT`].
pub const REGIONS_WITH_OWN_IAM: &[&str] = &[
    "af-south-1",
    "ae-ad-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "cn-east-2",
    "cn-east-3",
    "cn-east-4",
    "cn-east-5",
    "cn-north-1",
    "cn-north-2",
    "cn-north-4",
    "cn-north-9",
    "cn-north-12",
    "cn-south-1",
    "cn-south-2",
    "cn-southwest-2",
    "eu-west-0",
    "la-north-2",
    "la-south-2",
    "me-east-1",
    "my-kualalumpur-1",
    "na-mexico-1",
    "ru-moscow-1",
    "sa-brazil-1",
    "tr-west-1",
];

/// Where the project lookup of `region` goes, as the official core decides: the
/// [`ENV_IAM_ENDPOINT`] variable, else the region's own IAM endpoint, else the default one.
/// Open Telekom Cloud has one IAM endpoint per region, `https://iam.<region>.otc.t-systems.com`.
pub fn iam_endpoint(env: &dyn Env, cloud: Cloud, region: &str) -> Result<Endpoint, String> {
    if let Some(ep) = env.var(ENV_IAM_ENDPOINT) {
        return check_endpoint(&ep).map_err(|e| format!("{ENV_IAM_ENDPOINT}: {e}"));
    }
    let url = match cloud {
        Cloud::Otc => format!("https://iam.{region}.otc.t-systems.com"),
        Cloud::HuaweiCloud if REGIONS_WITH_OWN_IAM.contains(&region) => {
            format!("https://iam.{region}.myhuaweicloud.com")
        }
        Cloud::HuaweiCloud => DEFAULT_IAM_ENDPOINT.to_owned(),
    };
    check_endpoint(&url)
}

/// The project id in a list-projects answer for `region`: there must be exactly one project
/// (the official core refuses none and several alike).
pub fn project_from_listing(body: &[u8], region: &str) -> Result<String, String> {
    #[derive(serde::Deserialize)]
    struct Listing {
        #[serde(default)]
        projects: Vec<Project>,
    }
    #[derive(serde::Deserialize)]
    struct Project {
        id: String,
    }
    let listing: Listing = serde_json::from_slice(body)
        .map_err(|e| format!("the IAM answer is not a project list ({e})"))?;
    match listing.projects.as_slice() {
        [one] if !one.id.is_empty() => Ok(one.id.clone()),
        [] => Err(format!(
            "IAM lists no project named {region}: check the region, or that the credentials belong to an account with a project there"
        )),
        [_] => Err("IAM listed a project without an id".into()),
        several => Err(format!(
            "IAM lists {} projects named {region} ({}): choose one with HUAWEICLOUD_SDK_PROJECT_ID or Credentials::with_project_id",
            several.len(),
            several
                .iter()
                .map(|p| p.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn the_iam_endpoint_follows_the_official_order() {
        let none: HashMap<String, String> = HashMap::new();
        let ep = |env: &HashMap<String, String>, cloud, region| {
            iam_endpoint(env, cloud, region).map(|e| e.url)
        };
        assert_eq!(
            ep(&none, Cloud::HuaweiCloud, "eu-west-0").unwrap(),
            "https://iam.eu-west-0.myhuaweicloud.com"
        );
        assert_eq!(
            ep(&none, Cloud::HuaweiCloud, "xx-new-1").unwrap(),
            DEFAULT_IAM_ENDPOINT
        );
        assert_eq!(
            ep(&none, Cloud::Otc, "eu-de").unwrap(),
            "https://iam.eu-de.otc.t-systems.com"
        );
        let set: HashMap<String, String> = [(
            ENV_IAM_ENDPOINT.to_owned(),
            "http://127.0.0.1:9/".to_owned(),
        )]
        .into();
        assert_eq!(ep(&set, Cloud::Otc, "eu-de").unwrap(), "http://127.0.0.1:9");
        let bad: HashMap<String, String> =
            [(ENV_IAM_ENDPOINT.to_owned(), "ftp://x".to_owned())].into();
        assert!(
            ep(&bad, Cloud::HuaweiCloud, "eu-west-0")
                .unwrap_err()
                .contains(ENV_IAM_ENDPOINT)
        );
    }

    #[test]
    fn exactly_one_project_is_an_answer() {
        let one = br#"{"projects": [{"id": "p1", "name": "eu-west-0"}], "links": {}}"#;
        assert_eq!(project_from_listing(one, "eu-west-0").unwrap(), "p1");
        let none = br#"{"projects": []}"#;
        assert!(
            project_from_listing(none, "eu-west-0")
                .unwrap_err()
                .contains("no project named eu-west-0")
        );
        let two = br#"{"projects": [{"id": "a"}, {"id": "b"}]}"#;
        assert!(project_from_listing(two, "r").unwrap_err().contains("a, b"));
        assert!(project_from_listing(b"<html>", "r").is_err());
    }
}
