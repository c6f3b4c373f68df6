//! LZF decompression, liblzf's format, which Redis uses for strings longer than 20 bytes when
//! `rdbcompression` is on (the default) and for compressed quicklist nodes.
//!
//! A token is either a literal run (`000LLLLL` + L+1 bytes) or a back reference
//! (`LLLooooo [L+] oooooooo`: length 3–264, distance 1–8192). Because a reference reaches at
//! most 8 KiB back, [`LzfStream`] decompresses a value of any size through a small window:
//! a 512 MB compressed string is never held whole.

use super::RdbError;
use super::input::Input;
use bytes::BytesMut;
use std::io::Read;

/// Farthest a back reference reaches.
const MAX_DISTANCE: usize = 8192;
/// Longest token: a 32-byte literal run and its control byte.
const MAX_TOKEN: usize = 33;
/// Output produced per [`LzfStream::fill`], and compressed bytes read at once.
const CHUNK: usize = 64 * 1024;

/// Where decompressed bytes go.
pub(crate) trait LzfOut {
    fn bytes(&self) -> &[u8];
    fn put(&mut self, s: &[u8]);
}

impl LzfOut for Vec<u8> {
    fn bytes(&self) -> &[u8] {
        self
    }
    fn put(&mut self, s: &[u8]) {
        self.extend_from_slice(s);
    }
}

impl LzfOut for BytesMut {
    fn bytes(&self) -> &[u8] {
        self
    }
    fn put(&mut self, s: &[u8]) {
        self.extend_from_slice(s);
    }
}

/// Why compressed bytes do not decompress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Fault {
    /// More output than the header declares.
    TooLong,
    /// A reference before the start of the output.
    BadReference { distance: usize, available: usize },
}

impl Fault {
    fn into_error(self, offset: u64, declared: u64) -> RdbError {
        let detail = match self {
            Fault::TooLong => format!("decompresses to more than the declared {declared} bytes"),
            Fault::BadReference {
                distance,
                available,
            } => format!(
                "back reference {distance} bytes back with only {available} bytes decompressed"
            ),
        };
        RdbError::bad("LZF string", offset, detail)
    }
}

/// Decodes the complete tokens at the start of `input`, appending to `out`. `out[hist..]`
/// is the output so far (what references may reach); at most `room` bytes are added.
/// Stops before a token that `input` does not hold whole; returns the input bytes used.
pub(crate) fn decode_tokens<O: LzfOut>(
    input: &[u8],
    out: &mut O,
    hist: usize,
    room: usize,
) -> Result<usize, Fault> {
    let limit = out.bytes().len().saturating_add(room);
    let mut ip = 0;
    while ip < input.len() {
        let ctrl = input[ip] as usize;
        if ctrl < 32 {
            let run = ctrl + 1;
            if ip + 1 + run > input.len() {
                break;
            }
            if out.bytes().len() + run > limit {
                return Err(Fault::TooLong);
            }
            out.put(&input[ip + 1..ip + 1 + run]);
            ip += 1 + run;
            continue;
        }
        let long = ctrl >> 5 == 7;
        let size = if long { 3 } else { 2 };
        if ip + size > input.len() {
            break;
        }
        let len = (ctrl >> 5) + if long { input[ip + 1] as usize } else { 0 } + 2;
        let distance = ((ctrl & 0x1f) << 8) + input[ip + size - 1] as usize + 1;
        let have = out.bytes().len();
        let available = have - hist.min(have);
        if distance > available {
            return Err(Fault::BadReference {
                distance,
                available,
            });
        }
        if have + len > limit {
            return Err(Fault::TooLong);
        }
        let from = have - distance;
        let mut tmp = [0u8; 264];
        if distance >= len {
            tmp[..len].copy_from_slice(&out.bytes()[from..from + len]);
        } else {
            // Overlapping copy: the pattern of the last `distance` bytes repeats.
            tmp[..distance].copy_from_slice(&out.bytes()[from..have]);
            for i in distance..len {
                tmp[i] = tmp[i - distance];
            }
        }
        out.put(&tmp[..len]);
        ip += size;
    }
    Ok(ip)
}

/// Decompresses a whole LZF blob that must expand to exactly `expected_len` bytes. Errors
/// name offsets relative to `input`. Allocation is bounded by what the input can expand to
/// (at most 132 bytes per input byte), whatever `expected_len` claims.
pub fn decompress(input: &[u8], expected_len: usize) -> Result<Vec<u8>, RdbError> {
    let mut out = Vec::with_capacity(expected_len.min(input.len().saturating_mul(132)));
    decompress_into(input, expected_len, &mut out, 0)?;
    Ok(out)
}

/// Like [`decompress`], appending to `out` (which may already hold other bytes).
pub(crate) fn decompress_into<O: LzfOut>(
    input: &[u8],
    expected_len: usize,
    out: &mut O,
    offset: u64,
) -> Result<(), RdbError> {
    let start = out.bytes().len();
    let used = decode_tokens(input, out, start, expected_len)
        .map_err(|f| f.into_error(offset, expected_len as u64))?;
    if used != input.len() {
        return Err(RdbError::bad(
            "LZF string",
            offset + used as u64,
            "compressed data ends inside a token",
        ));
    }
    let got = out.bytes().len() - start;
    if got != expected_len {
        return Err(RdbError::bad(
            "LZF string",
            offset,
            format!("decompresses to {got} bytes, the header says {expected_len}"),
        ));
    }
    Ok(())
}

