//! Commands out of an AOF, read as a stream in bounded memory.
//!
//! [`AofReader`] turns any `std::io::Read` into [`Command`]s, each kept as its exact bytes
//! (so the writer forwards them unchanged). Redis 7 annotations (`#TS:…` lines) are skipped
//! like Redis's loader does. A file that ends inside a command, or inside a `MULTI` without
//! its `EXEC`, is an error naming the byte offset; with
//! [`super::ImportOptions::accept_truncated_tail`] it is loaded up to its last complete
//! command instead (an open transaction is closed with a `DISCARD`, so the target drops it
//! as Redis's `aof-load-truncated` does), and [`AofReader::truncation`] says what was left.

use super::ImportError;
use crate::resp::{self, Command, Limits};
use bytes::{Buf, BytesMut};
use std::io::{self, Read};

const READ_SIZE: usize = 64 * 1024;

/// Where a tolerated truncation was and what was dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Truncation {
    /// File offset of the first byte not loaded.
    pub offset: u64,
    /// Bytes after it that were dropped (the cut command, or the open transaction).
    pub dropped_bytes: u64,
    pub reason: String,
}

/// Reads commands from an AOF stream.
#[derive(Debug)]
pub struct AofReader<R> {
    inner: R,
    file: String,
    buf: BytesMut,
    /// File offset of `buf[0]`.
    offset: u64,
    inner_eof: bool,
    done: bool,
    limits: Limits,
    /// Longest command (bytes) accepted before it is complete.
    max_command: usize,
    accept_truncated_tail: bool,
    /// Offset of the `MULTI` of an open transaction.
    multi_at: Option<u64>,
    commands: u64,
    truncation: Option<Truncation>,
}

impl<R: Read> AofReader<R> {
    /// Reads `inner`, whose first byte is at `start_offset` of `file` (after an RDB
    /// preamble, the preamble's length), naming `file` in errors.
    pub fn new(inner: R, file: impl Into<String>, start_offset: u64, limits: Limits) -> Self {
        Self {
            inner,
            file: file.into(),
            buf: BytesMut::with_capacity(READ_SIZE),
            offset: start_offset,
            inner_eof: false,
            done: false,
            limits,
            max_command: 1024 * 1024 * 1024,
            accept_truncated_tail: false,
            multi_at: None,
            commands: 0,
            truncation: None,
        }
    }

    /// Loads a cut-off tail up to the last complete command instead of failing.
    pub fn accept_truncated_tail(mut self, yes: bool) -> Self {
        self.accept_truncated_tail = yes;
        self
    }

    /// The file name used in errors.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// Commands returned so far (a closing `DISCARD` included).
    pub fn commands(&self) -> u64 {
        self.commands
    }

    /// File offset of the next byte to read (after the end: the file's length).
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// Whether the stream was read to its end.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// The tolerated truncation, once the end is reached.
    pub fn truncation(&self) -> Option<&Truncation> {
        self.truncation.as_ref()
    }

