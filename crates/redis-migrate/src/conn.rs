//! One TCP connection to a Redis server that owns its read and write buffers (the
//! mini-redis shape): connect and log in, send commands, read replies.
//!
//! Error replies are returned as [`Frame::Error`], not as errors: whether `-LOADING` or
//! `-WRONGTYPE` is fatal is the caller's decision. [`ConnError`] is for what breaks the
//! connection itself. Nothing here ever formats a password.

use crate::endpoint::Endpoint;
use crate::resp::{self, Frame, Limits, RespError};
use bytes::BytesMut;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};

/// What broke a connection. The address is always named; a password never is.
#[derive(Debug, thiserror::Error)]
pub enum ConnError {
    #[error("{addr}: {source}")]
    Io {
        addr: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{addr}: no answer to {what} within {after:?}")]
    Timeout {
        addr: String,
        what: &'static str,
        after: Duration,
    },
    #[error("{addr}: the server closed the connection")]
    Closed { addr: String },
    #[error("{addr}: {source}")]
    Protocol {
        addr: String,
        #[source]
        source: RespError,
    },
    #[error("{addr}: authentication failed: {message}")]
    Auth { addr: String, message: String },
}

impl ConnError {
    /// Whether reconnecting may help (a reset, a timeout, a closed socket), as opposed to a
    /// protocol violation or refused credentials.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            ConnError::Io { .. } | ConnError::Timeout { .. } | ConnError::Closed { .. }
        )
    }
}

/// Read half plus its buffer: frames come out of here.
#[derive(Debug)]
pub struct Reader {
    half: OwnedReadHalf,
    buf: BytesMut,
    limits: Limits,
    addr: String,
}

/// Write half plus its buffer: commands are queued, then flushed in one write.
#[derive(Debug)]
pub struct Writer {
    half: OwnedWriteHalf,
    buf: BytesMut,
    addr: String,
}

/// A connection, logged in.
#[derive(Debug)]
pub struct Connection {
    reader: Reader,
    writer: Writer,
}

impl Connection {
    /// Connects (within `timeout`), disables Nagle, and logs in when the endpoint has a
    /// password (`AUTH [user] password`).
    pub async fn connect(endpoint: &Endpoint, timeout: Duration) -> Result<Connection, ConnError> {
        let addr = endpoint.addr();
        let stream = tokio::time::timeout(timeout, TcpStream::connect(&addr))
            .await
            .map_err(|_| ConnError::Timeout {
                addr: addr.clone(),
                what: "connect",
                after: timeout,
            })?
            .map_err(|source| ConnError::Io {
                addr: addr.clone(),
                source,
            })?;
        let _ = stream.set_nodelay(true);
        let (r, w) = stream.into_split();
        let mut conn = Connection {
            reader: Reader {
                half: r,
                buf: BytesMut::with_capacity(64 * 1024),
                limits: Limits::default(),
                addr: addr.clone(),
            },
            writer: Writer {
                half: w,
                buf: BytesMut::with_capacity(64 * 1024),
                addr,
            },
        };
        if let Some(password) = &endpoint.password {
            let reply = match &endpoint.user {
                Some(user) => {
                    conn.call_timeout(&["AUTH", user, password.expose()], timeout)
                        .await?
                }
                None => {
                    conn.call_timeout(&["AUTH", password.expose()], timeout)
                        .await?
                }
            };
            if let Frame::Error(e) = reply {
                // Without echoed arguments (a server that does not know AUTH repeats them)
                // and without the password itself, wherever the server put it.
                let mut message = crate::resp::describe_error(&e);
                if !password.expose().is_empty() {
                    message = message.replace(password.expose(), "***");
                }
                // Redis 6+ answers this when a password is given but none is set: harmless.
                if !message.contains("without any password configured") {
                    return Err(ConnError::Auth {
                        addr: conn.addr().to_owned(),
                        message,
                    });
                }
            }
        }
        Ok(conn)
    }

    pub fn addr(&self) -> &str {
        &self.reader.addr
    }

    /// The local end of the socket (a replica announces its port to the source).
    pub fn local_addr(&self) -> std::io::Result<std::net::SocketAddr> {
        self.reader.half.local_addr()
    }

    /// Sends one command and reads its reply.
    pub async fn call<A: AsRef<[u8]>>(&mut self, args: &[A]) -> Result<Frame, ConnError> {
        self.writer.queue(args);
        self.writer.flush().await?;
        self.reader.read_frame().await
    }

    /// [`Connection::call`] that gives up after `timeout`.
    pub async fn call_timeout<A: AsRef<[u8]>>(
        &mut self,
        args: &[A],
        timeout: Duration,
    ) -> Result<Frame, ConnError> {
        let addr = self.addr().to_owned();
        tokio::time::timeout(timeout, self.call(args))
            .await
            .map_err(|_| ConnError::Timeout {
                addr,
                what: "a command",
                after: timeout,
            })?
    }

    pub fn reader(&mut self) -> &mut Reader {
        &mut self.reader
    }

    pub fn writer(&mut self) -> &mut Writer {
        &mut self.writer
    }

