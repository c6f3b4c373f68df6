//! Automatic project-id discovery, as the official SDK core does it
//! (`BasicCredentials.process_auth_params` in huaweicloudsdkcore): when the credentials carry
//! no project id and a call needs one, the client asks IAM once — a signed
//! `GET /v3/projects?name=<region>` to the endpoint of [`crate::iam::iam_endpoint`] — and
//! keeps the answer for every later call. Exactly one project must come back.

use std::sync::atomic::AtomicU32;

use tracing::Instrument;

use crate::error::Error;
use crate::iam::{LIST_PROJECTS, project_from_listing};
use crate::operation::OperationMeta;
use crate::runtime::{Plan, Runtime, encode_query_into};

impl Runtime {
    /// Makes sure a call of `meta` has its project id: nothing to do when the path needs none
    /// or the credentials (or an earlier lookup) have it; otherwise the lookup runs, once per
    /// client even for concurrent calls.
    pub(crate) async fn ensure_project_id(&self, meta: &OperationMeta) -> Result<(), Error> {
        if !meta.needs_project_id() || self.project_id().is_some() {
            return Ok(());
        }
        self.inner_discovered()
            .get_or_try_init(|| self.look_up_project_id(meta))
            .await?;
        Ok(())
    }

    /// `GET {iam}/v3/projects?name=<region>`, signed like any call of this client.
    async fn look_up_project_id(&self, meta: &OperationMeta) -> Result<String, Error> {
        let hint = "or set HUAWEICLOUD_SDK_PROJECT_ID, `project_id` in the profile file, or Credentials::with_project_id";
        let region = match self.config().region.as_deref() {
            Some(r) if !r.is_empty() => r.to_owned(),
            _ => {
                return Err(Error::Config(format!(
                    "{} needs a project id: the credentials have none, and without a region it cannot be looked up through IAM; set a region, {hint}",
                    meta.name
                )));
            }
        };
        let iam = match self.inner_iam() {
            Some(Ok(ep)) => ep.url.clone(),
            Some(Err(why)) => {
                return Err(Error::Config(format!(
                    "cannot look up the project id of region {region}: {why}; {hint}"
                )));
            }
            None => {
                return Err(Error::Config(format!(
                    "{} needs a project id; {hint}",
                    meta.name
                )));
            }
        };
        let mut url = String::with_capacity(iam.len() + 32 + region.len());
        url.push_str(&iam);
        let start = url.len();
        url.push_str(LIST_PROJECTS.path);
        let path = start..url.len();
        let query = vec![("name".to_owned(), region.clone())];
        encode_query_into(&query, &mut url);
        let plan = Plan {
            meta: &LIST_PROJECTS,
            path,
            url,
            query,
            headers: Vec::new(),
            body: Vec::new(),
            to_iam: true,
        };
        let span = tracing::info_span!("hwcloud.project_lookup", %region, iam = %iam);
        let resp = self
            .send_with_retries(&plan, &AtomicU32::new(0))
            .instrument(span)
            .await
            .map_err(|e| {
                Error::Config(format!(
                    "cannot look up the project id of region {region} through IAM ({iam}): {e}; {hint}"
                ))
            })?;
        let id = project_from_listing(&resp.body, &region).map_err(|why| {
            Error::Config(format!(
                "cannot look up the project id through IAM ({iam}): {why}"
            ))
        })?;
        tracing::info!(%region, "project id looked up through IAM");
        Ok(id)
    }
}
