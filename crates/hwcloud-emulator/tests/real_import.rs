//! Backup imports into a real Redis server: files of an OBS bucket (the `--obs-dir` folder)
//! in RDB, zip and AOF form, and a backup the emulator took of a Redis-backed instance. The
//! task succeeds only when every key is written; damaged or missing files fail it with the
//! reason.

mod real;

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use hwcloud_dcs::types::{
    BackupFilesBody, CreateMigrationTaskBody, FileSource, Files, MigrationMethod, MigrationType,
    TargetInstanceBody,
};
use hwcloud_emulator::Emulator;
use real::*;
use redis_test_server::Server;

const LIMIT: Duration = Duration::from_secs(60);

/// Starts a backup import of `files` (OBS) or `backup_id` (backup record) into `target`.
async fn import(
    c: &hwcloud_dcs::Client,
    target: &str,
    bucket: Option<&str>,
    files: &[&str],
    backup_id: Option<&str>,
) -> String {
    let backup_files = BackupFilesBody {
        file_source: Some(if backup_id.is_some() {
            FileSource::BackupRecord
        } else {
            FileSource::SelfBuildObs
        }),
        bucket_name: bucket.map(str::to_owned),
        files: (!files.is_empty()).then(|| {
            files
                .iter()
                .map(|f| Files {
                    file_name: (*f).to_owned(),
                    size: None,
                    update_at: None,
                })
                .collect()
        }),
        backup_id: backup_id.map(str::to_owned),
    };
    let body = CreateMigrationTaskBody {
        task_name: "real-import".into(),
        description: None,
        migration_type: MigrationType::BackupfileImport,
        migration_method: MigrationMethod::FullAmount,
        backup_files: Some(backup_files),
        network_type: None,
        source_instance: None,
        target_instance: TargetInstanceBody {
            id: target.into(),
            name: None,
            password: None,
        },
    };
    c.create_migration_task()
        .body(body)
        .send()
        .await
        .unwrap()
        .output
        .id
        .unwrap()
}

/// `SAVE`s the server and answers its RDB file.
fn saved_rdb(s: &Server) -> Vec<u8> {
    s.call(&["SAVE"]).unwrap().ok().unwrap();
    std::fs::read(s.dir().join("dump.rdb")).unwrap()
}

fn flush(s: &Server) {
    s.call(&["FLUSHALL"]).unwrap().ok().unwrap();
}

fn zip_of(name: &str, data: &[u8], to: &Path) {
    let mut z = zip::ZipWriter::new(std::fs::File::create(to).unwrap());
    z.start_file(name, zip::write::SimpleFileOptions::default())
        .unwrap();
    z.write_all(data).unwrap();
    z.finish().unwrap();
}

