//! One side of a verification (source or target): a connection with the few calls the
//! verifier needs, each with a timeout and errors that name the side and the command.

use super::VerifyError;
use crate::conn::Connection;
use crate::endpoint::Endpoint;
use crate::resp::Frame;
use bytes::Bytes;
use std::time::Duration;

pub(crate) struct Side {
    pub name: &'static str,
    conn: Connection,
    timeout: Duration,
    db: Option<u32>,
}

/// The first word of a command, for messages (never its arguments: they may be data).
fn verb(args: &[Bytes]) -> String {
    args.iter()
        .take(
            if args
                .first()
                .is_some_and(|a| a.eq_ignore_ascii_case(b"DEBUG"))
            {
                2
            } else {
                1
            },
        )
        .map(|a| String::from_utf8_lossy(a).to_uppercase())
        .collect::<Vec<_>>()
        .join(" ")
}

impl Side {
    pub async fn connect(
        name: &'static str,
        endpoint: &Endpoint,
        timeout: Duration,
    ) -> Result<Side, VerifyError> {
        let conn = Connection::connect(endpoint, timeout)
            .await
            .map_err(|source| VerifyError::Conn { side: name, source })?;
        Ok(Side {
            name,
            conn,
            timeout,
            db: None,
        })
    }

    pub fn addr(&self) -> &str {
        self.conn.addr()
    }

    /// Sends all `cmds` at once and reads their replies in order (error replies included).
    pub async fn pipeline(&mut self, cmds: &[Vec<Bytes>]) -> Result<Vec<Frame>, VerifyError> {
        if cmds.is_empty() {
            return Ok(Vec::new());
        }
        let side = self.name;
        let work = async {
            for c in cmds {
                self.conn.writer().queue(c);
            }
            self.conn.writer().flush().await?;
            let mut out = Vec::with_capacity(cmds.len());
            for _ in cmds {
                out.push(self.conn.reader().read_frame().await?);
            }
            Ok(out)
        };
        let after = self.timeout.saturating_mul(1 + cmds.len() as u32 / 1000);
        match tokio::time::timeout(after, work).await {
            Ok(r) => r.map_err(|source| VerifyError::Conn { side, source }),
            Err(_) => Err(VerifyError::Conn {
                side,
                source: crate::conn::ConnError::Timeout {
                    addr: self.addr().to_owned(),
                    what: "a batch of commands",
                    after,
                },
            }),
        }
    }

    /// One command; an error reply is returned as a frame.
    pub async fn call(&mut self, args: Vec<Bytes>) -> Result<Frame, VerifyError> {
        let mut out = self.pipeline(std::slice::from_ref(&args)).await?;
        Ok(out.pop().unwrap_or(Frame::Bulk(None)))
    }

    /// One command whose error reply is an error.
    pub async fn call_ok(&mut self, args: Vec<Bytes>) -> Result<Frame, VerifyError> {
        let command = verb(&args);
        match self.call(args).await? {
            Frame::Error(e) => Err(self.reply_error(&command, &e)),
            other => Ok(other),
        }
    }

    pub fn reply_error(&self, command: &str, message: &[u8]) -> VerifyError {
        VerifyError::Reply {
            side: self.name,
            addr: self.addr().to_owned(),
            command: command.to_owned(),
            message: String::from_utf8_lossy(message).into_owned(),
        }
    }

    pub fn unexpected(&self, command: &str, reply: &Frame) -> VerifyError {
        VerifyError::Reply {
            side: self.name,
            addr: self.addr().to_owned(),
            command: command.to_owned(),
            message: format!("unexpected reply {reply:?}"),
        }
    }

    pub async fn select(&mut self, db: u32) -> Result<(), VerifyError> {
        if self.db != Some(db) {
            self.call_ok(args(&[b"SELECT", db.to_string().as_bytes()]))
                .await?;
            self.db = Some(db);
        }
        Ok(())
    }

    /// Databases holding keys, with their key counts (`INFO keyspace`).
    pub async fn keyspace(&mut self) -> Result<Vec<(u32, u64)>, VerifyError> {
        let reply = self.call_ok(args(&[b"INFO", b"keyspace"])).await?;
        let text = reply.as_bytes().unwrap_or_default();
        let mut out = Vec::new();
        for line in String::from_utf8_lossy(text).lines() {
            let Some((db, rest)) = line.strip_prefix("db").and_then(|l| l.split_once(':')) else {
                continue;
            };
            let keys = rest
                .split(',')
                .find_map(|kv| kv.strip_prefix("keys="))
                .and_then(|k| k.parse().ok())
                .unwrap_or(0);
            if let Ok(db) = db.parse() {
                out.push((db, keys));
            }
        }
        Ok(out)
    }

    /// One `SCAN` step: the next cursor and the keys.
    pub async fn scan(
        &mut self,
        cursor: &[u8],
        count: usize,
    ) -> Result<(Bytes, Vec<Bytes>), VerifyError> {
        let reply = self
            .call_ok(args(&[
                b"SCAN",
                cursor,
                b"COUNT",
                count.to_string().as_bytes(),
            ]))
            .await?;
        cursor_page(&reply).ok_or_else(|| self.unexpected("SCAN", &reply))
    }
}

/// Splits a `[cursor, [items…]]` reply.
pub(crate) fn cursor_page(reply: &Frame) -> Option<(Bytes, Vec<Bytes>)> {
    let Frame::Array(Some(parts)) = reply else {
        return None;
    };
    let [Frame::Bulk(Some(cursor)), Frame::Array(Some(items))] = parts.as_slice() else {
        return None;
    };
    let items = items
        .iter()
        .map(|f| match f {
            Frame::Bulk(Some(b)) => Some(b.clone()),
            _ => None,
        })
        .collect::<Option<Vec<_>>>()?;
    Some((cursor.clone(), items))
}

/// A command from byte strings.
pub(crate) fn args(parts: &[&[u8]]) -> Vec<Bytes> {
    parts.iter().map(|p| Bytes::copy_from_slice(p)).collect()
}
