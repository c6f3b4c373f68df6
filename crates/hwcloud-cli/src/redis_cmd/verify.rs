//! `hwcloud redis verify --source URL --target URL [--mode …]`: exit 0 when equal, 1 with a
//! report of the differences.

use super::{SourceArgs, TargetArgs};
use crate::runner::{CliError, exit};
use clap::{Args, ValueEnum};
use redis_migrate::verify::{self, Mode, VerifyError, VerifyOptions};
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ModeArg {
    /// DEBUG DIGEST of both servers (falls back to a key-by-key compare when refused or
    /// when the two servers hash differently)
    Digest,
    /// Every key exists on both sides with the same type
    Outline,
    /// … and the same length
    Length,
    /// … and the same value and TTL
    Full,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    #[command(flatten)]
    source: SourceArgs,
    #[command(flatten)]
    target: TargetArgs,
    /// How deep to compare
    #[arg(long, value_enum, default_value = "full")]
    mode: ModeArg,
    /// Largest TTL difference still equal, in milliseconds
    #[arg(long, value_name = "MS", default_value_t = 2000)]
    ttl_tolerance_ms: u64,
    /// Compare again this many times, only the keys that differed (for a live sync whose
    /// differences heal)
    #[arg(long, value_name = "N", default_value_t = 1)]
    rounds: u32,
    /// Seconds between rounds
    #[arg(long, value_name = "SECONDS", default_value_t = 2)]
    round_interval: u64,
}

pub async fn run(a: VerifyArgs) -> Result<(), CliError> {
    let source = a.source.endpoint()?;
    let target = a.target.endpoint()?;
    if a.rounds == 0 {
        return Err(CliError::usage("--rounds must be at least 1"));
    }
    let options = VerifyOptions {
        mode: match a.mode {
            ModeArg::Digest => Mode::Digest,
            ModeArg::Outline => Mode::Outline,
            ModeArg::Length => Mode::Length,
            ModeArg::Full => Mode::Full,
        },
        ttl_tolerance: Duration::from_millis(a.ttl_tolerance_ms),
        rounds: a.rounds,
        round_interval: Duration::from_secs(a.round_interval),
        ..VerifyOptions::default()
    };
    let report = verify::verify(&source, &target, &options)
        .await
        .map_err(|e| CliError {
            code: match &e {
                VerifyError::Conn { source, .. } => super::conn_code(source),
                _ => exit::FAILED,
            },
            message: e.to_string(),
        })?;
    println!("{report}");
    if report.equal {
        Ok(())
    } else {
        Err(CliError {
            code: exit::FAILED,
            message: "the servers differ (see the report above)".into(),
        })
    }
}
