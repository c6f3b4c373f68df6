//! `hwcloud emulator serve`: runs the emulator until ctrl-c (or SIGTERM).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use hwcloud_emulator::{Credential, Emulator, read_credentials_file};

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

    /// Log filter (RUST_LOG syntax).
    #[arg(long, env = "HWCLOUD_LOG", default_value = "info")]
    log: String,
}

/// Runs the subcommand; the exit code is 0 after a clean shutdown, 2 on a start-up error.
pub fn run(args: EmulatorArgs) -> ExitCode {
    match args.command {
        EmulatorCommand::Serve(serve) => run_serve(serve),
    }
}

fn run_serve(args: ServeArgs) -> ExitCode {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_new(&args.log)
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .try_init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    runtime.block_on(serve(args))
}

async fn serve(args: ServeArgs) -> ExitCode {
    let mut builder = Emulator::builder()
        .listen_addr(args.listen)
        .env_credentials();
    if let Some(path) = &args.credentials {
        match read_credentials_file(path) {
            Ok(list) => builder = builder.credentials(list),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        }
    }
    if let Some(dir) = &args.data_dir {
        builder = builder.data_dir(dir);
    }
    if let Some(speed) = args.clock_speed {
        builder = builder.clock_speed(speed);
    }
    let handle = match builder.start().await {
        Ok(h) => h,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    println!("hwcloud emulator listening on {}", handle.base_url());
    match handle.data_dir() {
        Some(dir) => println!("state: {}", dir.display()),
        None => println!("state: in memory"),
    }
    for c in handle.credentials() {
        print_credential(c);
    }
    println!(
        "control API: {}/_emulator/ (clock, faults, requests)",
        handle.base_url()
    );
    handle.run_until(shutdown_signal()).await;
    println!("hwcloud emulator stopped");
    ExitCode::SUCCESS
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

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = tokio::signal::ctrl_c().await;
                    return;
                }
            };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
