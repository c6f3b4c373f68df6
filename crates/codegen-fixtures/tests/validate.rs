//! `validate()` of the generated fixture code: for every constraint kind and every cross-field
//! rule, a value that passes and one that fails, with the exact message (which names the field
//! path, nested and indexed, and the rule).

use codegen_fixtures::generated::*;
use hwcloud_core::ValidationErrors;
use hwcloud_core::operation::Operation;

/// The value validates.
#[track_caller]
fn passes(result: Result<(), ValidationErrors>) {
    if let Err(e) = result {
        panic!("expected no violation, got: {e}");
    }
}

/// Exactly one violation, at `path`, of `rule`, with `message`; the full text names all three.
#[track_caller]
fn fails(result: Result<(), ValidationErrors>, path: &str, rule: &str, message: &str) {
    let err = result.expect_err("expected a violation");
    let text = err.to_string();
    assert_eq!(err.violations().len(), 1, "{text}");
    let v = &err.violations()[0];
    assert_eq!(v.path, path, "{text}");
    assert_eq!(v.rule, rule, "{text}");
    assert_eq!(
        text,
        format!("1 validation error: {path}: {message} [{rule}]")
    );
    assert!(text.contains(&format!("{path}: ")), "{text}");
    assert!(text.contains(&format!("[{rule}]")), "{text}");
}

// ---------------------------------------------------------------- required

mod required {
    use super::*;
    use constraint_required::types::{CreateJobBody, Job, Owner};

    fn owner(id: Option<&str>) -> Owner {
        Owner {
            user_id: id.map(str::to_owned),
            ..Default::default()
        }
    }

    #[test]
    fn present_passes() {
        let job = Job::builder().id("j-1").owner(owner(Some("u-1"))).build();
        passes(job.unwrap().validate());
    }

    #[test]
    fn absent_fails() {
        fails(
            Job::default().validate(),
            "id",
            "required",
            "is required but missing",
        );
    }

    #[test]
    fn absent_in_nested_object_fails_with_its_path() {
        let ok = CreateJobBody::builder()
            .name("n")
            .priority(1)
            .owner(owner(Some("u-1")))
            .build()
            .unwrap();
        passes(ok.validate());
        let bad = ok.into_builder().owner(owner(None)).build().unwrap();
        fails(
            bad.validate(),
            "owner.user_id",
            "required",
            "is required but missing",
        );
        let job = Job::builder().id("j").owner(owner(None)).build().unwrap();
        fails(
            job.validate(),
            "owner.user_id",
            "required",
            "is required but missing",
        );
    }
}

// ---------------------------------------------------------------- min_length / max_length

mod length {
    use super::*;
    use constraint_length::types::Named;

    fn named(name: &str, nickname: Option<&str>) -> Named {
        Named {
            name: name.into(),
            nickname: nickname.map(str::to_owned),
        }
    }

    #[test]
    fn within_bounds_passes() {
        passes(named("a", None).validate());
        passes(named("abcdefgh", Some("ab")).validate());
        passes(named("x", Some("abcd")).validate());
        // Characters, not bytes: 8 two-byte characters fit max_length 8.
        passes(named("éééééééé", None).validate());
    }

    #[test]
    fn min_length_fails() {
        fails(
            named("", None).validate(),
            "name",
            "min_length",
            "shorter than 1 character (got 0)",
        );
        fails(
            named("a", Some("b")).validate(),
            "nickname",
            "min_length",
            "shorter than 2 characters (got 1)",
        );
    }

    #[test]
    fn max_length_fails() {
        fails(
            named("abcdefghi", None).validate(),
            "name",
            "max_length",
            "longer than 8 characters (got 9)",
        );
        fails(
            named("a", Some("abcde")).validate(),
            "nickname",
            "max_length",
            "longer than 4 characters (got 5)",
        );
    }
}

// ---------------------------------------------------------------- minimum / maximum

mod range {
    use super::*;
    use constraint_range::types::Ranges;

    fn ranges(port: i32, quota: Option<i64>, ratio: Option<f64>) -> Ranges {
        Ranges { port, quota, ratio }
    }

    #[test]
    fn bounds_are_inclusive() {
        passes(ranges(1, Some(0), Some(0.0)).validate());
        passes(ranges(65535, Some(1_000_000), Some(1.5)).validate());
        passes(ranges(80, None, None).validate());
    }

