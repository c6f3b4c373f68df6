//! The cutover lifecycle on the emulator's clock, through the generated DCS client: instances
//! and backups registered through the control API, an incremental migration between them, the
//! resume mode, ExchangeInstanceIp (EXCHANGING → EXCHANGE_SUCCESS, addresses swapped,
//! instances IPEXCHANGING meanwhile) and its rollback, with the refusals of each state.

mod common;

use std::time::Duration;

use common::*;
use hwcloud_core::{Credentials, Error};
use hwcloud_dcs::Client;
use hwcloud_dcs::types::{
    BackupStatus, ConfigMigrationInstanceBody, InstanceStatus, IpSwitchStatus, MigrationMethod,
    MigrationTaskStatus, ResumeMode,
};
use hwcloud_emulator::EmulatorHandle;
use serde_json::{Value, json};

fn client(emu: &EmulatorHandle) -> Client {
    let c = cred1();
    Client::builder()
        .endpoint(emu.base_url())
        .credentials(Credentials::new(&c.ak, c.sk.expose()).with_project_id(&c.project_id))
        .build()
        .unwrap()
}

async fn control(emu: &EmulatorHandle, path: &str, body: Value) -> (u16, Value) {
    let r = reqwest::Client::new()
        .post(format!("{}{path}", emu.base_url()))
        .json(&body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

fn service_code(e: &Error) -> String {
    match e {
        Error::Service(s) => s.code.clone(),
        other => panic!("not a service error: {other}"),
    }
}

/// Registers `name` with the given address and two backups; returns its ID.
async fn instance(emu: &EmulatorHandle, name: &str, ip: &str) -> String {
    let (status, v) = control(
        emu,
        "/_emulator/dcs/instances",
        json!({"project_id": P1, "name": name, "ip": ip,
               "backups": [{"backup_name": "nightly"}, {"status": "failed"}]}),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    v["instance"]["instance_id"].as_str().unwrap().to_owned()
}

/// An incremental migration between `source` and `target`, advanced to INCRMIGEATING.
async fn incremental(emu: &EmulatorHandle, c: &Client, source: &str, target: &str) -> String {
    let created = c
        .create_online_migration_task()
        .name("cutover")
        .vpc_id("v")
        .subnet_id("s")
        .security_group_id("g")
        .send()
        .await
        .unwrap();
    let id = created.output.instance_id.unwrap();
    emu.clock().advance(Duration::from_secs(1)).unwrap();
    let endpoint = |id: &str| ConfigMigrationInstanceBody {
        id: Some(id.into()),
        ..Default::default()
    };
    c.set_online_migration_task()
        .task_id(&id)
        .migration_method(MigrationMethod::Incremental)
        .resume_mode(ResumeMode::Manual)
        .source_instance(endpoint(source))
        .target_instance(endpoint(target))
        .send()
        .await
        .unwrap();
    emu.clock().advance(Duration::from_secs(2)).unwrap();
    id
}

#[tokio::test]
async fn instances_and_backups_come_from_the_control_api() {
    let emu = start_frozen().await;
    let c = client(&emu);
    let a = instance(&emu, "orders-old", "10.0.0.5").await;
    instance(&emu, "orders-new", "10.0.0.6").await;
    let list = c
        .list_instances()
        .name("orders")
        .send()
        .await
        .unwrap()
        .output;
    assert_eq!(list.instance_num, Some(2));
    let exact = c
        .list_instances()
        .name("orders-old")
        .name_equal("true")
        .send()
        .await
        .unwrap()
        .output;
    assert_eq!(
        exact.instances.unwrap()[0].instance_id.as_deref(),
        Some(a.as_str())
    );
    let shown = c
        .show_instance()
        .instance_id(&a)
        .send()
        .await
        .unwrap()
        .output;
    assert_eq!(shown.ip.as_deref(), Some("10.0.0.5"));
    assert_eq!(shown.status, Some(InstanceStatus::Running));

    let backups = c
        .list_backup_records()
        .instance_id(&a)
        .send()
        .await
        .unwrap()
        .output;
    assert_eq!(backups.total_num, Some(2));
    let records = backups.backup_record_response.unwrap();
    assert_eq!(records[0].backup_name.as_deref(), Some("nightly"));
    assert_eq!(records[1].status, Some(BackupStatus::Failed));
    // The time window filters on creation time (the newest backup is an hour old).
    let later = c
        .list_backup_records()
        .instance_id(&a)
        .begin_time("29990101000000")
        .send()
        .await
        .unwrap()
        .output;
    assert_eq!(later.total_num, Some(0));

    // Another project sees none of them; an unknown instance is DCS.3022.
    let e = c
        .show_instance()
        .instance_id("nope")
        .send()
        .await
        .unwrap_err();
    assert_eq!(service_code(&e), "DCS.3022");
    let (status, v) = control(
        &emu,
        "/_emulator/dcs/instances",
        json!({"project_id": "unknown", "name": "x"}),
    )
    .await;
    assert_eq!(
        (status, v["error_code"].as_str()),
        (400, Some("EMULATOR.0400"))
    );
}

#[tokio::test]
async fn exchange_and_roll_back_the_addresses() {
    let emu = start_frozen().await;
    let c = client(&emu);
    let old = instance(&emu, "old", "10.0.0.5").await;
    let new = instance(&emu, "new", "10.0.0.6").await;
    let task = incremental(&emu, &c, &old, &new).await;
    let show = || async {
        c.show_migration_task()
            .task_id(&task)
            .send()
            .await
            .unwrap()
            .output
    };
    assert_eq!(
        show().await.status,
        Some(MigrationTaskStatus::IncrMigrating(Default::default()))
    );
    assert_eq!(show().await.task_status, None);

    // The reconnect mode of a running online task can change.
    c.update_migration_task()
        .task_id(&task)
        .resume_mode(ResumeMode::Auto)
        .send()
        .await
        .unwrap();
    assert_eq!(show().await.resume_mode, Some(ResumeMode::Auto));

    // A rollback before any switch is refused.
    let e = c
        .rollback_exchange_instance_ip()
        .task_id(&task)
        .send()
        .await
        .unwrap_err();
    assert_eq!(service_code(&e), "DCS.4026");

    let r = c
        .exchange_instance_ip()
        .task_id(&task)
        .exchanged_ip(vec!["10.0.0.5".to_string()])
        .is_exchange_domain(false)
        .send()
        .await
        .unwrap();
    assert_eq!(r.http_status, 204);
    assert_eq!(show().await.task_status, Some(IpSwitchStatus::Exchanging));
    let during = c
        .show_instance()
        .instance_id(&new)
        .send()
        .await
        .unwrap()
        .output;
    assert_eq!(during.status, Some(InstanceStatus::IpExchanging));
    // A second switch while one runs is refused.
    let e = c
        .exchange_instance_ip()
        .task_id(&task)
        .exchanged_ip(vec!["10.0.0.5".to_string()])
        .is_exchange_domain(false)
        .send()
        .await
        .unwrap_err();
    assert_eq!(service_code(&e), "DCS.4026");

    emu.clock().advance(Duration::from_secs(2)).unwrap();
    assert_eq!(
        show().await.task_status,
        Some(IpSwitchStatus::ExchangeSuccess)
    );
    let after = c
        .show_instance()
        .instance_id(&new)
        .send()
        .await
        .unwrap()
        .output;
    assert_eq!(after.status, Some(InstanceStatus::Running));
    assert_eq!(
        after.ip.as_deref(),
        Some("10.0.0.5"),
        "the target took the source's address"
    );

    c.rollback_exchange_instance_ip()
        .task_id(&task)
        .send()
        .await
        .unwrap();
    emu.clock().advance(Duration::from_secs(2)).unwrap();
    assert_eq!(
        show().await.task_status,
        Some(IpSwitchStatus::RollbackSuccess)
    );
    let back = c
        .show_instance()
        .instance_id(&new)
        .send()
        .await
        .unwrap()
        .output;
    assert_eq!(back.ip.as_deref(), Some("10.0.0.6"));
}

#[tokio::test]
async fn the_ip_waiter_follows_the_emulator_clock() {
    let emu = start_frozen().await;
    emu.clock().set_speed(20.0).unwrap();
    let c = client(&emu);
    let old = instance(&emu, "old", "10.0.0.5").await;
    let new = instance(&emu, "new", "10.0.0.6").await;
    emu.clock().set_speed(0.0).unwrap();
    let task = incremental(&emu, &c, &old, &new).await;
    emu.clock().set_speed(20.0).unwrap();
    c.exchange_instance_ip()
        .task_id(&task)
        .exchanged_ip(vec!["10.0.0.5".to_string()])
        .is_exchange_domain(true)
        .send()
        .await
        .unwrap();
    let done = c
        .wait_until_migration_task_ip_exchanged(&task)
        .delays(Duration::from_millis(10), Duration::from_millis(50))
        .max_wait(Duration::from_secs(20))
        .wait()
        .await
        .unwrap();
    assert_eq!(
        done.output.task_status,
        Some(IpSwitchStatus::ExchangeSuccess)
    );
    // Domain names were swapped too.
    let target = c
        .show_instance()
        .instance_id(&new)
        .send()
        .await
        .unwrap()
        .output;
    assert!(
        target.domain_name.unwrap().contains(&old),
        "the source's domain moved over"
    );
}

#[tokio::test]
async fn switches_need_an_incremental_task_between_instances() {
    let emu = start_frozen().await;
    let c = client(&emu);
    // A full migration from a self-hosted Redis: never INCRMIGEATING, no source instance.
    let created = c
        .create_online_migration_task()
        .name("full")
        .vpc_id("v")
        .subnet_id("s")
        .security_group_id("g")
        .send()
        .await
        .unwrap();
    let id = created.output.instance_id.unwrap();
    let e = c
        .exchange_instance_ip()
        .task_id(&id)
        .exchanged_ip(vec!["10.0.0.5".to_string()])
        .is_exchange_domain(false)
        .send()
        .await
        .unwrap_err();
    assert_eq!(service_code(&e), "DCS.4026");
    // A backup import has no reconnect mode.
    let import = c
        .create_migration_task()
        .body(hwcloud_testkit::example(
            "dcs/create_migration_task.request.backup_import.json",
        ))
        .send()
        .await
        .unwrap();
    let e = c
        .update_migration_task()
        .task_id(import.output.id.unwrap())
        .resume_mode(ResumeMode::Auto)
        .send()
        .await
        .unwrap_err();
    assert_eq!(service_code(&e), "DCS.4026");
    // An unknown task is DCS.4133 for every cutover call.
    let e = c
        .rollback_exchange_instance_ip()
        .task_id("a1b2c3")
        .send()
        .await
        .unwrap_err();
    assert_eq!(service_code(&e), "DCS.4133");
}
