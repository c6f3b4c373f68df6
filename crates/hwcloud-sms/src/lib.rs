//! Generated models and operations for SMS; see `spec/sms.yaml`.

// Formatted by prettyplease at generation time; rustfmt must leave it alone.
#[rustfmt::skip]
pub mod generated;