    fn fill(&mut self) -> Result<(), ImportError> {
        if self.buf.len() > self.max_command {
            return Err(self.aof_error(
                self.offset,
                format!(
                    "a command longer than {} bytes (still incomplete); not an AOF Redis wrote",
                    self.max_command
                ),
            ));
        }
        let len = self.buf.len();
        self.buf.resize(len + READ_SIZE, 0);
        let result = loop {
            match self.inner.read(&mut self.buf[len..]) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                other => break other,
            }
        };
        match result {
            Ok(n) => {
                self.buf.truncate(len + n);
                self.inner_eof = n == 0;
                Ok(())
            }
            Err(e) => {
                self.buf.truncate(len);
                Err(ImportError::io(&self.file, e))
            }
        }
    }

    fn aof_error(&self, offset: u64, message: impl Into<String>) -> ImportError {
        ImportError::Aof {
            file: self.file.clone(),
            offset,
            message: message.into(),
        }
    }

    fn step(&mut self) -> Result<Option<Command>, ImportError> {
        loop {
            if self.buf.first() == Some(&b'#') {
                match self.buf.iter().position(|&b| b == b'\n') {
                    Some(end) => {
                        self.buf.advance(end + 1);
                        self.offset += end as u64 + 1;
                        continue;
                    }
                    None if self.buf.len() > self.limits.max_line => {
                        return Err(self.aof_error(
                            self.offset,
                            format!("annotation line longer than {} bytes", self.limits.max_line),
                        ));
                    }
                    None if self.inner_eof => return self.end_of_stream(),
                    None => {
                        self.fill()?;
                        continue;
                    }
                }
            }
            let at = self.offset;
            match resp::parse_command(&mut self.buf, &self.limits) {
                Ok(Some(cmd)) => {
                    self.offset += cmd.wire_len() as u64;
                    if cmd.is_empty() {
                        return Err(self.aof_error(at, "a command with no arguments (*0)"));
                    }
                    if cmd.is("MULTI") {
                        self.multi_at = Some(at);
                    } else if cmd.is("EXEC") {
                        self.multi_at = None;
                    }
                    self.commands += 1;
                    return Ok(Some(cmd));
                }
                Ok(None) if self.inner_eof => return self.end_of_stream(),
                Ok(None) => self.fill()?,
                Err(e) => {
                    return Err(ImportError::Resp {
                        file: self.file.clone(),
                        source: e.shifted(usize::try_from(at).unwrap_or(usize::MAX)),
                    });
                }
            }
        }
    }

    fn end_of_stream(&mut self) -> Result<Option<Command>, ImportError> {
        if !self.buf.is_empty() {
            let at = self.offset;
            let left = self.buf.len() as u64;
            if !self.accept_truncated_tail {
                return Err(self.aof_error(
                    at,
                    format!(
                        "the last command is cut off ({left} bytes up to the end of the file); \
                         the file is truncated (accepting a truncated tail loads it up to the \
                         last complete command, like Redis's aof-load-truncated)"
                    ),
                ));
            }
            self.offset += left;
            self.buf.clear();
            self.truncation = Some(Truncation {
                offset: at,
                dropped_bytes: left,
                reason: format!("a command cut off at byte offset {at}"),
            });
        }
        if let Some(multi) = self.multi_at.take() {
            if !self.accept_truncated_tail {
                return Err(self.aof_error(
                    multi,
                    "the file ends inside a transaction: this MULTI has no EXEC (the file is \
                     truncated; accepting a truncated tail drops the transaction, like Redis's \
                     aof-load-truncated)",
                ));
            }
            let end = self.offset;
            self.truncation = Some(Truncation {
                offset: multi,
                dropped_bytes: end - multi,
                reason: format!(
                    "a transaction without EXEC from byte offset {multi} dropped with DISCARD"
                ),
            });
            self.commands += 1;
            return Ok(Some(Command::from_args(&["DISCARD"])));
        }
        Ok(None)
    }
}

