//! The data sets, loaded into the source with `DEBUG POPULATE` or pipelined commands. Values
//! come from a fixed-seed generator, so every run loads the same bytes.

use crate::client::Client;
use std::io;

/// xorshift64*: deterministic, fast, good enough for incompressible test values.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.max(1))
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// `n` letters and digits.
    pub fn alnum(&mut self, n: usize) -> Vec<u8> {
        const A: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        (0..n)
            .map(|_| A[(self.next() % A.len() as u64) as usize])
            .collect()
    }

    /// `n` random bytes (any value: `\r\n` and zeros included).
    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        let mut v = Vec::with_capacity(n + 8);
        while v.len() < n {
            v.extend_from_slice(&self.next().to_le_bytes());
        }
        v.truncate(n);
        v
    }
}

/// Replies are read every this many commands while loading.
const PIPE: usize = 2000;

/// `n` strings of 32 bytes: `DEBUG POPULATE n key 32` (keys `key:0…`, values `value:N`
/// padded with zero bytes to 32).
pub fn strings(c: &mut Client, n: u64) -> io::Result<()> {
    c.text(&["DEBUG", "POPULATE", &n.to_string(), "key", "32"])?;
    Ok(())
}

/// How much of each kind the mixed set holds; `scale` 1.0 is about 500k keys.
pub struct MixedSpec {
    pub strings_ttl: u64,
    pub strings: u64,
    pub small_hashes: u64,
    pub small_lists: u64,
    pub small_zsets: u64,
    pub small_sets: u64,
    pub intsets: u64,
    /// Hashes, sorted sets and sets of 600 elements each (hash table / skiplist encodings at
    /// the default limits of 512 and 128 elements).
    pub large_each: u64,
    pub huge_hash_fields: u64,
    pub huge_list_items: u64,
    pub stream_entries: u64,
}

impl MixedSpec {
    pub fn scaled(scale: f64) -> Self {
        let s = |n: f64| (n * scale).round() as u64;
        MixedSpec {
            strings_ttl: s(150_000.0),
            strings: s(50_000.0),
            small_hashes: s(100_000.0),
            small_lists: s(50_000.0),
            small_zsets: s(50_000.0),
            small_sets: s(50_000.0),
            intsets: s(50_000.0),
            large_each: s(500.0),
            huge_hash_fields: s(1_000_000.0),
            huge_list_items: s(1_000_000.0),
            stream_entries: s(100_000.0),
        }
    }

    pub fn keys(&self) -> u64 {
        self.strings_ttl
            + self.strings
            + self.small_hashes
            + self.small_lists
            + self.small_zsets
            + self.small_sets
            + self.intsets
            + 3 * self.large_each
            + 3
    }
}

/// Hashes, lists, sorted sets, sets, intsets, strings with and without TTL, one huge hash,
/// one huge list and a stream with two consumer groups and pending entries.
pub fn mixed(c: &mut Client, spec: &MixedSpec) -> io::Result<()> {
    let mut rng = Rng::new(0x5eed_0001);
    for i in 0..spec.strings_ttl {
        let ttl = (7200 + i % 3600).to_string();
        let v = rng.alnum(48);
        c.queue_batched(
            &[
                &b"SET"[..],
                format!("str:ttl:{i}").as_bytes(),
                &v,
                b"EX",
                ttl.as_bytes(),
            ],
            PIPE,
        )?;
    }
    for i in 0..spec.strings {
        // Half random text, half repetitive (LZF-compressed in the RDB).
        let v = if i % 2 == 0 {
            rng.alnum(300)
        } else {
            format!("{i:>10}").repeat(30).into_bytes()
        };
        c.queue_batched(&[&b"SET"[..], format!("str:{i}").as_bytes(), &v], PIPE)?;
    }
    for i in 0..spec.small_hashes {
        let mut args: Vec<Vec<u8>> = vec![b"HSET".to_vec(), format!("hash:{i}").into_bytes()];
        for f in 0..8 {
            args.push(format!("field{f}").into_bytes());
            args.push(rng.alnum(16));
        }
        c.queue_batched(&args, PIPE)?;
    }
    for i in 0..spec.small_lists {
        let mut args: Vec<Vec<u8>> = vec![b"RPUSH".to_vec(), format!("list:{i}").into_bytes()];
        args.extend((0..16).map(|_| rng.alnum(12)));
        c.queue_batched(&args, PIPE)?;
    }
    for i in 0..spec.small_zsets {
        let mut args: Vec<Vec<u8>> = vec![b"ZADD".to_vec(), format!("zset:{i}").into_bytes()];
        for _ in 0..8 {
            args.push(format!("{}", (rng.next() % 1_000_000) as f64 / 7.0).into_bytes());
            args.push(rng.alnum(10));
        }
        c.queue_batched(&args, PIPE)?;
    }
    for i in 0..spec.small_sets {
        let mut args: Vec<Vec<u8>> = vec![b"SADD".to_vec(), format!("set:{i}").into_bytes()];
        args.extend((0..8).map(|_| rng.alnum(10)));
        c.queue_batched(&args, PIPE)?;
    }
    for i in 0..spec.intsets {
        let mut args: Vec<Vec<u8>> = vec![b"SADD".to_vec(), format!("iset:{i}").into_bytes()];
        args.extend((0..16).map(|_| (rng.next() % 1_000_000_000).to_string().into_bytes()));
        c.queue_batched(&args, PIPE)?;
    }
    for i in 0..spec.large_each {
        let mut h: Vec<Vec<u8>> = vec![b"HSET".to_vec(), format!("bighash:{i}").into_bytes()];
        let mut z: Vec<Vec<u8>> = vec![b"ZADD".to_vec(), format!("bigzset:{i}").into_bytes()];
        let mut s: Vec<Vec<u8>> = vec![b"SADD".to_vec(), format!("bigset:{i}").into_bytes()];
        for e in 0..600u64 {
            h.push(format!("f{e}").into_bytes());
            h.push(rng.alnum(20));
            z.push(e.to_string().into_bytes());
            z.push(rng.alnum(12));
            s.push(rng.alnum(12));
        }
        c.queue_batched(&h, PIPE)?;
        c.queue_batched(&z, PIPE)?;
        c.queue_batched(&s, PIPE)?;
    }
    huge(c, spec, &mut rng)?;
    c.sync()
}

