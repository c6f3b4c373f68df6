//! Reading frames and commands off a buffer: lengths measured and checked before anything
//! is allocated, then the frame built from the measured bytes.

use super::{Command, Frame, Limits, RespError};
use bytes::{Buf, Bytes, BytesMut};
use std::ops::Range;

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

/// Skips a run of `\n` (keepalives a master sends while it prepares a snapshot) at the front
/// of `buf`; returns how many were dropped.
pub fn skip_newlines(buf: &mut BytesMut) -> usize {
    let n = buf.iter().take_while(|&&b| b == b'\n').count();
    buf.advance(n);
    n
}
