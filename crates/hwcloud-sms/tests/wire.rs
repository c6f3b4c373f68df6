//! Wire-level decisions of the SMS spec (`docs/api-notes.md`, D14-D19 and the SMS operations), checked
//! on the generated types.

use hwcloud_core::operation::{Operation, ResponseKind};
use hwcloud_sms::operations::*;
use hwcloud_sms::types::*;
use serde_json::{Value, json};

const S001_REQUEST: &str = include_str!("../../../spec/examples/sms/create_task.request.s001.json");
const S001_FORBIDDEN: &str =
    include_str!("../../../spec/examples/sms/create_task.response.403.s001.json");
const SHOW_RESPONSE: &str = include_str!("../../../spec/examples/sms/show_task.response.200.json");
const LIST_RESPONSE: &str = include_str!("../../../spec/examples/sms/list_tasks.response.200.json");

fn violations(e: hwcloud_core::ValidationErrors) -> Vec<(String, &'static str)> {
    e.violations()
        .iter()
        .map(|v| (v.path.clone(), v.rule))
        .collect()
}

fn seed_body() -> PostTask {
    serde_json::from_str(S001_REQUEST).unwrap()
}

#[test]
fn builder_names_the_missing_field() {
    let err = PostTask::builder()
        .name("MigrationTask")
        .task_type(TaskType::MigrateFile)
        .source_server(SourceServerByTask::builder().id("s").build().unwrap())
        .target_server(TargetServerByTask::builder().build().unwrap())
        .region_name("cn-north-4")
        .region_id("cn-north-4")
        .project_name("cn-north-4")
        .build()
        .unwrap_err();
    assert_eq!(err.field, "project_id");
    assert_eq!(
        err.to_string(),
        "missing required field `project_id` when building PostTask"
    );
    let err = SourceServerByTask::builder().build().unwrap_err();
    assert_eq!(err.field, "id");
    let err = UpdateTaskStatusReq::builder().build().unwrap_err();
    assert_eq!(err.field, "operation");
    let err = ShowTaskInput::builder().build().unwrap_err();
    assert_eq!(err.field, "task_id");
    // D17: the target of an auto-created server needs neither name nor vm_id.
    TargetServerByTask::builder().build().unwrap();
}

#[test]
fn seed_example_validates_and_drops_the_null_uuid() {
    let body = seed_body();
    body.validate().unwrap();
    assert_eq!(body.task_type, TaskType::MigrateFile);
    assert_eq!(body.os_type, Some(OsType::Linux));
    let disk = &body.target_server.disks.as_ref().unwrap()[0];
    assert_eq!(disk.device_use, Some(DiskDeviceUse::Boot));
    assert_eq!(disk.size, Some(42_949_672_960));
    let wire = serde_json::to_value(&body).unwrap();
    let pv = &wire["target_server"]["disks"][0]["physical_volumes"][0];
    assert!(pv.get("uuid").is_none(), "{pv}");
    assert_eq!(wire["target_server"]["volume_groups"], json!([]));
    let input = CreateTaskInput::builder().body(body).build().unwrap();
    input.validate().unwrap();
    let parts = input.to_parts().unwrap();
    assert!(parts.headers.is_empty());
    assert!(parts.query.is_empty());
    let sent: Value = serde_json::from_slice(parts.body.as_deref().unwrap()).unwrap();
    assert_eq!(sent["name"], "MigrationTask");
    assert_eq!(input.meta().path, "/v3/tasks");
    assert!(!input.meta().needs_project_id());
    assert!(!input.meta().idempotent);
}