    /// The two halves, for a pipeline that writes and reads concurrently.
    pub fn into_split(self) -> (Reader, Writer) {
        (self.reader, self.writer)
    }
}

impl Reader {
    pub fn addr(&self) -> &str {
        &self.addr
    }

    /// Bytes received and not yet consumed (the replica client parses them itself).
    pub fn buffer(&mut self) -> &mut BytesMut {
        &mut self.buf
    }

    /// Reads more bytes into the buffer; `Closed` at end of stream.
    pub async fn fill(&mut self) -> Result<usize, ConnError> {
        if self.buf.capacity() - self.buf.len() < 16 * 1024 {
            self.buf.reserve(64 * 1024);
        }
        match self.half.read_buf(&mut self.buf).await {
            Ok(0) => Err(ConnError::Closed {
                addr: self.addr.clone(),
            }),
            Ok(n) => Ok(n),
            Err(source) => Err(ConnError::Io {
                addr: self.addr.clone(),
                source,
            }),
        }
    }

    /// Reads one reply.
    pub async fn read_frame(&mut self) -> Result<Frame, ConnError> {
        loop {
            match resp::parse_frame(&mut self.buf, &self.limits) {
                Ok(Some(frame)) => return Ok(frame),
                Ok(None) => {
                    self.fill().await?;
                }
                Err(source) => {
                    return Err(ConnError::Protocol {
                        addr: self.addr.clone(),
                        source,
                    });
                }
            }
        }
    }

    /// A reply already in the buffer, without waiting.
    pub fn try_frame(&mut self) -> Result<Option<Frame>, ConnError> {
        resp::parse_frame(&mut self.buf, &self.limits).map_err(|source| ConnError::Protocol {
            addr: self.addr.clone(),
            source,
        })
    }
}

impl Writer {
    /// Appends a command to the write buffer.
    pub fn queue<A: AsRef<[u8]>>(&mut self, args: &[A]) {
        resp::encode_command(&mut self.buf, args);
    }

    /// Appends bytes that already are RESP (a command forwarded as received).
    pub fn queue_raw(&mut self, raw: &[u8]) {
        self.buf.extend_from_slice(raw);
    }

    /// Bytes queued and not yet written.
    pub fn pending(&self) -> usize {
        self.buf.len()
    }

    /// Writes everything queued.
    pub async fn flush(&mut self) -> Result<(), ConnError> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let r = self.half.write_all(&self.buf).await;
        self.buf.clear();
        r.map_err(|source| ConnError::Io {
            addr: self.addr.clone(),
            source,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::endpoint::Secret;
    use redis_test_server::{Flavor, require};

    #[tokio::test]
    async fn logs_in_calls_and_reports_a_wrong_password_without_it() {
        let Some(b) = require(Flavor::Redis) else {
            return;
        };
        let server = b.password("right-pw").start().unwrap();
        let ep = Endpoint::parse(&server.url()).unwrap();
        let t = Duration::from_secs(5);
        let mut c =
            Connection::connect(&ep.clone().with_password(Some(Secret::new("right-pw"))), t)
                .await
                .unwrap();
        assert_eq!(
            c.call(&["PING"]).await.unwrap(),
            Frame::Simple("PONG".into())
        );
        let err = Connection::connect(&ep.clone().with_password(Some(Secret::new("wrong-pw"))), t)
            .await
            .unwrap_err();
        assert!(matches!(err, ConnError::Auth { .. }), "{err}");
        assert!(!format!("{err} {err:?}").contains("wrong-pw"));
        let mut anonymous = Connection::connect(&ep, t).await.unwrap();
        assert!(
            anonymous
                .call(&["PING"])
                .await
                .unwrap()
                .as_error()
                .is_some()
        );
    }

    #[tokio::test]
    async fn a_closed_port_is_an_io_error_naming_the_address() {
        let port = redis_test_server::free_port().unwrap();
        let ep = Endpoint::parse(&format!("redis://127.0.0.1:{port}")).unwrap();
        let err = Connection::connect(&ep, Duration::from_secs(2))
            .await
            .unwrap_err();
        assert!(err.is_transient());
        assert!(err.to_string().contains(&port.to_string()), "{err}");
    }

    #[tokio::test]
    async fn a_server_that_echoes_the_auth_arguments_never_shows_the_password() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            let (mut s, _) = listener.accept().await.unwrap();
            let mut buf = [0u8; 256];
            let _ = s.read(&mut buf).await.unwrap();
            // What a server without AUTH answers, and a reply quoting the password bare.
            s.write_all(
                b"-ERR WRONGPASS s3cret-pw is wrong, with args beginning with: 's3cret-pw' \r\n",
            )
            .await
            .unwrap();
        });
        let ep = Endpoint::parse(&format!("redis://{addr}"))
            .unwrap()
            .with_password(Some(Secret::new("s3cret-pw")));
        let err = Connection::connect(&ep, Duration::from_secs(5))
            .await
            .unwrap_err();
        server.await.unwrap();
        let shown = format!("{err} {err:?}");
        assert!(matches!(err, ConnError::Auth { .. }), "{shown}");
        assert!(!shown.contains("s3cret-pw"), "{shown}");
        assert!(shown.contains("WRONGPASS"), "{shown}");
    }
}
