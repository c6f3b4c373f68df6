//! Behaviour of the generated fixture code besides validation: builders, serde of every
//! type feature, Debug redaction, enums, and the request parts of operations.

use codegen_fixtures::generated::*;
use hwcloud_core::BuildError;
use hwcloud_core::operation::{Operation, RequestParts, ResponseKind};
use serde_json::json;

// ---------------------------------------------------------------- builders

mod builders {
    use super::*;
    use constraint_required::types::{CreateJobBody, Owner};

    #[test]
    fn missing_required_body_field_is_named() {
        let err = CreateJobBody::builder()
            .priority(1)
            .owner(Owner::default())
            .build()
            .unwrap_err();
        assert_eq!(err, BuildError::missing("CreateJobBody", "name"));
        assert_eq!(
            err.to_string(),
            "missing required field `name` when building CreateJobBody"
        );
        // The first missing field in spec order.
        let err = CreateJobBody::builder().name("n").build().unwrap_err();
        assert_eq!(
            err.to_string(),
            "missing required field `priority` when building CreateJobBody"
        );
        let err = CreateJobBody::builder()
            .name("n")
            .priority(2)
            .build()
            .unwrap_err();
        assert_eq!(err.field, "owner");
    }

    #[test]
    fn complete_builder_builds_and_into_builder_round_trips() {
        let body = CreateJobBody::builder()
            .name("n")
            .priority(2)
            .owner(Owner::builder().user_id("u").build().unwrap())
            .comment("c")
            .build()
            .unwrap();
        assert_eq!(body.name, "n");
        assert_eq!(body.owner.user_id.as_deref(), Some("u"));
        let again = body.clone().into_builder().build().unwrap();
        assert_eq!(again, body);
        let changed = body.into_builder().priority(3).build().unwrap();
        assert_eq!(changed.priority, 3);
        assert_eq!(changed.comment.as_deref(), Some("c"));
    }

    #[test]
    fn missing_path_parameter_is_named() {
        let err = params::operations::ShowThingInput::builder()
            .limit(5)
            .build()
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "missing required field `thing_id` when building ShowThingInput"
        );
    }

    #[test]
    fn missing_query_parameter_and_body_field_are_named() {
        use params::operations::UpdateThingInput;
        let err = UpdateThingInput::builder()
            .thing_id("t")
            .name("n")
            .build()
            .unwrap_err();
        assert_eq!(err, BuildError::missing("UpdateThingInput", "dry_run"));
        let err = UpdateThingInput::builder()
            .thing_id("t")
            .dry_run(true)
            .build()
            .unwrap_err();
        assert_eq!(err, BuildError::missing("ThingUpdate", "name"));
    }

    #[test]
    fn missing_header_parameter_is_named() {
        let err = sensitive::operations::LoginInput::builder()
            .user("u")
            .password("p")
            .build()
            .unwrap_err();
        assert_eq!(err, BuildError::missing("LoginInput", "X-Auth-Token"));
    }
}

// ---------------------------------------------------------------- plain struct

mod plain_struct_serde {
    use super::*;
    use plain_struct::types::{Widget, WidgetCreated};

    #[test]
    fn optional_fields_are_skipped_and_every_scalar_round_trips() {
        let w = Widget::builder().name("w").build().unwrap();
        assert_eq!(serde_json::to_value(&w).unwrap(), json!({"name": "w"}));
        let full = json!({
            "name": "w", "enabled": true, "count": -3, "size": 5_000_000_000_i64,
            "ratio": 0.25, "labels": ["a", "b"], "metadata": {"k": [1, null]}
        });
        let w: Widget = serde_json::from_value(full.clone()).unwrap();
        assert_eq!(w.size, Some(5_000_000_000));
        assert_eq!(w.ratio, Some(0.25));
        assert_eq!(serde_json::to_value(&w).unwrap(), full);
    }

    #[test]
    fn request_only_required_field_must_be_on_the_wire() {
        let err = serde_json::from_value::<Widget>(json!({"count": 1})).unwrap_err();
        assert!(err.to_string().contains("missing field `name`"), "{err}");
    }

    #[test]
    fn response_keeps_unknown_fields() {
        let text = json!({"id": "w-1", "created_at": "2024-01-01", "tags": [1]});
        let c: WidgetCreated = serde_json::from_value(text.clone()).unwrap();
        assert_eq!(c.id.as_deref(), Some("w-1"));
        assert_eq!(c.extra.get("created_at"), Some(&json!("2024-01-01")));
        assert_eq!(serde_json::to_value(&c).unwrap(), text);
        assert!(format!("{c:?}").contains("extra"), "{c:?}");
    }
}

