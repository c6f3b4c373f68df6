//! Where the RDB preamble of an AOF ends, found without parsing it.
//!
//! An AOF written with `aof-use-rdb-preamble yes` is an RDB snapshot followed by commands,
//! with nothing in between that says how long the snapshot is. Redis's loader reads the RDB
//! and continues at the byte after it; a streaming RDB parser that reads ahead (any buffered
//! one does) would swallow the first commands. So the preamble is handed out through
//! [`PreambleReader`], which ends exactly after the snapshot: an RDB ends with the EOF opcode
//! `0xFF` and the CRC-64 of every byte before and including it, so the first `0xFF` followed
//! by the running CRC-64 is the end (a false match has odds of 2^-64 per `0xFF` byte).
//!
//! A snapshot saved with `rdbchecksum no` carries a zero checksum and no such mark: it is
//! accepted when it ends the stream (`0xFF` and eight zero bytes are the last bytes: a plain
//! `.rdb` file), and refused when anything follows it, since where the commands start cannot
//! be known. A corrupted preamble (its CRC never matches) is refused too.

use crate::rdb::crc64;
use std::io::{self, Read};

const BUF: usize = 64 * 1024;
/// The EOF opcode and the 8-byte checksum after it.
const TRAILER: usize = 9;

/// Reads an RDB preamble and stops right after its checksum; what follows stays available
/// through [`PreambleReader::into_rest`].
#[derive(Debug)]
pub struct PreambleReader<R> {
    inner: R,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    inner_eof: bool,
    crc: u64,
    delivered: u64,
    /// Bytes of the recognised trailer not yet handed out.
    trailer_left: usize,
    found_end: bool,
    /// The last bytes delivered, to recognise a zero-checksum end at the end of the stream.
    tail: [u8; TRAILER],
}

/// What follows the preamble: bytes already read, then the rest of the stream.
pub type Rest<R> = io::Chain<io::Cursor<Vec<u8>>, R>;

impl<R: Read> PreambleReader<R> {
    pub fn new(inner: R) -> Self {
        Self {
            inner,
            buf: vec![0; BUF],
            start: 0,
            end: 0,
            inner_eof: false,
            crc: 0,
            delivered: 0,
            trailer_left: 0,
            found_end: false,
            tail: [0; TRAILER],
        }
    }

    /// Bytes of the preamble handed out so far.
    pub fn delivered(&self) -> u64 {
        self.delivered
    }

    /// Reads until at least `TRAILER` bytes are buffered or the stream ends.
    fn fill(&mut self) -> io::Result<()> {
        while !self.inner_eof && self.end - self.start < TRAILER {
            if self.start > 0 {
                self.buf.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
            }
            match self.inner.read(&mut self.buf[self.end..]) {
                Ok(0) => self.inner_eof = true,
                Ok(n) => self.end += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// The stream after the preamble and the preamble's length, reading (and dropping) what
    /// the consumer left of the preamble. An error when the end is never found.
    pub fn into_rest(mut self) -> io::Result<(Rest<R>, u64)> {
        let mut sink = vec![0; BUF];
        while self.read(&mut sink)? > 0 {}
        let zero_checksum_end = self.delivered >= TRAILER as u64
            && self.tail[0] == 0xff
            && self.tail[1..] == [0; 8]
            && self.start == self.end;
        if !self.found_end && !zero_checksum_end {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "the RDB preamble has no valid end in its {} bytes: it is truncated, its \
                     checksum is wrong, or it was saved with rdbchecksum no (which this importer \
                     cannot split from the commands after it)",
                    self.delivered
                ),
            ));
        }
        self.buf.truncate(self.end);
        self.buf.drain(..self.start);
        Ok((io::Cursor::new(self.buf).chain(self.inner), self.delivered))
    }
}