/// The huge hash and list (1000 elements per command) and the stream.
fn huge(c: &mut Client, spec: &MixedSpec, rng: &mut Rng) -> io::Result<()> {
    let mut i = 0;
    while i < spec.huge_hash_fields {
        let mut args: Vec<Vec<u8>> = vec![b"HSET".to_vec(), b"huge:hash".to_vec()];
        for f in i..(i + 1000).min(spec.huge_hash_fields) {
            args.push(format!("field:{f}").into_bytes());
            args.push(rng.alnum(8));
        }
        c.queue_batched(&args, 50)?;
        i += 1000;
    }
    let mut i = 0;
    while i < spec.huge_list_items {
        let mut args: Vec<Vec<u8>> = vec![b"RPUSH".to_vec(), b"huge:list".to_vec()];
        for _ in i..(i + 1000).min(spec.huge_list_items) {
            let len = 8 + (rng.next() % 9) as usize;
            args.push(rng.alnum(len));
        }
        c.queue_batched(&args, 50)?;
        i += 1000;
    }
    for _ in 0..spec.stream_entries {
        let (a, b) = (rng.alnum(8), rng.alnum(24));
        c.queue_batched(
            &[&b"XADD"[..], b"stream", b"*", b"sensor", &a, b"reading", &b],
            PIPE,
        )?;
    }
    c.sync()?;
    if spec.stream_entries > 0 {
        c.call(&["XGROUP", "CREATE", "stream", "g1", "0"])?;
        c.call(&["XGROUP", "CREATE", "stream", "g2", "$"])?;
        for consumer in ["c1", "c2"] {
            c.call(&[
                "XREADGROUP",
                "GROUP",
                "g1",
                consumer,
                "COUNT",
                "500",
                "STREAMS",
                "stream",
                ">",
            ])?;
        }
    }
    Ok(())
}

/// One string of `bytes` random bytes, written with `APPEND` in 1 MiB pieces.
pub fn big_string(c: &mut Client, key: &str, bytes: u64) -> io::Result<()> {
    let mut rng = Rng::new(0x5eed_0002);
    let mut left = bytes;
    while left > 0 {
        let n = left.min(1 << 20);
        let piece = rng.bytes(n as usize);
        c.queue_batched(&[&b"APPEND"[..], key.as_bytes(), &piece], 8)?;
        left -= n;
    }
    c.sync()
}

/// About `total` bytes of 1000-byte random strings (`bulk:N`), for the rate limit.
pub fn bulk(c: &mut Client, total: u64) -> io::Result<u64> {
    let mut rng = Rng::new(0x5eed_0003);
    let n = total / 1000;
    for i in 0..n {
        c.queue_batched(
            &[
                &b"SET"[..],
                format!("bulk:{i}").as_bytes(),
                &rng.bytes(1000),
            ],
            PIPE,
        )?;
    }
    c.sync()?;
    Ok(n)
}
