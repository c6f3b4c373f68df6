//! Parse throughput on a 1M-key RDB saved by a real Redis: 700k strings (`DEBUG POPULATE`)
//! and 100k each of small hashes, lists and sorted sets (listpacks). Measured on the raw
//! path (what `RESTORE` sync uses) and the chunked path (the rewrite path). Skips when no
//! `redis-server` is installed.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use redis_migrate::rdb::{self, KeyMeta, ParseOptions, ValueChunk, Visitor};
use std::hint::black_box;
use std::time::Duration;

#[derive(Default)]
struct Count {
    raw: bool,
    keys: u64,
    bytes: u64,
}

impl Visitor for Count {
    fn wants_raw(&mut self, _: &KeyMeta) -> bool {
        self.raw
    }
    fn key_start(&mut self, _: &KeyMeta) -> rdb::Flow {
        self.keys += 1;
        Ok(())
    }
    fn value_raw(&mut self, _: &KeyMeta, raw: bytes::Bytes) -> rdb::Flow {
        self.bytes += raw.len() as u64;
        Ok(())
    }
    fn value_chunk(&mut self, _: &KeyMeta, chunk: ValueChunk) -> rdb::Flow {
        black_box(&chunk);
        self.bytes += 1;
        Ok(())
    }
}

const SCRIPT: &str = "for i = 1, 100000 do \
    redis.call('HSET', 'h:' .. i, 'name', 'user' .. i, 'age', i % 90, 'city', 'c' .. (i % 500), 'score', i * 3) \
    redis.call('RPUSH', 'l:' .. i, 'a', 'b', i, 'item-' .. i, 'x', 'y', 'z', i * 7) \
    redis.call('ZADD', 'z:' .. i, 1, 'm1', 2.5, 'm2', i, 'm3', -i, 'm4') \
    end return 1";

fn dataset() -> Option<Vec<u8>> {
    let server = redis_test_server::require(redis_test_server::Flavor::Redis)?
        .start()
        .ok()?;
    let mut c = server.connect().ok()?;
    c.call(&["DEBUG", "POPULATE", "700000", "key", "24"]).ok()?;
    c.call(&["EVAL", SCRIPT, "0"]).ok()?;
    c.call(&["SAVE"]).ok()?;
    let bytes = std::fs::read(server.dir().join("dump.rdb")).ok()?;
    drop(c);
    drop(server);
    // For comparison: how long Redis itself takes to load the same file.
    let dir = tempfile::tempdir().ok()?;
    std::fs::write(dir.path().join("dump.rdb"), &bytes).ok()?;
    let server = redis_test_server::require(redis_test_server::Flavor::Redis)?
        .dir(dir.path())
        .start()
        .ok()?;
    let log2 = std::fs::read_to_string(server.dir().join("server.log")).unwrap_or_default();
    if let Some(line) = log2.lines().find(|l| l.contains("DB loaded from disk")) {
        eprintln!("redis-server itself: {line}");
    }
    Some(bytes)
}

fn bench(c: &mut Criterion) {
    let Some(bytes) = dataset() else {
        eprintln!("skipped: no redis-server");
        return;
    };
    let mut g = c.benchmark_group("rdb_parse_1m_keys");
    g.throughput(Throughput::Bytes(bytes.len() as u64));
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    for (name, raw) in [("raw", true), ("chunks", false)] {
        g.bench_function(name, |b| {
            b.iter(|| {
                let mut v = Count {
                    raw,
                    ..Count::default()
                };
                let s = rdb::parse(&bytes[..], &ParseOptions::default(), &mut v).unwrap();
                assert_eq!(s.keys, 1_000_000);
                black_box(v.bytes)
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
