//! The snapshot transfer that follows `+FULLRESYNC`, as a parser without sockets.
//!
//! While the source prepares the snapshot it sends `\n` keepalives. Then either:
//! - `$<len>\r\n` and exactly `len` bytes (disk-backed sync), or
//! - `$EOF:<40 bytes>\r\n`, the body, and the same 40 bytes as an end mark (diskless sync:
//!   the size is not known in advance).
//!
//! The command stream starts right after the body (or the mark) and is left in the buffer.
//! For diskless transfers the bytes that could be the start of the mark are held back until
//! it is clear they are not, so a mark split across reads is found and never passed on as
//! snapshot data. A source whose snapshot fails may answer `-ERR …` instead of a length.

use bytes::{Bytes, BytesMut};

/// Length of the end mark of a diskless transfer (a Redis run id).
pub const MARK_LEN: usize = 40;

/// Longest preamble line accepted (`$EOF:` + mark, or `$` + a 20-digit length, or an error).
const MAX_LINE: usize = 512;

/// What the buffer gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// The preamble: the size of the snapshot (`None` for diskless transfers).
    Start { size: Option<u64> },
    /// Snapshot bytes, in order.
    Body(Bytes),
    /// The snapshot is complete; what follows in the buffer is the command stream.
    End,
}

/// Why the transfer cannot go on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransferError {
    #[error("the source failed to send its snapshot (server said: {0})")]
    Source(String),
    #[error("bad snapshot preamble {line:?}: expected $<length> or $EOF:<40-byte mark>")]
    Preamble { line: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum State {
    Preamble,
    Sized { remaining: u64 },
    Marked { mark: [u8; MARK_LEN] },
    Done,
}

/// One transfer in progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transfer {
    state: State,
    keepalives: u64,
}

impl Default for Transfer {
    fn default() -> Self {
        Self::new()
    }
}

impl Transfer {
    pub fn new() -> Self {
        Self {
            state: State::Preamble,
            keepalives: 0,
        }
    }

    /// The snapshot has been read to its end.
    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// `\n` keepalives seen before the preamble.
    pub fn keepalives(&self) -> u64 {
        self.keepalives
    }

    /// Takes the next piece off the front of `buf`; `Ok(None)` when more bytes are needed
    /// (or the transfer is done). Call until `None`, then read more.
    pub fn next(&mut self, buf: &mut BytesMut) -> Result<Option<Piece>, TransferError> {
        match &mut self.state {
            State::Preamble => self.preamble(buf),
            State::Sized { remaining: 0 } => {
                self.state = State::Done;
                Ok(Some(Piece::End))
            }
            State::Sized { remaining } => {
                if buf.is_empty() {
                    return Ok(None);
                }
                let n = (*remaining).min(buf.len() as u64) as usize;
                *remaining -= n as u64;
                Ok(Some(Piece::Body(buf.split_to(n).freeze())))
            }
            State::Marked { mark } => match find_mark(buf, mark) {
                Search::Found(0) => {
                    let _ = buf.split_to(MARK_LEN);
                    self.state = State::Done;
                    Ok(Some(Piece::End))
                }
                Search::Found(at) | Search::MaybeAt(at) if at > 0 => {
                    Ok(Some(Piece::Body(buf.split_to(at).freeze())))
                }
                Search::NotFound if !buf.is_empty() => Ok(Some(Piece::Body(buf.split().freeze()))),
                _ => Ok(None),
            },
            State::Done => Ok(None),
        }
    }

