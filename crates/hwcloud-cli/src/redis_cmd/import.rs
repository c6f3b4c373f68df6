//! `hwcloud redis import FILE... --target URL`: exit 0 only when every key and command of
//! every file was written.

use super::{TargetArgs, bandwidth, engine_failure, progress};
use crate::runner::CliError;
use clap::Args;
use redis_migrate::engine::{ImportRunOptions, import_files};
use redis_migrate::metrics::Metrics;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Backup files: .rdb, .aof, multi-part AOF directories or manifests, and .zip / .tar.gz
    /// archives of them (recognised by their content, not their name); each is imported
    #[arg(value_name = "FILE", required = true)]
    files: Vec<PathBuf>,
    #[command(flatten)]
    target: TargetArgs,
    /// Limit on bytes written to the target, in MB/s (1 MB = 1,048,576 bytes; 1-10240)
    #[arg(long, value_name = "MB")]
    bandwidth_limit_mb: Option<u64>,
    /// Load an AOF whose last command is cut off up to its last complete command, with a
    /// warning (as Redis's aof-load-truncated); an error otherwise
    #[arg(long)]
    accept_truncated_aof: bool,
    /// Replay FLUSHALL/FLUSHDB found in AOFs (dropped by default)
    #[arg(long)]
    keep_flush: bool,
}

pub async fn run(a: ImportArgs) -> Result<(), CliError> {
    let target = a.target.endpoint()?;
    let mut opts = ImportRunOptions::new(target);
    opts.bandwidth = bandwidth(a.bandwidth_limit_mb)?;
    opts.keep_flush = a.keep_flush;
    opts.import.accept_truncated_tail = a.accept_truncated_aof;
    let metrics = Arc::new(Metrics::new());
    let reporter = tokio::spawn(progress::report(metrics.clone()));
    let result = import_files(&a.files, opts, metrics.clone()).await;
    // Let the reporter print the last events.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    reporter.abort();
    let outcome = result.map_err(|e| engine_failure(&e))?;
    for (name, summary) in &outcome.sources {
        let commands: u64 = summary.parts.iter().map(|p| p.commands).sum();
        println!(
            "{name}: {} part(s), {commands} command(s){}",
            summary.parts.len(),
            if summary.warnings.is_empty() {
                String::new()
            } else {
                format!(", {} warning(s)", summary.warnings.len())
            }
        );
    }
    println!(
        "done: {} keys written, {} already expired (skipped), {} AOF commands applied",
        outcome.keys_written, outcome.keys_skipped_expired, outcome.commands
    );
    Ok(())
}
