//! Hand-written runtime shared by every generated service crate.
//!
//! Generated code (in `hwcloud-dcs`, `hwcloud-sms`) is kept thin: data types, serde,
//! validation and per-operation glue. Everything with behaviour lives here.

pub mod build;
pub mod json_equivalence;
pub mod lenient;
pub mod operation;
pub mod secret;
pub mod signing;
pub mod validate;
pub mod waiter_def;

pub use build::BuildError;
pub use lenient::NumberOrString;
pub use secret::Secret;
pub use validate::{ValidationErrors, Violation};
