//! Online migrations between real Redis servers, driven through our Rust SDK: the task's
//! statuses, statistics and logs follow the migration engine.

mod real;

use std::time::Duration;

use hwcloud_emulator::Emulator;
use real::*;

const LIMIT: Duration = Duration::from_secs(60);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_migration_copies_every_key_and_reports_it() {
    let Some((source, target)) = pair() else {
        return;
    };
    load(&source, 3000, "k");
    let emu = with_target(&target).await;
    let c = client(&emu);
    let id = online_task(
        &c,
        Online {
            source_addrs: Some(addrs(&source)),
            ..Online::default()
        },
    )
    .await;
    wait_status(&c, &id, "SUCCESS", LIMIT).await;
    assert_eq!(source.digest().unwrap(), target.digest().unwrap());
    let s = stats(&c, &id).await;
    assert_eq!(num(&s.full_migration_progress), 100);
    assert_eq!(num(&s.source_dbsize), 3000);
    assert_eq!(num(&s.target_dbsize), 3000);
    assert_eq!(s.is_migrating, Some(false));
    let logs = logs(&c, &id).await;
    assert_eq!(count(&logs, "the migration engine copies"), 1, "{logs:#?}");
    assert_eq!(count(&logs, "full resync"), 1, "{logs:#?}");
    assert_eq!(count(&logs, "3000 keys written"), 1, "{logs:#?}");
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn incremental_follows_concurrent_writers_then_stops_and_resumes() {
    let Some((source, target)) = pair() else {
        return;
    };
    load(&source, 2000, "k");
    let writer = Writer::start(&source, "w");
    let emu = Emulator::builder()
        .instance("src", endpoint(&source))
        .instance("dst", endpoint(&target))
        .start()
        .await
        .unwrap();
    let c = client(&emu);
    let id = online_task(
        &c,
        Online {
            source_id: Some("src"),
            target_id: "dst",
            incremental: true,
            ..Online::default()
        },
    )
    .await;
    wait_status(&c, &id, "INCRMIGEATING", LIMIT).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let live = stats(&c, &id).await;
    assert_eq!(live.is_migrating, Some(true));
    assert_eq!(num(&live.full_migration_progress), 100);
    let written = writer.stop();
    assert!(written > 100, "the writer wrote {written} commands");
    wait_stats(&c, &id, LIMIT, |s| num(&s.offset) == 0).await;
    assert!(
        wait_equal(&source, &target, LIMIT),
        "digests differ after the lag is 0"
    );

    // Stop: TERMINATING until the engine has stopped, then TERMINATED.
    c.stop_migration_task().task_id(&id).send().await.unwrap();
    wait_status(&c, &id, "TERMINATED", LIMIT).await;
    // A second stop right away (the run may still be closing) leaves it TERMINATED: it
    // once put the task back to TERMINATING with no engine left to finish it.
    c.batch_stop_migration_tasks()
        .migration_tasks(vec![id.clone()])
        .send()
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        show(&c, &id).await.status.map(|s| s.to_string()).as_deref(),
        Some("TERMINATED")
    );
    assert_eq!(stats(&c, &id).await.is_migrating, Some(false));

    // Writes while stopped arrive after a restart, without a second full sync.
    load(&source, 300, "after-stop");
    c.batch_restart_online_migration_tasks()
        .migration_tasks(vec![id.clone()])
        .send()
        .await
        .unwrap();
    wait_status(&c, &id, "INCRMIGEATING", LIMIT).await;
    assert!(
        wait_equal(&source, &target, LIMIT),
        "digests differ after the resume"
    );
    let logs = wait_log(&c, &id, "partial resync accepted", LIMIT).await;
    assert_eq!(count(&logs, "full resync"), 1, "{logs:#?}");
    assert_eq!(count(&logs, "partial resync accepted"), 1, "{logs:#?}");
    c.stop_migration_task_sync()
        .task_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        show(&c, &id).await.status.map(|s| s.to_string()).as_deref(),
        Some("TERMINATED"),
        "a synchronous stop answers once the engine stopped"
    );
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bandwidth_limit_shows_in_target_input_kbps() {
    let Some((source, target)) = pair() else {
        return;
    };
    // About 6 MiB of values that do not compress: six seconds at 1 MB/s.
    let mut conn = source.connect().unwrap();
    let mut rng = fastrand::Rng::with_seed(7);
    for i in 0..1500 {
        let value: String = (0..4096).map(|_| rng.alphanumeric()).collect();
        conn.send(&["SET", &format!("big:{i}"), &value]).unwrap();
    }
    for _ in 0..1500 {
        conn.read().unwrap();
    }
    let emu = with_target(&target).await;
    let c = client(&emu);
    let id = online_task(
        &c,
        Online {
            source_addrs: Some(addrs(&source)),
            bandwidth_mb: Some(1),
            ..Online::default()
        },
    )
    .await;
    wait_status(&c, &id, "FULLMIGRATING", LIMIT).await;
    let s = wait_stats(&c, &id, LIMIT, |s| {
        num(&s.target_input_kbps) > 0 || s.is_migrating == Some(false)
    })
    .await;
    let kbps = num(&s.target_input_kbps);
    // 1 MB/s is 1024 KB/s; a burst allowance of 100 ms and a one-second window.
    assert!(
        (1..=1300).contains(&kbps),
        "target_input_kbps {kbps} at 1 MB/s"
    );
    assert_eq!(s.is_migrating, Some(true));
    c.stop_migration_task_sync()
        .task_id(&id)
        .send()
        .await
        .unwrap();
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_source_password_fails_the_task_with_the_reason() {
    let Some(b) = redis() else { return };
    let source = b.password("right-password").start().unwrap();
    let Some([target]) = servers(1).map(|v| <[_; 1]>::try_from(v).unwrap()) else {
        return;
    };
    let emu = with_target(&target).await;
    let c = client(&emu);
    let id = online_task(
        &c,
        Online {
            source_addrs: Some(addrs(&source)),
            source_password: Some("wrong-password"),
            ..Online::default()
        },
    )
    .await;
    wait_status(&c, &id, "FAILED", LIMIT).await;
    let logs = logs(&c, &id).await;
    let failed = logs.iter().find(|l| l.starts_with("ERROR")).unwrap();
    assert!(failed.contains("authentication failed"), "{failed}");
    assert!(failed.contains(&addrs(&source)), "{failed}");
    assert!(
        !logs.concat().contains("wrong-password"),
        "a password in the log"
    );
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_source_outside_loopback_is_refused_without_the_allow_list() {
    let Some([target]) = servers(1).map(|v| <[_; 1]>::try_from(v).unwrap()) else {
        return;
    };
    let emu = with_target(&target).await;
    let c = client(&emu);
    let id = online_task(
        &c,
        Online {
            source_addrs: Some("10.11.12.13:6379".into()),
            ..Online::default()
        },
    )
    .await;
    wait_status(&c, &id, "FAILED", LIMIT).await;
    let logs = logs(&c, &id).await;
    let failed = logs.iter().find(|l| l.starts_with("ERROR")).unwrap();
    assert!(
        failed.contains("10.11.12.13:6379") && failed.contains("--allow-network"),
        "{failed}"
    );
    // A network that is not one is refused at start.
    let e = Emulator::builder()
        .allow_network("10.0.0.0/99")
        .start()
        .await;
    assert!(e.unwrap_err().to_string().contains("10.0.0.0/99"));
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_target_without_a_server_stays_simulated_and_says_so() {
    let emu = Emulator::builder().clock_speed(20.0).start().await.unwrap();
    let c = client(&emu);
    let id = online_task(
        &c,
        Online {
            source_addrs: Some("10.11.12.13:6379".into()),
            target_id: "not-registered",
            ..Online::default()
        },
    )
    .await;
    wait_status(&c, &id, "SUCCESS", LIMIT).await;
    let logs = logs(&c, &id).await;
    assert_eq!(count(&logs, "simulated"), 1, "{logs:#?}");
    emu.shutdown().await;
}
