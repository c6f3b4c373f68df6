//! Spec model, loader and checks.

pub mod ir;
pub mod load;
pub mod model;

pub use load::{SpecError, load_dir, load_file, load_str};
