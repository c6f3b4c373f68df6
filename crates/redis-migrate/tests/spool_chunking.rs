//! Any split of the writes and of the reads gives back the same bytes, with the writer and
//! the reader running at the same time, and the unconsumed bytes never exceed the limit.

use bytes::Bytes;
use proptest::prelude::*;
use redis_migrate::spool::{SpoolOptions, spool};
use std::io::Read;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Cuts `data` at the given sizes (cycled), the last piece taking the rest.
fn pieces(data: &[u8], sizes: &[usize]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut at = 0;
    let mut i = 0;
    while at < data.len() {
        let n = sizes[i % sizes.len()].min(data.len() - at);
        out.push(data[at..at + n].to_vec());
        at += n;
        i += 1;
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn blocking_reads_see_every_byte_in_order(
        data in proptest::collection::vec(any::<u8>(), 0..3000),
        writes in proptest::collection::vec(1usize..400, 1..8),
        reads in proptest::collection::vec(1usize..300, 1..8),
        limit in 1u64..500,
        segment in 1u64..200,
        memory in 1usize..300,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let options = SpoolOptions { limit_bytes: limit, segment_bytes: segment, memory_bytes: memory };
        let (mut w, mut r) = spool(dir.path(), "p", options).unwrap();
        let probe = w.probe();
        let reader = std::thread::spawn(move || {
            let mut got = Vec::new();
            let mut buf = vec![0; 300];
            for i in 0.. {
                let want = reads[i % reads.len()];
                match r.read(&mut buf[..want]) {
                    Ok(0) => return Ok(got),
                    Ok(n) => got.extend_from_slice(&buf[..n]),
                    Err(e) => return Err(e.to_string()),
                }
            }
            unreachable!()
        });
        runtime().block_on(async {
            for piece in pieces(&data, &writes) {
                w.append(Bytes::from(piece)).await.unwrap();
                assert!(probe.unconsumed() <= limit);
            }
            w.finish();
        });
        prop_assert_eq!(reader.join().unwrap().unwrap(), data);
        // Everything read: no segment is left behind.
        prop_assert_eq!(std::fs::read_dir(dir.path()).unwrap().flatten()
            .map(|d| std::fs::read_dir(d.path()).map(|e| e.count()).unwrap_or(0)).sum::<usize>(), 0);
    }

    #[test]
    fn async_reads_see_every_byte_in_order(
        data in proptest::collection::vec(any::<u8>(), 0..3000),
        writes in proptest::collection::vec(1usize..400, 1..8),
        reads in proptest::collection::vec(1usize..300, 1..8),
        limit in 1u64..500,
        segment in 1u64..200,
        memory in 1usize..300,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let options = SpoolOptions { limit_bytes: limit, segment_bytes: segment, memory_bytes: memory };
        let (mut w, mut r) = spool(dir.path(), "p", options).unwrap();
        let expected = data.clone();
        let got = runtime().block_on(async move {
            let writer = tokio::spawn(async move {
                for piece in pieces(&data, &writes) {
                    w.append(Bytes::from(piece)).await.unwrap();
                }
                w.finish();
            });
            let mut got = Vec::new();
            let mut i = 0;
            while let Some(chunk) = r.read_chunk(reads[i % reads.len()]).await.unwrap() {
                assert!(chunk.len() <= reads[i % reads.len()]);
                got.extend_from_slice(&chunk);
                i += 1;
            }
            writer.await.unwrap();
            got
        });
        prop_assert_eq!(got, expected);
    }
}
