use super::*;
use bytes::Bytes;
use std::io::Read;
use std::time::Duration;

fn small() -> SpoolOptions {
    SpoolOptions {
        limit_bytes: 100,
        segment_bytes: 30,
        memory_bytes: 10,
    }
}

/// Waits (at most 2 s) until the disk thread has written `n` unconsumed bytes.
async fn on_disk(probe: &SpoolProbe, n: u64) {
    for _ in 0..200 {
        if probe.unconsumed() == n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("{} bytes on disk, expected {n}", probe.unconsumed());
}

#[tokio::test]
async fn bytes_come_out_in_order_and_segments_are_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let (mut w, mut r) = spool(dir.path(), "t", small()).unwrap();
    let data: Vec<u8> = (0..90u8).collect();
    w.append(Bytes::from(data.clone())).await.unwrap();
    w.finish();
    let spool_dir = r.shared.dir.clone();
    let probe = r.probe();
    on_disk(&probe, 90).await;
    assert_eq!(std::fs::read_dir(&spool_dir).unwrap().count(), 3);
    let mut got = Vec::new();
    while let Some(c) = r.read_chunk(7).await.unwrap() {
        got.extend_from_slice(&c);
    }
    assert_eq!(got, data);
    assert_eq!(std::fs::read_dir(&spool_dir).unwrap().count(), 0);
    drop(r);
    assert!(!spool_dir.exists(), "a probe keeps no file");
    assert!(probe.is_drained());
}

#[tokio::test]
async fn a_full_spool_makes_the_writer_wait() {
    let dir = tempfile::tempdir().unwrap();
    let (mut w, mut r) = spool(dir.path(), "t", small()).unwrap();
    // 100 bytes fill the disk limit, 10 more the memory budget.
    w.append(Bytes::from(vec![1; 110])).await.unwrap();
    on_disk(&r.probe(), 100).await;
    let more = tokio::time::timeout(
        Duration::from_millis(100),
        w.append(Bytes::from_static(b"x")),
    )
    .await;
    assert!(more.is_err(), "append returned while the spool was full");
    assert_eq!(r.probe().unconsumed(), 100);
    // Reading 20 bytes makes room for the 10 in memory, and then for one more.
    let mut got = 0;
    while got < 20 {
        got += r.read_chunk(20 - got).await.unwrap().unwrap().len();
    }
    w.append(Bytes::from_static(b"x")).await.unwrap();
    on_disk(&r.probe(), 91).await;
}

#[tokio::test]
async fn fail_and_a_dropped_writer_are_errors_not_eof() {
    let dir = tempfile::tempdir().unwrap();
    let (mut w, mut r) = spool(dir.path(), "t", small()).unwrap();
    w.append(Bytes::from_static(b"abc")).await.unwrap();
    w.fail("link cut at byte 3");
    let err = r.read_chunk(10).await.unwrap_err();
    assert!(err.to_string().contains("link cut at byte 3"), "{err}");
    assert!(r.probe().is_failed());

    let (w, mut r) = spool(dir.path(), "t", small()).unwrap();
    drop(w);
    let err = r.read(&mut [0; 4]).unwrap_err();
    assert!(err.to_string().contains("stopped before the end"), "{err}");
}

#[tokio::test]
async fn a_gone_reader_makes_appends_drop_the_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let (mut w, r) = spool(dir.path(), "t", small()).unwrap();
    let mut first = Bytes::from(vec![0; 1000]);
    let spool_dir = r.shared.dir.clone();
    // The reader goes while the writer waits for room.
    let waiting = tokio::time::timeout(Duration::from_millis(100), w.append(first.split_to(500)));
    assert!(waiting.await.is_err());
    drop(r);
    tokio::time::timeout(Duration::from_secs(2), w.append(first))
        .await
        .expect("appends after the reader went must not wait")
        .unwrap();
    w.finish();
    for _ in 0..200 {
        if !spool_dir.exists() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the spool directory outlived both sides");
}

#[tokio::test]
async fn the_blocking_reader_waits_for_the_async_writer() {
    let dir = tempfile::tempdir().unwrap();
    let (mut w, mut r) = spool(dir.path(), "t", small()).unwrap();
    let reader = tokio::task::spawn_blocking(move || {
        let mut all = Vec::new();
        r.read_to_end(&mut all).map(|_| all)
    });
    let mut expected = Vec::new();
    for i in 0..50u8 {
        let chunk = vec![i; usize::from(i % 17) + 1];
        expected.extend_from_slice(&chunk);
        w.append(Bytes::from(chunk)).await.unwrap();
    }
    w.finish();
    assert_eq!(reader.await.unwrap().unwrap(), expected);
}