impl<R: Read> Iterator for AofReader<R> {
    type Item = Result<Command, ImportError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.step() {
            Ok(Some(cmd)) => Some(Ok(cmd)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn wire(cmds: &[&[&str]]) -> Vec<u8> {
        let mut out = BytesMut::new();
        for c in cmds {
            resp::encode_command(&mut out, c);
        }
        out.to_vec()
    }

    fn read_all(data: &[u8], accept: bool) -> (Vec<Vec<String>>, Option<ImportError>) {
        let mut r =
            AofReader::new(data, "t.aof", 0, Limits::default()).accept_truncated_tail(accept);
        let mut out = Vec::new();
        for item in &mut r {
            match item {
                Ok(c) => out.push(
                    c.args()
                        .map(|a| String::from_utf8_lossy(a).into())
                        .collect(),
                ),
                Err(e) => return (out, Some(e)),
            }
        }
        (out, None)
    }

    #[test]
    fn commands_in_order_with_annotations_skipped() {
        let mut data = b"#TS:1700000000\r\n".to_vec();
        data.extend(wire(&[&["SELECT", "0"], &["SET", "k", "v"]]));
        data.extend(b"#TS:1700000001\r\n");
        data.extend(wire(&[&["DEL", "k"]]));
        let (cmds, err) = read_all(&data, false);
        assert!(err.is_none(), "{err:?}");
        assert_eq!(
            cmds,
            [vec!["SELECT", "0"], vec!["SET", "k", "v"], vec!["DEL", "k"]]
        );
    }

    #[test]
    fn a_cut_command_is_an_error_at_its_offset_or_dropped_on_request() {
        let mut data = wire(&[&["SET", "a", "1"], &["SET", "b", "2"]]);
        let first = wire(&[&["SET", "a", "1"]]).len();
        data.truncate(data.len() - 3);
        let (cmds, err) = read_all(&data, false);
        assert_eq!(cmds.len(), 1);
        let e = err.unwrap().to_string();
        assert!(
            e.starts_with(&format!(
                "t.aof: byte offset {first}: the last command is cut off"
            )),
            "{e}"
        );

        let mut r =
            AofReader::new(&data[..], "t.aof", 0, Limits::default()).accept_truncated_tail(true);
        assert_eq!(r.by_ref().filter_map(Result::ok).count(), 1);
        assert_eq!(r.truncation().unwrap().offset, first as u64);
        assert!(r.is_done());
    }

    #[test]
    fn an_open_transaction_is_refused_or_discarded() {
        let data = wire(&[&["SET", "a", "1"], &["MULTI"], &["INCR", "a"]]);
        let multi_at = wire(&[&["SET", "a", "1"]]).len();
        let (_, err) = read_all(&data, false);
        let e = err.unwrap().to_string();
        assert!(
            e.contains(&format!(
                "byte offset {multi_at}: the file ends inside a transaction"
            )),
            "{e}"
        );
        let (cmds, err) = read_all(&data, true);
        assert!(err.is_none());
        assert_eq!(cmds.last().unwrap(), &vec!["DISCARD".to_owned()]);
        let closed = wire(&[&["MULTI"], &["INCR", "a"], &["EXEC"]]);
        assert_eq!(read_all(&closed, false).0.len(), 3);
    }

    #[test]
    fn garbage_is_named_with_its_file_offset() {
        let mut data = wire(&[&["PING"]]);
        let at = data.len();
        data.extend(b"*1\r\n:5\r\n");
        let e = read_all(&data, true).1.unwrap().to_string();
        assert!(e.contains(&format!("at offset {}", at + 4)), "{e}");
        let e = read_all(b"*0\r\n", false).1.unwrap().to_string();
        assert!(
            e.contains("byte offset 0: a command with no arguments"),
            "{e}"
        );
    }

    #[test]
    fn offsets_start_after_a_preamble() {
        let data = b"*1\r\n$4\r\nPI";
        let mut r = AofReader::new(&data[..], "p.aof", 1000, Limits::default());
        let e = r.next().unwrap().unwrap_err().to_string();
        assert!(e.contains("byte offset 1000"), "{e}");
    }

    proptest! {
        #[test]
        fn never_panics(data in proptest::collection::vec(any::<u8>(), 0..400), accept in any::<bool>()) {
            let small = Limits { max_bulk: 64, max_array: 8, max_depth: 4, max_line: 32 };
            let r = AofReader::new(&data[..], "x", 0, small).accept_truncated_tail(accept);
            prop_assert!(r.take(1000).count() <= 1000);
        }

        #[test]
        fn every_prefix_is_complete_or_a_truncation(cut in 0usize..60) {
            let data = wire(&[&["SET", "key", "value"], &["INCR", "n"]]);
            let cut = cut.min(data.len());
            let (cmds, err) = read_all(&data[..cut], false);
            let whole = [0, 33, data.len()];
            prop_assert_eq!(err.is_none(), whole.contains(&cut), "cut {} {:?}", cut, err);
            prop_assert!(cmds.len() <= 2);
        }
    }
}
