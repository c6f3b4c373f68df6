//! Generated models and operations for SMS; see `spec/sms.yaml`.

pub mod generated;
