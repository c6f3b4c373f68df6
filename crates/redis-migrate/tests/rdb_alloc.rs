//! Memory stays bounded: a counting global allocator (`peak_alloc`, this test binary only)
//! records the
//! peak of live heap bytes while the parser reads hostile files that claim huge lengths, and
//! generated files with a 100 MB string (plain and LZF), a 1M-element list and a 20 MB
//! listpack node, and a file saved by Redis with a 1M-element list and 64 MB and 24 MB
//! strings, read from disk: none of it may be held whole.

use peak_alloc::PeakAlloc;
use redis_migrate::rdb::{self, KeyMeta, ParseOptions, ValueChunk, Visitor};
use std::io::Read;

#[global_allocator]
static HEAP: PeakAlloc = PeakAlloc;

const BOUND: usize = 32 << 20;

/// Counts what arrives and keeps nothing.
#[derive(Default)]
struct Count {
    raw: bool,
    keys: u64,
    bytes: u64,
    items: u64,
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
        match chunk {
            ValueChunk::String(b) => self.bytes += b.len() as u64,
            ValueChunk::ListItems(v) => self.items += v.len() as u64,
            _ => self.items += 1,
        }
        Ok(())
    }
}

/// Peak heap growth while `f` runs.
fn peak_during<T>(f: impl FnOnce() -> T) -> (T, usize) {
    HEAP.reset_peak_usage();
    let base = HEAP.current_usage();
    let out = f();
    (out, HEAP.peak_usage().saturating_sub(base))
}

/// A file generated as it is read: parts, each a byte string repeated, then EOF and CRC.
struct Generated {
    parts: std::collections::VecDeque<(Vec<u8>, u64)>,
    pos: usize,
    crc: u64,
    trailer: Option<Vec<u8>>,
}

impl Generated {
    fn new(parts: Vec<(Vec<u8>, u64)>) -> Self {
        Generated {
            parts: parts.into(),
            pos: 0,
            crc: 0,
            trailer: None,
        }
    }
}

impl Read for Generated {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            if let Some(t) = &mut self.trailer {
                let n = t.len().min(buf.len());
                buf[..n].copy_from_slice(&t[..n]);
                t.drain(..n);
                return Ok(n);
            }
            let Some((bytes, times)) = self.parts.front_mut() else {
                self.crc = rdb::crc64(self.crc, &[0xff]);
                let mut t = vec![0xff];
                t.extend_from_slice(&self.crc.to_le_bytes());
                self.trailer = Some(t);
                continue;
            };
            if *times == 0 || bytes.is_empty() {
                self.parts.pop_front();
                self.pos = 0;
                continue;
            }
            let n = (bytes.len() - self.pos).min(buf.len());
            buf[..n].copy_from_slice(&bytes[self.pos..self.pos + n]);
            self.crc = rdb::crc64(self.crc, &buf[..n]);
            self.pos += n;
            if self.pos == bytes.len() {
                self.pos = 0;
                *times -= 1;
            }
            return Ok(n);
        }
    }
}

fn len_bytes(n: u64) -> Vec<u8> {
    if n < 64 {
        vec![n as u8]
    } else if n < 16384 {
        vec![0x40 | (n >> 8) as u8, n as u8]
    } else {
        let mut v = vec![0x80];
        v.extend_from_slice(&(n as u32).to_be_bytes());
        v
    }
}

fn once(b: &[u8]) -> (Vec<u8>, u64) {
    (b.to_vec(), 1)
}

fn run(parts: Vec<(Vec<u8>, u64)>, raw: bool) -> (Count, usize) {
    let input = Generated::new(parts);
    let mut v = Count {
        raw,
        ..Count::default()
    };
    let (r, peak) = peak_during(|| rdb::parse(input, &ParseOptions::default(), &mut v));
    r.unwrap_or_else(|e| panic!("parse failed: {e}"));
    (v, peak)
}

const HUNDRED_MB: u64 = 100 << 20;

fn a_100_mb_string_streams_in_pieces() {
    for raw in [false, true] {
        let header = [
            b"REDIS0011\x00\x01k\x80".to_vec(),
            (HUNDRED_MB as u32).to_be_bytes().to_vec(),
        ]
        .concat();
        let (v, peak) = run(
            vec![once(&header), (vec![b'x'; 1 << 16], HUNDRED_MB >> 16)],
            raw,
        );
        assert_eq!((v.keys, v.bytes), (1, HUNDRED_MB));
        assert!(peak < BOUND, "peak {peak} bytes (raw wanted: {raw})");
    }
}

fn a_100_mb_lzf_string_streams_through_its_window() {
    // Literal runs of 32 bytes: 33 compressed bytes per 32 plain bytes.
    let runs = HUNDRED_MB / 32;
    let compressed = runs * 33;
    let mut header = b"REDIS0011\x00\x01k\xc3".to_vec();
    header.extend(len_bytes(compressed));
    header.extend(len_bytes(HUNDRED_MB));
    let mut run_bytes = vec![31u8];
    run_bytes.extend_from_slice(&[b'y'; 32]);
    let (v, peak) = run(vec![once(&header), (run_bytes, runs)], true);
    assert_eq!(v.bytes, HUNDRED_MB);
    assert!(peak < BOUND, "peak {peak} bytes");
}

