//! Generated models and operations for DCS; see `spec/dcs.yaml`.

pub mod generated;
