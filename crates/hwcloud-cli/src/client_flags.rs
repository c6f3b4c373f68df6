//! The flags of the commands that call a service: where (`--endpoint`, `--cloud`,
//! `--region`, `--project-id`), how long (`--timeout`), how strictly (`--skip-validation`)
//! and how the result is printed (`--output`, `--query`).
//!
//! They may come before the service name (`hwcloud --region R dcs ...`, defined on the root
//! command) or anywhere after it (defined again on `dcs`, `sms` and `demo`, global within
//! each); the later one wins. `emulator` and `completions` call no service, so they neither
//! offer nor accept them.

use std::time::Duration;

use clap::parser::ValueSource;
use clap::{Arg, ArgAction, ArgMatches};

use crate::output::Format;
use crate::runner::CliError;

/// Every client flag, in help order.
pub const ALL: [&str; 8] = [
    "endpoint",
    "cloud",
    "region",
    "project-id",
    "output",
    "query",
    "timeout",
    "skip-validation",
];

/// The flags `demo` takes: it prints its own steps, not a result, and validates its inputs.
pub const DEMO: [&str; 5] = ["endpoint", "cloud", "region", "project-id", "timeout"];

/// The definition of client flag `id` (one of [`ALL`]).
fn arg(id: &'static str) -> Arg {
    let value = |name: &'static str, help: &'static str| {
        Arg::new(id)
            .long(id)
            .value_name(name)
            .help(help)
            .help_heading("Client options")
    };
    match id {
        "endpoint" => value(
            "URL",
            "Endpoint URL: scheme://host[:port][/base-path] (e.g. http://127.0.0.1:8080 for the emulator)",
        ),
        "cloud" => value("CLOUD", "huaweicloud or otc (picks the region table)")
            .value_parser(["huaweicloud", "otc"]),
        "region" => value("REGION", "Region id, e.g. eu-west-0 or eu-de"),
        "project-id" => value("ID", "Project id (overrides the one from the credentials)"),
        "output" => value("FORMAT", "Output format: json (the default) or table")
            .value_parser(["json", "table"]),
        "query" => value(
            "EXPR",
            "JMESPath expression applied to the result before printing, e.g. 'migration_tasks[].task_id'",
        ),
        "timeout" => value("SECONDS", "Whole-call timeout in seconds")
            .value_parser(crate::wait::positive_seconds),
        "skip-validation" => Arg::new(id)
            .long(id)
            .action(ArgAction::SetTrue)
            .help("Send without client-side validation (the service still validates)")
            .help_heading("Client options"),
        other => unreachable!("{other} is not a client flag"),
    }
}

/// The flags `ids`: global (for a service command and everything under it) or not (the root
/// command, where they only precede the service name).
pub fn args(ids: &[&'static str], global: bool) -> Vec<Arg> {
    ids.iter().map(|id| arg(id).global(global)).collect()
}

/// The client flags of one command line.
#[derive(Debug, Clone, Default)]
pub struct ClientFlags {
    pub endpoint: Option<String>,
    pub cloud: Option<String>,
    pub region: Option<String>,
    pub project_id: Option<String>,
    pub output: Format,
    pub query: Option<String>,
    pub timeout: Option<Duration>,
    pub skip_validation: bool,
}

impl ClientFlags {
    /// The flags given before the service name (`root`) or after it (`leaf`, the matches of
    /// the command that runs); the later one wins.
    pub fn resolve(root: &ArgMatches, leaf: &ArgMatches) -> Self {
        let text = |id: &str| one::<String>(leaf, id).or_else(|| one::<String>(root, id));
        ClientFlags {
            endpoint: text("endpoint"),
            cloud: text("cloud"),
            region: text("region"),
            project_id: text("project-id"),
            output: match text("output").as_deref() {
                Some("table") => Format::Table,
                _ => Format::Json,
            },
            query: text("query"),
            timeout: one::<Duration>(leaf, "timeout").or_else(|| one(root, "timeout")),
            skip_validation: [leaf, root]
                .iter()
                .any(|m| one::<bool>(m, "skip-validation") == Some(true)),
        }
    }
}

/// The value of `id` in `m`, `None` when absent or not defined on that command.
fn one<T: Clone + Send + Sync + 'static>(m: &ArgMatches, id: &str) -> Option<T> {
    m.try_get_one::<T>(id).ok().flatten().cloned()
}

/// Refuses client flags given before `command` that it does not take (`taken`): they would
/// otherwise be silently ignored. `root` is the root command's matches, where every client
/// flag is defined.
pub fn refuse_untaken(root: &ArgMatches, command: &str, taken: &[&str]) -> Result<(), CliError> {
    let given: Vec<String> = ALL
        .iter()
        .filter(|id| !taken.contains(id))
        .filter(|id| root.value_source(id) == Some(ValueSource::CommandLine))
        .map(|id| format!("--{id}"))
        .collect();
    if given.is_empty() {
        return Ok(());
    }
    Err(CliError::usage(format!(
        "{} {} not apply to `hwcloud {command}`",
        given.join(", "),
        if given.len() == 1 { "does" } else { "do" }
    )))
}
