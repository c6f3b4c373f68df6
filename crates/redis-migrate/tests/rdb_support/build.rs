//! A small RDB writer for crafted inputs (shared by unit tests through `#[path]`).
#![allow(dead_code)]

pub struct Rdb {
    pub buf: Vec<u8>,
    pub version: u16,
}

/// RDB length encoding (shortest form).
pub fn len_bytes(n: u64) -> Vec<u8> {
    if n < 64 {
        vec![n as u8]
    } else if n < 16384 {
        vec![0x40 | (n >> 8) as u8, n as u8]
    } else if n <= u32::MAX as u64 {
        let mut v = vec![0x80];
        v.extend_from_slice(&(n as u32).to_be_bytes());
        v
    } else {
        let mut v = vec![0x81];
        v.extend_from_slice(&n.to_be_bytes());
        v
    }
}

/// A length-prefixed string.
pub fn str_bytes(s: &[u8]) -> Vec<u8> {
    let mut v = len_bytes(s.len() as u64);
    v.extend_from_slice(s);
    v
}

/// LZF made of literal runs only (valid, if not small), as an RDB string.
pub fn lzf_str_bytes(s: &[u8]) -> Vec<u8> {
    let mut c = Vec::new();
    for run in s.chunks(32) {
        c.push(run.len() as u8 - 1);
        c.extend_from_slice(run);
    }
    let mut v = vec![0xc3];
    v.extend(len_bytes(c.len() as u64));
    v.extend(len_bytes(s.len() as u64));
    v.extend(c);
    v
}

impl Rdb {
    pub fn new(version: u16) -> Self {
        Rdb {
            buf: format!("REDIS{version:04}").into_bytes(),
            version,
        }
    }

    pub fn valkey(version: u16) -> Self {
        Rdb {
            buf: format!("VALKEY{version:03}").into_bytes(),
            version,
        }
    }

    pub fn raw(&mut self, b: &[u8]) -> &mut Self {
        self.buf.extend_from_slice(b);
        self
    }

    pub fn op(&mut self, b: u8) -> &mut Self {
        self.raw(&[b])
    }

    pub fn len(&mut self, n: u64) -> &mut Self {
        let b = len_bytes(n);
        self.raw(&b)
    }

    pub fn string(&mut self, s: &[u8]) -> &mut Self {
        let b = str_bytes(s);
        self.raw(&b)
    }

    pub fn aux(&mut self, k: &[u8], v: &[u8]) -> &mut Self {
        self.op(250).string(k).string(v)
    }

    pub fn select(&mut self, db: u64) -> &mut Self {
        self.op(254).len(db)
    }

    /// A key header: type byte and key.
    pub fn key(&mut self, t: u8, key: &[u8]) -> &mut Self {
        self.op(t).string(key)
    }

    /// EOF and, from RDB 5, the CRC-64 of everything before it.
    pub fn finish(&self) -> Vec<u8> {
        let mut out = self.buf.clone();
        out.push(255);
        if self.version >= 5 {
            let crc = redis_migrate::rdb::crc64(0, &out);
            out.extend_from_slice(&crc.to_le_bytes());
        }
        out
    }
}

/// A listpack of strings (elements that look like small integers are stored as 7-bit ints).
pub fn listpack(items: &[&[u8]]) -> Vec<u8> {
    let mut body = Vec::new();
    for it in items {
        let mut e = Vec::new();
        match std::str::from_utf8(it)
            .ok()
            .and_then(|s| s.parse::<u8>().ok())
        {
            Some(v) if v < 128 && v.to_string().as_bytes() == *it => e.push(v),
            _ if it.len() < 64 => {
                e.push(0x80 | it.len() as u8);
                e.extend_from_slice(it);
            }
            _ => {
                assert!(it.len() < 4096);
                e.extend_from_slice(&[0xe0 | (it.len() >> 8) as u8, it.len() as u8]);
                e.extend_from_slice(it);
            }
        }
        let l = e.len();
        if l <= 127 {
            e.push(l as u8);
        } else {
            e.extend_from_slice(&[(l >> 7) as u8, (l & 127) as u8 | 128]);
        }
        body.extend_from_slice(&e);
    }
    let total = 7 + body.len();
    let mut lp = (total as u32).to_le_bytes().to_vec();
    lp.extend_from_slice(&(items.len() as u16).to_le_bytes());
    lp.extend_from_slice(&body);
    lp.push(0xff);
    lp
}

/// A ziplist of strings (shorter than 64 bytes) and immediate integers 0–12 (`#n`).
pub fn ziplist(items: &[&[u8]]) -> Vec<u8> {
    let mut body = Vec::new();
    let mut prev = 0usize;
    let mut tail = 10;
    for it in items {
        let start = body.len();
        tail = 10 + start;
        body.push(prev as u8);
        if let Some(n) = it.strip_prefix(b"#") {
            let n: u8 = std::str::from_utf8(n).unwrap().parse().unwrap();
            body.push(0xf1 + n);
        } else {
            body.push(it.len() as u8);
            body.extend_from_slice(it);
        }
        prev = body.len() - start;
    }
    let total = 11 + body.len();
    let mut z = (total as u32).to_le_bytes().to_vec();
    z.extend_from_slice(&(tail as u32).to_le_bytes());
    z.extend_from_slice(&(items.len() as u16).to_le_bytes());
    z.extend_from_slice(&body);
    z.push(0xff);
    z
}
