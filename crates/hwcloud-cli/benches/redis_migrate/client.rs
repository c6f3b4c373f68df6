//! A small blocking RESP client for loading data and writing load: commands are encoded into a
//! buffer and sent in pipelined runs, replies are counted (and errors reported), nothing is
//! kept. Independent of the engine's codec.

use std::io::{self, BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// One connection with a write buffer of pipelined commands.
pub struct Client {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
    out: Vec<u8>,
    /// Commands sent whose replies are not read yet.
    pending: usize,
}

impl Client {
    pub fn open(addr: SocketAddr) -> io::Result<Client> {
        let s = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
        s.set_read_timeout(Some(Duration::from_secs(120)))?;
        s.set_nodelay(true)?;
        Ok(Client {
            reader: BufReader::with_capacity(256 * 1024, s.try_clone()?),
            writer: s,
            out: Vec::with_capacity(1 << 20),
            pending: 0,
        })
    }

    /// Queues one command (sent by [`Client::flush`] or [`Client::sync`]).
    pub fn queue<A: AsRef<[u8]>>(&mut self, args: &[A]) {
        self.out.push(b'*');
        self.out
            .extend_from_slice(args.len().to_string().as_bytes());
        self.out.extend_from_slice(b"\r\n");
        for a in args {
            let a = a.as_ref();
            self.out.push(b'$');
            self.out.extend_from_slice(a.len().to_string().as_bytes());
            self.out.extend_from_slice(b"\r\n");
            self.out.extend_from_slice(a);
            self.out.extend_from_slice(b"\r\n");
        }
        self.pending += 1;
    }

    /// Sends what is queued.
    pub fn flush(&mut self) -> io::Result<()> {
        self.writer.write_all(&self.out)?;
        self.out.clear();
        Ok(())
    }

    /// Sends what is queued and reads every outstanding reply; fails on the first error reply.
    pub fn sync(&mut self) -> io::Result<()> {
        self.flush()?;
        while self.pending > 0 {
            if let Reply::Error(e) = read_reply(&mut self.reader, 0)? {
                return Err(io::Error::other(format!("the server answered -{e}")));
            }
            self.pending -= 1;
        }
        Ok(())
    }

    /// Queues and syncs when more than `every` commands are outstanding (bulk loading).
    pub fn queue_batched<A: AsRef<[u8]>>(&mut self, args: &[A], every: usize) -> io::Result<()> {
        self.queue(args);
        if self.pending >= every || self.out.len() >= 4 << 20 {
            self.sync()?;
        }
        Ok(())
    }

    /// One command, its reply.
    pub fn call<A: AsRef<[u8]>>(&mut self, args: &[A]) -> io::Result<Reply> {
        self.sync()?;
        self.queue(args);
        self.flush()?;
        self.pending -= 1;
        read_reply(&mut self.reader, 0)
    }

    /// A status or bulk reply as text (e.g. `INFO`, `DEBUG DIGEST`); an error reply fails.
    pub fn text<A: AsRef<[u8]>>(&mut self, args: &[A]) -> io::Result<String> {
        match self.call(args)? {
            Reply::Text(t) => Ok(String::from_utf8_lossy(&t).into_owned()),
            Reply::Error(e) => Err(io::Error::other(format!("the server answered -{e}"))),
            Reply::Int(i) => Ok(i.to_string()),
            Reply::Nil => Ok(String::new()),
            Reply::Array(n) => Ok(format!("<array of {n}>")),
        }
    }
}

/// A reply, reduced to what the benchmark looks at.
#[derive(Debug)]
pub enum Reply {
    Text(Vec<u8>),
    Error(String),
    Int(i64),
    Nil,
    /// Elements are read and dropped.
    Array(usize),
}

fn read_line(r: &mut impl BufRead) -> io::Result<Vec<u8>> {
    let mut line = Vec::new();
    r.read_until(b'\n', &mut line)?;
    if !line.ends_with(b"\r\n") {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "connection closed mid-reply",
        ));
    }
    line.truncate(line.len() - 2);
    Ok(line)
}

fn int(bytes: &[u8]) -> io::Result<i64> {
    std::str::from_utf8(bytes)
        .ok()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| io::Error::other("bad integer in a reply"))
}

fn read_reply(r: &mut impl BufRead, depth: usize) -> io::Result<Reply> {
    if depth > 16 {
        return Err(io::Error::other("reply nested too deep"));
    }
    let line = read_line(r)?;
    let (kind, rest) = line
        .split_first()
        .ok_or_else(|| io::Error::other("empty reply line"))?;
    Ok(match kind {
        b'+' => Reply::Text(rest.to_vec()),
        b'-' => Reply::Error(String::from_utf8_lossy(rest).into_owned()),
        b':' => Reply::Int(int(rest)?),
        b'$' => match int(rest)? {
            n if n < 0 => Reply::Nil,
            n => {
                let mut body = vec![0; n as usize + 2];
                r.read_exact(&mut body)?;
                body.truncate(n as usize);
                Reply::Text(body)
            }
        },
        b'*' => match int(rest)? {
            n if n < 0 => Reply::Nil,
            n => {
                for _ in 0..n {
                    read_reply(r, depth + 1)?;
                }
                Reply::Array(n as usize)
            }
        },
        other => {
            return Err(io::Error::other(format!(
                "unexpected reply byte {other:#04x}"
            )));
        }
    })
}

/// The value of `field:` in an `INFO` text.
pub fn info_field<'a>(info: &'a str, field: &str) -> Option<&'a str> {
    info.lines().find_map(|l| {
        l.strip_prefix(field)
            .and_then(|rest| rest.strip_prefix(':'))
            .map(str::trim)
    })
}
