//! Huawei Cloud SMS (Server Migration Service) migration tasks, API v3.
//!
//! [`Client`] has one method per operation, returning a request with a setter per input and
//! `.send().await`, and [`Client::wait_until_task_done`]. Models and operations are generated
//! from `spec/sms.yaml` into [`generated`]; never edit them by hand. Signing, credentials,
//! retries and errors live in [`hwcloud_core`]. SMS is a global control plane on Huawei Cloud
//! only (there is no SMS on Open Telekom Cloud).
//!
//! Create a task for a registered source server, start it, wait, then look at it:
//!
//! ```no_run
//! use hwcloud_sms::Client;
//! use hwcloud_sms::types::{PostTask, TaskOperation};
//! use std::time::Duration;
//!
//! # async fn run(task_body: PostTask) -> Result<(), Box<dyn std::error::Error>> {
//! // Credentials from HUAWEICLOUD_SDK_AK / _SK or ~/.huaweicloud/credentials.
//! let client = Client::builder().region("ap-southeast-3").build()?;
//!
//! let created = client.create_task().body(task_body).send().await?;
//! let task_id = created.id.clone().unwrap_or_default();
//! client
//!     .update_task_status()
//!     .task_id(task_id.clone())
//!     .operation(TaskOperation::Start)
//!     .send()
//!     .await?;
//!
//! client
//!     .wait_until_task_done(task_id.clone())
//!     .max_wait(Duration::from_secs(6 * 3600))
//!     .on_progress(|p| println!("{} after {:?}", p.state, p.elapsed))
//!     .wait()
//!     .await?;
//!
//! let task = client.show_task().task_id(task_id).send().await?;
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