/// Decompresses an LZF string read from the input, a window at a time.
pub(crate) struct LzfStream {
    window: Vec<u8>,
    read: usize,
    produced: u64,
    expected: u64,
    inbuf: Vec<u8>,
    in_pos: usize,
    in_left: u64,
    /// File offset of the compressed bytes, for errors.
    offset: u64,
}

impl LzfStream {
    pub(crate) fn new(compressed_len: u64, expected_len: u64, offset: u64) -> Self {
        LzfStream {
            window: Vec::new(),
            read: 0,
            produced: 0,
            expected: expected_len,
            inbuf: Vec::new(),
            in_pos: 0,
            in_left: compressed_len,
            offset,
        }
    }

    /// Decompressed bytes not yet consumed.
    pub(crate) fn available(&self) -> &[u8] {
        &self.window[self.read..]
    }

    pub(crate) fn consume(&mut self, n: usize) {
        self.read = (self.read + n).min(self.window.len());
    }

    /// Output bytes still to come, buffered or not.
    pub(crate) fn remaining(&self) -> u64 {
        self.expected - self.produced + (self.window.len() - self.read) as u64
    }

    /// Decompresses up to about 64 KiB more; an error when the compressed bytes run out
    /// before the declared length.
    pub(crate) fn fill<R: Read>(&mut self, input: &mut Input<R>) -> Result<(), RdbError> {
        let keep_from = self
            .read
            .min(self.window.len().saturating_sub(MAX_DISTANCE));
        if keep_from >= CHUNK {
            self.window.drain(..keep_from);
            self.read -= keep_from;
        }
        let target = self.window.len() + CHUNK;
        while self.produced < self.expected && self.window.len() < target {
            if self.inbuf.len() - self.in_pos < MAX_TOKEN && self.in_left > 0 {
                self.inbuf.drain(..self.in_pos);
                self.in_pos = 0;
                let k = self.in_left.min(CHUNK as u64) as usize;
                let old = self.inbuf.len();
                self.inbuf.resize(old + k, 0);
                input.read_exact(&mut self.inbuf[old..], "LZF-compressed data")?;
                self.in_left -= k as u64;
            }
            let before = self.window.len();
            let room = (self.expected - self.produced).min(usize::MAX as u64) as usize;
            let used = decode_tokens(&self.inbuf[self.in_pos..], &mut self.window, 0, room)
                .map_err(|f| f.into_error(self.offset, self.expected))?;
            self.in_pos += used;
            self.produced += (self.window.len() - before) as u64;
            if used == 0 && self.in_left == 0 {
                return Err(RdbError::bad(
                    "LZF string",
                    self.offset,
                    format!(
                        "compressed data ends after {} of the declared {} bytes",
                        self.produced, self.expected
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Checks that the compressed bytes were used up exactly.
    pub(crate) fn finish(&self) -> Result<(), RdbError> {
        if self.in_left > 0 || self.in_pos < self.inbuf.len() {
            return Err(RdbError::bad(
                "LZF string",
                self.offset,
                "compressed bytes left over after the declared length",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_runs_and_overlapping_references() {
        // "abc" literal, then a reference of length 9 at distance 3: "abcabcabcabc".
        let data = [0x02, b'a', b'b', b'c', (7 << 5), 9 - 2 - 7, 0x02];
        assert_eq!(decompress(&data, 12).unwrap(), b"abcabcabcabc");
        // Short form: len field 1 (=3 bytes), distance 1: "aaaa".
        let data = [0x00, b'a', (1 << 5), 0x00];
        assert_eq!(decompress(&data, 4).unwrap(), b"aaaa");
    }

    #[test]
    fn faults_are_errors() {
        // Reference before the start.
        assert!(decompress(&[(1 << 5), 0x00], 3).is_err());
        // Output longer than declared.
        assert!(decompress(&[0x02, b'a', b'b', b'c'], 2).is_err());
        // Shorter than declared.
        assert!(decompress(&[0x02, b'a', b'b', b'c'], 4).is_err());
        // Truncated token.
        assert!(decompress(&[0x05, b'a'], 6).is_err());
        assert!(decompress(&[0x00, b'a', (7 << 5)], 20).is_err());
    }

    #[test]
    fn stream_matches_whole_decompression_across_windows() {
        // A long input with references spanning window compactions.
        let mut data = Vec::new();
        let mut expect = Vec::new();
        for i in 0..20_000u32 {
            let lit = [(i % 251) as u8, (i % 7) as u8];
            data.extend_from_slice(&[0x01, lit[0], lit[1]]);
            expect.extend_from_slice(&lit);
            // Copy 20 bytes from 2 bytes back (overlap), then 10 from 8000 back when possible.
            data.extend_from_slice(&[(7 << 5), 20 - 2 - 7, 0x01]);
            let from = expect.len() - 2;
            for k in 0..20 {
                let b = expect[from + k];
                expect.push(b);
            }
            if expect.len() > 8192 {
                data.extend_from_slice(&[(7 << 5) | 0x1f, 10 - 2 - 7, 0x3f]);
                let from = expect.len() - 8000;
                for k in 0..10 {
                    let b = expect[from + k];
                    expect.push(b);
                }
            }
        }
        assert_eq!(decompress(&data, expect.len()).unwrap(), expect);
        let mut input = Input::new(&data[..], false);
        let mut s = LzfStream::new(data.len() as u64, expect.len() as u64, 0);
        let mut got = Vec::new();
        while s.remaining() > 0 {
            if s.available().is_empty() {
                s.fill(&mut input).unwrap();
            }
            let n = s.available().len().min(1000);
            got.extend_from_slice(&s.available()[..n]);
            s.consume(n);
        }
        s.finish().unwrap();
        assert_eq!(got, expect);
    }
}
