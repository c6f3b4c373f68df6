//! Huawei Cloud / Open Telekom Cloud DCS (managed Redis) data migration, API v2.
//!
//! [`Client`] has one method per operation, returning a request with a setter per input and
//! `.send().await`, and one `wait_until_…` method per waiter. Models and operations are
//! generated from `spec/dcs.yaml` into [`generated`]; never edit them by hand. Signing,
//! credentials, retries and errors live in [`hwcloud_core`].
//!
//! Online migration, from creating the migration machine to a finished full migration:
//!
//! ```no_run
//! use hwcloud_dcs::Client;
//! use hwcloud_dcs::types::{ConfigMigrationInstanceBody, MigrationMethod, ResumeMode};
//! use std::time::Duration;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! // Credentials from HUAWEICLOUD_SDK_AK / _SK / _PROJECT_ID or ~/.huaweicloud/credentials.
//! let client = Client::builder().region("eu-west-0").build()?;
//!
//! let created = client
//!     .create_online_migration_task()
//!     .name("orders-cache")
//!     .vpc_id("vpc-1")
//!     .subnet_id("subnet-1")
//!     .security_group_id("sg-1")
//!     .send()
//!     .await?;
//! let task_id = created.instance_id.clone().unwrap_or_default(); // the task id
//! if let Some(job) = &created.job_id {
//!     client.wait_until_job_done(job.clone()).wait().await?;
//! }
//!
//! client
//!     .set_online_migration_task()
//!     .task_id(task_id.clone())
//!     .migration_method(MigrationMethod::FullAmount)
//!     .resume_mode(ResumeMode::Auto)
//!     .source_instance(ConfigMigrationInstanceBody::builder().addrs("10.0.0.1:6379").build()?)
//!     .target_instance(ConfigMigrationInstanceBody::builder().id("dcs-instance-id").build()?)
//!     .send()
//!     .await?;
//!
//! let done = client
//!     .wait_until_migration_task_done(task_id.clone())
//!     .max_wait(Duration::from_secs(3600))
//!     .on_progress(|p| println!("{} after {:?}", p.state, p.elapsed))
//!     .wait()
//!     .await?;
//! println!("finished: {:?}", done.status);
//!
//! let task = client.show_migration_task().task_id(task_id).send().await?;
//! println!("request id {:?}: {:?}", task.request_id, task.output);
//! # Ok(()) }
//! ```

// Formatted by prettyplease at generation time; rustfmt must leave it alone.
#[rustfmt::skip]
pub mod generated;

pub use generated::client::Client;
pub use generated::{endpoints, operations, types, waiters};
pub use hwcloud_core::{
    CallOptions, Cloud, Config, Credentials, Error, Response, RetryPolicy, ServiceError, Timeouts,
};

/// The README's library example, compiled as a doctest so it stays true.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;
