//! `hwcloud`: the command line of the hwcloud SDK.
//!
//! `hwcloud [global flags] <service> <operation> [flags]` — one subcommand per spec
//! operation (generated into `generated/`), plus waits, `demo`, `emulator serve` and
//! `completions`. Credentials come only from the official environment variables and the
//! profile file, never from flags (flags show in `ps`).

mod demo;
mod emulator_cmd;
#[rustfmt::skip]
mod generated;
mod output;
mod runner;
mod wait;

use clap::{Arg, ArgAction, ArgMatches, Args, Command, FromArgMatches};
use hwcloud_core::client::{ClientBuilder, ServiceClient};
use hwcloud_core::credentials::{self, ProcessEnv};
use hwcloud_core::{Cloud, Credentials};
use runner::{CliError, exit};
use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

fn cli() -> Command {
    let dcs = generated::dcs::command()
        .subcommand(wait::dcs_task_command())
        .subcommand(wait::dcs_job_command());
    let sms = generated::sms::command().subcommand(wait::sms_task_command());
    let emulator = emulator_cmd::EmulatorArgs::augment_args(
        Command::new("emulator").about("Run the local emulator of the DCS and SMS APIs"),
    );
    Command::new("hwcloud")
        .version(env!("CARGO_PKG_VERSION"))
        .about("Huawei Cloud / Open Telekom Cloud DCS data migration and SMS migration tasks")
        .after_help(
            "Credentials: HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK, HUAWEICLOUD_SDK_SECURITY_TOKEN, \
             HUAWEICLOUD_SDK_PROJECT_ID, or the [basic] section of ~/.huaweicloud/credentials \
             (HUAWEICLOUD_SDK_CREDENTIALS_FILE).\n\
             Exit codes: 0 ok, 2 usage or validation, 3 service error, 4 transport or timeout, \
             5 credentials or configuration.",
        )
        .subcommand_required(true)
        .arg(global(
            "endpoint",
            "URL",
            "Endpoint URL (e.g. http://127.0.0.1:8080 for the emulator)",
        ))
        .arg(
            global(
                "cloud",
                "CLOUD",
                "huaweicloud or otc (picks the region table)",
            )
            .value_parser(["huaweicloud", "otc"]),
        )
        .arg(global(
            "region",
            "REGION",
            "Region id, e.g. eu-west-0 or eu-de",
        ))
        .arg(global(
            "project-id",
            "ID",
            "Project id (overrides the one from the credentials)",
        ))
        .arg(
            global("output", "FORMAT", "Output format")
                .value_parser(["json", "table"])
                .default_value("json"),
        )
        .arg(
            global("timeout", "SECONDS", "Whole-call timeout in seconds")
                .value_parser(clap::value_parser!(f64)),
        )
        .arg(
            Arg::new("skip-validation")
                .long("skip-validation")
                .global(true)
                .action(ArgAction::SetTrue)
                .help("Send without client-side validation (the service still validates)"),
        )
        .arg(
            Arg::new("verbose")
                .short('v')
                .long("verbose")
                .global(true)
                .action(ArgAction::Count)
                .help("Log to stderr (-v info, -vv debug, -vvv trace); secrets are never logged"),
        )
        .subcommand(dcs)
        .subcommand(sms)
        .subcommand(demo::command())
        .subcommand(emulator)
        .subcommand(
            Command::new("completions")
                .about("Print a shell completion script")
                .arg(
                    Arg::new("shell")
                        .required(true)
                        .value_parser(["bash", "zsh", "fish"]),
                ),
        )
}

fn global(id: &'static str, value: &'static str, help: &'static str) -> Arg {
    Arg::new(id)
        .long(id)
        .value_name(value)
        .global(true)
        .help(help)
}

