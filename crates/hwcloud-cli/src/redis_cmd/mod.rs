//! `hwcloud redis migrate | import | verify`: the Redis migration engine on the command line.
//!
//! Passwords come from `HWCLOUD_REDIS_SOURCE_PASSWORD` / `HWCLOUD_REDIS_TARGET_PASSWORD`
//! (or `REDISCLI_AUTH`, as redis-cli reads it) or from `--source-password-file` /
//! `--target-password-file`; never from a flag or a URL.

mod import;
mod migrate;
mod progress;
pub(crate) mod secrets;
mod verify;

use crate::runner::{CliError, exit};
use clap::{Args, Subcommand};
use redis_migrate::endpoint::Endpoint;
use redis_migrate::engine::EngineError;
use secrets::Side;
use std::path::PathBuf;

/// Exit codes of the `redis` commands (the others keep their meaning).
pub const EXIT_HELP: &str = "Exit codes: 0 done (verify: equal), 1 the job failed or found differences, \
2 usage, 4 a server cannot be reached, 5 credentials or configuration (wrong password, replication \
refused). Passwords: HWCLOUD_REDIS_SOURCE_PASSWORD, HWCLOUD_REDIS_TARGET_PASSWORD (else \
REDISCLI_AUTH), or --source-password-file / --target-password-file; never on the command line.";

/// The `redis` subcommands.
#[derive(Debug, Subcommand)]
pub enum RedisCommand {
    /// Copy a Redis server into another: the snapshot, then (incremental) every write until
    /// stopped, over the replication protocol
    Migrate(migrate::MigrateArgs),
    /// Write backup files (RDB, AOF, multi-part AOF, zip or tar.gz of them) into a server
    Import(import::ImportArgs),
    /// Compare two servers and report every difference
    Verify(verify::VerifyArgs),
}

/// Where the target is and how to log in (shared by the three commands).
#[derive(Debug, Clone, Args)]
pub struct TargetArgs {
    /// Target server: redis://[user@]host:port[/db]
    #[arg(long, value_name = "URL")]
    pub target: String,
    /// File whose first line is the target password
    #[arg(long, value_name = "FILE")]
    pub target_password_file: Option<PathBuf>,
}

/// Where the source is and how to log in.
#[derive(Debug, Clone, Args)]
pub struct SourceArgs {
    /// Source server: redis://[user@]host:port
    #[arg(long, value_name = "URL")]
    pub source: String,
    /// File whose first line is the source password
    #[arg(long, value_name = "FILE")]
    pub source_password_file: Option<PathBuf>,
}

impl TargetArgs {
    /// The target with its password (file, environment, or none).
    pub fn endpoint(&self) -> Result<Endpoint, CliError> {
        secrets::endpoint(
            Side::Target,
            &self.target,
            self.target_password_file.as_deref(),
        )
    }
}

impl SourceArgs {
    /// The source with its password (file, environment, or none).
    pub fn endpoint(&self) -> Result<Endpoint, CliError> {
        secrets::endpoint(
            Side::Source,
            &self.source,
            self.source_password_file.as_deref(),
        )
    }
}

/// Runs one `redis` subcommand.
pub async fn run(cmd: RedisCommand) -> Result<(), CliError> {
    match cmd {
        RedisCommand::Migrate(a) => migrate::run(a).await,
        RedisCommand::Import(a) => import::run(a).await,
        RedisCommand::Verify(a) => verify::run(a).await,
    }
}

/// The exit code for an engine error: unreachable servers 4, refused credentials or a source
/// that refuses replication 5, anything else 1.
pub fn engine_failure(e: &EngineError) -> CliError {
    use redis_migrate::replica::ReplError;
    let code = match e {
        EngineError::TargetConnect(c) => conn_code(c),
        EngineError::Source(ReplError::Conn(c)) => conn_code(c),
        EngineError::Source(ReplError::Handshake { .. }) => exit::CONFIG,
        _ => exit::FAILED,
    };
    CliError {
        code,
        message: e.to_string(),
    }
}

/// The exit code for a connection error: refused credentials 5, unreachable 4, else 1.
pub fn conn_code(c: &redis_migrate::conn::ConnError) -> u8 {
    match c {
        redis_migrate::conn::ConnError::Auth { .. } => exit::CONFIG,
        c if c.is_transient() => exit::TRANSPORT,
        _ => exit::FAILED,
    }
}

/// Parses a bandwidth limit in MB/s (DCS `bandwidth_limit_mb`: 1–10240, MB = 1,048,576
/// bytes) into bytes per second.
fn bandwidth(mb: Option<u64>) -> Result<Option<u64>, CliError> {
    mb.map(|mb| {
        redis_migrate::ratelimit::bandwidth_limit_mb_to_bytes(mb)
            .map_err(|e| CliError::usage(format!("--bandwidth-limit-mb: {e}")))
    })
    .transpose()
}
