//! The bytes of one blob-encoded value (listpack, ziplist, intset, zipmap, stream node) as
//! the codecs read them: from memory when the blob is small, straight from the input when it
//! is plain and large, or through an LZF window when it is compressed and large. The codecs
//! are generic over [`Source`], so there is one decoder per format and no virtual call.

use super::RdbError;
use super::input::Input;
use super::lzf::LzfStream;
use bytes::BytesMut;
use std::io::Read;

pub(crate) trait Source {
    /// What the blob is, for error messages.
    fn what(&self) -> &'static str;
    /// File offset for errors (the blob's start when its bytes are not the file's).
    fn offset(&self) -> u64;
    /// Position inside the blob.
    fn pos(&self) -> u64;
    /// Bytes left in the blob.
    fn remaining(&self) -> u64;
    fn byte(&mut self) -> Result<u8, RdbError>;
    fn fill(&mut self, out: &mut [u8]) -> Result<(), RdbError>;
    /// Appends `n` bytes to `out`.
    fn append(&mut self, n: u64, out: &mut BytesMut) -> Result<(), RdbError>;
    fn skip(&mut self, n: u64) -> Result<(), RdbError>;

    /// An error at the current position, naming it inside the blob.
    fn bad(&self, detail: std::fmt::Arguments<'_>) -> RdbError {
        RdbError::bad(
            self.what(),
            self.offset(),
            format!("{detail} (at byte {} of the {})", self.pos(), self.what()),
        )
    }

    /// The error for reading past the blob's end.
    fn overrun(&self, want: u64) -> RdbError {
        self.bad(format_args!(
            "needs {want} more bytes but only {} are left",
            self.remaining()
        ))
    }

    fn le<const N: usize>(&mut self) -> Result<[u8; N], RdbError> {
        let mut b = [0u8; N];
        self.fill(&mut b)?;
        Ok(b)
    }
}

/// A blob in memory.
pub(crate) struct SliceSource<'a> {
    data: &'a [u8],
    pos: usize,
    offset: u64,
    what: &'static str,
}

impl<'a> SliceSource<'a> {
    pub(crate) fn new(data: &'a [u8], offset: u64, what: &'static str) -> Self {
        SliceSource {
            data,
            pos: 0,
            offset,
            what,
        }
    }

    fn take(&mut self, n: u64) -> Result<&'a [u8], RdbError> {
        if n > (self.data.len() - self.pos) as u64 {
            return Err(self.overrun(n));
        }
        let s = &self.data[self.pos..self.pos + n as usize];
        self.pos += n as usize;
        Ok(s)
    }
}

impl Source for SliceSource<'_> {
    fn what(&self) -> &'static str {
        self.what
    }
    fn offset(&self) -> u64 {
        self.offset
    }
    fn pos(&self) -> u64 {
        self.pos as u64
    }
    fn remaining(&self) -> u64 {
        (self.data.len() - self.pos) as u64
    }
    #[inline]
    fn byte(&mut self) -> Result<u8, RdbError> {
        match self.data.get(self.pos) {
            Some(&b) => {
                self.pos += 1;
                Ok(b)
            }
            None => Err(self.overrun(1)),
        }
    }
    fn fill(&mut self, out: &mut [u8]) -> Result<(), RdbError> {
        let s = self.take(out.len() as u64)?;
        out.copy_from_slice(s);
        Ok(())
    }
    fn append(&mut self, n: u64, out: &mut BytesMut) -> Result<(), RdbError> {
        let s = self.take(n)?;
        out.extend_from_slice(s);
        Ok(())
    }
    fn skip(&mut self, n: u64) -> Result<(), RdbError> {
        self.take(n).map(|_| ())
    }
}

/// A plain (uncompressed) blob read straight from the input.
pub(crate) struct PlainSource<'i, R> {
    input: &'i mut Input<R>,
    start: u64,
    len: u64,
    what: &'static str,
}

impl<'i, R: Read> PlainSource<'i, R> {
    pub(crate) fn new(input: &'i mut Input<R>, len: u64, what: &'static str) -> Self {
        let start = input.offset();
        PlainSource {
            input,
            start,
            len,
            what,
        }
    }

    fn check(&self, n: u64) -> Result<(), RdbError> {
        if n > self.remaining() {
            return Err(self.overrun(n));
        }
        Ok(())
    }
}

