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

use bytes::{Buf, Bytes, BytesMut};
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

/// Index of the `\r` ending the line that starts at `from`, if the `\r\n` is in `buf`.
fn line_end(buf: &[u8], from: usize) -> Option<usize> {
    let rest = buf.get(from..)?;
    let mut i = 0;
    while let Some(p) = rest[i..].iter().position(|&b| b == b'\r') {
        let at = i + p;
        match rest.get(at + 1) {
            Some(b'\n') => return Some(from + at),
            Some(_) => i = at + 1,
            None => return None,
        }
    }
    None
}

/// Reads the line starting at `pos` (after its type byte); returns its bytes and the
/// position after `\r\n`.
fn line(
    buf: &[u8],
    pos: usize,
    limits: &Limits,
) -> Result<Option<(Range<usize>, usize)>, RespError> {
    match line_end(buf, pos) {
        Some(end) if end - pos > limits.max_line => Err(RespError::LineTooLong {
            limit: limits.max_line,
            offset: pos,
        }),
        Some(end) => Ok(Some((pos..end, end + 2))),
        None if buf.len().saturating_sub(pos) > limits.max_line => Err(RespError::LineTooLong {
            limit: limits.max_line,
            offset: pos,
        }),
        None => Ok(None),
    }
}

/// Parses a signed decimal as Redis writes it (no `+`, no spaces, no leading zeros needed).
pub fn parse_i64(text: &[u8]) -> Option<i64> {
    let (neg, digits) = match text {
        [b'-', rest @ ..] => (true, rest),
        _ => (false, text),
    };
    if digits.is_empty() || digits.len() > 19 {
        return None;
    }
    let mut v: i64 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        let digit = i64::from(d - b'0');
        v = if neg {
            v.checked_mul(10)?.checked_sub(digit)?
        } else {
            v.checked_mul(10)?.checked_add(digit)?
        };
    }
    Some(v)
}

fn number(buf: &[u8], r: Range<usize>) -> Result<i64, RespError> {
    parse_i64(&buf[r.clone()]).ok_or_else(|| RespError::BadNumber {
        text: String::from_utf8_lossy(&buf[r.clone()]).into_owned(),
        offset: r.start,
    })
}

/// A length (`$n`, `*n`): -1 means null, other negatives are errors.
fn length(
    buf: &[u8],
    r: Range<usize>,
    what: &'static str,
    limit: usize,
) -> Result<Option<usize>, RespError> {
    let n = number(buf, r.clone())?;
    if n == -1 {
        return Ok(None);
    }
    let n = u64::try_from(n).map_err(|_| RespError::BadNumber {
        text: n.to_string(),
        offset: r.start,
    })?;
    match usize::try_from(n) {
        Ok(len) if len <= limit => Ok(Some(len)),
        _ => Err(RespError::TooLarge {
            what,
            len: n,
            limit,
            offset: r.start,
        }),
    }
}

/// Checks that `buf[pos..]` starts with a complete bulk body of `len` bytes plus `\r\n`.
fn bulk_body(buf: &[u8], pos: usize, len: usize) -> Result<Option<usize>, RespError> {
    let end = pos + len;
    if buf.len() < end + 2 {
        return Ok(None);
    }
    for (i, expected) in [(end, b'\r'), (end + 1, b'\n')] {
        if buf[i] != expected {
            return Err(RespError::UnexpectedByte {
                byte: buf[i],
                offset: i,
                expected: "CRLF after bulk string",
            });
        }
    }
    Ok(Some(end + 2))
}