fn a_million_element_list_streams_in_batches() {
    let n = 1_000_000u64;
    let mut header = b"REDIS0011\x01\x01k".to_vec();
    header.extend(len_bytes(n));
    let (v, peak) = run(vec![once(&header), (b"\x0aelement-xx".to_vec(), n)], true);
    assert_eq!(v.items, n);
    assert!(peak < BOUND, "peak {peak} bytes");
}

fn a_20_mb_listpack_node_is_decoded_as_it_streams() {
    // One quicklist node holding 5M listpack entries of "ab" (4 bytes each).
    let entries = 5_000_000u64;
    let total = 6 + entries * 4 + 1;
    let mut header = b"REDIS0011\x12\x01k\x01\x02".to_vec();
    header.extend(len_bytes(total));
    header.extend_from_slice(&(total as u32).to_le_bytes());
    header.extend_from_slice(&u16::MAX.to_le_bytes());
    let (v, peak) = run(
        vec![
            once(&header),
            (b"\x82ab\x03".to_vec(), entries),
            once(b"\xff"),
        ],
        true,
    );
    assert_eq!(v.items, entries);
    assert!(peak < BOUND, "peak {peak} bytes");
}

fn hostile_length_claims_allocate_nothing_large() {
    let huge = len_bytes(500 << 20);
    let cases: Vec<Vec<u8>> = vec![
        [b"REDIS0011\x00".to_vec(), huge.clone()].concat(), // key
        [b"REDIS0011\x00\x01k".to_vec(), huge.clone()].concat(), // string value
        [b"REDIS0011\xfa".to_vec(), huge.clone()].concat(), // AUX name
        [b"REDIS0011\xf5".to_vec(), huge.clone()].concat(), // function
        [b"REDIS0011\x01\x01k\x81\x10\0\0\0\0\0\0\0\x01a".to_vec()].concat(), // 2^60 elements
        [
            b"REDIS0011\x00\x01k\xc3".to_vec(),
            huge.clone(),
            huge.clone(),
            b"\x00a".to_vec(),
        ]
        .concat(), // LZF
        [
            b"REDIS0011\x10\x01k".to_vec(),
            huge.clone(),
            b"\xff\xff\xff\x1f\x00\x00".to_vec(),
        ]
        .concat(), // listpack
        [
            b"REDIS0011\x01\x01k\x01\xc3".to_vec(),
            huge.clone(),
            huge.clone(),
            b"\x00a".to_vec(),
        ]
        .concat(), // LZF element
        [
            b"REDIS0011\x15\x01k\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x01g\x00\x00\x00"
                .to_vec(),
            huge.clone(),
        ]
        .concat(), // PEL
    ];
    for (i, case) in cases.iter().enumerate() {
        for raw in [false, true] {
            let mut v = Count {
                raw,
                ..Count::default()
            };
            let (r, peak) = peak_during(|| rdb::parse(&case[..], &ParseOptions::default(), &mut v));
            assert!(r.is_err(), "case {i}");
            assert!(peak < 1 << 20, "case {i}: peak {peak} bytes: {r:?}");
        }
    }
}

/// A file saved by a real Redis with a 1M-element list, a 64 MB compressible string (LZF in
/// the file) and a 24 MB incompressible one, read from disk.
fn a_real_dump_with_big_values_stays_bounded() {
    let Some(builder) = redis_test_server::require(redis_test_server::Flavor::Redis) else {
        return;
    };
    let server = builder.start().unwrap();
    let mut c = server.connect().unwrap();
    let script = "for i = 1, 1000000 do redis.call('RPUSH', KEYS[1], i) end return 1";
    c.call(&["EVAL", script, "1", "biglist"])
        .unwrap()
        .ok()
        .unwrap();
    let compressible = "0123456789abcdef".repeat(4 << 20);
    c.call(&["SET", "lzf", &compressible])
        .unwrap()
        .ok()
        .unwrap();
    drop(compressible);
    let mut x = 0x2545f4914f6cdd1du64;
    let random: Vec<u8> = (0..24 << 20)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    c.call(&[&b"SET"[..], b"random", &random])
        .unwrap()
        .ok()
        .unwrap();
    drop(random);
    c.call(&["SAVE"]).unwrap().ok().unwrap();
    let path = server.dir().join("dump.rdb");
    for raw in [true, false] {
        let file = std::fs::File::open(&path).unwrap();
        let mut v = Count {
            raw,
            ..Count::default()
        };
        let (r, peak) = peak_during(|| rdb::parse(file, &ParseOptions::default(), &mut v));
        r.unwrap();
        assert_eq!(v.keys, 3);
        if !raw {
            assert_eq!((v.items, v.bytes), (1_000_000, (64 << 20) + (24 << 20)));
        }
        assert!(peak < BOUND, "peak {peak} bytes (raw wanted: {raw})");
    }
}

/// One test, so that no other test thread allocates while a peak is measured.
#[test]
fn memory_stays_bounded() {
    a_100_mb_string_streams_in_pieces();
    a_100_mb_lzf_string_streams_through_its_window();
    a_million_element_list_streams_in_batches();
    a_20_mb_listpack_node_is_decoded_as_it_streams();
    hostile_length_claims_allocate_nothing_large();
    a_real_dump_with_big_values_stays_bounded();
}
