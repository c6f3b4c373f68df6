//! The route table of every emulated service: which operation a method and path name, and
//! the hand-over to that service's dispatch.
//!
//! Each service folder exposes its operations as an enum, a `ROUTES` table built from the
//! generated operation `META`s, and a `dispatch`; this module is the only list of services
//! on the routing side (their differences live in [`crate::profile`]). A routed request is
//! answered by the service of its route, whatever its path prefix.

use std::sync::Arc;

use axum::response::Response;
use hwcloud_core::operation::OperationMeta;
use hwcloud_core::signing::encoding::url_decode;

use crate::app::App;
use crate::dcs::{self, DcsOp};
use crate::error::ApiError;
use crate::iam::{self, IamOp};
use crate::profile::{self, Profile};
use crate::request::{Ctx, PathParams};
use crate::sms::{self, SmsOp};

/// A routed operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Dcs(DcsOp),
    Sms(SmsOp),
    Iam(IamOp),
}

impl Op {
    /// The service that answers the operation (its error shape, codes and checks).
    pub fn profile(self) -> &'static Profile {
        match self {
            Op::Dcs(_) => &profile::DCS,
            Op::Sms(_) => &profile::SMS,
            Op::Iam(_) => &profile::IAM,
        }
    }

    /// Whether the operation may be called with neither a signature nor a token (it
    /// authenticates by its body).
    pub fn anonymous_allowed(self) -> bool {
        matches!(self, Op::Iam(op) if op.anonymous_allowed())
    }

    /// Serves the operation.
    pub async fn serve(self, app: &Arc<App>, ctx: Ctx) -> Result<Response, ApiError> {
        match self {
            Op::Dcs(op) => dcs::dispatch(app, op, ctx).await,
            Op::Sms(op) => sms::dispatch(app, op, ctx).await,
            Op::Iam(op) => iam::dispatch(app, op, ctx).await,
        }
    }
}

/// A matched route: the operation, its spec metadata and the decoded path parameters.
pub struct Route {
    pub op: Op,
    pub meta: &'static OperationMeta,
    pub params: PathParams,
}

/// Matches `method` and `path` against every spec operation.
pub fn match_route(method: &str, path: &str) -> Option<Route> {
    let dcs = dcs::ROUTES.iter().map(|(m, o)| (*m, Op::Dcs(*o)));
    let sms = sms::ROUTES.iter().map(|(m, o)| (*m, Op::Sms(*o)));
    let iam = iam::ROUTES.iter().map(|(m, o)| (*m, Op::Iam(*o)));
    let mut best: Option<(Route, usize)> = None;
    for (meta, op) in dcs.chain(sms).chain(iam) {
        if meta.method != method {
            continue;
        }
        if let Some((params, literals)) = match_template(meta.path, path) {
            // Prefer the template with the most literal segments (`/tasks/delete` over
            // `/tasks/{task_id}`).
            if best.as_ref().is_none_or(|(_, l)| literals > *l) {
                best = Some((Route { op, meta, params }, literals));
            }
        }
    }
    best.map(|(route, _)| route)
}

fn match_template(template: &'static str, path: &str) -> Option<(PathParams, usize)> {
    let mut t = template.split('/');
    let mut p = path.split('/');
    let mut params = Vec::new();
    let mut literals = 0;
    loop {
        match (t.next(), p.next()) {
            (None, None) => return Some((params, literals)),
            (Some(ts), Some(ps)) => {
                if let Some(name) = ts.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                    if ps.is_empty() {
                        return None;
                    }
                    params.push((name, url_decode(ps)));
                } else if ts == ps {
                    literals += 1;
                } else {
                    return None;
                }
            }
            _ => return None,
        }
    }
}
