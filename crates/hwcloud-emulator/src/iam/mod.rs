//! IAM, as far as clients of the emulated services need it: the token call
//! (`POST /v3/auth/tokens`, by password or by an AK/SK-signed request) and the project lookup
//! of automatic project-id discovery (`GET /v3/projects?name=<region>`). The routes take their
//! metadata from `hwcloud_core::iam`, which the runtime calls them with.
//!
//! - `model`: the request body of the token call, and the identities (account, user, project)
//!   the answers describe;
//! - `handlers`: one function per operation.
//!
//! What IAM shares with every service (error shape, codes, paths) is its
//! [`Profile`](crate::profile::IAM).

mod handlers;
mod model;

use std::sync::Arc;

use axum::response::Response;
use hwcloud_core::operation::OperationMeta;

use crate::app::App;
use crate::error::ApiError;
use crate::request::Ctx;

/// The IAM operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IamOp {
    CreateToken,
    ListProjects,
}

impl IamOp {
    /// Whether the operation may be called without a signature or token: the token call
    /// authenticates by the password in its body.
    pub fn anonymous_allowed(self) -> bool {
        self == IamOp::CreateToken
    }
}

/// Route table entries.
pub const ROUTES: &[(&OperationMeta, IamOp)] = &[
    (&hwcloud_core::iam::CREATE_TOKEN, IamOp::CreateToken),
    (&hwcloud_core::iam::LIST_PROJECTS, IamOp::ListProjects),
];

/// Serves one IAM operation.
pub async fn dispatch(app: &Arc<App>, op: IamOp, ctx: Ctx) -> Result<Response, ApiError> {
    match op {
        IamOp::CreateToken => handlers::create_token(app, ctx).await,
        IamOp::ListProjects => handlers::list_projects(app, ctx).await,
    }
}
