//! `hwcloud`: the command line of the hwcloud SDK.
//!
//! `hwcloud [global flags] <service> <operation> [flags]` — one subcommand per spec
//! operation (generated into `generated/`), plus waits, `demo`, `emulator serve` and
//! `completions`. Credentials come only from the official environment variables and the
//! profile file, never from flags (flags show in `ps`).

mod client_flags;
mod demo;
mod emulator_cmd;
mod emulator_dataplane;
mod field_order;
mod from_source;
#[rustfmt::skip]
mod generated;
mod output;
mod query;
mod redis_cmd;
mod runner;
mod shutdown;
mod wait;

use clap::{Arg, ArgAction, ArgMatches, Args, Command, FromArgMatches, Subcommand};
use client_flags::ClientFlags;
use hwcloud_core::client::{ClientBuilder, ServiceClient};
use hwcloud_core::credentials::{self, ProcessEnv};
use hwcloud_core::{Cloud, Credentials};
use query::Query;
use runner::{CliError, exit};
use std::io::Write;
use std::process::ExitCode;

fn cli() -> Command {
    let dcs = generated::dcs::command()
        .subcommand(wait::dcs_task_command())
        .subcommand(wait::dcs_job_command())
        .args(client_flags::args(&client_flags::ALL, true));
    let sms = from_source::augment(generated::sms::command())
        .subcommand(wait::sms_task_command())
        .args(client_flags::args(&client_flags::ALL, true));
    let demo = demo::command().args(client_flags::args(&client_flags::DEMO, true));
    let emulator = emulator_cmd::EmulatorArgs::augment_args(Command::new("emulator"))
        .about("Run the local emulator of the DCS and SMS APIs")
        .long_about(
            "Run the local emulator of the DCS v2 and SMS v3 APIs: the same paths, bodies, \
             signature checks and errors as the services, task lifecycles on a controllable \
             clock, state in SQLite or in memory. Point the SDK or the dcs and sms commands \
             at the URL it prints.",
        );
    Command::new("hwcloud")
        .version(env!("CARGO_PKG_VERSION"))
        .about("Huawei Cloud / Open Telekom Cloud DCS data migration and SMS migration tasks")
        .after_help(
            "Client options may also follow the service name (hwcloud dcs list-migration-task \
             --output table).\n\
             Credentials: HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK, HUAWEICLOUD_SDK_SECURITY_TOKEN, \
             HUAWEICLOUD_SDK_PROJECT_ID, or the [basic] section of ~/.huaweicloud/credentials \
             (HUAWEICLOUD_SDK_CREDENTIALS_FILE).\n\
             Exit codes: 0 ok, 2 usage or validation, 3 service error, 4 transport or timeout, \
             5 credentials or configuration.",
        )
        .subcommand_required(true)
        .args(client_flags::args(&client_flags::ALL, false))
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
        .subcommand(demo)
        .subcommand(emulator)
        .subcommand(
            redis_cmd::RedisCommand::augment_subcommands(Command::new("redis"))
                .about("Move Redis data: migrate over replication, import backups, verify")
                .subcommand_required(true)
                .after_help(redis_cmd::EXIT_HELP),
        )
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
    let verbosity = matches.get_count("verbose");
    let (name, sub) = matches.subcommand().expect("subcommand_required");
    let taken: &[&str] = match name {
        "dcs" | "sms" => &client_flags::ALL,
        "demo" => &client_flags::DEMO,
        _ => &[],
    };
    if let Err(e) = client_flags::refuse_untaken(&matches, name, taken) {
        return report(e);
    }
    let emulator = if name == "emulator" {
        match emulator_cmd::EmulatorArgs::from_arg_matches(sub) {
            Ok(args) => Some(args),
            Err(e) => {
                let _ = e.print();
                return ExitCode::from(exit::USAGE);
            }
        }
    } else {
        None
    };
    // Logging is set up once: the emulator's filter takes `--log`/`HWCLOUD_LOG` into account.
    let filter = match &emulator {
        Some(args) => Some(args.log_filter(sub, verbosity)),
        None => verbose_filter(verbosity).map(str::to_owned),
    };
    init_tracing(filter.as_deref());
    if name == "completions" {
        let shell = match sub.get_one::<String>("shell").map(String::as_str) {
            Some("zsh") => clap_complete::Shell::Zsh,
            Some("fish") => clap_complete::Shell::Fish,
            _ => clap_complete::Shell::Bash,
        };
        // Into a buffer first: a closed pipe (`| head`) is then an ordinary write error, not a
        // panic inside the generator.
        let mut script = Vec::new();
        clap_complete::generate(shell, &mut cli(), "hwcloud", &mut script);
        let _ = std::io::stdout().write_all(&script);
        return ExitCode::SUCCESS;
    }
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
    let redis = if name == "redis" {
        match redis_cmd::RedisCommand::from_arg_matches(sub) {
            Ok(cmd) => Some(cmd),
            Err(e) => {
                let _ = e.print();
                return ExitCode::from(exit::USAGE);
            }
        }
    } else {
        None
    };
    let result = rt.block_on(async {
        match (emulator, redis) {
            (Some(args), _) => emulator_cmd::run(args).await,
            (None, Some(cmd)) => redis_cmd::run(cmd).await,
            (None, None) => dispatch(&matches, name, sub).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => report(e),
    }
}

fn report(e: CliError) -> ExitCode {
    let _ = writeln!(std::io::stderr(), "error: {}", e.message);
    ExitCode::from(e.code)
}

/// The log level of `-v` (info), `-vv` (debug), `-vvv` (trace); `None` without `-v`.
fn verbose_filter(verbosity: u8) -> Option<&'static str> {
    match verbosity {
        0 => None,
        1 => Some("info"),
        2 => Some("debug"),
        _ => Some("trace"),
    }
}

/// Logs to stderr with `filter` (RUST_LOG syntax; `info` if it does not parse); no logging
/// without one.
fn init_tracing(filter: Option<&str>) {
    let Some(filter) = filter else {
        return;
    };
    let filter = tracing_subscriber::EnvFilter::try_new(filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// Runs `hwcloud <service> ...` (`root` holds the flags given before the service name).
async fn dispatch(root: &ArgMatches, service: &str, m: &ArgMatches) -> Result<(), CliError> {
    if service == "demo" {
        return demo::run(m, &ClientFlags::resolve(root, m)).await;
    }
    let (op, sub) = m
        .subcommand()
        .ok_or_else(|| CliError::usage(format!("hwcloud {service}: missing operation")))?;
    let flags = ClientFlags::resolve(root, sub);
    // Before anything is sent: a bad expression is a usage error.
    let query = flags.query.as_deref().map(Query::compile).transpose()?;
    let skip = flags.skip_validation;
    let outcome = match service {
        "dcs" => {
            let client: hwcloud_dcs::Client = build_client(&flags)?;
            match op {
                wait::DCS_TASK => wait::dcs_task(&client, sub).await?,
                wait::DCS_JOB => wait::dcs_job(&client, sub).await?,
                _ => generated::dcs::run(&client, op, sub, skip).await?,
            }
        }
        "sms" => {
            let client: hwcloud_sms::Client = build_client(&flags)?;
            match op {
                wait::SMS_TASK => wait::sms_task(&client, sub).await?,
                from_source::CREATE_TASK if from_source::requested(sub) => {
                    from_source::create_task(&client, sub, skip).await?
                }
                _ => generated::sms::run(&client, op, sub, skip).await?,
            }
        }
        other => return Err(CliError::usage(format!("unknown service {other:?}"))),
    };
    let value = match &query {
        Some(q) => q.apply(&outcome.value)?,
        None => outcome.value,
    };
    let text = output::render(&value, flags.output, &outcome.order);
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    if let Some(id) = outcome.request_id {
        tracing::info!(request_id = %id, "done");
    }
    Ok(())
}

/// A client from the client flags and the credentials chain (env, then profile file).
pub fn build_client<C: ServiceClient>(flags: &ClientFlags) -> Result<C, CliError> {
    let mut creds: Credentials =
        credentials::default_chain(&ProcessEnv).map_err(|e| CliError::config(format!("{e}")))?;
    if let Some(p) = &flags.project_id {
        runner::check_request_text("--project-id", p)?;
        creds = creds.with_project_id(p.clone());
    }
    configure(ClientBuilder::<C>::new().credentials(creds), flags)?
        .build()
        .map_err(CliError::from)
}

/// Applies `--endpoint`, `--cloud`, `--region` and `--timeout`.
pub fn configure<C: ServiceClient>(
    mut b: ClientBuilder<C>,
    flags: &ClientFlags,
) -> Result<ClientBuilder<C>, CliError> {
    if let Some(ep) = &flags.endpoint {
        b = b.endpoint(ep.clone());
    }
    if let Some(c) = &flags.cloud {
        let cloud = Cloud::parse(c)
            .ok_or_else(|| CliError::usage(format!("--cloud: unknown cloud {c:?}")))?;
        b = b.cloud(cloud);
    }
    if let Some(r) = &flags.region {
        b = b.region(r.clone());
    }
    if let Some(limit) = flags.timeout {
        b = b.configure(|c| {
            c.timeouts.call = Some(limit);
            c.timeouts.attempt = c.timeouts.attempt.min(limit);
        });
    }
    Ok(b)
}

#[cfg(test)]
mod tests {
    use clap::{Arg, Command};

    #[test]
    fn command_tree_is_valid() {
        super::cli().debug_assert();
    }

    /// A generated operation flag named like a client flag would shadow it (clap does not
    /// propagate a global over an argument of the same id).
    #[test]
    fn no_operation_flag_shadows_a_client_flag() {
        for service in [
            crate::generated::dcs::command(),
            crate::generated::sms::command(),
        ] {
            for op in service.get_subcommands() {
                for arg in op.get_arguments() {
                    let id = arg.get_id().as_str();
                    assert!(
                        !crate::client_flags::ALL.contains(&id),
                        "{} {}: --{id}",
                        service.get_name(),
                        op.get_name()
                    );
                }
            }
        }
    }

    /// Whether a long flag name (or alias) would carry a credential. `--…-file` flags name a
    /// file holding one (the path is no secret), so they are allowed.
    fn is_credential_flag(long: &str) -> bool {
        let long = long.to_ascii_lowercase();
        if long.ends_with("-file") {
            return false;
        }
        matches!(
            long.as_str(),
            "ak" | "sk" | "secret" | "secret-key" | "access-key"
        ) || ["password", "token", "secret"]
            .iter()
            .any(|w| long.contains(w))
    }

    /// `command path: --flag` for every flag of `cmd` and its subcommands, recursively, whose
    /// long name or any alias is a credential.
    fn credential_flags(cmd: &Command, path: &str, found: &mut Vec<String>) {
        let path = format!("{path} {}", cmd.get_name()).trim().to_owned();
        for arg in cmd.get_arguments() {
            let names = arg
                .get_long()
                .into_iter()
                .chain(arg.get_all_aliases().unwrap_or_default());
            for name in names.filter(|n| is_credential_flag(n)) {
                found.push(format!("{path}: --{name}"));
            }
        }
        for sub in cmd.get_subcommands() {
            credential_flags(sub, &path, found);
        }
    }

    fn walk(mut cmd: Command) -> (Vec<String>, usize) {
        cmd.build();
        let mut found = Vec::new();
        credential_flags(&cmd, "", &mut found);
        fn count(cmd: &Command) -> usize {
            cmd.get_arguments()
                .filter(|a| a.get_long().is_some())
                .count()
                + cmd.get_subcommands().map(count).sum::<usize>()
        }
        (found, count(&cmd))
    }

    /// Credentials come only from the environment and the profile file: flags show in `ps`.
    #[test]
    fn credentials_are_never_flags() {
        let (found, flags) = walk(super::cli());
        assert!(found.is_empty(), "credential flags: {found:?}");
        // The walk reaches the operations' flags, not just the top level.
        assert!(flags > 100, "only {flags} long flags seen");
    }

    #[test]
    fn the_credential_flag_walk_finds_nested_flags_and_aliases() {
        let cmd = Command::new("root")
            .arg(Arg::new("endpoint").long("endpoint"))
            .arg(Arg::new("s").long("sk"))
            .subcommand(
                Command::new("svc").subcommand(
                    Command::new("op")
                        .arg(Arg::new("p").long("db-password"))
                        .arg(Arg::new("k").long("key").alias("Access-Key"))
                        .arg(Arg::new("t").long("x-auth-token").hide(true))
                        .arg(Arg::new("task-id").long("task-id")),
                ),
            );
        let (found, flags) = walk(cmd);
        assert_eq!(
            found,
            [
                "root: --sk",
                "root svc op: --db-password",
                "root svc op: --Access-Key",
                "root svc op: --x-auth-token",
            ]
        );
        assert!(flags >= 6, "{flags}");
        for ok in [
            "endpoint",
            "project-id",
            "credentials",
            "task-id",
            "skip-validation",
            "source-password-file",
        ] {
            assert!(!is_credential_flag(ok), "{ok}");
        }
        for bad in ["source-password", "password-files", "token"] {
            assert!(is_credential_flag(bad), "{bad}");
        }
    }
}
