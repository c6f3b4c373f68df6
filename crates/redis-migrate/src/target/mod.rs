//! Writing to a standalone target: one pipelined connection with replies checked
//! ([`Pipeline`]), what the target is ([`probe`]), and the commands that recreate a key
//! ([`restore`], [`rewrite`]).

pub mod batch;
mod driver;
mod error;
mod pipeline;
pub mod probe;
pub mod reply;
pub mod restore;
pub mod rewrite;
mod window;

pub use batch::{Ack, Batch, BatchBuilder, CmdInfo, Replay};
pub use error::PipelineError;
pub use pipeline::{Backoff, Pipeline, PipelineConfig};
pub use probe::{ServerKind, TargetInfo, probe};
pub use reply::{ErrorClass, Refusal};
pub use window::{Acked, WindowLimits};
