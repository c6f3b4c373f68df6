//! Tests of `credentials`.

use super::*;

fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn env_provider_reads_all_variables() {
    let c = from_env(&env(&[
        (ENV_AK, "AKID"),
        (ENV_SK, "topsecret-sk"),
        (ENV_SECURITY_TOKEN, "topsecret-token"),
        (ENV_PROJECT_ID, "p1"),
    ]))
    .unwrap();
    assert_eq!(c.access_key(), Some("AKID"));
    assert_eq!(c.project_id(), Some("p1"));
    let dbg = format!("{c:?}");
    assert!(!dbg.contains("topsecret"), "{dbg}");
}

#[test]
fn env_provider_explains_partial_config() {
    let e = from_env(&env(&[(ENV_AK, "AKID")])).unwrap_err();
    assert!(e.to_string().contains("HUAWEICLOUD_SDK_SK is not"));
}

#[test]
fn profile_parsing() {
    let c = parse_profile(
        "# comment\n[other]\nak = X\n[basic]\nak = AK2\nsk = topsecret\nproject_id = p2\n",
    )
    .unwrap();
    assert_eq!(c.access_key(), Some("AK2"));
    assert_eq!(c.project_id(), Some("p2"));
    assert_eq!(
        parse_profile("[basic]\nak = A\n").unwrap_err(),
        "[basic] needs both `ak` and `sk`"
    );
    assert_eq!(
        parse_profile("[basic\n").unwrap_err(),
        "line 1: unterminated section header"
    );
    let e = parse_profile("[basic]\nsk topsecret\n").unwrap_err();
    assert!(!e.contains("topsecret"), "{e}");
}

#[test]
fn chain_falls_back_to_profile_and_lists_failures() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("creds");
    std::fs::write(&file, "[basic]\nak=FROMFILE\nsk=s\n").unwrap();
    let e = env(&[(ENV_CREDENTIALS_FILE, file.to_str().unwrap())]);
    assert_eq!(default_chain(&e).unwrap().access_key(), Some("FROMFILE"));

    let missing = env(&[(ENV_CREDENTIALS_FILE, "/nonexistent/creds")]);
    let err = default_chain(&missing).unwrap_err();
    assert_eq!(err.attempts.len(), 2);
    let text = err.to_string();
    assert!(text.contains("environment: HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK are not set"));
    assert!(text.contains("profile file: cannot read /nonexistent/creds"));
}

/// An environment whose listed variables hold bytes that are not UTF-8.
struct WithNonUtf8(HashMap<String, String>, &'static [&'static str]);

impl Env for WithNonUtf8 {
    fn var(&self, name: &str) -> Option<String> {
        self.0.var(name)
    }
    fn var_utf8(&self, name: &str) -> Result<Option<String>, NotUtf8> {
        if self.1.contains(&name) {
            Err(NotUtf8)
        } else {
            Ok(self.var(name))
        }
    }
}

#[test]
fn unusable_env_values_stop_the_chain_naming_the_variable_not_the_value() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("creds");
    std::fs::write(&file, "[basic]\nak=FROMFILE\nsk=s\n").unwrap();
    let file = file.to_str().unwrap();
    for (var, value, why) in [
        (
            ENV_AK,
            "AK\r\nX-Injected: 1",
            "HUAWEICLOUD_SDK_AK contains a control character at byte 2",
        ),
        (
            ENV_SK,
            "topsecret\u{0}",
            "HUAWEICLOUD_SDK_SK contains a control character at byte 9",
        ),
        (
            ENV_SECURITY_TOKEN,
            "topsecret\n",
            "HUAWEICLOUD_SDK_SECURITY_TOKEN contains a control",
        ),
        (
            ENV_PROJECT_ID,
            "pé",
            "HUAWEICLOUD_SDK_PROJECT_ID contains a non-ASCII character at byte 1",
        ),
        (
            ENV_AK,
            "AKé",
            "HUAWEICLOUD_SDK_AK contains a non-ASCII character at byte 2",
        ),
    ] {
        let mut e = env(&[
            (ENV_AK, "AKID"),
            (ENV_SK, "sk"),
            (ENV_CREDENTIALS_FILE, file),
        ]);
        e.insert(var.into(), value.into());
        let err = default_chain(&e).unwrap_err();
        let text = err.to_string();
        assert!(text.contains(why), "{text}");
        assert!(
            !text.contains("topsecret") && !text.contains("Injected"),
            "{text}"
        );
        assert_eq!(err.attempts.len(), 1, "no fallback to the profile: {text}");
    }
    // A non-ASCII secret key is fine: it only keys the HMAC.
    assert!(from_env(&env(&[(ENV_AK, "AKID"), (ENV_SK, "sécret")])).is_ok());

    let e = WithNonUtf8(
        env(&[(ENV_AK, "AKID"), (ENV_CREDENTIALS_FILE, file)]),
        &[ENV_SK],
    );
    let text = default_chain(&e).unwrap_err().to_string();
    assert_eq!(
        text,
        "no credentials found: environment: HUAWEICLOUD_SDK_SK is set but is not valid UTF-8"
    );
}

#[test]
fn unusable_profile_values_name_the_line_and_key() {
    let e = parse_profile("[basic]\nak = AK\u{7f}\nsk = topsecret\n").unwrap_err();
    assert_eq!(e, "line 2: `ak` contains a control character at byte 2");
    let e = parse_profile("[basic]\nak = AK\nsk = top\u{1b}secret\n").unwrap_err();
    assert_eq!(e, "line 3: `sk` contains a control character at byte 3");
    // Other sections and keys are not credentials.
    assert!(parse_profile("[basic]\nak = A\nsk = s\nnote = \u{7}\n[x]\nak=\u{7}\n").is_ok());
}

#[test]
fn explicit_credentials_are_checked_by_field() {
    let bad = [
        (
            Credentials::new("AK\n", "s"),
            "the access key contains a control character at byte 2",
        ),
        (
            Credentials::new("AK", "s\r"),
            "the secret key contains a control character at byte 1",
        ),
        (
            Credentials::new("AK", "s").with_security_token("t\0"),
            "the security token contains",
        ),
        (
            Credentials::new("AK", "s").with_project_id("p\n"),
            "the project id contains",
        ),
        (
            Credentials::token("tökén"),
            "the IAM token contains a non-ASCII character at byte 1",
        ),
    ];
    for (c, why) in bad {
        let e = c.check().unwrap_err();
        assert!(e.starts_with(why), "{e}");
    }
    assert!(
        Credentials::new("AK", "sécret")
            .with_project_id("p")
            .check()
            .is_ok()
    );
}

#[test]
fn home_profile_path() {
    assert_eq!(
        profile_path(&env(&[("HOME", "/home/u")])),
        Some(PathBuf::from("/home/u/.huaweicloud/credentials"))
    );
}
