//! Wire-level decisions of the DCS spec (`docs/api-notes.md`, D1-D13), checked on the generated
//! types.

use hwcloud_core::operation::Operation;
use hwcloud_dcs::operations::*;
use hwcloud_dcs::types::*;
use serde_json::json;

const S004_REQUEST: &str =
    include_str!("../../../spec/examples/dcs/set_online_migration_task.request.s004.json");
const S003_REQUEST: &str =
    include_str!("../../../spec/examples/dcs/create_migration_task.request.s003.json");

#[test]
fn bandwidth_limit_is_sent_as_a_string_and_nulls_are_dropped() {
    let body: SetOnlineMigrationTaskBody = serde_json::from_str(S004_REQUEST).unwrap();
    assert_eq!(body.bandwidth_limit_mb.as_deref(), Some("123"));
    let wire = serde_json::to_value(&body).unwrap();
    assert_eq!(wire["bandwidth_limit_mb"], json!("123"));
    assert_eq!(
        wire["source_instance"],
        json!({"addrs": "192.168.1.1:6379,192.168.0.0:6379", "password": "xxxxxx"})
    );
    assert_eq!(
        wire["target_instance"],
        json!({"id": "cf4a05df-1c38-47c5-bb5a-0a7b3673b3bd"})
    );
    body.validate().unwrap();
}

#[test]
fn incremental_status_alias_is_the_same_value_and_keeps_its_spelling() {
    use hwcloud_core::Spelling;
    let s: MigrationTaskStatus = serde_json::from_str("\"INCRMIGRATING\"").unwrap();
    assert!(matches!(s, MigrationTaskStatus::IncrMigrating(_)));
    // Same value as the spec's spelling, for ==, hashing and waiters...
    let canonical = MigrationTaskStatus::IncrMigrating(Spelling::Canonical);
    assert_eq!(s, canonical);
    assert_eq!(s.canonical_str(), "INCRMIGEATING");
    let set: std::collections::HashSet<_> = [s.clone(), canonical.clone()].into();
    assert_eq!(set.len(), 1);
    // ...but sent back as received, and a value built in code uses the spec's spelling.
    assert_eq!(serde_json::to_string(&s).unwrap(), "\"INCRMIGRATING\"");
    assert_eq!(s.to_string(), "INCRMIGRATING");
    assert_eq!(
        serde_json::to_string(&canonical).unwrap(),
        "\"INCRMIGEATING\""
    );
    let unknown: MigrationTaskStatus = serde_json::from_str("\"PAUSED\"").unwrap();
    assert_eq!(unknown, MigrationTaskStatus::Unknown("PAUSED".into()));
    assert_ne!(unknown, canonical);
    assert_eq!(serde_json::to_string(&unknown).unwrap(), "\"PAUSED\"");
}

#[test]
fn passwords_never_show_in_debug() {
    let body: CreateMigrationTaskBody = serde_json::from_str(S003_REQUEST).unwrap();
    let input = CreateMigrationTaskInput::builder()
        .body(body)
        .build()
        .unwrap();
    let shown = format!("{input:?} {:#?}", input.body);
    assert!(!shown.contains("xxxxxx"), "{shown}");
    assert!(shown.contains("***"));
    let set: SetOnlineMigrationTaskBody = serde_json::from_str(S004_REQUEST).unwrap();
    assert!(!format!("{set:?}").contains("xxxxxx"));
    let shown: MigrationTask = serde_json::from_str(include_str!(
        "../../../spec/examples/dcs/show_migration_task.response.200.json"
    ))
    .unwrap();
    assert!(!format!("{shown:?}").contains("xxxxxx"));
}

#[test]
fn builder_names_the_missing_field() {
    let err = CreateOnlineMigrationTaskBody::builder()
        .name("m")
        .vpc_id("v")
        .subnet_id("s")
        .build()
        .unwrap_err();
    assert_eq!(err.field, "security_group_id");
    assert_eq!(
        err.to_string(),
        "missing required field `security_group_id` when building CreateOnlineMigrationTaskBody"
    );
    let err = ShowMigrationTaskInput::builder().build().unwrap_err();
    assert_eq!(err.field, "task_id");
}

fn violations(e: hwcloud_core::ValidationErrors) -> Vec<(String, &'static str)> {
    e.violations()
        .iter()
        .map(|v| (v.path.clone(), v.rule))
        .collect()
}