fn main() -> ExitCode {
    let matches = match cli().try_get_matches() {
        Ok(m) => m,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() {
                exit::USAGE
            } else {
                exit::OK
            });
        }
    };
    init_tracing(matches.get_count("verbose"));
    let (name, sub) = matches.subcommand().expect("subcommand_required");
    match name {
        "emulator" => match emulator_cmd::EmulatorArgs::from_arg_matches(sub) {
            Ok(args) => emulator_cmd::run(args),
            Err(e) => {
                let _ = e.print();
                ExitCode::from(exit::USAGE)
            }
        },
        "completions" => {
            let shell = sub.get_one::<String>("shell").map(String::as_str);
            let shell = match shell {
                Some("zsh") => clap_complete::Shell::Zsh,
                Some("fish") => clap_complete::Shell::Fish,
                _ => clap_complete::Shell::Bash,
            };
            clap_complete::generate(shell, &mut cli(), "hwcloud", &mut std::io::stdout());
            ExitCode::SUCCESS
        }
        _ => {
            let rt = match tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    return report(CliError::config(format!(
                        "cannot start the async runtime: {e}"
                    )));
                }
            };
            match rt.block_on(dispatch(name, sub)) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => report(e),
            }
        }
    }
}

fn report(e: CliError) -> ExitCode {
    let _ = writeln!(std::io::stderr(), "error: {}", e.message);
    ExitCode::from(e.code)
}

fn init_tracing(verbosity: u8) {
    let level = match verbosity {
        0 => return,
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(level))
        .with_writer(std::io::stderr)
        .try_init();
}

async fn dispatch(service: &str, m: &ArgMatches) -> Result<(), CliError> {
    if service == "demo" {
        return demo::run(m).await;
    }
    let (op, sub) = m
        .subcommand()
        .ok_or_else(|| CliError::usage(format!("hwcloud {service}: missing operation")))?;
    let format = match sub.get_one::<String>("output").map(String::as_str) {
        Some("table") => output::Format::Table,
        _ => output::Format::Json,
    };
    let skip = sub.get_flag("skip-validation");
    let outcome = match service {
        "dcs" => {
            let client: hwcloud_dcs::Client = build_client(sub)?;
            match op {
                wait::DCS_TASK => wait::dcs_task(&client, sub).await?,
                wait::DCS_JOB => wait::dcs_job(&client, sub).await?,
                _ => generated::dcs::run(&client, op, sub, skip).await?,
            }
        }
        "sms" => {
            let client: hwcloud_sms::Client = build_client(sub)?;
            match op {
                wait::SMS_TASK => wait::sms_task(&client, sub).await?,
                _ => generated::sms::run(&client, op, sub, skip).await?,
            }
        }
        other => return Err(CliError::usage(format!("unknown service {other:?}"))),
    };
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(output::render(&outcome.value, format).as_bytes());
    if let Some(id) = outcome.request_id {
        tracing::info!(request_id = %id, "done");
    }
    Ok(())
}

/// A client from the global flags and the credentials chain (env, then profile file).
pub fn build_client<C: ServiceClient>(m: &ArgMatches) -> Result<C, CliError> {
    let mut creds: Credentials =
        credentials::default_chain(&ProcessEnv).map_err(|e| CliError::config(format!("{e}")))?;
    if let Some(p) = m.get_one::<String>("project-id") {
        creds = creds.with_project_id(p.clone());
    }
    configure(ClientBuilder::<C>::new().credentials(creds), m)?
        .build()
        .map_err(CliError::from)
}

/// Applies `--endpoint`, `--cloud`, `--region` and `--timeout`.
pub fn configure<C: ServiceClient>(
    mut b: ClientBuilder<C>,
    m: &ArgMatches,
) -> Result<ClientBuilder<C>, CliError> {
    if let Some(ep) = m.get_one::<String>("endpoint") {
        b = b.endpoint(ep.clone());
    }
    if let Some(c) = m.get_one::<String>("cloud") {
        let cloud = Cloud::parse(c)
            .ok_or_else(|| CliError::usage(format!("--cloud: unknown cloud {c:?}")))?;
        b = b.cloud(cloud);
    }
    if let Some(r) = m.get_one::<String>("region") {
        b = b.region(r.clone());
    }
    if let Some(t) = m.get_one::<f64>("timeout") {
        if !(t.is_finite() && *t > 0.0) {
            return Err(CliError::usage(
                "--timeout: must be a positive number of seconds",
            ));
        }
        let limit = Duration::from_secs_f64(*t);
        b = b.configure(|c| {
            c.timeouts.call = Some(limit);
            c.timeouts.attempt = c.timeouts.attempt.min(limit);
        });
    }
    Ok(b)
}

#[cfg(test)]
mod tests {
    #[test]
    fn command_tree_is_valid() {
        super::cli().debug_assert();
    }
}