impl<R: Read> Source for PlainSource<'_, R> {
    fn what(&self) -> &'static str {
        self.what
    }
    fn offset(&self) -> u64 {
        self.input.offset()
    }
    fn pos(&self) -> u64 {
        self.input.offset() - self.start
    }
    fn remaining(&self) -> u64 {
        self.len - self.pos()
    }
    #[inline]
    fn byte(&mut self) -> Result<u8, RdbError> {
        self.check(1)?;
        self.input.u8(self.what)
    }
    fn fill(&mut self, out: &mut [u8]) -> Result<(), RdbError> {
        self.check(out.len() as u64)?;
        self.input.read_exact(out, self.what)
    }
    fn append(&mut self, n: u64, out: &mut BytesMut) -> Result<(), RdbError> {
        self.check(n)?;
        self.input.append(n, out, self.what)
    }
    fn skip(&mut self, n: u64) -> Result<(), RdbError> {
        self.check(n)?;
        self.input.skip(n, self.what)
    }
}

/// An LZF-compressed blob decompressed as it is read.
pub(crate) struct LzfSource<'i, R> {
    input: &'i mut Input<R>,
    lzf: LzfStream,
    start: u64,
    len: u64,
    pos: u64,
    what: &'static str,
}

impl<'i, R: Read> LzfSource<'i, R> {
    pub(crate) fn new(
        input: &'i mut Input<R>,
        compressed_len: u64,
        len: u64,
        what: &'static str,
    ) -> Self {
        let start = input.offset();
        LzfSource {
            input,
            lzf: LzfStream::new(compressed_len, len, start),
            start,
            len,
            pos: 0,
            what,
        }
    }

    /// Moves up to `n` decompressed bytes to `sink`, refilling the window as needed.
    fn pull(&mut self, n: u64, mut sink: impl FnMut(&[u8])) -> Result<(), RdbError> {
        if n > self.remaining() {
            return Err(self.overrun(n));
        }
        let mut left = n;
        while left > 0 {
            if self.lzf.available().is_empty() {
                self.lzf.fill(self.input)?;
            }
            let avail = self.lzf.available();
            let k = (avail.len() as u64).min(left) as usize;
            sink(&avail[..k]);
            self.lzf.consume(k);
            left -= k as u64;
            self.pos += k as u64;
        }
        Ok(())
    }

    /// Reads whatever is left so the input stands after the compressed bytes.
    pub(crate) fn finish(mut self) -> Result<(), RdbError> {
        let rest = self.remaining();
        self.pull(rest, |_| {})?;
        self.lzf.finish()
    }
}

impl<R: Read> Source for LzfSource<'_, R> {
    fn what(&self) -> &'static str {
        self.what
    }
    fn offset(&self) -> u64 {
        self.start
    }
    fn pos(&self) -> u64 {
        self.pos
    }
    fn remaining(&self) -> u64 {
        self.len - self.pos
    }
    fn byte(&mut self) -> Result<u8, RdbError> {
        let mut b = 0;
        self.pull(1, |s| b = s[0])?;
        Ok(b)
    }
    fn fill(&mut self, out: &mut [u8]) -> Result<(), RdbError> {
        let mut at = 0;
        self.pull(out.len() as u64, |s| {
            out[at..at + s.len()].copy_from_slice(s);
            at += s.len();
        })
    }
    fn append(&mut self, n: u64, out: &mut BytesMut) -> Result<(), RdbError> {
        self.pull(n, |s| out.extend_from_slice(s))
    }
    fn skip(&mut self, n: u64) -> Result<(), RdbError> {
        self.pull(n, |_| {})
    }
}

/// One element of a listpack or ziplist: an integer, or a string whose bytes were appended
/// to the caller's buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Entry {
    Int(i64),
    Str,
}

/// Appends the decimal form of `v` (what Redis returns for an integer-encoded element).
pub(crate) fn put_int(out: &mut BytesMut, v: i64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    let mut n = v.unsigned_abs();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if v < 0 {
        out.extend_from_slice(b"-");
    }
    out.extend_from_slice(&buf[i..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn put_int_formats_extremes() {
        for v in [0, 7, -1, 10, -10, i64::MAX, i64::MIN, 1234567890] {
            let mut out = BytesMut::new();
            put_int(&mut out, v);
            assert_eq!(&out[..], v.to_string().as_bytes());
        }
    }
}
