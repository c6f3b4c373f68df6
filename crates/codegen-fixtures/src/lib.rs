//! Compiled output of the generator's feature fixtures.
//!
//! Every `xtask/fixtures/<name>.yaml` is a small spec exercising one generator feature;
//! `cargo xtask codegen` writes its code to `src/generated/<name>/` (one module per fixture,
//! listed in the generated `src/generated/mod.rs`). The tests in `tests/` check the
//! behaviour of that code: validation messages, builders, serde, Debug redaction, request
//! parts. Never edit `src/generated/` by hand.

// Formatted by prettyplease at generation time; rustfmt must leave it alone.
#[rustfmt::skip]
pub mod generated;