/// Measures the frame at `pos`: `Ok(Some(end))` when complete. No allocation.
fn measure(
    buf: &[u8],
    pos: usize,
    limits: &Limits,
    depth: usize,
) -> Result<Option<usize>, RespError> {
    let Some(&kind) = buf.get(pos) else {
        return Ok(None);
    };
    let Some((body, next)) = line(buf, pos + 1, limits)? else {
        return Ok(None);
    };
    match kind {
        b'+' | b'-' => Ok(Some(next)),
        b':' => number(buf, body).map(|_| Some(next)),
        b'$' => match length(buf, body, "bulk string", limits.max_bulk)? {
            None => Ok(Some(next)),
            Some(len) => bulk_body(buf, next, len),
        },
        b'*' => {
            if depth >= limits.max_depth {
                return Err(RespError::TooDeep {
                    limit: limits.max_depth,
                    offset: pos,
                });
            }
            let Some(n) = length(buf, body, "array", limits.max_array)? else {
                return Ok(Some(next));
            };
            let mut at = next;
            for _ in 0..n {
                match measure(buf, at, limits, depth + 1)? {
                    Some(end) => at = end,
                    None => return Ok(None),
                }
            }
            Ok(Some(at))
        }
        other => Err(RespError::UnexpectedByte {
            byte: other,
            offset: pos,
            expected: "one of + - : $ *",
        }),
    }
}

/// Builds the frame at `pos` of a buffer already measured as complete.
fn build(buf: &Bytes, pos: usize, limits: &Limits) -> (Frame, usize) {
    // `measure` has validated every line, length and terminator on this exact buffer.
    let kind = buf[pos];
    let end = line_end(buf, pos + 1).unwrap_or(buf.len());
    let next = end + 2;
    let text = pos + 1..end;
    match kind {
        b'+' => (Frame::Simple(buf.slice(text)), next),
        b'-' => (Frame::Error(buf.slice(text)), next),
        b':' => (Frame::Integer(parse_i64(&buf[text]).unwrap_or(0)), next),
        b'$' => match parse_i64(&buf[text]).unwrap_or(-1) {
            n if n < 0 => (Frame::Bulk(None), next),
            n => {
                let len = n as usize;
                (
                    Frame::Bulk(Some(buf.slice(next..next + len))),
                    next + len + 2,
                )
            }
        },
        _ => match parse_i64(&buf[text]).unwrap_or(-1) {
            n if n < 0 => (Frame::Array(None), next),
            n => {
                let mut items = Vec::with_capacity((n as usize).min(limits.max_array).min(1024));
                let mut at = next;
                for _ in 0..n {
                    let (item, after) = build(buf, at, limits);
                    items.push(item);
                    at = after;
                }
                (Frame::Array(Some(items)), at)
            }
        },
    }
}

/// Takes one complete frame off the front of `buf`; `Ok(None)` leaves `buf` untouched until
/// more bytes arrive. The frame's byte length is `before - buf.len()`.
pub fn parse_frame(buf: &mut BytesMut, limits: &Limits) -> Result<Option<Frame>, RespError> {
    let Some(end) = measure(buf, 0, limits, 0)? else {
        return Ok(None);
    };
    let bytes = buf.split_to(end).freeze();
    Ok(Some(build(&bytes, 0, limits).0))
}

/// Takes one command (an array of bulk strings) off the front of `buf`.
///
/// Anything else at the front is an error naming the byte: the replication stream and AOF
/// files carry only this shape.
pub fn parse_command(buf: &mut BytesMut, limits: &Limits) -> Result<Option<Command>, RespError> {
    let Some(&first) = buf.first() else {
        return Ok(None);
    };
    if first != b'*' {
        return Err(RespError::UnexpectedByte {
            byte: first,
            offset: 0,
            expected: "'*' starting a command",
        });
    }
    let Some((count, mut at)) = line(buf, 1, limits)? else {
        return Ok(None);
    };
    let n = length(buf, count, "command", limits.max_array)?.unwrap_or(0);
    let mut args = Vec::with_capacity(n.min(1024));
    for _ in 0..n {
        let Some(&kind) = buf.get(at) else {
            return Ok(None);
        };
        if kind != b'$' {
            return Err(RespError::UnexpectedByte {
                byte: kind,
                offset: at,
                expected: "'$' starting a command argument",
            });
        }
        let Some((len, body)) = line(buf, at + 1, limits)? else {
            return Ok(None);
        };
        let Some(len) = length(buf, len, "bulk string", limits.max_bulk)? else {
            return Err(RespError::BadNumber {
                text: "-1".into(),
                offset: at + 1,
            });
        };
        match bulk_body(buf, body, len)? {
            Some(end) => {
                args.push(body..body + len);
                at = end;
            }
            None => return Ok(None),
        }
    }
    let raw = buf.split_to(at).freeze();
    Ok(Some(Command { raw, args }))
}

