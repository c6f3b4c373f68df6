//! Huawei Cloud / Open Telekom Cloud DCS (managed Redis) data migration, API v2.
//!
//! Models and operations are generated from `spec/dcs.yaml` into [`generated`]; never edit
//! them by hand.

// Formatted by prettyplease at generation time; rustfmt must leave it alone.
#[rustfmt::skip]
pub mod generated;

pub use generated::{operations, types};
