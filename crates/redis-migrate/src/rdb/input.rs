//! The parser's own buffered reader: it knows the file offset of every byte, keeps the
//! running CRC-64 of what was consumed, and can hold on to the bytes of one value (a "pin")
//! so that the value is either handed over raw or read again from its start.
//!
//! Reads of a few bytes are a bounds check on the buffer; the reader is called only to
//! refill it (64 KiB at a time). The CRC is computed over whole consumed spans at refill
//! time, never byte by byte.

use super::{RdbError, crc64};
use bytes::BytesMut;
use std::io::{ErrorKind, Read};

/// Buffer size when nothing is pinned.
pub(crate) const BUF_SIZE: usize = 64 * 1024;

pub(crate) struct Input<R> {
    reader: R,
    buf: Vec<u8>,
    pos: usize,
    end: usize,
    /// File offset of `buf[0]`.
    base: u64,
    /// Index in `buf` below which nothing may be discarded.
    pin: Option<usize>,
    crc: u64,
    /// File offset up to which `crc` covers the file.
    crc_upto: u64,
    crc_on: bool,
}

impl<R: Read> Input<R> {
    pub(crate) fn new(reader: R, crc_on: bool) -> Self {
        Input {
            reader,
            buf: vec![0; BUF_SIZE],
            pos: 0,
            end: 0,
            base: 0,
            pin: None,
            crc: 0,
            crc_upto: 0,
            crc_on,
        }
    }

    /// File offset of the next byte to be read.
    #[inline]
    pub(crate) fn offset(&self) -> u64 {
        self.base + self.pos as u64
    }

    /// Brings the CRC up to the current position and stops it there (for the trailer).
    pub(crate) fn finish_crc(&mut self) -> u64 {
        self.update_crc();
        self.crc_on = false;
        self.crc
    }

    fn update_crc(&mut self) {
        let now = self.offset();
        if self.crc_on && self.crc_upto < now {
            let from = (self.crc_upto - self.base) as usize;
            self.crc = crc64(self.crc, &self.buf[from..self.pos]);
            self.crc_upto = now;
        }
    }

    fn truncated(&self, reading: &'static str) -> RdbError {
        RdbError::Truncated {
            offset: self.offset(),
            reading,
        }
    }

    /// Reads more bytes after `end`; returns how many (0 at the end of the input).
    fn refill(&mut self) -> Result<usize, RdbError> {
        self.update_crc();
        let keep = self.pin.unwrap_or(self.pos);
        if keep > 0 && (self.end == self.buf.len() || keep == self.end) {
            self.buf.copy_within(keep..self.end, 0);
            self.base += keep as u64;
            self.pos -= keep;
            self.end -= keep;
            self.pin = self.pin.map(|_| 0);
        }
        if self.end == self.buf.len() {
            // Only a pinned value fills the buffer: grow by a quarter, at least 64 KiB.
            let grow = (self.buf.len() / 4).max(BUF_SIZE);
            self.buf.resize(self.buf.len() + grow, 0);
        }
        loop {
            match self.reader.read(&mut self.buf[self.end..]) {
                Ok(n) => {
                    self.end += n;
                    return Ok(n);
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(source) => {
                    return Err(RdbError::Io {
                        offset: self.base + self.end as u64,
                        source,
                    });
                }
            }
        }
    }

    /// Makes sure at least `n` (small) bytes are buffered.
    #[inline]
    fn want(&mut self, n: usize, reading: &'static str) -> Result<(), RdbError> {
        while self.end - self.pos < n {
            if self.refill()? == 0 {
                return Err(self.truncated(reading));
            }
        }
        Ok(())
    }

    #[inline]
    pub(crate) fn u8(&mut self, reading: &'static str) -> Result<u8, RdbError> {
        if self.pos < self.end {
            let b = self.buf[self.pos];
            self.pos += 1;
            return Ok(b);
        }
        self.want(1, reading)?;
        let b = self.buf[self.pos];
        self.pos += 1;
        Ok(b)
    }

    /// Reads exactly `N` bytes.
    #[inline]
    pub(crate) fn array<const N: usize>(
        &mut self,
        reading: &'static str,
    ) -> Result<[u8; N], RdbError> {
        self.want(N, reading)?;
        let mut out = [0u8; N];
        out.copy_from_slice(&self.buf[self.pos..self.pos + N]);
        self.pos += N;
        Ok(out)
    }

    /// Fills `out` completely.
    pub(crate) fn read_exact(
        &mut self,
        out: &mut [u8],
        reading: &'static str,
    ) -> Result<(), RdbError> {
        let mut done = 0;
        while done < out.len() {
            if self.pos == self.end && self.refill()? == 0 {
                return Err(self.truncated(reading));
            }
            let k = (self.end - self.pos).min(out.len() - done);
            out[done..done + k].copy_from_slice(&self.buf[self.pos..self.pos + k]);
            self.pos += k;
            done += k;
        }
        Ok(())
    }

    /// Appends the next `n` bytes to `out`, growing it only as bytes actually arrive (a
    /// hostile length cannot make it allocate ahead of the data).
    pub(crate) fn append(
        &mut self,
        n: u64,
        out: &mut BytesMut,
        reading: &'static str,
    ) -> Result<(), RdbError> {
        let mut left = n;
        while left > 0 {
            if self.pos == self.end && self.refill()? == 0 {
                return Err(self.truncated(reading));
            }
            let k = ((self.end - self.pos) as u64).min(left) as usize;
            out.extend_from_slice(&self.buf[self.pos..self.pos + k]);
            self.pos += k;
            left -= k as u64;
        }
        Ok(())
    }

    /// Passes over `n` bytes (kept in the buffer when pinned).
    pub(crate) fn skip(&mut self, n: u64, reading: &'static str) -> Result<(), RdbError> {
        let mut left = n;
        while left > 0 {
            if self.pos == self.end && self.refill()? == 0 {
                return Err(self.truncated(reading));
            }
            let k = ((self.end - self.pos) as u64).min(left) as usize;
            self.pos += k;
            left -= k as u64;
        }
        Ok(())
    }

    /// Keeps every byte from the current position until [`Input::unpin`].
    pub(crate) fn pin(&mut self) {
        self.pin = Some(self.pos);
    }

    /// The bytes read since [`Input::pin`].
    pub(crate) fn pinned(&self) -> &[u8] {
        &self.buf[self.pin.unwrap_or(self.pos)..self.pos]
    }

    /// Goes back to the pinned position (to read the value again) and unpins.
    pub(crate) fn rewind(&mut self) {
        if let Some(p) = self.pin.take() {
            self.pos = p;
        }
    }

    /// Releases the pin; a buffer grown for a large value shrinks back at the next refill.
    pub(crate) fn unpin(&mut self) {
        self.pin = None;
        if self.buf.len() > 4 * BUF_SIZE && self.end - self.pos <= BUF_SIZE {
            self.update_crc();
            self.buf.copy_within(self.pos..self.end, 0);
            self.base += self.pos as u64;
            self.end -= self.pos;
            self.pos = 0;
            self.buf.truncate(BUF_SIZE);
            self.buf.shrink_to_fit();
        }
    }
}
