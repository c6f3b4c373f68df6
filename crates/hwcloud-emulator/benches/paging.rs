//! List latency against the number of stored tasks: the first page (limit 10) of DCS
//! ListMigrationTask and SMS ListTasks, signed by the SDK and sent over loopback, with 100 and
//! with 10,000 tasks in the caller's project, in memory and in SQLite.
//!
//! `cargo bench -p hwcloud-emulator --bench paging`. A list reads one page through the
//! store's index (`Db::page`), so the two sizes should cost about the same (target: 10,000
//! tasks at most 1.5 times 100 tasks).
//!
//! The in-memory emulator is filled through the API. The SQLite one would need 10,000
//! synchronous commits that way, so it gets one task of each service through the API and the
//! rest as copies of those rows with fresh ids, written into its file while it is stopped.

use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use hwcloud_core::Credentials;
use hwcloud_dcs::types::CreateMigrationTaskBody;
use hwcloud_emulator::{Emulator, EmulatorHandle};
use hwcloud_sms::types::PostTask;
use tokio::runtime::Runtime;

const DCS_BODY: &str =
    include_str!("../../../spec/examples/dcs/create_migration_task.request.backup_import.json");
const SMS_BODY: &str = include_str!("../../../spec/examples/sms/create_task.request.s001.json");
const SIZES: [usize; 2] = [100, 10_000];

struct Clients {
    dcs: hwcloud_dcs::Client,
    sms: hwcloud_sms::Client,
}

fn clients(emu: &EmulatorHandle) -> Clients {
    let c = emu.default_credential();
    let creds = Credentials::new(&c.ak, c.sk.expose()).with_project_id(&c.project_id);
    Clients {
        dcs: hwcloud_dcs::Client::builder()
            .endpoint(emu.base_url())
            .credentials(creds.clone())
            .build()
            .expect("dcs client"),
        sms: hwcloud_sms::Client::builder()
            .endpoint(emu.base_url())
            .credentials(creds)
            .build()
            .expect("sms client"),
    }
}

/// Creates `n` tasks of each service through the API, 16 at a time.
async fn fill(c: &Clients, n: usize) {
    let dcs: CreateMigrationTaskBody = serde_json::from_str(DCS_BODY).expect("dcs body");
    let sms: PostTask = serde_json::from_str(SMS_BODY).expect("sms body");
    let mut left = n;
    while left > 0 {
        let batch = left.min(16);
        let mut calls = Vec::with_capacity(batch);
        for _ in 0..batch {
            let (d, s) = (c.dcs.clone(), c.sms.clone());
            let (db, sb) = (dcs.clone(), sms.clone());
            calls.push(tokio::spawn(async move {
                d.create_migration_task()
                    .body(db)
                    .send()
                    .await
                    .expect("dcs create");
                s.create_task().body(sb).send().await.expect("sms create");
            }));
        }
        for call in calls {
            call.await.expect("create task");
        }
        left -= batch;
    }
}

/// A data directory with `n` tasks of each service (see the module comment).
fn durable_dir(rt: &Runtime, n: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    rt.block_on(async {
        let emu = Emulator::builder()
            .data_dir(dir.path())
            .start()
            .await
            .expect("emulator");
        fill(&clients(&emu), 1).await;
        emu.shutdown().await;
    });
    let mut conn =
        rusqlite::Connection::open(dir.path().join("hwcloud-emulator.sqlite3")).expect("db");
    let tx = conn.transaction().expect("tx");
    for kind in ["dcs_task", "sms_task"] {
        let mut copy = tx
            .prepare(
                "INSERT INTO records (kind, id, project_id, created_ms, data)
                 SELECT kind, ?2, project_id, created_ms + ?3, json_set(data, '$.id', ?2)
                 FROM records WHERE kind = ?1 LIMIT 1",
            )
            .expect("copy statement");
        for i in 1..n {
            let id = format!("00000000-0000-4000-8000-{i:012}");
            copy.execute(rusqlite::params![kind, id, i as i64])
                .expect("copy");
        }
    }
    tx.commit().expect("commit");
    dir
}

fn lists(c: &mut Criterion) {
    let rt = Runtime::new().expect("runtime");
    let mut group = c.benchmark_group("list_first_page");
    group
        .sample_size(40)
        .measurement_time(Duration::from_secs(4))
        .warm_up_time(Duration::from_secs(1));
    for store in ["memory", "sqlite"] {
        for n in SIZES {
            let dir = (store == "sqlite").then(|| durable_dir(&rt, n));
            let emu = rt.block_on(async {
                let b = Emulator::builder().clock_speed(0.0);
                let b = match &dir {
                    Some(d) => b.data_dir(d.path()),
                    None => b.in_memory(),
                };
                b.start().await.expect("emulator")
            });
            let cl = clients(&emu);
            if dir.is_none() {
                rt.block_on(fill(&cl, n));
            }
            let (count, _) = rt.block_on(async {
                let r = cl.dcs.list_migration_task().limit(10).send().await;
                let out = r.expect("list").output;
                (out.count, out.migration_tasks.map(|t| t.len()))
            });
            assert_eq!(count, Some(n as i32), "{store} holds {n} DCS tasks");
            group.bench_with_input(BenchmarkId::new(format!("dcs_{store}"), n), &n, |b, _| {
                b.iter(|| {
                    rt.block_on(cl.dcs.list_migration_task().limit(10).send())
                        .expect("list")
                });
            });
            group.bench_with_input(BenchmarkId::new(format!("sms_{store}"), n), &n, |b, _| {
                b.iter(|| {
                    rt.block_on(cl.sms.list_tasks().limit(10).send())
                        .expect("list")
                });
            });
            rt.block_on(emu.shutdown());
        }
    }
    group.finish();
}

criterion_group!(benches, lists);
criterion_main!(benches);