    fn preamble(&mut self, buf: &mut BytesMut) -> Result<Option<Piece>, TransferError> {
        self.keepalives += crate::resp::skip_newlines(buf) as u64;
        let Some(&first) = buf.first() else {
            return Ok(None);
        };
        let head = &buf[..buf.len().min(MAX_LINE + 2)];
        let end = head.windows(2).position(|w| w == b"\r\n");
        let Some(end) = end.filter(|&e| e <= MAX_LINE) else {
            if buf.len() > MAX_LINE || (first != b'$' && first != b'-') {
                let line = String::from_utf8_lossy(&buf[..buf.len().min(64)]).into_owned();
                return Err(TransferError::Preamble { line });
            }
            return Ok(None);
        };
        let line = buf.split_to(end + 2);
        let text = &line[1..end];
        if first == b'-' {
            return Err(TransferError::Source(
                String::from_utf8_lossy(text).into_owned(),
            ));
        }
        let bad = || TransferError::Preamble {
            line: String::from_utf8_lossy(&line[..end]).into_owned(),
        };
        if first != b'$' {
            return Err(bad());
        }
        if let Some(mark) = text.strip_prefix(b"EOF:") {
            let mark: [u8; MARK_LEN] = mark.try_into().map_err(|_| bad())?;
            self.state = State::Marked { mark };
            return Ok(Some(Piece::Start { size: None }));
        }
        let size = std::str::from_utf8(text)
            .ok()
            .filter(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|t| t.parse::<u64>().ok())
            .ok_or_else(bad)?;
        self.state = State::Sized { remaining: size };
        Ok(Some(Piece::Start { size: Some(size) }))
    }
}

enum Search {
    /// The whole mark starts here.
    Found(usize),
    /// A prefix of the mark runs to the end of the buffer from here.
    MaybeAt(usize),
    NotFound,
}