#[test]
fn broken_example_reports_nested_paths() {
    let mut v: Value = serde_json::from_str(S001_REQUEST).unwrap();
    v["name"] = json!("");
    v["type"] = json!("MIGRATE_DISK");
    v["speed_limit"] = json!(1001);
    v["over_speed_threshold"] = json!(5.0);
    v["use_ipv6"] = json!(true); // migration_ip stays IPv4
    v["target_server"]["disks"][0]["name"] = json!("d".repeat(256));
    v["target_server"]["disks"][0]["physical_volumes"][0]["index"] = json!(-1);
    v["target_server"]["volume_groups"] = json!([{
        "name": "vg0",
        "logical_volumes": [{"mount_point": "m".repeat(257), "block_size": 2_000_000}]
    }]);
    v["target_server"]["btrfs_list"] = json!([{"subvolumn": [{"subvol_name": "s".repeat(256)}]}]);
    let body: PostTask = serde_json::from_value(v).unwrap();
    let e = body.validate().unwrap_err();
    assert_eq!(
        violations(e.clone()),
        [
            ("name".to_string(), "min_length"),
            ("type".to_string(), "enum"),
            (
                "target_server.btrfs_list[0].subvolumn[0].subvol_name".to_string(),
                "max_length"
            ),
            ("target_server.disks[0].name".to_string(), "max_length"),
            (
                "target_server.disks[0].physical_volumes[0].index".to_string(),
                "minimum"
            ),
            (
                "target_server.volume_groups[0].logical_volumes[0].block_size".to_string(),
                "maximum"
            ),
            (
                "target_server.volume_groups[0].logical_volumes[0].mount_point".to_string(),
                "max_length"
            ),
            ("speed_limit".to_string(), "maximum"),
            ("over_speed_threshold".to_string(), "minimum"),
            ("migration_ip".to_string(), "format_if"),
        ]
    );
    let text = e.to_string();
    assert!(
        text.contains("speed_limit: 1001 is greater than 1000 [maximum]"),
        "{text}"
    );
    // 256 is fine for a logical volume's mount point (S001 Table 10), 255 elsewhere.
    let lv = LogicalVolumes::builder()
        .mount_point("m".repeat(256))
        .name("n".repeat(1024))
        .build()
        .unwrap();
    lv.validate().unwrap();
}

#[test]
fn migration_ip_follows_use_ipv6() {
    let v6 = seed_body()
        .into_builder()
        .use_ipv6(true)
        .migration_ip("fd00::1")
        .build()
        .unwrap();
    v6.validate().unwrap();
    let v4 = seed_body()
        .into_builder()
        .migration_ip("fd00::1")
        .build()
        .unwrap();
    assert_eq!(
        violations(v4.validate().unwrap_err()),
        [("migration_ip".to_string(), "format_if")]
    );
}

#[test]
fn tokens_never_show_in_debug() {
    let input = CreateTaskInput::builder()
        .auth_token("MIIsecret-token-value")
        .body(seed_body())
        .build()
        .unwrap();
    let shown = format!("{input:?} {input:#?}");
    assert!(!shown.contains("MIIsecret"), "{shown}");
    assert!(shown.contains("***"));
    // ...but it is sent as given.
    let parts = input.to_parts().unwrap();
    assert_eq!(
        parts.headers,
        [(
            "X-Auth-Token".to_string(),
            "MIIsecret-token-value".to_string()
        )]
    );
    let long = input
        .into_builder()
        .auth_token("t".repeat(16385))
        .build()
        .unwrap();
    assert_eq!(
        violations(long.validate().unwrap_err()),
        [("X-Auth-Token".to_string(), "max_length")]
    );
}

