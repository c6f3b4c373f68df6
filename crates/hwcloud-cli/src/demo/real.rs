//! The demo with real data: the embedded emulator starts three `redis-server` processes
//! (a source, a target, a second target), the source gets a mixed dataset and live writes,
//! the online migration (full + incremental) and a backup import run through the DCS API
//! exactly as against the cloud, and the engine's verifier compares the servers. Every
//! process is stopped at the end, also after an error or ctrl-c.

use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use hwcloud_core::Credentials;
use hwcloud_dcs::types::{
    BackupFilesBody, ConfigMigrationInstanceBody, CreateMigrationTaskBody, FileSource,
    MigrationMethod, MigrationType, ResumeMode, TargetInstanceBody,
};
use hwcloud_emulator::{Emulator, EmulatorHandle, RedisEndpoint};
use redis_migrate::verify::{self, Mode, VerifyOptions};

use super::{dataset, emulator_client, info, sms_flow, state, step, stop_and_wait, wait_job};
use crate::runner::{CliError, exit};
use crate::wait::{self, Until};

const SOURCE: &str = "demo-source";
const TARGET: &str = "demo-target";
const TARGET2: &str = "demo-target-2";
/// Keys of the dataset.
const KEYS: usize = 100_000;

fn failed(message: impl Into<String>) -> CliError {
    CliError {
        code: exit::FAILED,
        message: message.into(),
    }
}

fn out(text: impl AsRef<str>) {
    let _ = writeln!(std::io::stdout(), "{}", text.as_ref());
}

/// Runs the real flows with `server` as the Redis program.
pub async fn run(every: Duration, server: PathBuf) -> Result<(), CliError> {
    let handle = Emulator::builder()
        .in_memory()
        .redis_server(server)
        .spawn_redis_as(SOURCE)
        .spawn_redis_as(TARGET)
        .spawn_redis_as(TARGET2)
        .start()
        .await
        .map_err(|e| CliError::config(format!("cannot start the embedded emulator: {e}")))?;
    let c = handle.default_credential();
    out(format!(
        "Embedded emulator on {} (project {}) with three redis-server processes; the DCS flows move real data:",
        handle.base_url(),
        c.project_id
    ));
    for r in handle.real_instances() {
        info(format!(
            "instance {}: {} (pid {})",
            r.id,
            r.url,
            r.pid.unwrap_or_default()
        ));
    }
    let result = tokio::select! {
        r = flows(&handle, every) => r,
        _ = tokio::signal::ctrl_c() => Err(failed("interrupted")),
    };
    let pids: Vec<String> = handle
        .real_instances()
        .iter()
        .filter_map(|r| r.pid.map(|p| p.to_string()))
        .collect();
    handle.shutdown().await;
    out(format!(
        "\nStopped the emulator and its redis-server processes (pids {}).",
        pids.join(", ")
    ));
    result
}

/// The server of instance `id`.
fn server(handle: &EmulatorHandle, id: &str) -> Result<RedisEndpoint, CliError> {
    let r = handle
        .real_instances()
        .iter()
        .find(|r| r.id == id)
        .ok_or_else(|| failed(format!("instance {id} was not started")))?;
    RedisEndpoint::parse(&r.url).map_err(|e| failed(e.to_string()))
}

/// Compares `target` with `source` with the engine's verifier and prints the report.
async fn verify_print(source: &RedisEndpoint, target: &RedisEndpoint) -> Result<(), CliError> {
    let opts = VerifyOptions {
        mode: Mode::Digest,
        rounds: 3,
        ..VerifyOptions::default()
    };
    let report = verify::verify(source, target, &opts)
        .await
        .map_err(|e| failed(format!("verification could not run: {e}")))?;
    for line in report.to_string().lines() {
        info(format!("verify: {line}"));
    }
    if report.equal {
        Ok(())
    } else {
        Err(failed("the target differs from the source"))
    }
}

