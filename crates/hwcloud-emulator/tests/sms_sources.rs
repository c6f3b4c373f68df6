//! Source servers and task settings on the emulator, through the generated SMS client: a
//! server registered through the control API (as its agent would) is listed and shown with a
//! recommended target layout, a task created for it takes UpdateTask's changes and keeps its
//! speed-limit windows.

mod common;

use common::*;
use hwcloud_core::{Credentials, Error};
use hwcloud_emulator::EmulatorHandle;
use hwcloud_sms::Client;
use hwcloud_sms::types::{DiskDeviceUse, PostTask, SourceServerState, SpeedLimitPeriod, TaskType};
use serde_json::{Value, json};

fn client(emu: &EmulatorHandle) -> Client {
    let c = cred1();
    Client::builder()
        .endpoint(emu.base_url())
        .credentials(Credentials::new(&c.ak, c.sk.expose()).with_project_id(&c.project_id))
        .build()
        .unwrap()
}

async fn register(emu: &EmulatorHandle, body: Value) -> (u16, Value) {
    let r = reqwest::Client::new()
        .post(format!("{}/_emulator/sms/sources", emu.base_url()))
        .json(&body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

fn status_and_code(e: &Error) -> (u16, String) {
    match e {
        Error::Service(s) => (s.status, s.code.clone()),
        other => panic!("not a service error: {other}"),
    }
}

#[tokio::test]
async fn registered_servers_are_listed_and_shown_with_a_layout() {
    let emu = start_frozen().await;
    let c = client(&emu);
    let (status, web) = register(
        &emu,
        json!({"project_id": P1, "source_server": {"name": "web-01", "ip": "192.168.10.21"}}),
    )
    .await;
    assert_eq!(status, 200, "{web}");
    let web_id = web["id"].as_str().unwrap().to_owned();
    let data_disk = json!({"name": "/dev/vdb", "size": 1073741824u64, "os_disk": false});
    register(
        &emu,
        json!({"project_id": P1, "source_server": {"id": "db-01", "name": "db-01",
               "connected": false, "disks": [data_disk]}}),
    )
    .await;
    // Another project's server is not the caller's.
    register(
        &emu,
        json!({"project_id": P2, "source_server": {"name": "other"}}),
    )
    .await;

    let all = c.list_servers().send().await.unwrap().output;
    assert_eq!(all.count, Some(2));
    let listed = all.source_servers.unwrap();
    assert!(listed[0].disks.is_none(), "the list leaves the disks out");
    let offline = c
        .list_servers()
        .connected(false)
        .send()
        .await
        .unwrap()
        .output;
    assert_eq!(
        offline.source_servers.unwrap()[0].id.as_deref(),
        Some("db-01")
    );
    let named = c.list_servers().name("web-01").send().await.unwrap().output;
    assert_eq!(named.count, Some(1));

    let shown = c
        .show_server()
        .source_id(&web_id)
        .send()
        .await
        .unwrap()
        .output;
    assert_eq!(shown.state, Some(SourceServerState::Waiting));
    let layout = shown.init_target_server.unwrap().disks.unwrap();
    assert_eq!(layout[0].device_use, Some(DiskDeviceUse::Boot));
    let db = c
        .show_server()
        .source_id("db-01")
        .send()
        .await
        .unwrap()
        .output;
    let layout = db.init_target_server.unwrap().disks.unwrap();
    assert_eq!(layout[0].name.as_deref(), Some("/dev/vdb"));
    assert_eq!(layout[0].device_use, Some(DiskDeviceUse::Normal));

    let e = c
        .show_server()
        .source_id("missing")
        .send()
        .await
        .unwrap_err();
    assert_eq!(status_and_code(&e), (404, "SMS.0404".to_owned()));
    let (status, v) = register(&emu, json!({"project_id": P1, "bogus": 1})).await;
    assert_eq!(
        (status, v["error_code"].as_str()),
        (400, Some("EMULATOR.0400"))
    );
}

#[tokio::test]
async fn task_settings_and_speed_limits() {
    let emu = start_frozen().await;
    let c = client(&emu);
    let body: PostTask = hwcloud_testkit::example("sms/create_task.request.s001.json");
    let id = c
        .create_task()
        .body(body)
        .send()
        .await
        .unwrap()
        .output
        .id
        .unwrap();

    let updated = c
        .update_task()
        .task_id(&id)
        .name("renamed")
        .speed_limit(200)
        .task_type(TaskType::MigrateFile)
        .send()
        .await
        .unwrap()
        .output;
    assert_eq!(updated.id.as_deref(), Some(id.as_str()));
    let task = c.show_task().task_id(&id).send().await.unwrap().output;
    assert_eq!(task.name.as_deref(), Some("renamed"));
    assert_eq!(task.speed_limit, Some(200));
    assert_eq!(task.task_type, Some(TaskType::MigrateFile));

    let none = c
        .shows_speed_limits()
        .task_id(&id)
        .send()
        .await
        .unwrap()
        .output;
    assert_eq!(none.speed_limit, Some(Vec::new()));
    let window = |start: &str, end: &str, speed: i32| {
        SpeedLimitPeriod::builder()
            .start(start)
            .end(end)
            .speed(speed)
            .build()
            .unwrap()
    };
    c.update_speed()
        .task_id(&id)
        .speed_limit(vec![
            window("0:00", "8:00", 20),
            window("8:00", "24:00", 50),
        ])
        .send()
        .await
        .unwrap();
    let set = c
        .shows_speed_limits()
        .task_id(&id)
        .send()
        .await
        .unwrap()
        .output;
    let set = set.speed_limit.unwrap();
    assert_eq!(set.len(), 2);
    assert_eq!(
        (set[1].start.as_deref(), set[1].speed),
        (Some("8:00"), Some(50))
    );

    // The emulator checks the windows with the generated validate(), before anything changes.
    let e = c
        .update_speed()
        .task_id(&id)
        .speed_limit(vec![window("0:00", "8:00", 20); 6])
        .skip_validation()
        .send()
        .await
        .unwrap_err();
    assert_eq!(status_and_code(&e).0, 400);
    let still = c
        .shows_speed_limits()
        .task_id(&id)
        .send()
        .await
        .unwrap()
        .output;
    assert_eq!(still.speed_limit.unwrap().len(), 2);
    let e = c
        .update_task()
        .task_id("missing")
        .name("x")
        .send()
        .await
        .unwrap_err();
    assert_eq!(status_and_code(&e), (404, "SMS.0404".to_owned()));
}
