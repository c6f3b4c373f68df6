//! The generated SDK clients work against the emulator unchanged: signing, paths, bodies,
//! waiters and error mapping.

use std::time::Duration;

use hwcloud_core::Credentials;
use hwcloud_dcs::types::{ConfigMigrationInstanceBody, MigrationMethod, ResumeMode};
use hwcloud_emulator::Emulator;

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