#[test]
fn backup_import_rules() {
    let target = TargetInstanceBody::builder().id("t").build().unwrap();
    let base = CreateMigrationTaskBody::builder()
        .task_name("import")
        .migration_type(MigrationType::BackupfileImport)
        .migration_method(MigrationMethod::FullAmount)
        .target_instance(target);
    // backup_files missing entirely.
    let e = base.clone().build().unwrap().validate().unwrap_err();
    assert_eq!(violations(e), [("backup_files".to_string(), "required_if")]);
    // OBS source without bucket and files.
    let obs = BackupFilesBody::builder()
        .file_source("self_build_obs")
        .build()
        .unwrap();
    let e = base
        .clone()
        .backup_files(obs)
        .build()
        .unwrap()
        .validate()
        .unwrap_err();
    assert_eq!(
        violations(e),
        [
            ("backup_files.bucket_name".to_string(), "required_if"),
            ("backup_files.files".to_string(), "required_if")
        ]
    );
    // Backup record needs backup_id, not a bucket.
    let rec = BackupFilesBody::builder()
        .file_source(FileSource::BackupRecord)
        .build()
        .unwrap();
    let e = base
        .clone()
        .backup_files(rec)
        .build()
        .unwrap()
        .validate()
        .unwrap_err();
    assert_eq!(
        violations(e),
        [("backup_files.backup_id".to_string(), "required_if")]
    );
    // A bad file date and an unknown file source are both reported.
    let bad = BackupFilesBody::builder()
        .file_source("ftp")
        .bucket_name("b")
        .files(vec![
            Files::builder()
                .file_name("a.rdb")
                .update_at("2024-05-01T00:00:00")
                .build()
                .unwrap(),
        ])
        .build()
        .unwrap();
    let e = base
        .clone()
        .backup_files(bad)
        .build()
        .unwrap()
        .validate()
        .unwrap_err();
    assert_eq!(
        violations(e),
        [
            ("backup_files.file_source".to_string(), "enum"),
            ("backup_files.files[0].update_at".to_string(), "format")
        ]
    );
    // An OBS import of an empty file list imports nothing: the list needs one file.
    let empty = BackupFilesBody::builder()
        .file_source(FileSource::SelfBuildObs)
        .bucket_name("b")
        .files(Vec::new())
        .build()
        .unwrap();
    let e = base
        .clone()
        .backup_files(empty)
        .build()
        .unwrap()
        .validate()
        .unwrap_err();
    assert_eq!(
        violations(e),
        [
            ("backup_files.files".to_string(), "min_items"),
            ("backup_files.files".to_string(), "required_if")
        ]
    );
    let ok = BackupFilesBody::builder()
        .bucket_name("b")
        .files(vec![Files::builder().file_name("a.rdb").build().unwrap()])
        .build()
        .unwrap();
    base.backup_files(ok).build().unwrap().validate().unwrap();
}

#[test]
fn online_configuration_rules() {
    let body = SetOnlineMigrationTaskBody::builder()
        .migration_method("incremental_migration")
        .resume_mode("sometimes")
        .bandwidth_limit_mb("10241")
        .source_instance(
            ConfigMigrationInstanceBody::builder()
                .password("p")
                .build()
                .unwrap(),
        )
        .target_instance(
            ConfigMigrationInstanceBody::builder()
                .addrs("10.0.0.1")
                .build()
                .unwrap(),
        )
        .build()
        .unwrap();
    let e = body.validate().unwrap_err();
    assert_eq!(
        violations(e.clone()),
        [
            ("resume_mode".to_string(), "enum"),
            ("bandwidth_limit_mb".to_string(), "maximum"),
            ("source_instance.id".to_string(), "at_least_one_of"),
            ("target_instance.addrs".to_string(), "format"),
        ]
    );
    let text = e.to_string();
    assert!(
        text.contains("bandwidth_limit_mb: 10241 is greater than 10240 [maximum]"),
        "{text}"
    );
}

#[test]
fn list_input_puts_query_parameters_in_order() {
    let input = ListMigrationTaskInput::builder()
        .limit(50)
        .offset(100)
        .name("a b")
        .build()
        .unwrap();
    input.validate().unwrap();
    let parts = input.to_parts().unwrap();
    assert_eq!(
        parts.query,
        [
            ("offset".to_string(), "100".to_string()),
            ("limit".to_string(), "50".to_string()),
            ("name".to_string(), "a b".to_string())
        ]
    );
    assert!(parts.body.is_none());
    let e = ListMigrationTaskInput::builder()
        .limit(0)
        .build()
        .unwrap()
        .validate()
        .unwrap_err();
    assert_eq!(violations(e), [("limit".to_string(), "minimum")]);
    assert_eq!(input.meta().path, "/v2/{project_id}/migration-tasks");
}

#[test]
fn delete_is_a_delete_with_a_json_body() {
    let input = DeleteMigrationTaskInput::builder()
        .task_id_list(vec!["a".to_string()])
        .build()
        .unwrap();
    let parts = input.to_parts().unwrap();
    assert_eq!(input.meta().method, "DELETE");
    assert_eq!(input.meta().content_type, "application/json;charset=utf-8");
    assert_eq!(
        parts.body.as_deref(),
        Some(br#"{"task_id_list":["a"]}"#.as_slice())
    );
    let e = DeleteMigrationTaskInput::builder()
        .task_id_list(Vec::<String>::new())
        .build()
        .unwrap()
        .validate()
        .unwrap_err();
    assert_eq!(violations(e), [("task_id_list".to_string(), "min_items")]);
}

#[test]
fn stats_counters_accept_numbers_and_strings() {
    let s: MigrationTaskStats = serde_json::from_str(
        r#"{"full_migration_progress":100,"source_dbsize":"531221","target_input_kbps":12.5}"#,
    )
    .unwrap();
    assert_eq!(
        s.full_migration_progress.as_ref().and_then(|v| v.as_i64()),
        Some(100)
    );
    assert_eq!(
        s.source_dbsize.as_ref().and_then(|v| v.as_i64()),
        Some(531221)
    );
    assert_eq!(
        s.target_input_kbps.as_ref().and_then(|v| v.as_f64()),
        Some(12.5)
    );
}
