//! Passwords for `hwcloud redis …`: from `HWCLOUD_REDIS_SOURCE_PASSWORD` (or
//! `REDISCLI_AUTH`) and `--target-password-file`, never from a URL; a wrong one is a clear
//! error with exit code 5; no password ever appears in the output, even at `-vvv`.

mod redis_support;

use redis_support::*;
use redis_test_server::{Flavor, Server, require};

const SOURCE_PW: &str = "src-Pw-7f3a9d";
const TARGET_PW: &str = "dst-Pw-9c1e42";

fn servers() -> Option<(Server, Server)> {
    let b = require(Flavor::Redis)?;
    let source = b.clone().password(SOURCE_PW).start().unwrap();
    let target = b.password(TARGET_PW).start().unwrap();
    Some((source, target))
}

fn password_file(dir: &tempfile::TempDir, pw: &str) -> String {
    let p = dir.path().join("pw");
    std::fs::write(&p, format!("{pw}\n")).unwrap();
    p.to_str().unwrap().to_owned()
}

fn assert_not_shown(r: &Finished, secrets: &[&str]) {
    for s in secrets {
        assert!(
            !r.stdout.contains(s) && !r.stderr.contains(s),
            "{s} shown: {r:?}"
        );
    }
}

#[test]
fn passwords_from_the_environment_and_a_file_migrate_without_being_shown() {
    let Some((source, target)) = servers() else {
        return;
    };
    fill(&source, "p");
    let dir = tempfile::tempdir().unwrap();
    let file = password_file(&dir, TARGET_PW);
    let (s, t) = (source.url(), target.url());
    let r = run(
        &[("HWCLOUD_REDIS_SOURCE_PASSWORD", SOURCE_PW)],
        &[
            "-vvv",
            "redis",
            "migrate",
            "--source",
            &s,
            "--target",
            &t,
            "--target-password-file",
            &file,
        ],
    );
    assert_eq!(r.code, 0, "{r:?}");
    assert_not_shown(&r, &[SOURCE_PW, TARGET_PW]);
    assert_same_data(&source, &target);

    // verify reads the same sources of passwords; REDISCLI_AUTH serves a side without its own.
    let r = run(
        &[("REDISCLI_AUTH", SOURCE_PW)],
        &[
            "redis",
            "verify",
            "--source",
            &s,
            "--target",
            &t,
            "--target-password-file",
            &file,
        ],
    );
    assert_eq!(r.code, 0, "{r:?}");
    assert_not_shown(&r, &[SOURCE_PW, TARGET_PW]);
}

#[test]
fn a_wrong_password_exits_5_without_showing_it() {
    let Some((source, target)) = servers() else {
        return;
    };
    fill(&source, "w");
    let dir = tempfile::tempdir().unwrap();
    let good_target = password_file(&dir, TARGET_PW);
    let (s, t) = (source.url(), target.url());
    let wrong = "wrong-Pw-31337";

    let r = run(
        &[("HWCLOUD_REDIS_SOURCE_PASSWORD", wrong)],
        &[
            "-vvv",
            "redis",
            "migrate",
            "--source",
            &s,
            "--target",
            &t,
            "--target-password-file",
            &good_target,
        ],
    );
    assert_eq!(r.code, 5, "{r:?}");
    assert!(
        r.stderr.contains(&format!("127.0.0.1:{}", source.port()))
            && r.stderr.to_lowercase().contains("password"),
        "the error names the server and the password: {}",
        r.stderr
    );
    assert_not_shown(&r, &[wrong, SOURCE_PW, TARGET_PW]);

    // The target's, from a file, for every command.
    let bad_dir = tempfile::tempdir().unwrap();
    let bad_file = password_file(&bad_dir, wrong);
    for cmd in ["migrate", "verify"] {
        let r = run(
            &[("HWCLOUD_REDIS_SOURCE_PASSWORD", SOURCE_PW)],
            &[
                "redis",
                cmd,
                "--source",
                &s,
                "--target",
                &t,
                "--target-password-file",
                &bad_file,
            ],
        );
        assert_eq!(r.code, 5, "{cmd}: {r:?}");
        assert!(
            r.stderr.contains(&format!("127.0.0.1:{}", target.port())),
            "{r:?}"
        );
        assert_not_shown(&r, &[wrong, SOURCE_PW]);
        eprintln!("{}", r.stderr);
    }
    ok(&source, &["SAVE"]);
    let rdb = source.dir().join("dump.rdb");
    let r = run(
        &[],
        &[
            "redis",
            "import",
            rdb.to_str().unwrap(),
            "--target",
            &t,
            "--target-password-file",
            &bad_file,
        ],
    );
    assert_eq!(r.code, 5, "{r:?}");
    assert_not_shown(&r, &[wrong]);
    eprintln!("{}", r.stderr);
}

#[test]
fn a_password_in_the_url_is_refused_without_being_echoed() {
    let Some((source, target)) = servers() else {
        return;
    };
    let (sp, tp) = (source.port(), target.port());
    for (src, dst) in [
        (
            format!("redis://:{SOURCE_PW}@127.0.0.1:{sp}"),
            format!("redis://127.0.0.1:{tp}"),
        ),
        (
            format!("redis://127.0.0.1:{sp}"),
            format!("redis://user:{TARGET_PW}@127.0.0.1:{tp}"),
        ),
    ] {
        let r = run(
            &[],
            &["redis", "migrate", "--source", &src, "--target", &dst],
        );
        assert_eq!(r.code, 2, "{r:?}");
        assert!(r.stderr.contains("password"), "{}", r.stderr);
        assert_not_shown(&r, &[SOURCE_PW, TARGET_PW]);
    }
}
