//! `hwcloud demo`: the main job. Starts the emulator in-process (unless `--endpoint` or
//! `--region` point at a real cloud) and runs, printing each step, a DCS online migration
//! (create, wait for the job, configure incremental migration, wait for the incremental
//! sync with progress, stats, stop, wait until terminated, delete), a DCS backup-file
//! import, and an SMS task (create, start, wait, delete).
//!
//! With a `redis-server` on the machine the DCS flows move real data (`real`: three
//! servers started by the emulator, a dataset from `dataset`, verification by the engine);
//! without one they are simulated and the demo says how to get the real ones.

mod dataset;
mod real;

use crate::client_flags::ClientFlags;
use crate::runner::{CliError, arg};
use crate::wait::{self, Until};
use clap::{Arg, ArgMatches, Command};
use hwcloud_core::Credentials;
use hwcloud_core::client::{ClientBuilder, ServiceClient};
use hwcloud_core::waiter::WaitOptions;
use hwcloud_dcs::types::{
    ConfigMigrationInstanceBody, CreateMigrationTaskBody, MigrationMethod, ResumeMode,
};
use hwcloud_sms::types::{PostTask, TaskOperation};
use std::io::Write;
use std::time::{Duration, Instant};

/// The seed documents' example bodies, embedded so the demo needs no files.
const BACKUP_IMPORT: &str =
    include_str!("../../../../spec/examples/dcs/create_migration_task.request.backup_import.json");
const SMS_CREATE_TASK: &str =
    include_str!("../../../../spec/examples/sms/create_task.request.s001.json");

pub fn command() -> Command {
    let text = |id: &'static str, default: &'static str, help: &'static str| {
        Arg::new(id)
            .long(id)
            .value_name("ID")
            .default_value(default)
            .help(help)
    };
    Command::new("demo")
        .about("Run a whole DCS online migration, a backup import and an SMS task, on the embedded emulator by default")
        .arg(text("vpc-id", "vpc-demo", "VPC of the migration machine"))
        .arg(text("subnet-id", "subnet-demo", "Subnet of the migration machine"))
        .arg(text("security-group-id", "sg-demo", "Security group of the migration machine"))
        .arg(text("source-addrs", "10.0.0.10:6379", "Source Redis address(es), host:port[,host:port]"))
        .arg(text("target-instance-id", "dcs-demo-target", "Target DCS instance id"))
        .arg(
            Arg::new("simulated")
                .long("simulated")
                .action(clap::ArgAction::SetTrue)
                .help("Run the simulated flows even when redis-server is available"),
        )
        .arg(
            Arg::new("interval")
                .long("interval")
                .value_name("SECONDS")
                .value_parser(wait::positive_seconds)
                .help("Seconds between polls (default 0.2 on the emulator, 5 on a cloud)"),
        )
}

fn step(n: &mut u32, text: impl AsRef<str>) {
    *n += 1;
    let _ = writeln!(std::io::stdout(), "[{n:>2}] {}", text.as_ref());
}

fn info(text: impl AsRef<str>) {
    let _ = writeln!(std::io::stdout(), "     {}", text.as_ref());
}

