//! Cuts and restarts with real Redis servers: a cut source link resumes by itself (auto) or
//! fails the task until a restart (manual), both without a second full sync; a migration
//! running when the emulator stops resumes when it starts again with the same data
//! directory, and a task never says "migrating" for an engine that cannot run.

mod real;

use std::time::Duration;

use hwcloud_emulator::Emulator;
use real::*;
use redis_test_server::Proxy;

const LIMIT: Duration = Duration::from_secs(60);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auto_resume_after_a_cut_needs_no_second_full_sync() {
    let Some((source, target)) = pair() else {
        return;
    };
    load(&source, 1000, "k");
    let proxy = Proxy::start(source.addr()).unwrap();
    let emu = with_target(&target).await;
    let c = client(&emu);
    let id = online_task(
        &c,
        Online {
            source_addrs: Some(proxy.addr().to_string()),
            incremental: true,
            ..Online::default()
        },
    )
    .await;
    wait_status(&c, &id, "INCRMIGEATING", LIMIT).await;
    load(&source, 200, "before-cut");
    assert!(wait_equal(&source, &target, LIMIT));
    proxy.cut();
    load(&source, 200, "after-cut");
    assert!(
        wait_equal(&source, &target, LIMIT),
        "the writes after the cut arrive"
    );
    let logs = wait_log(&c, &id, "partial resync accepted", LIMIT).await;
    assert_eq!(count(&logs, "full resync"), 1, "{logs:#?}");
    assert!(count(&logs, "partial resync accepted") >= 1, "{logs:#?}");
    assert!(
        count(&logs, "lost") >= 1,
        "the cut is in the log: {logs:#?}"
    );
    assert_eq!(
        show(&c, &id).await.status.map(|s| s.to_string()).as_deref(),
        Some("INCRMIGEATING")
    );
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn manual_resume_fails_the_task_then_a_restart_resumes_it() {
    let Some((source, target)) = pair() else {
        return;
    };
    load(&source, 1000, "k");
    let proxy = Proxy::start(source.addr()).unwrap();
    let emu = with_target(&target).await;
    let c = client(&emu);
    let id = online_task(
        &c,
        Online {
            source_addrs: Some(proxy.addr().to_string()),
            incremental: true,
            manual: true,
            ..Online::default()
        },
    )
    .await;
    wait_status(&c, &id, "INCRMIGEATING", LIMIT).await;
    load(&source, 100, "before-cut");
    assert!(wait_equal(&source, &target, LIMIT));
    proxy.cut();
    wait_status(&c, &id, "FAILED", LIMIT).await;
    let failed = logs(&c, &id).await;
    let reason = failed.iter().rfind(|l| l.starts_with("ERROR")).unwrap();
    assert!(
        reason.contains("lost") && reason.contains("resume from offset"),
        "{reason}"
    );
    assert_eq!(stats(&c, &id).await.is_migrating, Some(false));
    load(&source, 200, "while-failed");
    c.update_migration_task()
        .task_id(&id)
        .resume_mode(hwcloud_dcs::types::ResumeMode::Auto)
        .send()
        .await
        .unwrap();
    wait_log(&c, &id, "resume_mode is now auto", LIMIT).await;
    c.batch_restart_online_migration_tasks()
        .migration_tasks(vec![id.clone()])
        .send()
        .await
        .unwrap();
    wait_status(&c, &id, "INCRMIGEATING", LIMIT).await;
    assert!(wait_equal(&source, &target, LIMIT), "the restart caught up");
    let logs = wait_log(&c, &id, "partial resync accepted", LIMIT).await;
    assert_eq!(count(&logs, "full resync"), 1, "{logs:#?}");
    assert_eq!(count(&logs, "partial resync accepted"), 1, "{logs:#?}");
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_migration_resumes_after_an_emulator_restart_with_its_data_dir() {
    let Some([source, mut target]) = servers(2).map(|v| <[_; 2]>::try_from(v).unwrap()) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    load(&source, 1000, "k");
    let emu = Emulator::builder()
        .data_dir(dir.path())
        .instance("target", endpoint(&target))
        .start()
        .await
        .unwrap();
    let c = client(&emu);
    let id = online_task(
        &c,
        Online {
            source_addrs: Some(addrs(&source)),
            incremental: true,
            ..Online::default()
        },
    )
    .await;
    wait_status(&c, &id, "INCRMIGEATING", LIMIT).await;
    assert!(wait_equal(&source, &target, LIMIT));
    emu.shutdown().await;

    // Written while the emulator is down; the registration of the target is kept.
    load(&source, 300, "while-down");
    let emu = Emulator::builder()
        .data_dir(dir.path())
        .start()
        .await
        .unwrap();
    let c = client(&emu);
    assert!(
        wait_equal(&source, &target, LIMIT),
        "the resumed run caught up"
    );
    wait_status(&c, &id, "INCRMIGEATING", LIMIT).await;
    let resumed = wait_log(&c, &id, "partial resync accepted", LIMIT).await;
    assert_eq!(count(&resumed, "The emulator restarted"), 1, "{resumed:#?}");
    assert_eq!(count(&resumed, "full resync"), 1, "{resumed:#?}");
    assert_eq!(
        count(&resumed, "partial resync accepted"),
        1,
        "{resumed:#?}"
    );
    emu.shutdown().await;

    // The target is gone: the resumed run cannot start, so the task fails with the reason
    // instead of claiming to migrate.
    target.kill();
    let emu = Emulator::builder()
        .data_dir(dir.path())
        .start()
        .await
        .unwrap();
    let c = client(&emu);
    wait_status(&c, &id, "FAILED", LIMIT).await;
    let logs = logs(&c, &id).await;
    let reason = logs.iter().rfind(|l| l.starts_with("ERROR")).unwrap();
    assert!(reason.contains("cannot use the target"), "{reason}");
    assert_eq!(stats(&c, &id).await.is_migrating, Some(false));
    emu.shutdown().await;
}
