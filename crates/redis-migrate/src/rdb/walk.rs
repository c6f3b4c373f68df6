//! Passing over a value by its lengths alone, without decoding it: how the raw fast path
//! finds the end of a value (its bytes stay pinned in the input buffer and become the
//! `RESTORE` payload) and how module values, which only their module can decode, are skipped.
//! The walk gives up as soon as the value would exceed its byte budget, before reading the
//! part that does not fit.

use super::RdbError;
use super::input::Input;
use super::string::{StrHeader, read_len, read_len_or_code, str_header};
use super::types::*;
use std::io::Read;

/// Why a walk ended early.
pub(crate) enum Walked {
    /// The value is larger than the budget.
    TooBig,
    Error(RdbError),
}

impl From<RdbError> for Walked {
    fn from(e: RdbError) -> Self {
        Walked::Error(e)
    }
}

type Step = Result<(), Walked>;

pub(crate) struct Walk<'a, R> {
    input: &'a mut Input<R>,
    start: u64,
    budget: u64,
    version: u16,
}

impl<'a, R: Read> Walk<'a, R> {
    /// A walk from the current position that may cover at most `budget` bytes.
    pub(crate) fn new(input: &'a mut Input<R>, budget: u64, version: u16) -> Self {
        let start = input.offset();
        Walk {
            input,
            start,
            budget,
            version,
        }
    }

    /// Bytes covered so far.
    pub(crate) fn covered(&self) -> u64 {
        self.input.offset() - self.start
    }

    fn fits(&self, more: u64) -> Step {
        if self.covered().saturating_add(more) > self.budget {
            return Err(Walked::TooBig);
        }
        Ok(())
    }

    fn skip(&mut self, n: u64, reading: &'static str) -> Step {
        self.fits(n)?;
        self.input.skip(n, reading)?;
        Ok(())
    }

    fn len(&mut self, reading: &'static str) -> Result<u64, Walked> {
        let n = read_len(self.input, reading)?;
        self.fits(0)?;
        Ok(n)
    }

    fn string(&mut self, reading: &'static str) -> Step {
        match str_header(self.input, reading, u64::MAX)? {
            StrHeader::Int(_) => self.fits(0),
            StrHeader::Plain(n) => self.skip(n, reading),
            StrHeader::Lzf { compressed, .. } => self.skip(compressed, reading),
        }
    }

    /// A blob whose header can be checked without decoding it (when it is not compressed):
    /// its declared size must be the blob's and its last byte the end marker. Corruption
    /// inside is left to the CRC-64 and to the target's own checks on `RESTORE`.
    fn blob(&mut self, kind: Blob, reading: &'static str) -> Step {
        let at = self.input.offset();
        let n = match str_header(self.input, reading, u64::MAX)? {
            StrHeader::Plain(n) => n,
            StrHeader::Int(_) => return self.fits(0),
            StrHeader::Lzf { compressed, .. } => return self.skip(compressed, reading),
        };
        self.skip(n, reading)?;
        let pinned = self.input.pinned();
        let Some(start) = pinned.len().checked_sub(n as usize) else {
            return Ok(()); // not pinned: nothing to look at
        };
        let b = &pinned[start..];
        let le32 = |i: usize| {
            b.get(i..i + 4)
                .map(|x| u32::from_le_bytes([x[0], x[1], x[2], x[3]]) as u64)
        };
        let ok = match kind {
            Blob::Listpack | Blob::Ziplist => le32(0) == Some(n) && b.last() == Some(&0xff),
            Blob::Intset => match (le32(0), le32(4)) {
                (Some(w @ (2 | 4 | 8)), Some(len)) => 8 + w * len == n,
                _ => false,
            },
            Blob::Other => true,
        };
        if !ok {
            return Err(Walked::Error(RdbError::bad(
                kind.name(),
                at,
                format!("a {n}-byte blob whose header does not match its size"),
            )));
        }
        Ok(())
    }