    #[test]
    fn minimum_fails() {
        fails(
            ranges(0, None, None).validate(),
            "port",
            "minimum",
            "0 is less than 1",
        );
        fails(
            ranges(1, Some(-1), None).validate(),
            "quota",
            "minimum",
            "-1 is less than 0",
        );
        fails(
            ranges(1, None, Some(-0.5)).validate(),
            "ratio",
            "minimum",
            "-0.5 is less than 0",
        );
    }

    #[test]
    fn maximum_fails() {
        fails(
            ranges(65536, None, None).validate(),
            "port",
            "maximum",
            "65536 is greater than 65535",
        );
        fails(
            ranges(1, Some(1_000_001), None).validate(),
            "quota",
            "maximum",
            "1000001 is greater than 1000000",
        );
        fails(
            ranges(1, None, Some(1.6)).validate(),
            "ratio",
            "maximum",
            "1.6 is greater than 1.5",
        );
    }
}

// ---------------------------------------------------------------- integer_range

mod integer_range {
    use super::*;
    use constraint_integer_range::types::Limits;

    fn limits(v: &str) -> Limits {
        Limits {
            bandwidth_limit_mb: Some(v.into()),
        }
    }

    #[test]
    fn in_range_passes() {
        passes(limits("1").validate());
        passes(limits("10240").validate());
        passes(limits(" 42 ").validate());
        passes(Limits::default().validate());
    }

    // integer_range reports the bound it breaks (`minimum`/`maximum`) or `integer`.
    #[test]
    fn below_fails() {
        fails(
            limits("0").validate(),
            "bandwidth_limit_mb",
            "minimum",
            "0 is less than 1",
        );
    }

    #[test]
    fn above_fails() {
        fails(
            limits("10241").validate(),
            "bandwidth_limit_mb",
            "maximum",
            "10241 is greater than 10240",
        );
    }

    #[test]
    fn not_an_integer_fails() {
        fails(
            limits("12.5").validate(),
            "bandwidth_limit_mb",
            "integer",
            "`12.5` is not an integer (expected 1..=10240)",
        );
    }
}

// ---------------------------------------------------------------- min_items / max_items

mod items {
    use super::*;
    use constraint_items::types::Batch;

    fn batch(ids: usize, tags: Option<usize>) -> Batch {
        let strings = |n: usize| (0..n).map(|i| format!("x{i}")).collect::<Vec<_>>();
        Batch {
            ids: strings(ids),
            tags: tags.map(strings),
        }
    }

    #[test]
    fn within_bounds_passes() {
        passes(batch(1, None).validate());
        passes(batch(3, Some(2)).validate());
        passes(batch(2, Some(0)).validate());
    }

    #[test]
    fn min_items_fails() {
        fails(
            batch(0, None).validate(),
            "ids",
            "min_items",
            "has 0 items, at least 1 required",
        );
    }

    #[test]
    fn max_items_fails() {
        fails(
            batch(4, None).validate(),
            "ids",
            "max_items",
            "has 4 items, at most 3 allowed",
        );
        fails(
            batch(1, Some(3)).validate(),
            "tags",
            "max_items",
            "has 3 items, at most 2 allowed",
        );
    }
}

// ---------------------------------------------------------------- pattern

mod pattern {
    use super::*;
    use constraint_pattern::types::Named;

    fn named(v: &str) -> Named {
        Named {
            name: Some(v.into()),
        }
    }

    #[test]
    fn matching_passes() {
        passes(named("task_1-a").validate());
        passes(named("").validate());
        passes(Named::default().validate());
    }

    #[test]
    fn not_matching_fails() {
        fails(
            named("a b").validate(),
            "name",
            "pattern",
            "does not match pattern `^[A-Za-z0-9_-]*$`",
        );
    }
}

// ---------------------------------------------------------------- format

mod format {
    use super::*;
    use constraint_format::types::Formats;

    #[test]
    fn valid_values_pass() {
        let f = Formats {
            ipv4_addr: Some("192.168.0.1".into()),
            ipv6_addr: Some("fe80::1".into()),
            start_time: Some("2024-05-01 12:30:00".into()),
            addrs: Some("10.0.0.1:6379,redis.local:6380".into()),
        };
        passes(f.validate());
        passes(Formats::default().validate());
    }

    #[test]
    fn ipv4_fails() {
        let f = Formats {
            ipv4_addr: Some("::1".into()),
            ..Default::default()
        };
        fails(
            f.validate(),
            "ipv4_addr",
            "format",
            "`::1` is not a valid ipv4",
        );
    }

    #[test]
    fn ipv6_fails() {
        let f = Formats {
            ipv6_addr: Some("10.0.0.1".into()),
            ..Default::default()
        };
        fails(
            f.validate(),
            "ipv6_addr",
            "format",
            "`10.0.0.1` is not a valid ipv6",
        );
    }