/// Appends `*N\r\n$len\r\narg\r\n…` for `args` to `out`.
pub fn encode_command<A: AsRef<[u8]>>(out: &mut BytesMut, args: &[A]) {
    let body: usize = args.iter().map(|a| a.as_ref().len() + 16).sum();
    out.reserve(16 + body);
    encode_len(out, b'*', args.len());
    for a in args {
        encode_bulk(out, a.as_ref());
    }
}

/// Appends one bulk string, `$len\r\nbytes\r\n`.
pub fn encode_bulk(out: &mut BytesMut, bytes: &[u8]) {
    encode_len(out, b'$', bytes.len());
    out.extend_from_slice(bytes);
    out.extend_from_slice(b"\r\n");
}

/// Appends a length line such as `*3\r\n` or `$5\r\n`.
pub fn encode_len(out: &mut BytesMut, kind: u8, len: usize) {
    out.extend_from_slice(&[kind]);
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    let mut n = len;
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
    out.extend_from_slice(b"\r\n");
}

/// Skips a run of `\n` (keepalives a master sends while it prepares a snapshot) at the front
/// of `buf`; returns how many were dropped.
pub fn skip_newlines(buf: &mut BytesMut) -> usize {
    let n = buf.iter().take_while(|&&b| b == b'\n').count();
    buf.advance(n);
    n
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn frame(input: &[u8]) -> Result<Option<Frame>, RespError> {
        parse_frame(&mut BytesMut::from(input), &Limits::default())
    }

    #[test]
    fn parses_each_reply_kind() {
        assert_eq!(frame(b"+OK\r\n").unwrap(), Some(Frame::Simple("OK".into())));
        assert_eq!(
            frame(b"-ERR unknown\r\n").unwrap(),
            Some(Frame::Error("ERR unknown".into()))
        );
        assert_eq!(frame(b":-42\r\n").unwrap(), Some(Frame::Integer(-42)));
        assert_eq!(frame(b"$-1\r\n").unwrap(), Some(Frame::Bulk(None)));
        assert_eq!(
            frame(b"$4\r\na\r\nb\r\n").unwrap(),
            Some(Frame::Bulk(Some("a\r\nb".into())))
        );
        assert_eq!(
            frame(b"*2\r\n:1\r\n*1\r\n$0\r\n\r\n").unwrap(),
            Some(Frame::Array(Some(vec![
                Frame::Integer(1),
                Frame::Array(Some(vec![Frame::Bulk(Some(Bytes::new()))]))
            ])))
        );
    }

    #[test]
    fn incomplete_frames_wait_and_leave_the_buffer_alone() {
        for input in [
            &b"+OK\r"[..],
            b"$5\r\nabc",
            b"*2\r\n:1\r\n",
            b"$5\r\nabcde\r",
        ] {
            let mut buf = BytesMut::from(input);
            assert_eq!(parse_frame(&mut buf, &Limits::default()).unwrap(), None);
            assert_eq!(&buf[..], input);
        }
    }

    #[test]
    fn command_keeps_raw_bytes_and_arguments() {
        let wire = b"*3\r\n$3\r\nSET\r\n$4\r\nk\r\n1\r\n$0\r\n\r\n*1\r\n$4\r\nPING\r\n";
        let mut buf = BytesMut::from(&wire[..]);
        let cmd = parse_command(&mut buf, &Limits::default())
            .unwrap()
            .unwrap();
        assert_eq!(cmd.raw().as_ref(), &wire[..29]);
        assert_eq!(cmd.wire_len(), 29);
        assert!(cmd.is("set"));
        assert_eq!(
            cmd.args().collect::<Vec<_>>(),
            vec![&b"SET"[..], b"k\r\n1", b""]
        );
        let ping = parse_command(&mut buf, &Limits::default())
            .unwrap()
            .unwrap();
        assert!(ping.is("PING"));
        assert!(buf.is_empty());
    }

    #[test]
    fn from_args_round_trips() {
        let cmd = Command::from_args(&[&b"HSET"[..], b"h\r\n", b"", b"v"]);
        let mut buf = BytesMut::from(&cmd.raw()[..]);
        let again = parse_command(&mut buf, &Limits::default())
            .unwrap()
            .unwrap();
        assert_eq!(again, cmd);
        assert_eq!(cmd.arg(1), Some(&b"h\r\n"[..]));
        assert_eq!(cmd.arg(4), None);
    }

    #[test]
    fn lengths_over_the_limits_are_refused_before_allocating() {
        let limits = Limits {
            max_bulk: 10,
            max_array: 3,
            ..Limits::default()
        };
        let mut buf = BytesMut::from(&b"$11\r\n"[..]);
        assert!(matches!(
            parse_frame(&mut buf, &limits),
            Err(RespError::TooLarge { len: 11, .. })
        ));
        let mut buf = BytesMut::from(&b"*4\r\n"[..]);
        assert!(matches!(
            parse_command(&mut buf, &limits),
            Err(RespError::TooLarge { len: 4, .. })
        ));
        let mut buf = BytesMut::from(&b"$99999999999999999999\r\n"[..]);
        assert!(matches!(
            parse_frame(&mut buf, &limits),
            Err(RespError::BadNumber { .. })
        ));
    }

    #[test]
    fn errors_name_the_byte_and_offset() {
        let mut buf = BytesMut::from(&b"*1\r\n:5\r\n"[..]);
        assert_eq!(
            parse_command(&mut buf, &Limits::default()),
            Err(RespError::UnexpectedByte {
                byte: b':',
                offset: 4,
                expected: "'$' starting a command argument"
            })
        );
        assert!(matches!(
            frame(b"$3\r\nabcXY"),
            Err(RespError::UnexpectedByte { offset: 7, .. })
        ));
        assert!(matches!(
            frame(b"?x\r\n"),
            Err(RespError::UnexpectedByte { byte: b'?', .. })
        ));
    }

    #[test]
    fn nesting_is_bounded() {
        let deep = "*1\r\n".repeat(100) + ":1\r\n";
        assert!(matches!(
            frame(deep.as_bytes()),
            Err(RespError::TooDeep { .. })
        ));
    }

    #[test]
    fn integers_parse_exactly_at_the_edges() {
        assert_eq!(parse_i64(b"-9223372036854775808"), Some(i64::MIN));
        assert_eq!(parse_i64(b"9223372036854775807"), Some(i64::MAX));
        assert_eq!(parse_i64(b"9223372036854775808"), None);
        assert_eq!(parse_i64(b"-"), None);
        assert_eq!(parse_i64(b"+1"), None);
        assert_eq!(parse_i64(b""), None);
    }

    #[test]
    fn newline_keepalives_are_skipped() {
        let mut buf = BytesMut::from(&b"\n\n\n$3\r\n"[..]);
        assert_eq!(skip_newlines(&mut buf), 3);
        assert_eq!(&buf[..], b"$3\r\n");
    }

    proptest! {
        #[test]
        fn never_panics_on_any_input(input in proptest::collection::vec(any::<u8>(), 0..256)) {
            let small = Limits { max_bulk: 64, max_array: 8, max_depth: 4, max_line: 32 };
            let _ = parse_frame(&mut BytesMut::from(&input[..]), &small);
            let _ = parse_command(&mut BytesMut::from(&input[..]), &small);
        }

        #[test]
        fn encoded_commands_parse_back_whole_and_byte_by_byte(
            args in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..40), 1..6)
        ) {
            let mut wire = BytesMut::new();
            encode_command(&mut wire, &args);
            let whole = wire.clone().freeze();
            // Every strict prefix is incomplete, never an error.
            for cut in 0..whole.len() {
                let mut part = BytesMut::from(&whole[..cut]);
                prop_assert_eq!(parse_command(&mut part, &Limits::default()).unwrap(), None);
            }
            let cmd = parse_command(&mut wire, &Limits::default()).unwrap().unwrap();
            prop_assert_eq!(cmd.raw(), &whole);
            prop_assert_eq!(cmd.args().map(<[u8]>::to_vec).collect::<Vec<_>>(), args);
            let mut as_frame = BytesMut::from(&whole[..]);
            prop_assert!(parse_frame(&mut as_frame, &Limits::default()).unwrap().is_some());
        }
    }
}
