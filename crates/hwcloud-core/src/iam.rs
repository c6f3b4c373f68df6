//! The IAM calls the SDK core makes on its own, as the official core does: the project
//! lookup of automatic project-id discovery (`GET /v3/projects?name=<region>`), and the
//! token call (`POST /v3/auth/tokens`). No spec of this project describes IAM, so their
//! metadata is written here, once, for the runtime and for servers that answer them (the
//! emulator).

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