#[test]
fn unknown_enum_values_are_kept() {
    let s: TaskState = serde_json::from_str("\"PAUSING_FOR_MAINTENANCE\"").unwrap();
    assert_eq!(s, TaskState::Unknown("PAUSING_FOR_MAINTENANCE".into()));
    assert_eq!(
        serde_json::to_string(&s).unwrap(),
        "\"PAUSING_FOR_MAINTENANCE\""
    );
    let r: TaskState = serde_json::from_str("\"RESETING\"").unwrap();
    assert_eq!(r, TaskState::Resetting);
    assert_eq!(serde_json::to_string(&r).unwrap(), "\"RESETING\"");

    let list: ListTasksResponse = serde_json::from_str(LIST_RESPONSE).unwrap();
    let tasks = list.tasks.as_ref().unwrap();
    assert_eq!(list.count, Some(3));
    assert_eq!(tasks[0].state, Some(TaskState::Syncing));
    assert_eq!(tasks[1].state, Some(TaskState::SyncFailedRollingBack));
    assert_eq!(
        tasks[2].state,
        Some(TaskState::Unknown("PAUSING_FOR_MAINTENANCE".into()))
    );

    // The operation enum is open: a value from a newer doc is sent unchanged and passes validation.
    let input = UpdateTaskStatusInput::builder()
        .task_id("t1")
        .operation("collect_all_logs")
        .build()
        .unwrap();
    input.validate().unwrap();
    assert_eq!(
        input.to_parts().unwrap().body.as_deref(),
        Some(br#"{"operation":"collect_all_logs"}"#.as_slice())
    );
    // The task type is closed: the docs fix it.
    let bad = seed_body()
        .into_builder()
        .task_type("MIGRATE_DISK")
        .build()
        .unwrap();
    assert_eq!(
        violations(bad.validate().unwrap_err()),
        [("type".to_string(), "enum")]
    );
    // The disk use is informational only and stays open.
    let disk = TargetDisks::builder().device_use("DATA").build().unwrap();
    disk.validate().unwrap();
}

#[test]
fn show_task_keeps_unknown_fields_and_all_fields_are_optional() {
    let task: Task = serde_json::from_str(SHOW_RESPONSE).unwrap();
    assert_eq!(task.state, Some(TaskState::Running));
    assert_eq!(task.task_type, Some(TaskType::MigrateFile));
    let subs = task.sub_tasks.as_ref().unwrap();
    assert_eq!(subs[1].progress, Some(35));
    assert_eq!(subs[1].end_date, None);
    let src = task.source_server.as_ref().unwrap();
    assert_eq!(src.state, Some(SourceServerState::Replicate));
    assert_eq!(src.migration_cycle, Some(MigrationCycle::Replicating));
    let disk = &task.target_server.as_ref().unwrap().disks.as_ref().unwrap()[0];
    assert_eq!(disk.extra.get("relation_name"), Some(&json!("/dev/vda")));
    let empty: Task = serde_json::from_str("{}").unwrap();
    assert_eq!(empty.state, None);
}

#[test]
fn btrfs_ids_accept_numbers_and_are_sent_as_strings() {
    let fs: BtrfsFileSystem = serde_json::from_value(json!({
        "default_subvolid": 5,
        "subvolumn": [{"subvol_id": 256, "parent_id": "5", "is_snapshot": "false"}]
    }))
    .unwrap();
    assert_eq!(fs.default_subvolid.as_deref(), Some("5"));
    let sub = &fs.subvolumes.as_ref().unwrap()[0];
    assert_eq!(sub.subvol_id.as_deref(), Some("256"));
    assert_eq!(sub.parent_id.as_deref(), Some("5"));
    let wire = serde_json::to_value(&fs).unwrap();
    assert_eq!(wire["default_subvolid"], json!("5"));
    assert_eq!(wire["subvolumn"][0]["subvol_id"], json!("256"));
    assert!(wire.get("subvolumes").is_none());
}

#[test]
fn error_body_has_the_sms_fields() {
    let e: SmsErrorBody = serde_json::from_str(S001_FORBIDDEN).unwrap();
    assert_eq!(e.error_code.as_deref(), Some("SMS.9004"));
    assert_eq!(e.encoded_authorization_message.as_deref(), Some("XXXXXX"));
    assert_eq!(e.error_param.as_ref().map(Vec::len), Some(1));
    let d = &e.details.as_ref().unwrap()[0];
    assert_eq!(d.error_code.as_deref(), Some("SMS.9004"));
    // Older SMS errors carry only code and message.
    let old: SmsErrorBody =
        serde_json::from_str(r#"{"error_code":"SMS.2015","error_msg":"running"}"#).unwrap();
    assert!(old.details.is_none());
}

#[test]
fn action_and_delete_answer_bare_strings() {
    let action = UpdateTaskStatusInput::builder()
        .task_id("t1")
        .operation(TaskOperation::Start)
        .build()
        .unwrap();
    assert_eq!(action.meta().method, "POST");
    assert_eq!(action.meta().path, "/v3/tasks/{task_id}/action");
    assert_eq!(action.meta().response, ResponseKind::Text);
    assert_eq!(
        action.to_parts().unwrap().path_params,
        [("task_id", "t1".to_string())]
    );
    assert_eq!(UpdateTaskStatusInput::parse_output(b"").unwrap(), "");
    assert_eq!(
        UpdateTaskStatusInput::parse_output(b"\"OK\"").unwrap(),
        "\"OK\""
    );

    let del = DeleteTaskInput::builder().task_id("t1").build().unwrap();
    assert_eq!(del.meta().method, "DELETE");
    assert_eq!(del.meta().response, ResponseKind::Text);
    assert!(del.meta().idempotent);
    assert!(del.to_parts().unwrap().body.is_none());
    let long = DeleteTaskInput::builder()
        .task_id("x".repeat(37))
        .build()
        .unwrap();
    assert_eq!(
        violations(long.validate().unwrap_err()),
        [("task_id".to_string(), "max_length")]
    );

    let batch = DeleteTasksInput::builder()
        .ids(vec!["1".to_string(), "2".to_string()])
        .build()
        .unwrap();
    assert_eq!(batch.meta().path, "/v3/tasks/delete");
    assert_eq!(batch.meta().response, ResponseKind::Text);
    assert_eq!(
        batch.to_parts().unwrap().body.as_deref(),
        Some(br#"{"ids":["1","2"]}"#.as_slice())
    );
    let empty = DeleteTasksInput::builder()
        .ids(Vec::<String>::new())
        .build()
        .unwrap();
    assert_eq!(
        violations(empty.validate().unwrap_err()),
        [("ids".to_string(), "min_items")]
    );
}

#[test]
fn every_call_sends_plain_application_json() {
    let metas = [
        CreateTaskInput::builder()
            .body(seed_body())
            .build()
            .unwrap()
            .meta(),
        ShowTaskInput::builder()
            .task_id("t")
            .build()
            .unwrap()
            .meta(),
        ListTasksInput::builder().build().unwrap().meta(),
        UpdateTaskStatusInput::builder()
            .task_id("t")
            .operation("stop")
            .build()
            .unwrap()
            .meta(),
        DeleteTaskInput::builder()
            .task_id("t")
            .build()
            .unwrap()
            .meta(),
        DeleteTasksInput::builder()
            .ids(vec!["t".to_string()])
            .build()
            .unwrap()
            .meta(),
    ];
    for m in metas {
        assert_eq!(m.content_type, "application/json", "{}", m.name);
        assert_eq!(m.service, "sms");
        assert!(!m.needs_project_id(), "{}", m.name);
        assert_eq!(
            m.idempotent,
            m.method != "POST" || m.name == "DeleteTasks",
            "{}",
            m.name
        );
    }
}

#[test]
fn list_tasks_query_and_limits() {
    let input = ListTasksInput::builder()
        .state(TaskState::MigrateFail)
        .limit(200)
        .offset(400)
        .build()
        .unwrap();
    input.validate().unwrap();
    assert_eq!(
        input.to_parts().unwrap().query,
        [
            ("state".to_string(), "MIGRATE_FAIL".to_string()),
            ("limit".to_string(), "200".to_string()),
            ("offset".to_string(), "400".to_string()),
        ]
    );
    let e = ListTasksInput::builder()
        .limit(201)
        .build()
        .unwrap()
        .validate()
        .unwrap_err();
    assert_eq!(violations(e), [("limit".to_string(), "maximum")]);
}

#[test]
fn endpoints_and_waiter() {
    use hwcloud_sms::generated::{endpoints, waiters};
    assert_eq!(endpoints::SERVICE, "sms");
    assert_eq!(
        endpoints::HUAWEICLOUD,
        [
            (
                "ap-southeast-3",
                "https://sms.ap-southeast-3.myhuaweicloud.com"
            ),
            ("cn-north-4", "https://sms.cn-north-4.myhuaweicloud.com"),
            (
                "my-kualalumpur-1",
                "https://sms.my-kualalumpur-1.myhuaweicloud.com"
            ),
            (
                "ru-moscow-1",
                "https://sms-api.ru-moscow-1.myhuaweicloud.com"
            ),
        ]
    );
    assert!(endpoints::OTC.is_empty());
    assert_eq!(waiters::TASK_DONE.operation, "ShowTask");
    assert_eq!(waiters::TASK_DONE.success, ["MIGRATE_SUCCESS"]);
    assert!(waiters::TASK_DONE.failure.contains(&"MIGRATE_FAIL"));
    assert!(waiters::TASK_DONE.failure.contains(&"ABORT"));
}