    /// Walks a value of RDB type `t` (the type byte and key already read).
    pub(crate) fn value(&mut self, t: u8) -> Step {
        match t {
            STRING => self.string("a string value"),
            LIST | SET => {
                for _ in 0..self.len("an element count")? {
                    self.string("an element")?;
                }
                Ok(())
            }
            LIST_QUICKLIST => {
                for _ in 0..self.len("a quicklist node count")? {
                    self.blob(Blob::Ziplist, "a ziplist")?;
                }
                Ok(())
            }
            ZSET => {
                for _ in 0..self.len("a sorted set size")? {
                    self.string("a sorted set member")?;
                    let n = self.input.u8("a score")?;
                    if n < 253 {
                        self.skip(n as u64, "a score")?;
                    }
                }
                Ok(())
            }
            ZSET_2 => {
                for _ in 0..self.len("a sorted set size")? {
                    self.string("a sorted set member")?;
                    self.skip(8, "a score")?;
                }
                Ok(())
            }
            HASH => {
                for _ in 0..self.len("a hash size")? {
                    self.string("a hash field")?;
                    self.string("a hash value")?;
                }
                Ok(())
            }
            MODULE_2 => self.module_value(),
            HASH_ZIPMAP => self.blob(Blob::Other, "a zipmap"),
            LIST_ZIPLIST | ZSET_ZIPLIST | HASH_ZIPLIST => self.blob(Blob::Ziplist, "a ziplist"),
            SET_INTSET => self.blob(Blob::Intset, "an intset"),
            HASH_LISTPACK | ZSET_LISTPACK | SET_LISTPACK | HASH_LISTPACK_EX_PRE_GA => {
                self.blob(Blob::Listpack, "a listpack")
            }
            LIST_QUICKLIST_2 => {
                for _ in 0..self.len("a quicklist node count")? {
                    let kind = match self.len("a quicklist node container")? {
                        2 => Blob::Listpack,
                        _ => Blob::Other,
                    };
                    self.blob(kind, "a quicklist node")?;
                }
                Ok(())
            }
            STREAM_LISTPACKS | STREAM_LISTPACKS_2 | STREAM_LISTPACKS_3 => self.stream(t),
            HASH_2_OR_METADATA_PRE_GA if self.version >= VALKEY_FIRST => {
                for _ in 0..self.len("a hash size")? {
                    self.string("a hash field")?;
                    self.string("a hash value")?;
                    self.skip(8, "a field expire time")?;
                }
                Ok(())
            }
            HASH_2_OR_METADATA_PRE_GA | HASH_METADATA => {
                if t == HASH_METADATA {
                    self.skip(8, "the hash's minimum expire time")?;
                }
                for _ in 0..self.len("a hash size")? {
                    self.len("a field time to live")?;
                    self.string("a hash field")?;
                    self.string("a hash value")?;
                }
                Ok(())
            }
            HASH_LISTPACK_EX => {
                self.skip(8, "the hash's minimum expire time")?;
                self.blob(Blob::Listpack, "a listpack")
            }
            _ => Err(Walked::Error(unsupported_type(t, self.input.offset()))),
        }
    }

    fn stream(&mut self, t: u8) -> Step {
        for _ in 0..self.len("a stream node count")? {
            self.string("a stream node key")?;
            self.blob(Blob::Listpack, "a stream node")?;
        }
        let ids = if t >= STREAM_LISTPACKS_2 { 8 } else { 3 };
        for _ in 0..ids {
            self.len("stream metadata")?;
        }
        for _ in 0..self.len("a consumer group count")? {
            self.string("a consumer group name")?;
            self.len("a group's last id")?;
            self.len("a group's last id")?;
            if t >= STREAM_LISTPACKS_2 {
                self.len("a group's entries-read")?;
            }
            for _ in 0..self.len("a pending entry count")? {
                self.skip(16 + 8, "a pending entry")?;
                self.len("a delivery count")?;
            }
            for _ in 0..self.len("a consumer count")? {
                self.string("a consumer name")?;
                self.skip(8, "a consumer's seen time")?;
                if t >= STREAM_LISTPACKS_3 {
                    self.skip(8, "a consumer's active time")?;
                }
                for _ in 0..self.len("a consumer's pending count")? {
                    self.skip(16, "a consumer's pending id")?;
                }
            }
        }
        Ok(())
    }

    /// A module value (type 7): the module id, then typed fields up to an EOF opcode.
    pub(crate) fn module_value(&mut self) -> Step {
        self.len("a module id")?;
        self.module_fields()
    }

    /// Typed module fields up to `RDB_MODULE_OPCODE_EOF` (also the body of `MODULE_AUX`).
    pub(crate) fn module_fields(&mut self) -> Step {
        loop {
            let at = self.input.offset();
            match self.len("a module field opcode")? {
                0 => return Ok(()),
                1 | 2 => {
                    read_len_or_code(self.input, "a module integer")?;
                    self.fits(0)?;
                }
                3 => self.skip(4, "a module float")?,
                4 => self.skip(8, "a module double")?,
                5 => self.string("a module string")?,
                op => {
                    return Err(Walked::Error(RdbError::bad(
                        "module value",
                        at,
                        format!("unknown module field opcode {op} (known: 0 end, 1–5 typed)"),
                    )));
                }
            }
        }
    }
}

/// Blob encodings whose header the walk checks.
#[derive(Clone, Copy)]
enum Blob {
    Listpack,
    Ziplist,
    Intset,
    Other,
}

impl Blob {
    fn name(self) -> &'static str {
        match self {
            Blob::Listpack => "listpack",
            Blob::Ziplist => "ziplist",
            Blob::Intset => "intset",
            Blob::Other => "blob",
        }
    }
}

/// The error for a type this parser recognises but cannot read.
pub(crate) fn unsupported_type(t: u8, offset: u64) -> RdbError {
    match t {
        MODULE_PRE_GA => RdbError::bad(
            "module value",
            offset,
            "type 6 is the Redis 4.0 release-candidate module format, which no release reads",
        ),
        _ => RdbError::UnknownType { byte: t, offset },
    }
}
