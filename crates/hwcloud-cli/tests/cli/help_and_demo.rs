//! Shell completions and help; the simulated `hwcloud demo` runs every flow.

use super::*;

#[test]
fn completions_and_help() {
    for shell in ["bash", "zsh", "fish"] {
        let o = run(None, &["completions", shell], None);
        assert_eq!(code(&o), 0);
        assert!(
            stdout(&o).contains("create-online-migration-task"),
            "{shell}"
        );
    }
    let o = run(None, &["dcs", "--help"], None);
    assert_eq!(code(&o), 0);
    for op in [
        "create-migration-task",
        "set-online-migration-task",
        "wait-migration-task",
        "wait-job",
        "list-migration-task-logs",
    ] {
        assert!(stdout(&o).contains(op), "{op}");
    }
    // Credentials are never flags.
    let o = run(None, &["--help"], None);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let help = stdout(&o);
    for flag in ["--endpoint ", "--region ", "--project-id "] {
        assert!(help.contains(flag), "{flag} missing from help:\n{help}");
    }
    for flag in ["--sk ", "--ak ", "--secret", "--password", "--token"] {
        assert!(!help.contains(flag), "{flag} in help");
    }
}

/// The README's main job in its simulated form (`--simulated`, as on a machine without
/// redis-server): `hwcloud demo` on the embedded emulator, with no credentials and no network,
/// runs every flow to the end. The real form is in `tests/demo.rs`.
#[test]
fn demo_main_job_runs_every_flow() {
    let o = run(None, &["demo", "--simulated"], None);
    assert_eq!(code(&o), 0, "{}\n{}", stdout(&o), stderr(&o));
    let out = stdout(&o);
    for step in [
        "Create the migration machine",
        "status INCRMIGEATING",
        "status TERMINATED",
        "show now answers not found (DCS.4133)",
        "== DCS backup-file import ==",
        "state MIGRATE_SUCCESS",
        "All flows finished",
    ] {
        assert!(out.contains(step), "{step:?} missing in:\n{out}");
    }
}
