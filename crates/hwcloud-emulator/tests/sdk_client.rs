//! The generated SDK clients work against the emulator unchanged: signing, paths, bodies,
//! waiters and error mapping.

use std::time::Duration;

use hwcloud_core::Credentials;
use hwcloud_dcs::types::{ConfigMigrationInstanceBody, MigrationMethod, ResumeMode};
use hwcloud_emulator::Emulator;
use hwcloud_testkit::example;

#[tokio::test]
async fn dcs_client_runs_an_online_migration_with_waiters() {
    // Fast virtual clock: the whole flow takes a few hundred real milliseconds.
    let emu = Emulator::builder().clock_speed(20.0).start().await.unwrap();
    let cred = emu.default_credential().clone();
    let client = hwcloud_dcs::Client::builder()
        .endpoint(emu.base_url())
        .credentials(Credentials::new(&cred.ak, cred.sk.expose()).with_project_id(&cred.project_id))
        .build()
        .unwrap();

    let created = client
        .create_online_migration_task()
        .name("sdk-online")
        .vpc_id("vpc")
        .subnet_id("subnet")
        .security_group_id("sg")
        .send()
        .await
        .unwrap();
    let task_id = created.output.instance_id.clone().unwrap();
    let job_id = created.output.job_id.clone().unwrap();
    client
        .wait_until_job_done(job_id)
        .delays(Duration::from_millis(20), Duration::from_millis(100))
        .max_wait(Duration::from_secs(20))
        .wait()
        .await
        .unwrap();

    client
        .set_online_migration_task()
        .task_id(&task_id)
        .migration_method(MigrationMethod::from_wire("full_amount_migration"))
        .resume_mode(ResumeMode::from_wire("auto"))
        .source_instance(ConfigMigrationInstanceBody {
            addrs: Some("10.0.0.1:6379".into()),
            ..Default::default()
        })
        .target_instance(ConfigMigrationInstanceBody {
            id: Some("target-instance".into()),
            ..Default::default()
        })
        .send()
        .await
        .unwrap();
    client
        .wait_until_migration_task_done(&task_id)
        .delays(Duration::from_millis(20), Duration::from_millis(100))
        .max_wait(Duration::from_secs(20))
        .wait()
        .await
        .unwrap();
    let shown = client
        .show_migration_task()
        .task_id(&task_id)
        .send()
        .await
        .unwrap();
    assert_eq!(shown.output.status.unwrap().as_str(), "SUCCESS");

    client
        .delete_migration_task()
        .task_id_list(vec![task_id.clone()])
        .send()
        .await
        .unwrap();
    let err = client
        .show_migration_task()
        .task_id(&task_id)
        .send()
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err}");
    emu.shutdown().await;
}

async fn fast_emulator() -> (hwcloud_emulator::EmulatorHandle, Credentials) {
    let emu = Emulator::builder().clock_speed(20.0).start().await.unwrap();
    let cred = emu.default_credential().clone();
    let creds = Credentials::new(&cred.ak, cred.sk.expose()).with_project_id(&cred.project_id);
    (emu, creds)
}

const QUICK: (Duration, Duration) = (Duration::from_millis(20), Duration::from_millis(50));