pub async fn run(m: &ArgMatches, flags: &ClientFlags) -> Result<(), CliError> {
    let started = Instant::now();
    let remote = flags.endpoint.is_some() || flags.region.is_some();
    let mut emulator = None;
    let interval = m.get_one::<Duration>("interval").copied();
    if !remote {
        match real_server(m) {
            Ok(server) => {
                let every = interval.unwrap_or(Duration::from_millis(200));
                real::run(every, server).await?;
                let _ = writeln!(
                    std::io::stdout(),
                    "\nAll flows finished in {:.1} s.",
                    started.elapsed().as_secs_f64()
                );
                return Ok(());
            }
            Err(why) => {
                let _ = writeln!(std::io::stdout(), "Simulated flows (no data moves): {why}");
            }
        }
    }
    let (dcs, sms, every): (hwcloud_dcs::Client, hwcloud_sms::Client, Duration) = if remote {
        let every = interval.unwrap_or(Duration::from_secs(5));
        (
            crate::build_client(flags)?,
            crate::build_client(flags)?,
            every,
        )
    } else {
        let handle = hwcloud_emulator::Emulator::builder()
            .in_memory()
            .start()
            .await
            .map_err(|e| CliError::config(format!("cannot start the embedded emulator: {e}")))?;
        let c = handle.default_credential();
        let creds =
            Credentials::new(c.ak.clone(), c.sk.clone()).with_project_id(c.project_id.clone());
        let url = handle.base_url();
        let _ = writeln!(
            std::io::stdout(),
            "Embedded emulator on {url} (project {}); no cloud account, no network.",
            c.project_id
        );
        let every = interval.unwrap_or(Duration::from_millis(200));
        let dcs = emulator_client(&url, creds.clone())?;
        let sms = emulator_client(&url, creds)?;
        emulator = Some(handle);
        (dcs, sms, every)
    };
    let result = flows(&dcs, &sms, m, every).await;
    if let Some(handle) = emulator {
        handle.shutdown().await;
    }
    result?;
    let _ = writeln!(
        std::io::stdout(),
        "\nAll flows finished in {:.1} s.",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// The server program for the real flows, or why the simulated ones run.
fn real_server(m: &ArgMatches) -> Result<std::path::PathBuf, String> {
    if m.get_flag("simulated") {
        return Err(format!(
            "--simulated was given; without it, a machine with redis-server runs the real flows ({})",
            hwcloud_emulator::REDIS_INSTALL_HINT
        ));
    }
    hwcloud_emulator::find_redis_server()
        .map_err(|e| format!("{e}, then run the demo again to see real data move"))
}

fn emulator_client<C: ServiceClient>(url: &str, creds: Credentials) -> Result<C, CliError> {
    ClientBuilder::<C>::new()
        .endpoint(url)
        .credentials(creds)
        .build()
        .map_err(CliError::from)
}

async fn flows(
    dcs: &hwcloud_dcs::Client,
    sms: &hwcloud_sms::Client,
    m: &ArgMatches,
    every: Duration,
) -> Result<(), CliError> {
    let mut n = 0;
    // The SDK waiter's own limit, for the waits that set none.
    let default_max_wait = WaitOptions::default().max_wait;
    let _ = writeln!(
        std::io::stdout(),
        "\n== DCS online migration (incremental) =="
    );
    step(
        &mut n,
        "Create the migration machine (CreateOnlineMigrationTask)",
    );
    let created = dcs
        .create_online_migration_task()
        .name("demo-online-migration")
        .description("created by hwcloud demo")
        .vpc_id(arg(m, "vpc-id"))
        .subnet_id(arg(m, "subnet-id"))
        .security_group_id(arg(m, "security-group-id"))
        .send()
        .await?;
    let task_id = created.instance_id.clone().unwrap_or_default();
    info(format!(
        "task {task_id}, job {}",
        created.job_id.as_deref().unwrap_or("-")
    ));

    wait_job(
        dcs,
        created.job_id.clone(),
        every,
        Duration::from_secs(1800),
        &mut n,
    )
    .await?;

    step(
        &mut n,
        "Configure incremental migration (SetOnlineMigrationTask)",
    );
    dcs.set_online_migration_task()
        .task_id(task_id.clone())
        .migration_method(MigrationMethod::Incremental)
        .resume_mode(ResumeMode::Auto)
        .bandwidth_limit_mb("100")
        .source_instance(
            ConfigMigrationInstanceBody::builder()
                .addrs(arg(m, "source-addrs"))
                .password("demo-source-password")
                .build()?,
        )
        .target_instance(
            ConfigMigrationInstanceBody::builder()
                .id(arg(m, "target-instance-id"))
                .password("demo-target-password")
                .build()?,
        )
        .send()
        .await?;

    step(
        &mut n,
        "Wait for the incremental sync (until INCRMIGEATING), with progress",
    );
    let synced = wait::migration_task_with_progress(
        dcs,
        &task_id,
        Until::Done,
        wait::every(every, Duration::from_secs(6 * 3600)),
    )
    .await;
    info(format!("status {}", state(&synced?.status)));

    step(&mut n, "Show the statistics (ShowMigrationTaskStats)");
    let stats = dcs
        .show_migration_task_stats()
        .task_id(task_id.clone())
        .send()
        .await?;
    info(serde_json::to_string(&stats.output).unwrap_or_default());

    stop_and_wait(dcs, &task_id, every, default_max_wait, &mut n).await?;

    step(&mut n, "Delete the task (DeleteMigrationTask)");
    dcs.delete_migration_task()
        .task_id_list(vec![task_id.clone()])
        .send()
        .await?;
    match dcs
        .show_migration_task()
        .task_id(task_id.clone())
        .send()
        .await
    {
        Err(e) if e.is_not_found() => info("show now answers not found (DCS.4133)"),
        Err(e) => return Err(e.into()),
        Ok(_) => info("the task is still listed (deletion is asynchronous on the cloud)"),
    }

    let _ = writeln!(std::io::stdout(), "\n== DCS backup-file import ==");
    step(
        &mut n,
        "Create the import task (CreateMigrationTask, migration_type backupfile_import)",
    );
    let body: CreateMigrationTaskBody = serde_json::from_str(BACKUP_IMPORT)
        .map_err(|e| CliError::usage(format!("embedded example: {e}")))?;
    let created = dcs.create_migration_task().body(body).send().await?;
    let import_id = created.id.clone().unwrap_or_default();
    info(format!(
        "task {import_id}, status {}",
        state(&created.status)
    ));
    step(&mut n, "Wait until SUCCESS");
    let done = dcs
        .wait_until_migration_task_done(import_id.clone())
        .options(wait::every(every, default_max_wait))
        .wait()
        .await?;
    info(format!("status {}", state(&done.status)));
    step(&mut n, "Delete the import task");
    dcs.delete_migration_task()
        .task_id_list(vec![import_id])
        .send()
        .await?;

    sms_flow(sms, every, &mut n).await
}

/// The SMS flow (simulated in the emulator: no server is moved).
async fn sms_flow(sms: &hwcloud_sms::Client, every: Duration, n: &mut u32) -> Result<(), CliError> {
    let _ = writeln!(std::io::stdout(), "\n== SMS server migration task ==");
    step(n, "Create the task (CreateTask, the seed example body)");
    let body: PostTask = serde_json::from_str(SMS_CREATE_TASK)
        .map_err(|e| CliError::usage(format!("embedded example: {e}")))?;
    let created = sms.create_task().body(body).send().await?;
    let sms_id = created.id.clone().unwrap_or_default();
    info(format!("task {sms_id}"));
    step(n, "Start it (UpdateTaskStatus operation=start)");
    sms.update_task_status()
        .task_id(sms_id.clone())
        .operation(TaskOperation::Start)
        .send()
        .await?;
    step(n, "Wait until MIGRATE_SUCCESS, with progress");
    let done = wait::sms_task_with_progress(
        sms,
        &sms_id,
        wait::every(every, Duration::from_secs(24 * 3600)),
    )
    .await;
    info(format!("state {}", state(&done?.state)));
    step(n, "Delete the task (DeleteTask)");
    sms.delete_task().task_id(sms_id).send().await?;
    Ok(())
}

/// Waits for the creation job `job`, when the answer named one (ShowJobInfo until SUCCESS).
async fn wait_job(
    dcs: &hwcloud_dcs::Client,
    job: Option<String>,
    every: Duration,
    max_wait: Duration,
    n: &mut u32,
) -> Result<(), CliError> {
    if let Some(job) = job {
        step(n, format!("Wait for job {job} (ShowJobInfo until SUCCESS)"));
        let done = dcs
            .wait_until_job_done(job)
            .options(wait::every(every, max_wait))
            .wait()
            .await?;
        info(format!("job status {}", state(&done.status)));
    }
    Ok(())
}

/// StopMigrationTask, then waits until the task is TERMINATED.
async fn stop_and_wait(
    dcs: &hwcloud_dcs::Client,
    task_id: &str,
    every: Duration,
    max_wait: Duration,
    n: &mut u32,
) -> Result<(), CliError> {
    step(n, "Stop the task (StopMigrationTask)");
    dcs.stop_migration_task()
        .task_id(task_id.to_owned())
        .send()
        .await?;
    step(n, "Wait until TERMINATED");
    let stopped = dcs
        .wait_until_migration_task_stopped(task_id.to_owned())
        .options(wait::every(every, max_wait))
        .wait()
        .await?;
    info(format!("status {}", state(&stopped.status)));
    Ok(())
}

/// The wire value of an optional status enum (the generated enums display as their wire
/// value), `-` when absent.
fn state<T: std::fmt::Display>(v: &Option<T>) -> String {
    v.as_ref().map_or_else(|| "-".to_owned(), T::to_string)
}

#[cfg(test)]
mod tests {
    use super::state;
    use hwcloud_dcs::types::{JobStatus, MigrationTaskStatus};
    use hwcloud_sms::types::TaskState;

    /// `state` prints exactly the wire value serde writes, known or not.
    fn same_as_wire<T: std::fmt::Display + serde::Serialize>(values: impl IntoIterator<Item = T>) {
        for v in values {
            let wire = serde_json::to_value(&v).unwrap();
            assert_eq!(state(&Some(v)), wire.as_str().unwrap());
        }
    }

    #[test]
    fn status_text_is_the_wire_value() {
        let unknown = || std::iter::once("SOMETHING_NEW");
        same_as_wire(
            JobStatus::KNOWN
                .iter()
                .copied()
                .chain(unknown())
                .map(JobStatus::from),
        );
        same_as_wire(
            MigrationTaskStatus::KNOWN
                .iter()
                .copied()
                .chain(["INCRMIGRATING"])
                .chain(unknown())
                .map(MigrationTaskStatus::from),
        );
        same_as_wire(
            TaskState::KNOWN
                .iter()
                .copied()
                .chain(unknown())
                .map(TaskState::from),
        );
        assert_eq!(state::<JobStatus>(&None), "-");
    }
}
