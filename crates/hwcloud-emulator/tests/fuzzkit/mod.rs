//! Property-based fuzzing of the emulator from the exported OpenAPI documents
//! (`spec/openapi/{dcs,sms}.json`), with requests signed as the SDK signs them.
//!
//! Every operation of both documents is called with valid inputs drawn from its schemas,
//! with invalid ones made from them, with another project's ids, with refused signatures,
//! and beside it methods and paths of no operation; ids the emulator answers are used by
//! later requests (stateful sequences), two projects work at once, and every answer is
//! checked ([`checks`]). Used by `tests/fuzz.rs` (a short run in `cargo test`) and by
//! `examples/openapi_fuzz.rs` (the long run, documented in the crate README).
#![allow(dead_code)]

pub mod checks;
pub mod client;
pub mod draw;
pub mod driver;
pub mod mutate;
pub mod plan;
pub mod schema;
pub mod setup;
pub mod spec;
pub mod summary;
pub mod world;