impl<R: Read> Read for PreambleReader<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.found_end || out.is_empty() {
            return Ok(0);
        }
        self.fill()?;
        let avail = &self.buf[self.start..self.end];
        if avail.is_empty() {
            return Ok(0);
        }
        let n = if self.trailer_left > 0 {
            self.trailer_left.min(avail.len()).min(out.len())
        } else if avail[0] == 0xff {
            let crc = crc64(self.crc, &avail[..1]);
            if avail.len() >= TRAILER && avail[1..TRAILER] == crc.to_le_bytes() {
                self.trailer_left = TRAILER;
                TRAILER.min(out.len())
            } else {
                1
            }
        } else {
            let upto = avail.iter().position(|&b| b == 0xff).unwrap_or(avail.len());
            upto.min(out.len())
        };
        out[..n].copy_from_slice(&self.buf[self.start..self.start + n]);
        self.crc = crc64(self.crc, &out[..n]);
        if n >= TRAILER {
            self.tail.copy_from_slice(&out[n - TRAILER..n]);
        } else {
            self.tail.copy_within(n.., 0);
            self.tail[TRAILER - n..].copy_from_slice(&out[..n]);
        }
        self.start += n;
        self.delivered += n as u64;
        if self.trailer_left > 0 {
            // A small `out` takes the trailer over several calls.
            self.trailer_left -= n;
            self.found_end = self.trailer_left == 0;
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A fake snapshot: body bytes, the EOF opcode and the CRC-64 of both.
    fn snapshot(body: &[u8]) -> Vec<u8> {
        let mut v = body.to_vec();
        v.push(0xff);
        let crc = crc64(0, &v);
        v.extend_from_slice(&crc.to_le_bytes());
        v
    }

    fn split(stream: &[u8], read_size: usize) -> io::Result<(Vec<u8>, Vec<u8>)> {
        let mut p = PreambleReader::new(stream);
        let mut pre = Vec::new();
        let mut chunk = vec![0; read_size];
        loop {
            let n = p.read(&mut chunk)?;
            if n == 0 {
                break;
            }
            pre.extend_from_slice(&chunk[..n]);
        }
        let (mut rest, len) = p.into_rest()?;
        assert_eq!(len as usize, pre.len());
        let mut after = Vec::new();
        rest.read_to_end(&mut after)?;
        Ok((pre, after))
    }

    #[test]
    fn stops_exactly_after_the_checksum() {
        let pre = snapshot(b"REDIS0011\xfa\xff\xff\x00 data with \xff bytes");
        let mut stream = pre.clone();
        stream.extend_from_slice(b"*1\r\n$4\r\nPING\r\n");
        for size in [1, 3, 9, 4096] {
            let (got, after) = split(&stream, size).unwrap();
            assert_eq!(got, pre, "read size {size}");
            assert_eq!(after, b"*1\r\n$4\r\nPING\r\n");
        }
    }

    #[test]
    fn a_wrong_checksum_or_a_truncation_is_an_error() {
        let mut bad = snapshot(b"REDIS0011 body");
        let last = bad.len() - 1;
        bad[last] ^= 1;
        bad.extend_from_slice(b"*1\r\n$4\r\nPING\r\n");
        let e = split(&bad, 100).unwrap_err();
        assert!(e.to_string().contains("no valid end"), "{e}");
        let good = snapshot(b"REDIS0011 body");
        assert!(split(&good[..good.len() - 2], 100).is_err());
    }

    #[test]
    fn a_zero_checksum_is_accepted_only_at_the_end_of_the_stream() {
        let mut plain = b"REDIS0011 body".to_vec();
        plain.push(0xff);
        plain.extend_from_slice(&[0; 8]);
        let (got, after) = split(&plain, 5).unwrap();
        assert_eq!((got, after), (plain.clone(), vec![]));
        plain.extend_from_slice(b"*1\r\n$4\r\nPING\r\n");
        assert!(split(&plain, 5).is_err());
    }

    #[test]
    fn a_consumer_that_stops_early_still_finds_the_commands() {
        let mut stream = snapshot(&[7u8; 200_000]);
        stream.extend_from_slice(b"*0\r\n");
        let mut p = PreambleReader::new(&stream[..]);
        let mut some = [0u8; 10];
        p.read_exact(&mut some).unwrap();
        let (mut rest, len) = p.into_rest().unwrap();
        assert_eq!(len, 200_009);
        let mut after = Vec::new();
        rest.read_to_end(&mut after).unwrap();
        assert_eq!(after, b"*0\r\n");
    }

    proptest! {
        #[test]
        fn any_body_splits_exactly(body in proptest::collection::vec(any::<u8>(), 0..2000),
                                   tail in proptest::collection::vec(any::<u8>(), 0..50),
                                   size in 1usize..70) {
            let pre = snapshot(&body);
            let mut stream = pre.clone();
            stream.extend_from_slice(&tail);
            let (got, after) = split(&stream, size).unwrap();
            // An earlier false match is possible only with odds of 2^-64.
            prop_assert_eq!(got, pre);
            prop_assert_eq!(after, tail);
        }

        #[test]
        fn never_panics(data in proptest::collection::vec(any::<u8>(), 0..500), size in 1usize..20) {
            let _ = split(&data, size);
        }
    }
}
