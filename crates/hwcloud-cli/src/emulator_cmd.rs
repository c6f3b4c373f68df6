//! `hwcloud emulator serve`: runs the emulator until ctrl-c (or SIGTERM).

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::parser::ValueSource;
use clap::{ArgMatches, Args, Subcommand};
use hwcloud_emulator::{Credential, Emulator, read_credentials_file};

use crate::runner::CliError;

/// `hwcloud emulator ...`
#[derive(Debug, Args)]
pub struct EmulatorArgs {
    #[command(subcommand)]
    command: EmulatorCommand,
}

#[derive(Debug, Subcommand)]
enum EmulatorCommand {
    /// Serve the DCS v2 and SMS v3 APIs on a local address.
    Serve(ServeArgs),
}

/// Options of `hwcloud emulator serve`.
#[derive(Debug, Args)]
struct ServeArgs {
    /// Address to listen on (loopback recommended).
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,

    /// Keep state in this directory (one SQLite file); survives restarts.
    #[arg(long, value_name = "DIR", conflicts_with = "in_memory")]
    data_dir: Option<PathBuf>,

    /// Keep state in memory only (the default when --data-dir is not given).
    #[arg(long)]
    in_memory: bool,

    /// JSON file listing accepted credentials: [{"ak": "...", "sk": "...", "project_id": "..."}].
    /// The official HUAWEICLOUD_SDK_AK/_SK/_PROJECT_ID environment variables are accepted too;
    /// with neither, the documented test credential is used.
    #[arg(long, value_name = "FILE")]
    credentials: Option<PathBuf>,

    /// Virtual seconds per real second for task lifecycles.
    #[arg(long)]
    clock_speed: Option<f64>,

    /// File holding a token the control API (/_emulator/) then requires from every client, in
    /// the X-Emulator-Control-Token header. Without it the control API answers loopback
    /// clients only.
    #[arg(long, value_name = "FILE")]
    control_token_file: Option<PathBuf>,

    #[command(flatten)]
    dataplane: crate::emulator_dataplane::DataPlaneArgs,

    /// Log filter (RUST_LOG syntax).
    #[arg(long, env = "HWCLOUD_LOG", default_value = "info")]
    log: String,
}

impl EmulatorArgs {
    /// The log filter of the emulator, given `m` (the `emulator` subcommand's matches) and the
    /// global `-v` count: `--log` on the command line wins, then `-v`/`-vv`/`-vvv`, then
    /// `HWCLOUD_LOG`, then the default `info`.
    pub fn log_filter(&self, m: &ArgMatches, verbosity: u8) -> String {
        let EmulatorCommand::Serve(serve) = &self.command;
        let from_command_line = m
            .subcommand_matches("serve")
            .and_then(|s| s.value_source("log"))
            == Some(ValueSource::CommandLine);
        match crate::verbose_filter(verbosity) {
            Some(level) if !from_command_line => level.to_owned(),
            _ => serve.log.clone(),
        }
    }
}

/// Runs the subcommand until a clean shutdown. A credentials file that cannot be used is a
/// usage error (exit 2, like `--body FILE`); failing to open the state or bind the address is
/// a configuration error (exit 5).
pub async fn run(args: EmulatorArgs) -> Result<(), CliError> {
    match args.command {
        EmulatorCommand::Serve(serve) => run_serve(serve).await,
    }
}

async fn run_serve(args: ServeArgs) -> Result<(), CliError> {
    // Before anything is announced: a SIGTERM right after the address is printed must stop
    // the emulator cleanly, not kill it.
    let shutdown = crate::shutdown::Shutdown::listen();
    let mut builder = Emulator::builder()
        .listen_addr(args.listen)
        .env_credentials();
    if let Some(path) = &args.credentials {
        let list = read_credentials_file(path).map_err(|e| CliError::usage(e.to_string()))?;
        builder = builder.credentials(list);
    }
    if let Some(dir) = &args.data_dir {
        builder = builder.data_dir(dir);
    }
    if let Some(speed) = args.clock_speed {
        builder = builder.clock_speed(speed);
    }
    if let Some(path) = &args.control_token_file {
        builder = builder.control_token(read_control_token(path)?);
    }
    if !args.listen.ip().to_canonical().is_loopback() {
        eprintln!(
            "WARNING: listening on {}, which is not a loopback address: anyone who can reach \
             it can call the emulated APIs with the accepted credentials (the test default is \
             public). Use 127.0.0.1 unless other machines must reach it.",
            args.listen
        );
    }
    builder = args.dataplane.apply(builder)?;
    let handle = builder
        .start()
        .await
        .map_err(|e| CliError::config(e.to_string()))?;
    println!("hwcloud emulator listening on {}", handle.base_url());
    match handle.data_dir() {
        Some(dir) => println!("state: {}", dir.display()),
        None => println!("state: in memory"),
    }
    for c in handle.credentials() {
        print_credential(c);
    }
    args.dataplane.print(&handle);
    println!(
        "control API: {}/_emulator/ (clock, faults, requests, instances), {}",
        handle.base_url(),
        if args.control_token_file.is_some() {
            "with the control token"
        } else {
            "loopback clients only"
        }
    );
    handle.run_until(shutdown.recv()).await;
    println!("hwcloud emulator stopped");
    Ok(())
}

/// The control token in `path` (surrounding whitespace ignored); an unreadable or empty file
/// is a usage error that never prints the content.
fn read_control_token(path: &std::path::Path) -> Result<String, CliError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        CliError::usage(format!(
            "cannot read --control-token-file {}: {e}",
            path.display()
        ))
    })?;
    let token = text.trim();
    if token.is_empty() {
        return Err(CliError::usage(format!(
            "--control-token-file {} is empty",
            path.display()
        )));
    }
    Ok(token.to_owned())
}

fn print_credential(c: &Credential) {
    if c.is_test_default() {
        // The test default is public, documented test data: printing its SK is safe.
        println!(
            "credential (test default): AK={} SK={} project_id={}",
            c.ak,
            c.sk.expose(),
            c.project_id
        );
    } else {
        println!("credential: AK={} project_id={}", c.ak, c.project_id);
    }
}