/// Finds the first place where the mark, or a prefix of it cut by the end of `buf`, starts.
fn find_mark(buf: &[u8], mark: &[u8; MARK_LEN]) -> Search {
    let mut from = 0;
    while let Some(p) = buf[from..].iter().position(|&b| b == mark[0]) {
        let at = from + p;
        let rest = &buf[at..];
        if rest.len() >= MARK_LEN {
            if rest[..MARK_LEN] == mark[..] {
                return Search::Found(at);
            }
        } else if rest == &mark[..rest.len()] {
            return Search::MaybeAt(at);
        }
        from = at + 1;
    }
    Search::NotFound
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const MARK: &[u8; 40] = b"0123456789abcdef0123456789abcdef01234567";

    /// Snapshot size, body, whether it ended, bytes left after it.
    type Run = (Option<u64>, Vec<u8>, bool, Vec<u8>);

    /// Feeds `wire` in pieces of the given sizes; returns (start, body, ended, leftover).
    fn run(wire: &[u8], sizes: &[usize]) -> Result<Run, TransferError> {
        let mut t = Transfer::new();
        let mut buf = BytesMut::new();
        let (mut size, mut body) = (None, Vec::new());
        let mut at = 0;
        let mut i = 0;
        loop {
            while let Some(p) = t.next(&mut buf)? {
                match p {
                    Piece::Start { size: s } => size = s,
                    Piece::Body(b) => body.extend_from_slice(&b),
                    Piece::End => {
                        let mut rest = buf.to_vec();
                        rest.extend_from_slice(&wire[at..]);
                        return Ok((size, body, true, rest));
                    }
                }
            }
            if at == wire.len() {
                return Ok((size, body, false, buf.to_vec()));
            }
            let n = sizes[i % sizes.len()].max(1).min(wire.len() - at);
            buf.extend_from_slice(&wire[at..at + n]);
            at += n;
            i += 1;
        }
    }

    #[test]
    fn disk_transfer_after_keepalives() {
        let wire = b"\n\n\n$5\r\nREDIS*1\r\n$4\r\nPING\r\n";
        let (size, body, ended, rest) = run(wire, &[1]).unwrap();
        assert_eq!((size, &body[..], ended), (Some(5), &b"REDIS"[..], true));
        assert_eq!(rest, b"*1\r\n$4\r\nPING\r\n");
        let (size, body, ended, _) = run(b"$0\r\n", &[100]).unwrap();
        assert_eq!((size, body.len(), ended), (Some(0), 0, true));
    }

    #[test]
    fn diskless_transfer_finds_a_mark_split_anywhere() {
        let mut wire = b"\n$EOF:".to_vec();
        wire.extend_from_slice(MARK);
        wire.extend_from_slice(b"\r\nREDIS0011");
        wire.extend_from_slice(&MARK[..39]); // a near miss inside the body
        wire.extend_from_slice(b"x");
        wire.extend_from_slice(MARK);
        wire.extend_from_slice(b"*1\r\n");
        for step in 1..60 {
            let (size, body, ended, rest) = run(&wire, &[step]).unwrap();
            let mut expected = b"REDIS0011".to_vec();
            expected.extend_from_slice(&MARK[..39]);
            expected.push(b'x');
            assert_eq!((size, ended), (None, true), "step {step}");
            assert_eq!(body, expected, "step {step}");
            assert_eq!(rest, b"*1\r\n", "step {step}");
        }
    }

    #[test]
    fn a_truncated_diskless_body_never_ends() {
        let mut wire = b"$EOF:".to_vec();
        wire.extend_from_slice(MARK);
        wire.extend_from_slice(b"\r\nREDIS");
        wire.extend_from_slice(&MARK[..20]);
        let (_, body, ended, rest) = run(&wire, &[7]).unwrap();
        assert!(!ended);
        // The possible start of the mark is held back, not passed on as snapshot data.
        assert_eq!(body, b"REDIS");
        assert_eq!(rest, &MARK[..20]);
    }

    #[test]
    fn errors_and_bad_preambles() {
        assert_eq!(
            run(b"-ERR BGSAVE failed, replication can't continue\r\n", &[3]).unwrap_err(),
            TransferError::Source("ERR BGSAVE failed, replication can't continue".into())
        );
        for bad in [
            &b"$-1\r\n"[..],
            b"$abc\r\n",
            b"$EOF:short\r\n",
            b"+OK\r\n",
            b"$\r\n",
        ] {
            assert!(
                matches!(run(bad, &[2]), Err(TransferError::Preamble { .. })),
                "{}",
                bad.escape_ascii()
            );
        }
        let long = format!("${}", "9".repeat(600));
        assert!(matches!(
            run(long.as_bytes(), &[50]),
            Err(TransferError::Preamble { .. })
        ));
    }

    proptest! {
        #[test]
        fn any_chunking_gives_the_same_body_and_leftover(
            body in proptest::collection::vec(any::<u8>(), 0..400),
            tail in proptest::collection::vec(any::<u8>(), 0..50),
            sizes in proptest::collection::vec(1usize..80, 1..6),
            keepalives in 0usize..4,
            diskless in any::<bool>(),
            near_miss in 0usize..40,
        ) {
            // Put a near miss of the mark into the body so that hold-back is exercised.
            let mut body = body;
            body.extend_from_slice(&MARK[..near_miss]);
            body.push(b'#');
            let mut wire = vec![b'\n'; keepalives];
            if diskless {
                wire.extend_from_slice(b"$EOF:");
                wire.extend_from_slice(MARK);
                wire.extend_from_slice(b"\r\n");
                wire.extend_from_slice(&body);
                wire.extend_from_slice(MARK);
            } else {
                wire.extend_from_slice(format!("${}\r\n", body.len()).as_bytes());
                wire.extend_from_slice(&body);
            }
            wire.extend_from_slice(&tail);
            let (size, got, ended, rest) = run(&wire, &sizes).unwrap();
            prop_assert!(ended);
            prop_assert_eq!(size, (!diskless).then_some(body.len() as u64));
            prop_assert_eq!(got, body);
            prop_assert_eq!(rest, tail);
        }

        #[test]
        fn never_panics(input in proptest::collection::vec(any::<u8>(), 0..700), step in 1usize..100) {
            let _ = run(&input, &[step]);
        }
    }
}
