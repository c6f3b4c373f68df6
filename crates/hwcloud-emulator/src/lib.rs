//! A local emulator of the Huawei Cloud DCS v2 data-migration and SMS v3 task APIs.
//!
//! It serves every operation of the spec on one loopback address, with the same generated
//! models and validation as the SDK, AK/SK signature checks, per-project isolation, status
//! lifecycles on a controllable clock, fault injection and durable state. See the crate
//! README for the control API, defaults and the credentials file format.
//!
//! ```no_run
//! # async fn demo() -> Result<(), hwcloud_emulator::EmulatorError> {
//! let emu = hwcloud_emulator::Emulator::builder().in_memory().start().await?;
//! println!("DCS and SMS at {}", emu.base_url());
//! emu.clock().advance(std::time::Duration::from_secs(5)).ok();
//! emu.shutdown().await;
//! # Ok(()) }
//! ```

mod app;
mod auth;
mod builder_dataplane;
pub mod clock;
mod config;
mod control;
mod dataplane;
mod dcs;
mod dirlock;
mod error;
mod iam;
mod ids;
mod listener;
mod pipeline;
mod profile;
mod request;
mod requestlog;
mod response;
mod routing;
mod server;
mod shapes;
mod sms;
mod store;
mod sync;
mod timefmt;
mod timeline;
mod tokens;

pub use app::FaultSpec;
pub use auth::MAX_SKEW;
pub use clock::{ClockError, ClockHandle, ClockState};
pub use config::{
    Credential, CredentialsFileError, DEFAULT_AK, DEFAULT_DOMAIN, DEFAULT_PASSWORD,
    DEFAULT_PROJECT_ID, DEFAULT_REGION, DEFAULT_SK, DEFAULT_USER, IamUser, Timings,
    parse_credentials, read_credentials_file,
};
pub use control::TOKEN_HEADER as CONTROL_TOKEN_HEADER;
pub use dataplane::setup::RealInstance;
pub use dataplane::spawn::{INSTALL_HINT as REDIS_INSTALL_HINT, find_server as find_redis_server};
pub use profile::codes;
pub use redis_migrate::endpoint::{Endpoint as RedisEndpoint, Secret as RedisSecret};
pub use requestlog::RecordedRequest;
pub use server::{
    DEFAULT_CONCURRENCY_LIMIT, DEFAULT_MAX_BODY_BYTES, DEFAULT_TOKEN_TTL, Emulator,
    EmulatorBuilder, EmulatorError, EmulatorHandle, SHUTDOWN_GRACE,
};
pub use store::StoreError;