    #[test]
    fn date_time_local_fails() {
        let f = Formats {
            start_time: Some("2024-05-01T12:30:00".into()),
            ..Default::default()
        };
        fails(
            f.validate(),
            "start_time",
            "format",
            "`2024-05-01T12:30:00` is not a valid date_time_local",
        );
    }

    #[test]
    fn host_port_list_fails() {
        let f = Formats {
            addrs: Some("10.0.0.1:6379,10.0.0.2".into()),
            ..Default::default()
        };
        fails(
            f.validate(),
            "addrs",
            "format",
            "`10.0.0.1:6379,10.0.0.2` is not a valid host_port_list",
        );
    }
}

// ---------------------------------------------------------------- closed enum

mod closed_enum {
    use super::*;
    use constraint_closed_enum::operations::SearchLogsInput;
    use constraint_closed_enum::types::{Level, LogFilter};

    #[test]
    fn known_values_pass() {
        let f = LogFilter {
            level: Some(Level::Warning),
            levels: Some(vec![Level::Info, Level::from("error")]),
        };
        passes(f.validate());
    }

    #[test]
    fn unknown_field_value_fails() {
        let f = LogFilter {
            level: Some(Level::from("debug")),
            levels: None,
        };
        fails(
            f.validate(),
            "level",
            "enum",
            "`debug` is not one of info, warning, error",
        );
    }

    #[test]
    fn unknown_array_item_fails_with_its_index() {
        let f = LogFilter {
            level: None,
            levels: Some(vec![Level::Info, Level::Error, Level::from("trace")]),
        };
        fails(
            f.validate(),
            "levels[2]",
            "enum",
            "`trace` is not one of info, warning, error",
        );
    }

    #[test]
    fn query_parameter_is_checked_too() {
        let ok = SearchLogsInput::builder()
            .level(Level::Error)
            .build()
            .unwrap();
        passes(Operation::validate(&ok));
        let bad = ok.into_builder().level("fatal").build().unwrap();
        fails(
            Operation::validate(&bad),
            "level",
            "enum",
            "`fatal` is not one of info, warning, error",
        );
    }
}

// ---------------------------------------------------------------- nested and indexed paths

mod nested_paths {
    use super::*;
    use nested::types::{Inner, Item, Outer, Root};

    fn item(name: &str) -> Item {
        Item::builder().name(name).build().unwrap()
    }

    fn root(items: Vec<Item>, label: Option<&str>) -> Root {
        Root {
            outer: Outer {
                name: "outer".into(),
                inner: label.map(|l| Inner {
                    label: Some(l.into()),
                }),
                items: Some(items),
            },
        }
    }

    #[test]
    fn valid_tree_passes() {
        passes(root(vec![item("a"), item("b"), item("c")], Some("label")).validate());
    }

    #[test]
    fn indexed_item_field_fails() {
        let r = root(vec![item("a"), item("b"), item("abcdefghi")], None);
        fails(
            r.validate(),
            "outer.items[2].name",
            "max_length",
            "longer than 8 characters (got 9)",
        );
    }

    #[test]
    fn nested_object_field_fails() {
        let r = root(vec![], Some("much too long"));
        fails(
            r.validate(),
            "outer.inner.label",
            "max_length",
            "longer than 8 characters (got 13)",
        );
    }

    #[test]
    fn rule_inside_an_array_item_fails_with_its_path() {
        let coded = |code: Option<&str>| Item {
            name: "b".into(),
            kind: Some("coded".into()),
            code: code.map(str::to_owned),
        };
        passes(root(vec![item("a"), coded(Some("c-1"))], None).validate());
        fails(
            root(vec![item("a"), coded(None)], None).validate(),
            "outer.items[1].code",
            "required_if",
            "is required when kind is coded",
        );
    }

    #[test]
    fn every_violation_is_reported_in_visiting_order() {
        let r = root(
            vec![item(""), item("ok"), item("abcdefghi")],
            Some("much too long"),
        );
        let err = r.validate().unwrap_err();
        let found: Vec<(&str, &str)> = err
            .violations()
            .iter()
            .map(|v| (v.path.as_str(), v.rule))
            .collect();
        assert_eq!(
            found,
            [
                ("outer.inner.label", "max_length"),
                ("outer.items[0].name", "min_length"),
                ("outer.items[2].name", "max_length"),
            ]
        );
        assert!(
            err.to_string().starts_with("3 validation errors: "),
            "{err}"
        );
    }
}

