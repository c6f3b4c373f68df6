//! Wire format of the source-server, task-update and speed-limit calls (ShowServer,
//! ListServers, UpdateTask, ShowsSpeedLimits, UpdateSpeed): each is sent signed to a recording
//! server on 127.0.0.1, which checks method, path, query, Content-Type and body and re-verifies
//! the signature.

use futures_util::StreamExt;
use hwcloud_core::{Credentials, Error};
use hwcloud_sms::Client;
use hwcloud_sms::types::{DiskDeviceUse, MigrationCycle, SourceServerState, SpeedLimitPeriod};
use hwcloud_testkit::{Recorded, RecordingServer, Reply, example};
use serde_json::{Value, json};

const AK: &str = "WIRETESTAK0000000003";
const SK: &str = "wire-test-secret-key-0003";
const PROJECT: &str = "00112233445566778899aabbccddeeff";

fn client(server: &RecordingServer) -> Client {
    Client::builder()
        .endpoint(server.url())
        .credentials(Credentials::new(AK, SK).with_project_id(PROJECT))
        .build()
        .unwrap()
}

/// What every signed SMS request carries, plus its method, path and query.
fn check(r: &Recorded, method: &str, path: &str, query: &str) {
    assert_eq!(
        (r.method.as_str(), r.path.as_str(), r.query.as_str()),
        (method, path, query)
    );
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.header("x-project-id"), Some(PROJECT));
    assert_eq!(r.verify_signature(AK, SK).unwrap().access_key, AK);
    assert!(r.verify_signature(AK, "wrong").is_err());
}

#[tokio::test]
async fn show_server_decodes_the_recommended_layout() {
    let server = RecordingServer::start().await;
    server.push(Reply::json(
        200,
        example::<Value>("sms/show_server.response.200.json"),
    ));
    let s = client(&server)
        .show_server()
        .source_id("2c9a8b10")
        .send()
        .await
        .unwrap()
        .output;
    assert_eq!(s.state, Some(SourceServerState::Waiting));
    let disks = s.init_target_server.unwrap().disks.unwrap();
    assert_eq!(disks[0].device_use, Some(DiskDeviceUse::Boot));
    assert_eq!(disks[0].size, Some(42_949_672_960));
    let parts = disks[0].physical_volumes.as_ref().unwrap();
    assert_eq!(parts[1].mount_point.as_deref(), Some("/"));
    // Partition fields no model has are kept, not lost.
    let source_part = &s.disks.unwrap()[0].physical_volumes.clone().unwrap()[0];
    assert_eq!(
        source_part.extra.get("size_per_cluster"),
        Some(&json!(4096))
    );
    check(&server.requests()[0], "GET", "/v3/sources/2c9a8b10", "");
}

#[tokio::test]
async fn list_servers_filters_and_pages() {
    let server = RecordingServer::start().await;
    server.push(Reply::json(
        200,
        example::<Value>("sms/list_servers.response.200.json"),
    ));
    let c = client(&server);
    let page = c
        .list_servers()
        .state(SourceServerState::Waiting)
        .migration_cycle(MigrationCycle::Checking)
        .connected(true)
        .limit(2)
        .send()
        .await
        .unwrap()
        .output;
    assert_eq!(page.count, Some(2));
    let second = &page.source_servers.unwrap()[1];
    assert_eq!(second.current_task.as_ref().unwrap()["state"], "RUNNING");

    let one = |i: u32| json!({"count": 2, "source_servers": [{"id": format!("s{i}")}]});
    server.push(Reply::json(200, one(1)));
    server.push(Reply::json(200, one(2)));
    let ids: Vec<String> = c
        .list_servers()
        .limit(1)
        .into_items()
        .unwrap()
        .map(|s| s.unwrap().id.unwrap())
        .collect()
        .await;
    assert_eq!(ids, ["s1", "s2"]);
    let reqs = server.requests();
    check(
        &reqs[0],
        "GET",
        "/v3/sources",
        "state=waiting&limit=2&migration_cycle=checking&connected=true",
    );
    check(&reqs[1], "GET", "/v3/sources", "limit=1");
    check(&reqs[2], "GET", "/v3/sources", "limit=1&offset=1");
}

#[tokio::test]
async fn update_task_sends_only_what_changes() {
    let server = RecordingServer::start().await;
    server.push(Reply::json(
        200,
        example::<Value>("sms/update_task.response.200.json"),
    ));
    let body: Value = example("sms/update_task.request.json");
    let resp = client(&server)
        .update_task()
        .task_id("6a7b8c9d")
        .body(serde_json::from_value(body.clone()).unwrap())
        .send()
        .await
        .unwrap();
    assert!(resp.output.id.is_some());
    let r = &server.requests()[0];
    check(r, "PUT", "/v3/tasks/6a7b8c9d", "");
    assert_eq!(r.json(), body);
    // The speed limit is checked against CreateTask's range before sending.
    let e = client(&server)
        .update_task()
        .task_id("6a7b8c9d")
        .speed_limit(5000)
        .send()
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Validation(_)), "{e}");
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn speed_limit_windows_round_trip() {
    let server = RecordingServer::start().await;
    let shown: Value = example("sms/shows_speed_limits.response.200.json");
    server.push(Reply::json(200, shown));
    server.push(Reply::raw(200, "\"success\""));
    let c = client(&server);
    let windows = c
        .shows_speed_limits()
        .task_id("t1")
        .send()
        .await
        .unwrap()
        .output
        .speed_limit
        .unwrap();
    assert_eq!(windows.len(), 3);
    assert_eq!(windows[1].speed, Some(50));
    let body: Value = example("sms/update_speed.request.json");
    let text = c
        .update_speed()
        .task_id("t1")
        .speed_limit(windows)
        .send()
        .await
        .unwrap()
        .output;
    assert_eq!(text, "\"success\"");
    let reqs = server.requests();
    check(&reqs[0], "GET", "/v3/tasks/t1/speed-limit", "");
    check(&reqs[1], "POST", "/v3/tasks/t1/speed-limit", "");
    assert_eq!(reqs[1].json(), body);
}

#[tokio::test]
async fn speed_limit_windows_are_validated() {
    let server = RecordingServer::start().await;
    let window = |start: &str, speed: i32| {
        SpeedLimitPeriod::builder()
            .start(start)
            .end("8:00")
            .speed(speed)
            .build()
            .unwrap()
    };
    let e = client(&server)
        .update_speed()
        .task_id("t1")
        .speed_limit(vec![window("8 am", 20), window("0:00", 2000)])
        .send()
        .await
        .unwrap_err();
    let Error::Validation(v) = e else {
        panic!("{e}")
    };
    let rules: Vec<(&str, &str)> = v
        .violations()
        .iter()
        .map(|x| (x.path.as_str(), x.rule))
        .collect();
    assert_eq!(
        rules,
        [
            ("speed_limit[0].start", "pattern"),
            ("speed_limit[1].speed", "maximum")
        ]
    );
    // Six windows are one too many.
    let e = client(&server)
        .update_speed()
        .task_id("t1")
        .speed_limit(vec![window("0:00", 1); 6])
        .send()
        .await
        .unwrap_err();
    assert!(e.to_string().contains("speed_limit"), "{e}");
    assert!(server.requests().is_empty());
}