// ---------------------------------------------------------------- renamed fields

mod renamed {
    use super::*;
    use renamed_field::types::Volume;

    #[test]
    fn rust_names_map_to_wire_names() {
        let v = Volume::builder()
            .subvolumes(vec!["a".to_string()])
            .volume_type("ssd")
            .instance_id("i-1")
            .update_at("2024-01-01 00:00:00")
            .build()
            .unwrap();
        let wire = serde_json::to_value(&v).unwrap();
        assert_eq!(
            wire,
            json!({"subvolumn": ["a"], "type": "ssd", "instanceId": "i-1", "update_at": "2024-01-01 00:00:00"})
        );
        let back: Volume = serde_json::from_value(wire).unwrap();
        assert_eq!(back, v);
        // The Rust spelling is not a wire name: it lands in `extra`.
        let odd: Volume = serde_json::from_value(json!({"subvolumes": ["x"]})).unwrap();
        assert_eq!(odd.subvolumes, None);
        assert!(odd.extra.contains_key("subvolumes"));
    }
}

// ---------------------------------------------------------------- sensitive fields

mod redaction {
    use super::*;
    use sensitive::operations::LoginInput;
    use sensitive::types::{Credentials, Session};

    #[test]
    fn debug_never_prints_secrets() {
        let c = Credentials::builder()
            .user("alice")
            .password("hunter2")
            .build()
            .unwrap();
        let d = format!("{c:?}");
        assert_eq!(
            d,
            r#"Credentials { user: "alice", password: "***", api_key: None, keys: None }"#
        );
        let c = c.into_builder().api_key("k-secret").build().unwrap();
        let d = format!("{c:?}");
        assert!(!d.contains("hunter2") && !d.contains("k-secret"), "{d}");
        assert!(d.contains(r#"api_key: Some("***")"#), "{d}");
        // Secrets are still sent.
        assert_eq!(serde_json::to_value(&c).unwrap()["password"], "hunter2");
    }

    #[test]
    fn response_secrets_are_redacted() {
        let s: Session =
            serde_json::from_value(json!({"user": "alice", "session_key": "s3cr3t"})).unwrap();
        let d = format!("{s:?}");
        assert!(!d.contains("s3cr3t") && d.contains("***"), "{d}");
        assert_eq!(s.session_key.as_deref(), Some("s3cr3t"));
    }

    /// The operation's metadata lists every sensitive field and parameter (from the same
    /// flags as `Debug`), and masks them in a JSON body however deep they sit.
    #[test]
    fn meta_lists_and_masks_every_sensitive_field() {
        let meta = &sensitive::operations::login::META;
        assert_eq!(meta.sensitive_params, ["X-Auth-Token", "X-Otp"]);
        assert_eq!(
            meta.sensitive_body,
            ["password", "api_key", "keys[].secret"]
        );
        assert!(meta.is_sensitive_field("keys[7].secret"));
        assert!(!meta.is_sensitive_field("keys[7].name"));
        assert!(meta.is_sensitive_param("x-auth-token"));
        let mut body = json!({
            "user": "alice", "password": 31415926,
            "keys": [{"name": "a", "secret": "s1"}, {"name": "b"}]
        });
        assert_eq!(meta.redact_body(&mut body), 2);
        assert_eq!(
            body,
            json!({
                "user": "alice", "password": "***",
                "keys": [{"name": "a", "secret": "***"}, {"name": "b"}]
            })
        );
    }

    #[test]
    fn parameters_are_redacted_but_sent() {
        let i = LoginInput::builder()
            .auth_token("tok-123")
            .otp("654321")
            .user("alice")
            .password("hunter2")
            .build()
            .unwrap();
        let d = format!("{i:?}");
        for secret in ["tok-123", "654321", "hunter2"] {
            assert!(!d.contains(secret), "{d}");
        }
        assert!(d.contains(r#"auth_token: "***""#), "{d}");
        assert!(d.contains(r#"otp: Some("***")"#), "{d}");
        let parts = i.to_parts().unwrap();
        assert_eq!(
            parts.headers,
            [
                ("X-Auth-Token".to_string(), "tok-123".to_string()),
                ("X-Otp".to_string(), "654321".to_string()),
            ]
        );
    }
}

// ---------------------------------------------------------------- open enum and aliases

mod enums {
    use super::*;
    use alias::types::{Task, TaskStatus};
    use open_enum::types::{Color, Palette};

    #[test]
    fn unknown_value_round_trips() {
        let p: Palette = serde_json::from_value(
            json!({"primary": "purple", "others": ["red", "0xFFF", "teal"]}),
        )
        .unwrap();
        assert_eq!(p.primary, Some(Color::Unknown("purple".into())));
        assert!(!p.primary.as_ref().unwrap().is_known());
        assert_eq!(
            p.others,
            Some(vec![
                Color::Red,
                Color::White,
                Color::Unknown("teal".into())
            ])
        );
        assert_eq!(
            serde_json::to_value(&p).unwrap(),
            json!({"primary": "purple", "others": ["red", "0xFFF", "teal"]})
        );
        // Open: validation accepts unknown values.
        assert!(p.validate().is_ok());
    }

    #[test]
    fn known_values_and_names() {
        assert_eq!(Color::KNOWN, ["red", "green", "dark-blue", "0xFFF"]);
        assert_eq!(Color::from("dark-blue"), Color::DarkBlue);
        assert_eq!(Color::DarkBlue.to_string(), "dark-blue");
        assert_eq!(Color::White.as_str(), "0xFFF");
        assert!(Color::Green.is_known());
    }

    #[test]
    fn alias_is_the_canonical_value_in_its_own_spelling() {
        use hwcloud_core::Spelling;
        let alias = TaskStatus::from_wire("INCRMIGRATING");
        let canonical = TaskStatus::from_wire("INCRMIGEATING");
        assert_eq!(canonical, TaskStatus::IncrMigrating(Spelling::Canonical));
        assert_eq!(
            alias,
            TaskStatus::IncrMigrating(Spelling::Alias("INCRMIGRATING"))
        );
        assert_eq!(alias, canonical, "== ignores the spelling");
        assert_eq!(alias.cmp(&canonical), std::cmp::Ordering::Equal);
        assert!(
            TaskStatus::Running < alias,
            "ordered by value, in spec order"
        );
        assert_eq!(alias.as_str(), "INCRMIGRATING");
        assert_eq!(alias.canonical_str(), "INCRMIGEATING");
        // The alias is not a separate known value.
        assert_eq!(TaskStatus::KNOWN, ["RUNNING", "INCRMIGEATING"]);
        // A response re-encodes in the spelling it arrived in.
        for wire in ["INCRMIGRATING", "INCRMIGEATING"] {
            let t: Task = serde_json::from_value(json!({"status": wire})).unwrap();
            assert_eq!(t.status, Some(canonical.clone()));
            assert_eq!(serde_json::to_value(&t).unwrap(), json!({"status": wire}));
        }
    }
}

// ---------------------------------------------------------------- lenient numbers

mod lenient {
    use super::*;
    use lenient_number::types::{Settings, Stats};

    #[test]
    fn lenient_string_accepts_numbers_and_sends_strings() {
        for (wire, expected) in [
            (json!({"bandwidth_limit_mb": 100}), Some("100")),
            (json!({"bandwidth_limit_mb": "100"}), Some("100")),
            (json!({"bandwidth_limit_mb": null}), None),
            (json!({}), None),
        ] {
            let s: Settings = serde_json::from_value(wire.clone()).unwrap();
            assert_eq!(s.bandwidth_limit_mb.as_deref(), expected, "{wire}");
        }
        let s: Settings = serde_json::from_value(json!({"bandwidth_limit_mb": 100})).unwrap();
        assert_eq!(
            serde_json::to_value(&s).unwrap(),
            json!({"bandwidth_limit_mb": "100"})
        );
        assert!(serde_json::from_value::<Settings>(json!({"bandwidth_limit_mb": [1]})).is_err());
    }

    #[test]
    fn number_or_string_keeps_its_representation() {
        let wire = json!({"offset": 0, "target_ops": "12.5"});
        let s: Stats = serde_json::from_value(wire.clone()).unwrap();
        assert_eq!(s.offset.as_ref().and_then(|n| n.as_i64()), Some(0));
        assert_eq!(s.target_ops.as_ref().and_then(|n| n.as_f64()), Some(12.5));
        assert_eq!(serde_json::to_value(&s).unwrap(), wire);
    }
}

// ---------------------------------------------------------------- nullable, deprecated uses

mod nullable_and_deprecated {
    use super::*;

    #[test]
    fn explicit_nulls_decode_as_absent_and_are_never_sent() {
        use nullable::types::{Endpoint, Mode};
        let wire = json!({"id": null, "mode": null, "port": null});
        let e: Endpoint = serde_json::from_value(wire).unwrap();
        assert_eq!(e, Endpoint::default());
        assert_eq!(serde_json::to_value(&e).unwrap(), json!({}));
        e.validate().unwrap();
        let e: Endpoint = serde_json::from_value(json!({"mode": "auto", "port": 0})).unwrap();
        assert_eq!(e.mode, Some(Mode::Auto));
        // Nullable does not loosen the bound of a value that is present.
        assert_eq!(e.validate().unwrap_err().violations()[0].rule, "minimum");
    }

    #[test]
    fn a_deprecated_use_is_still_valid() {
        use rule_deprecated_if::types::{CreateTaskBody, Kind};
        for kind in [Kind::Online, Kind::Import] {
            let body = CreateTaskBody::builder().kind(kind).build().unwrap();
            body.validate().unwrap();
        }
    }
}

// ---------------------------------------------------------------- parameters → request parts

mod request_parts {
    use super::*;
    use params::operations::{ShowThingInput, ShowThingNameInput, UpdateThingInput};
    use params::types::{ThingState, ThingUpdate};

    #[test]
    fn path_query_and_header_params_land_in_their_parts() {
        let i = ShowThingInput::builder()
            .thing_id("t/1")
            .limit(20)
            .verbose(true)
            .state(ThingState::Retired)
            .x_request_id("req-9")
            .build()
            .unwrap();
        let parts = i.to_parts().unwrap();
        assert_eq!(
            parts,
            RequestParts {
                // project_id comes from the credentials, not from the input.
                path_params: vec![("thing_id", "t/1".to_string())],
                query: vec![
                    ("limit".to_string(), "20".to_string()),
                    ("verbose".to_string(), "true".to_string()),
                    ("state".to_string(), "retired".to_string()),
                ],
                headers: vec![("X-Request-Id".to_string(), "req-9".to_string())],
                body: None,
            }
        );
        let meta = i.meta();
        assert_eq!(meta.path, "/v1/{project_id}/things/{thing_id}");
        assert_eq!(meta.method, "GET");
        assert!(meta.needs_project_id());
        assert!(meta.idempotent);
        assert_eq!(meta.response, ResponseKind::Json);
    }

    #[test]
    fn unset_optional_params_are_left_out() {
        let i = ShowThingInput::builder().thing_id("t").build().unwrap();
        let parts = i.to_parts().unwrap();
        assert_eq!(parts.path_params, [("thing_id", "t".to_string())]);
        assert!(parts.query.is_empty() && parts.headers.is_empty() && parts.body.is_none());
        let unknown_state = i.into_builder().state("frozen").build().unwrap();
        assert_eq!(
            unknown_state.to_parts().unwrap().query,
            [("state".to_string(), "frozen".to_string())]
        );
    }

    #[test]
    fn body_and_params_sharing_a_name_stay_apart() {
        let i = UpdateThingInput::builder()
            .thing_id("path-id")
            .dry_run(false)
            .name("new")
            .body_thing_id("body-id")
            .build()
            .unwrap();
        let parts = i.to_parts().unwrap();
        assert_eq!(parts.path_params, [("thing_id", "path-id".to_string())]);
        assert_eq!(parts.query, [("dry_run".to_string(), "false".to_string())]);
        let body: serde_json::Value =
            serde_json::from_slice(parts.body.as_deref().unwrap()).unwrap();
        assert_eq!(body, json!({"name": "new", "thing_id": "body-id"}));
        // Setting the whole body replaces fields set one by one.
        let whole = ThingUpdate::builder().name("whole").build().unwrap();
        let i = i.into_builder().body(whole.clone()).build().unwrap();
        assert_eq!(i.body, whole);
        assert_eq!(i.meta().response, ResponseKind::Empty);
        UpdateThingInput::parse_output(b"").unwrap();
    }

    #[test]
    fn text_response_is_decoded_as_a_string() {
        let i = ShowThingNameInput::builder().thing_id("t").build().unwrap();
        assert!(!i.meta().needs_project_id());
        assert_eq!(i.meta().response, ResponseKind::Text);
        assert_eq!(ShowThingNameInput::parse_output(b"name").unwrap(), "name");
    }

    #[test]
    fn json_response_is_decoded_into_the_output_type() {
        let out = ShowThingInput::parse_output(br#"{"thing_id":"t","state":"active"}"#).unwrap();
        assert_eq!(out.thing_id.as_deref(), Some("t"));
        assert_eq!(out.state, Some(ThingState::Active));
    }
}
