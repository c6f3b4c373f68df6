//! RESP2, the Redis wire protocol, as a codec that knows nothing of sockets.
//!
//! Two readers over a byte buffer:
//! - [`parse_frame`] for replies (`+OK`, `-ERR`, `:1`, `$3 foo`, `*2 …`);
//! - [`parse_command`] for the replication stream and AOF files: an array of bulk strings kept
//!   as the exact bytes received ([`Command::raw`]), so it can be forwarded without
//!   re-encoding and so that replication offsets, which count every byte, stay exact.
//!
//! Both return `Ok(None)` when the buffer holds only part of a frame, and check every length
//! against [`Limits`] before trusting it, so a hostile peer cannot make us allocate.

use bytes::{Bytes, BytesMut};
use std::fmt;
use std::ops::Range;

/// Bounds on what a peer may announce. The defaults are Redis's own: `proto-max-bulk-len`
/// (512 MiB) for one string and 1M-element arrays for one frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Longest bulk string accepted.
    pub max_bulk: usize,
    /// Most elements in one array.
    pub max_array: usize,
    /// Deepest nesting of arrays (replies only; commands are flat).
    pub max_depth: usize,
    /// Longest `+`, `-`, `:` or length line.
    pub max_line: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_bulk: 512 * 1024 * 1024,
            max_array: 1024 * 1024,
            max_depth: 16,
            max_line: 64 * 1024,
        }
    }
}

/// A reply (or any RESP2 value) read from a peer.
#[derive(Clone, PartialEq)]
pub enum Frame {
    /// `+OK`
    Simple(Bytes),
    /// `-ERR message`: the whole line after `-`.
    Error(Bytes),
    /// `:42`
    Integer(i64),
    /// `$3\r\nfoo` or the null bulk `$-1` (`None`).
    Bulk(Option<Bytes>),
    /// `*2 …` or the null array `*-1` (`None`).
    Array(Option<Vec<Frame>>),
}

impl Frame {
    /// The error line when this is an error reply.
    pub fn as_error(&self) -> Option<&[u8]> {
        match self {
            Frame::Error(e) => Some(e),
            _ => None,
        }
    }

    /// The bytes of a simple or bulk string.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Frame::Simple(b) | Frame::Bulk(Some(b)) => Some(b),
            _ => None,
        }
    }
}

impl fmt::Debug for Frame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Frame::Simple(b) => write!(f, "+{}", b.escape_ascii()),
            Frame::Error(b) => write!(f, "-{}", b.escape_ascii()),
            Frame::Integer(i) => write!(f, ":{i}"),
            Frame::Bulk(None) => f.write_str("$nil"),
            Frame::Bulk(Some(b)) if b.len() > 64 => {
                write!(f, "${}…({} bytes)", b[..64].escape_ascii(), b.len())
            }
            Frame::Bulk(Some(b)) => write!(f, "${}", b.escape_ascii()),
            Frame::Array(None) => f.write_str("*nil"),
            Frame::Array(Some(items)) => f.debug_list().entries(items).finish(),
        }
    }
}

/// A command as received: the raw bytes and where each argument lies in them.
#[derive(Clone, PartialEq, Eq)]
pub struct Command {
    raw: Bytes,
    args: Vec<Range<usize>>,
}

impl Command {
    /// The exact bytes read, `*N\r\n$len\r\n…`, ready to forward.
    pub fn raw(&self) -> &Bytes {
        &self.raw
    }

    /// How many bytes of the stream this command took (replication offsets count them).
    pub fn wire_len(&self) -> usize {
        self.raw.len()
    }

    /// Number of arguments, the command name included.
    pub fn len(&self) -> usize {
        self.args.len()
    }

    /// Whether the command has no arguments (`*0`), which Redis ignores.
    pub fn is_empty(&self) -> bool {
        self.args.is_empty()
    }

    /// Argument `i` (0 is the command name), or `None` past the end.
    pub fn arg(&self, i: usize) -> Option<&[u8]> {
        self.args.get(i).map(|r| &self.raw[r.clone()])
    }