/// An AOF as Redis writes it: the commands in RESP.
fn aof(commands: &[&[&str]]) -> Vec<u8> {
    let mut out = Vec::new();
    for c in commands {
        out.extend(format!("*{}\r\n", c.len()).bytes());
        for a in *c {
            out.extend(format!("${}\r\n{a}\r\n", a.len()).bytes());
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn obs_files_in_rdb_zip_and_aof_form_are_imported() {
    let Some((source, target)) = pair() else {
        return;
    };
    load(&source, 1500, "k");
    let rdb = saved_rdb(&source);
    let obs = tempfile::tempdir().unwrap();
    let bucket = obs.path().join("backups");
    std::fs::create_dir_all(bucket.join("2024")).unwrap();
    std::fs::write(bucket.join("dump.rdb"), &rdb).unwrap();
    zip_of("dump.rdb", &rdb, &bucket.join("2024/dump.zip"));
    std::fs::write(
        bucket.join("extra.aof"),
        aof(&[
            &["SELECT", "0"],
            &["SET", "aof:a", "1"],
            &["RPUSH", "aof:l", "x", "y"],
        ]),
    )
    .unwrap();
    let emu = Emulator::builder()
        .instance("target", endpoint(&target))
        .obs_dir(obs.path())
        .start()
        .await
        .unwrap();
    let c = client(&emu);

    let id = import(&c, "target", Some("backups"), &["dump.rdb"], None).await;
    wait_status(&c, &id, "SUCCESS", LIMIT).await;
    assert_eq!(source.digest().unwrap(), target.digest().unwrap());
    let logs = logs(&c, &id).await;
    assert_eq!(
        count(&logs, "1500 keys and 0 commands written"),
        1,
        "{logs:#?}"
    );
    let s = stats(&c, &id).await;
    assert_eq!(num(&s.full_migration_progress), 100);
    assert_eq!(num(&s.target_dbsize), 1500);
    assert_eq!(s.source_dbsize, None, "files have no key count");

    flush(&target);
    let id = import(&c, "target", Some("backups"), &["2024/dump.zip"], None).await;
    wait_status(&c, &id, "SUCCESS", LIMIT).await;
    assert_eq!(source.digest().unwrap(), target.digest().unwrap());

    flush(&target);
    let id = import(&c, "target", Some("backups"), &["extra.aof"], None).await;
    wait_status(&c, &id, "SUCCESS", LIMIT).await;
    assert_eq!(dbsize(&target), 2);
    let last = target.call(&["LINDEX", "aof:l", "-1"]).unwrap();
    assert_eq!(last.text(), "y", "{last:?}");
    assert_eq!(target.call(&["GET", "aof:a"]).unwrap().text(), "1");
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_record_of_an_instance_is_imported_into_another() {
    let Some((source, target)) = pair() else {
        return;
    };
    load(&source, 2000, "k");
    let emu = Emulator::builder()
        .instance("source", endpoint(&source))
        .instance("target", endpoint(&target))
        .start()
        .await
        .unwrap();
    // The console's backup button: the control API takes an RDB over replication.
    let http = reqwest::Client::new();
    let answer = http
        .post(format!(
            "{}/_emulator/instances/source/backups",
            emu.base_url()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let record: serde_json::Value = answer.json().await.unwrap();
    let backup_id = record["backup_id"].as_str().unwrap().to_owned();
    assert_eq!(record["status"], "succeed");
    assert!(record["size"].as_i64().unwrap() > 1000, "{record}");
    // Later writes are not in the backup.
    load(&source, 10, "after-backup");
    let c = client(&emu);
    let listed = c
        .list_backup_records()
        .instance_id("source")
        .send()
        .await
        .unwrap()
        .output;
    assert_eq!(listed.total_num, Some(1));

    let id = import(&c, "target", None, &[], Some(&backup_id)).await;
    wait_status(&c, &id, "SUCCESS", LIMIT).await;
    assert_eq!(dbsize(&target), 2000);
    assert_eq!(dbsize(&source), 2010);

    // An instance without a server has no data to back up.
    let answer = http
        .post(format!(
            "{}/_emulator/instances/nothing/backups",
            emu.base_url()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 404);
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn damaged_or_missing_files_fail_the_task_with_the_reason() {
    let Some((source, target)) = pair() else {
        return;
    };
    load(&source, 500, "k");
    let rdb = saved_rdb(&source);
    let obs = tempfile::tempdir().unwrap();
    let bucket = obs.path().join("b");
    std::fs::create_dir_all(&bucket).unwrap();
    std::fs::write(bucket.join("cut.rdb"), &rdb[..rdb.len() / 2]).unwrap();
    let emu = Emulator::builder()
        .instance("target", endpoint(&target))
        .obs_dir(obs.path())
        .start()
        .await
        .unwrap();
    let c = client(&emu);
    let failure = |logs: Vec<String>| logs.into_iter().rfind(|l| l.starts_with("ERROR")).unwrap();

    let id = import(&c, "target", Some("b"), &["cut.rdb"], None).await;
    wait_status(&c, &id, "FAILED", LIMIT).await;
    let reason = failure(logs(&c, &id).await);
    assert!(reason.contains("cut.rdb"), "{reason}");

    let id = import(&c, "target", Some("b"), &["absent.rdb"], None).await;
    wait_status(&c, &id, "FAILED", LIMIT).await;
    let reason = failure(logs(&c, &id).await);
    assert!(reason.contains("absent.rdb is not in bucket b"), "{reason}");

    let id = import(&c, "target", Some("b"), &["../b/cut.rdb"], None).await;
    wait_status(&c, &id, "FAILED", LIMIT).await;
    let reason = failure(logs(&c, &id).await);
    assert!(reason.contains("not an object key"), "{reason}");
    emu.shutdown().await;

    // Without --obs-dir, buckets hold nothing.
    let emu = with_target(&target).await;
    let c = client(&emu);
    let id = import(&c, "target", Some("b"), &["cut.rdb"], None).await;
    wait_status(&c, &id, "FAILED", LIMIT).await;
    let reason = failure(logs(&c, &id).await);
    assert!(reason.contains("--obs-dir"), "{reason}");
    emu.shutdown().await;
}
