//! Cross-field rule `required_if`: equals / not-equals conditions on enums, bools and strings.

use super::*;
use rule_required_if::types::{FileSource, MigrationType, Task, TaskBuilder};

/// Every rule satisfied: an online migration from a backup record, no TLS, no mode.
fn base() -> TaskBuilder {
    Task::builder()
        .migration_type(MigrationType::OnlineMigration)
        .source_instance("redis-1")
        .file_source(FileSource::BackupRecord)
}

#[test]
fn base_passes() {
    passes(base().build().unwrap().validate());
}

#[test]
fn equals_on_plain_enum() {
    let t = base().migration_type(MigrationType::BackupfileImport);
    passes(
        t.clone()
            .backup_files(vec!["a.rdb".to_string()])
            .build()
            .unwrap()
            .validate(),
    );
    fails(
        t.clone().build().unwrap().validate(),
        "backup_files",
        "required_if",
        "is required when migration_type is backupfile_import",
    );
    // An empty array counts as absent.
    fails(
        t.backup_files(Vec::<String>::new())
            .build()
            .unwrap()
            .validate(),
        "backup_files",
        "required_if",
        "is required when migration_type is backupfile_import",
    );
}

#[test]
fn equals_on_plain_enum_second_rule() {
    let mut t = base().build().unwrap();
    t.source_instance = None;
    fails(
        t.validate(),
        "source_instance",
        "required_if",
        "is required when migration_type is online_migration",
    );
}

#[test]
fn not_equals_holds_when_the_field_is_absent_or_different() {
    let mut t = base().build().unwrap();
    t.file_source = None;
    fails(
        t.clone().validate(),
        "bucket_name",
        "required_if",
        "is required when file_source is not backup_record",
    );
    t.file_source = Some(FileSource::SelfBuildObs);
    fails(
        t.clone().validate(),
        "bucket_name",
        "required_if",
        "is required when file_source is not backup_record",
    );
    t.bucket_name = Some("bucket".into());
    passes(t.validate());
}

#[test]
fn equals_on_optional_bool() {
    passes(base().use_tls(false).build().unwrap().validate());
    passes(
        base()
            .use_tls(true)
            .ca_cert("pem")
            .build()
            .unwrap()
            .validate(),
    );
    fails(
        base().use_tls(true).build().unwrap().validate(),
        "ca_cert",
        "required_if",
        "is required when use_tls is true",
    );
}

#[test]
fn equals_on_optional_string_with_several_values() {
    passes(base().mode("simple").build().unwrap().validate());
    passes(
        base()
            .mode("custom")
            .mode_arg("x")
            .build()
            .unwrap()
            .validate(),
    );
    fails(
        base().mode("advanced").build().unwrap().validate(),
        "mode_arg",
        "required_if",
        "is required when mode is custom or advanced",
    );
    // An empty string counts as absent.
    fails(
        base()
            .mode("custom")
            .mode_arg("")
            .build()
            .unwrap()
            .validate(),
        "mode_arg",
        "required_if",
        "is required when mode is custom or advanced",
    );
}