// ---------------------------------------------------------------- parameters

mod params_checks {
    use super::*;
    use params::operations::ShowThingInput;

    #[test]
    fn valid_params_pass() {
        let i = ShowThingInput::builder()
            .thing_id("t-1")
            .limit(100)
            .build()
            .unwrap();
        passes(Operation::validate(&i));
    }

    #[test]
    fn query_minimum_fails() {
        let i = ShowThingInput::builder()
            .thing_id("t-1")
            .limit(0)
            .build()
            .unwrap();
        fails(
            Operation::validate(&i),
            "limit",
            "minimum",
            "0 is less than 1",
        );
    }

    #[test]
    fn path_max_length_fails() {
        let i = ShowThingInput::builder()
            .thing_id("x".repeat(37))
            .build()
            .unwrap();
        fails(
            Operation::validate(&i),
            "thing_id",
            "max_length",
            "longer than 36 characters (got 37)",
        );
    }

    #[test]
    fn empty_path_param_fails() {
        let i = ShowThingInput::builder().thing_id("").build().unwrap();
        fails(
            Operation::validate(&i),
            "thing_id",
            "required",
            "path parameter is empty",
        );
    }
}

// ================================================================ cross-field rules

mod required_if {
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
}

mod exactly_one_of {
    use super::*;
    use rule_exactly_one_of::types::Target;

    fn target(id: Option<&str>, addrs: Option<&str>) -> Target {
        Target {
            id: id.map(str::to_owned),
            addrs: addrs.map(str::to_owned),
            note: None,
        }
    }

    #[test]
    fn one_passes() {
        passes(target(Some("i-1"), None).validate());
        passes(target(None, Some("10.0.0.1:6379")).validate());
        // An empty string counts as absent.
        passes(target(Some(""), Some("10.0.0.1:6379")).validate());
    }

    #[test]
    fn none_fails() {
        fails(
            target(None, None).validate(),
            "id",
            "exactly_one_of",
            "exactly one of id, addrs must be set, none is set",
        );
    }

    #[test]
    fn both_fail() {
        fails(
            target(Some("i-1"), Some("10.0.0.1:6379")).validate(),
            "id",
            "exactly_one_of",
            "exactly one of id, addrs must be set, several are set",
        );
    }
}

mod at_least_one_of {
    use super::*;
    use rule_at_least_one_of::types::Instance;

    fn instance(id: Option<&str>, addrs: Option<Vec<&str>>) -> Instance {
        Instance {
            id: id.map(str::to_owned),
            addrs: addrs.map(|a| a.into_iter().map(str::to_owned).collect()),
        }
    }

    #[test]
    fn one_or_both_pass() {
        passes(instance(Some("i-1"), None).validate());
        passes(instance(None, Some(vec!["10.0.0.1:6379"])).validate());
        passes(instance(Some("i-1"), Some(vec!["10.0.0.1:6379"])).validate());
    }

    #[test]
    fn none_fails() {
        fails(
            instance(None, None).validate(),
            "id",
            "at_least_one_of",
            "at least one of id, addrs must be set",
        );
        // Empty values count as absent.
        fails(
            instance(Some(""), Some(vec![])).validate(),
            "id",
            "at_least_one_of",
            "at least one of id, addrs must be set",
        );
    }
}

mod format_if {
    use super::*;
    use rule_format_if::types::Network;

    fn network(use_ipv6: Option<bool>, ip: Option<&str>) -> Network {
        Network {
            use_ipv6,
            migration_ip: ip.map(str::to_owned),
        }
    }

    #[test]
    fn matching_format_passes() {
        passes(network(Some(true), Some("fe80::1")).validate());
        passes(network(Some(false), Some("10.0.0.1")).validate());
        passes(network(None, Some("10.0.0.1")).validate());
        passes(network(Some(true), None).validate());
    }

    #[test]
    fn equals_condition_fails() {
        fails(
            network(Some(true), Some("10.0.0.1")).validate(),
            "migration_ip",
            "format_if",
            "`10.0.0.1` is not a valid ipv6 (required when use_ipv6 is true)",
        );
    }

    #[test]
    fn not_equals_condition_fails() {
        fails(
            network(None, Some("fe80::1")).validate(),
            "migration_ip",
            "format_if",
            "`fe80::1` is not a valid ipv4 (required when use_ipv6 is not true)",
        );
        fails(
            network(Some(false), Some("fe80::1")).validate(),
            "migration_ip",
            "format_if",
            "`fe80::1` is not a valid ipv4 (required when use_ipv6 is not true)",
        );
    }
}
