//! Hand-written runtime shared by every generated service crate.
//!
//! Generated code (in `hwcloud-dcs`, `hwcloud-sms`) is kept thin: data types, serde,
//! validation and per-operation glue. Everything with behaviour lives here.

pub mod build;
pub mod client;
pub mod config;
pub mod credentials;
mod discovery;
pub mod error;
pub mod iam;
pub mod json_equivalence;
pub mod lenient;
pub mod operation;
pub mod paginator;
pub mod runtime;
pub mod secret;
pub mod sensitive;
pub mod signing;
pub mod spelling;
pub mod transport;
pub mod validate;
pub mod waiter;
pub mod waiter_def;

pub use build::BuildError;
pub use config::{Cloud, Config, RetryPolicy, Timeouts};
pub use credentials::Credentials;
pub use error::{Error, ServiceError};
pub use lenient::NumberOrString;
pub use runtime::{CallOptions, Response, Runtime};
pub use secret::Secret;
pub use spelling::Spelling;
pub use validate::{ValidationErrors, Violation};