    /// Argument `i` as a cheap slice of the raw bytes.
    pub fn arg_bytes(&self, i: usize) -> Option<Bytes> {
        self.args.get(i).map(|r| self.raw.slice(r.clone()))
    }

    /// All arguments in order.
    pub fn args(&self) -> impl ExactSizeIterator<Item = &[u8]> + '_ {
        self.args.iter().map(|r| &self.raw[r.clone()])
    }

    /// Whether the command name equals `name`, ignoring ASCII case.
    pub fn is(&self, name: &str) -> bool {
        self.arg(0)
            .is_some_and(|n| n.eq_ignore_ascii_case(name.as_bytes()))
    }

    /// Builds a command from arguments, encoded as RESP.
    pub fn from_args<A: AsRef<[u8]>>(args: &[A]) -> Command {
        let mut buf = BytesMut::with_capacity(args.iter().map(|a| a.as_ref().len() + 16).sum());
        encode_len(&mut buf, b'*', args.len());
        let mut ranges = Vec::with_capacity(args.len());
        for a in args {
            let a = a.as_ref();
            encode_len(&mut buf, b'$', a.len());
            ranges.push(buf.len()..buf.len() + a.len());
            buf.extend_from_slice(a);
            buf.extend_from_slice(b"\r\n");
        }
        Command {
            raw: buf.freeze(),
            args: ranges,
        }
    }
}

impl fmt::Debug for Command {
    /// Shows the command name and argument count only: values may be secrets (AUTH) or
    /// customer data.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = self.arg(0).unwrap_or_default();
        write!(
            f,
            "Command({} +{} args, {} bytes)",
            name.escape_ascii(),
            self.len().saturating_sub(1),
            self.raw.len()
        )
    }
}

/// Why bytes are not valid RESP. `offset` counts from the start of the frame.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RespError {
    #[error("RESP: unexpected byte {byte:#04x} at offset {offset} (expected {expected})")]
    UnexpectedByte {
        byte: u8,
        offset: usize,
        expected: &'static str,
    },
    #[error("RESP: bad length or integer {text:?} at offset {offset}")]
    BadNumber { text: String, offset: usize },
    #[error("RESP: {what} of {len} at offset {offset} is over the limit of {limit}")]
    TooLarge {
        what: &'static str,
        len: u64,
        limit: usize,
        offset: usize,
    },
    #[error("RESP: line longer than {limit} bytes at offset {offset}")]
    LineTooLong { limit: usize, offset: usize },
    #[error("RESP: arrays nested deeper than {limit} at offset {offset}")]
    TooDeep { limit: usize, offset: usize },
}

impl RespError {
    /// The offset the error names, counted from the start of the frame.
    pub fn offset(&self) -> usize {
        match self {
            RespError::UnexpectedByte { offset, .. }
            | RespError::BadNumber { offset, .. }
            | RespError::TooLarge { offset, .. }
            | RespError::LineTooLong { offset, .. }
            | RespError::TooDeep { offset, .. } => *offset,
        }
    }

    /// The same error with its offset moved by `by` bytes, so that it counts from the start
    /// of a file or stream instead of the frame.
    pub fn shifted(mut self, by: usize) -> RespError {
        match &mut self {
            RespError::UnexpectedByte { offset, .. }
            | RespError::BadNumber { offset, .. }
            | RespError::TooLarge { offset, .. }
            | RespError::LineTooLong { offset, .. }
            | RespError::TooDeep { offset, .. } => *offset = offset.saturating_add(by),
        }
        self
    }
}

/// The error line as text fit for a message: at most 300 characters, and cut before the
/// part where Redis echoes arguments (`with args beginning with: …`), which may be secret.
pub fn describe_error(line: &[u8]) -> String {
    let text = String::from_utf8_lossy(line);
    let text = match text.find(", with args beginning with") {
        Some(at) => &text[..at],
        None => &text,
    };
    let text = text.trim_end();
    match text.char_indices().nth(300) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}

mod encode;
mod parse;

pub use encode::{encode_bulk, encode_command, encode_len};
pub use parse::{parse_command, parse_frame, parse_i64, skip_newlines};

#[cfg(test)]
mod tests;