#[tokio::test]
async fn dcs_incremental_migration_until_stopped() {
    let (emu, creds) = fast_emulator().await;
    let client = hwcloud_dcs::Client::builder()
        .endpoint(emu.base_url())
        .credentials(creds)
        .build()
        .unwrap();
    let created = client
        .create_online_migration_task()
        .body(example(
            "dcs/create_online_migration_task.request.s000.json",
        ))
        .send()
        .await
        .unwrap();
    let task_id = created.output.instance_id.clone().unwrap();
    client
        .wait_until_job_done(created.output.job_id.clone().unwrap())
        .delays(QUICK.0, QUICK.1)
        .wait()
        .await
        .unwrap();
    client
        .set_online_migration_task()
        .task_id(&task_id)
        .migration_method(MigrationMethod::Incremental)
        .resume_mode(ResumeMode::Auto)
        .source_instance(ConfigMigrationInstanceBody {
            addrs: Some("10.0.0.1:6379".into()),
            ..Default::default()
        })
        .target_instance(ConfigMigrationInstanceBody {
            id: Some("target-instance".into()),
            ..Default::default()
        })
        .send()
        .await
        .unwrap();
    let mut states = Vec::new();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = seen.clone();
    let synced = client
        .wait_until_migration_task_done(&task_id)
        .delays(QUICK.0, QUICK.1)
        .max_wait(Duration::from_secs(20))
        .on_progress(move |p| sink.lock().unwrap().push(p.state.to_owned()))
        .wait()
        .await
        .unwrap();
    assert_eq!(
        synced.output.status.as_ref().unwrap().as_str(),
        "INCRMIGEATING"
    );
    states.extend(seen.lock().unwrap().iter().cloned());
    assert!(states.iter().any(|s| s == "FULLMIGRATING"), "{states:?}");
    let stats = client
        .show_migration_task_stats()
        .task_id(&task_id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        stats
            .output
            .full_migration_progress
            .as_ref()
            .and_then(|v| v.as_f64()),
        Some(100.0)
    );
    client
        .stop_migration_task()
        .task_id(&task_id)
        .send()
        .await
        .unwrap();
    let stopped = client
        .wait_until_migration_task_stopped(&task_id)
        .delays(QUICK.0, QUICK.1)
        .max_wait(Duration::from_secs(20))
        .wait()
        .await
        .unwrap();
    assert_eq!(
        stopped.output.status.as_ref().unwrap().as_str(),
        "TERMINATED"
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn dcs_backup_import_with_waiter() {
    let (emu, creds) = fast_emulator().await;
    let client = hwcloud_dcs::Client::builder()
        .endpoint(emu.base_url())
        .credentials(creds)
        .build()
        .unwrap();
    let created = client
        .create_migration_task()
        .body(example(
            "dcs/create_migration_task.request.backup_import.json",
        ))
        .send()
        .await
        .unwrap();
    let id = created.output.id.clone().unwrap();
    let done = client
        .wait_until_migration_task_done(&id)
        .delays(QUICK.0, QUICK.1)
        .max_wait(Duration::from_secs(20))
        .wait()
        .await
        .unwrap();
    assert_eq!(done.output.status.as_ref().unwrap().as_str(), "SUCCESS");
    let logs = client
        .list_migration_task_logs()
        .task_id(&id)
        .send()
        .await
        .unwrap();
    assert!(
        logs.output
            .migration_logs
            .as_ref()
            .is_some_and(|l| !l.is_empty())
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn sms_task_with_waiter() {
    let (emu, creds) = fast_emulator().await;
    let client = hwcloud_sms::Client::builder()
        .endpoint(emu.base_url())
        .credentials(creds)
        .build()
        .unwrap();
    let created = client
        .create_task()
        .body(example("sms/create_task.request.s001.json"))
        .send()
        .await
        .unwrap();
    let id = created.output.id.clone().unwrap();
    client
        .update_task_status()
        .task_id(&id)
        .operation(hwcloud_sms::types::TaskOperation::Start)
        .send()
        .await
        .unwrap();
    let done = client
        .wait_until_task_done(&id)
        .delays(QUICK.0, QUICK.1)
        .max_wait(Duration::from_secs(20))
        .wait()
        .await
        .unwrap();
    assert_eq!(
        done.output.state.as_ref().unwrap().as_str(),
        "MIGRATE_SUCCESS"
    );
    let subs = done
        .output
        .sub_tasks
        .clone()
        .expect("a finished task reports its sub-tasks");
    assert!(!subs.is_empty(), "a finished task has sub-tasks");
    assert!(subs.iter().all(|s| s.progress == Some(100)), "{subs:?}");
    client.delete_task().task_id(&id).send().await.unwrap();
    let err = client.show_task().task_id(&id).send().await.unwrap_err();
    assert!(err.is_not_found(), "{err}");
    emu.shutdown().await;
}