async fn flows(handle: &EmulatorHandle, every: Duration) -> Result<(), CliError> {
    let c = handle.default_credential();
    let creds = Credentials::new(c.ak.clone(), c.sk.clone()).with_project_id(c.project_id.clone());
    let dcs: hwcloud_dcs::Client = emulator_client(&handle.base_url(), creds.clone())?;
    let sms: hwcloud_sms::Client = emulator_client(&handle.base_url(), creds)?;
    let (source, target, target2) = (
        server(handle, SOURCE)?,
        server(handle, TARGET)?,
        server(handle, TARGET2)?,
    );
    let mut n = 0;
    out("\n== Data ==");
    step(
        &mut n,
        format!(
            "Load {KEYS} keys of every type into the source (strings, hashes, lists, sets, sorted sets, streams; some with TTLs; three large values)"
        ),
    );
    let t = Instant::now();
    let keys = dataset::load(&source, KEYS).await.map_err(failed)?;
    info(format!("{keys} keys in {:.1} s", t.elapsed().as_secs_f64()));
    step(&mut n, "Keep writing to the source during the migration");
    let writer = dataset::Writer::start(&source).await.map_err(failed)?;

    out("\n== DCS online migration (full + incremental, real data) ==");
    let task_id = online(&dcs, &mut n, every, &source).await?;
    step(
        &mut n,
        "Let the incremental sync follow the live writes for 2 s",
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    let written = writer.stop().await.map_err(failed)?;
    info(format!("the writer sent {written} commands; stopped"));
    step(
        &mut n,
        "Wait until the target has applied everything (stats offset 0)",
    );
    let stats = wait_caught_up(&dcs, &task_id, every).await?;
    info(serde_json::to_string(&stats).unwrap_or_default());

    stop_and_wait(&dcs, &task_id, every, Duration::from_secs(120), &mut n).await?;
    step(
        &mut n,
        "Verify the target against the source (the engine's verifier: DEBUG DIGEST, key by key if they differ)",
    );
    verify_print(&source, &target).await?;
    step(&mut n, "Delete the task (DeleteMigrationTask)");
    dcs.delete_migration_task()
        .task_id_list(vec![task_id.clone()])
        .send()
        .await?;
    match dcs.show_migration_task().task_id(task_id).send().await {
        Err(e) if e.is_not_found() => info("show now answers not found (DCS.4133)"),
        Err(e) => return Err(e.into()),
        Ok(_) => info("the task is still listed"),
    }

    out("\n== DCS backup-file import (real data) ==");
    step(
        &mut n,
        format!(
            "Back up {SOURCE} (the emulator's console: POST /_emulator/instances/{SOURCE}/backups, an RDB over replication)"
        ),
    );
    let backup_id = handle.take_backup(SOURCE).await.map_err(failed)?;
    let records = dcs.list_backup_records().instance_id(SOURCE).send().await?;
    if let Some(b) = records.backup_record_response.iter().flatten().last() {
        info(format!(
            "backup {} ({} bytes, {})",
            backup_id,
            b.size.unwrap_or_default(),
            state(&b.status)
        ));
    }
    step(
        &mut n,
        format!("Import it into {TARGET2} (CreateMigrationTask, file_source backup_record)"),
    );
    let body = CreateMigrationTaskBody {
        task_name: "demo-backup-import".into(),
        description: Some("created by hwcloud demo".into()),
        migration_type: MigrationType::BackupfileImport,
        migration_method: MigrationMethod::FullAmount,
        backup_files: Some(BackupFilesBody {
            file_source: Some(FileSource::BackupRecord),
            backup_id: Some(backup_id),
            ..Default::default()
        }),
        network_type: None,
        source_instance: None,
        target_instance: TargetInstanceBody {
            id: TARGET2.into(),
            name: None,
            password: None,
        },
    };
    let created = dcs.create_migration_task().body(body).send().await?;
    let import_id = created.id.clone().unwrap_or_default();
    step(&mut n, "Wait until SUCCESS, with progress");
    let done = wait::migration_task_with_progress(
        &dcs,
        &import_id,
        Until::Done,
        wait::every(every, Duration::from_secs(120)),
    )
    .await?;
    info(format!("status {}", state(&done.status)));
    step(&mut n, "Verify the second target against the source");
    verify_print(&source, &target2).await?;
    step(&mut n, "Delete the import task");
    dcs.delete_migration_task()
        .task_id_list(vec![import_id])
        .send()
        .await?;
    sms_flow(&sms, every, &mut n).await
}

/// Creates and configures the online task; waits for the incremental phase with progress.
async fn online(
    dcs: &hwcloud_dcs::Client,
    n: &mut u32,
    every: Duration,
    source: &RedisEndpoint,
) -> Result<String, CliError> {
    step(
        n,
        "Create the migration machine (CreateOnlineMigrationTask)",
    );
    let created = dcs
        .create_online_migration_task()
        .name("demo-online-migration")
        .description("created by hwcloud demo")
        .vpc_id("vpc-demo")
        .subnet_id("subnet-demo")
        .security_group_id("sg-demo")
        .send()
        .await?;
    let task_id = created.instance_id.clone().unwrap_or_default();
    wait_job(
        dcs,
        created.job_id.clone(),
        every,
        Duration::from_secs(60),
        n,
    )
    .await?;
    let addrs = format!("{}:{}", source.host, source.port);
    step(
        n,
        format!(
            "Configure full + incremental migration from {addrs} into {TARGET} (SetOnlineMigrationTask)"
        ),
    );
    dcs.set_online_migration_task()
        .task_id(task_id.clone())
        .migration_method(MigrationMethod::Incremental)
        .resume_mode(ResumeMode::Auto)
        .source_instance(
            ConfigMigrationInstanceBody::builder()
                .addrs(addrs)
                .build()?,
        )
        .target_instance(ConfigMigrationInstanceBody::builder().id(TARGET).build()?)
        .send()
        .await?;
    step(
        n,
        "Wait for the full sync and the switch to incremental (until INCRMIGEATING), with progress",
    );
    let synced = wait::migration_task_with_progress(
        dcs,
        &task_id,
        Until::Done,
        wait::every(every, Duration::from_secs(120)),
    )
    .await?;
    info(format!("status {}", state(&synced.status)));
    Ok(task_id)
}

/// Polls the statistics until the gap is 0 (at most a minute); answers them.
async fn wait_caught_up(
    dcs: &hwcloud_dcs::Client,
    task_id: &str,
    every: Duration,
) -> Result<hwcloud_dcs::types::MigrationTaskStats, CliError> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let s = dcs
            .show_migration_task_stats()
            .task_id(task_id)
            .send()
            .await?
            .output;
        let gap = s.offset.as_ref().and_then(|o| o.as_f64());
        if gap == Some(0.0) {
            return Ok(s);
        }
        if Instant::now() > deadline {
            return Err(failed(format!(
                "the target did not catch up within a minute (offset {gap:?})"
            )));
        }
        tokio::time::sleep(every).await;
    }
}
