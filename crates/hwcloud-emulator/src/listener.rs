//! The listening socket, with connections a shutdown can close.
//!
//! A graceful shutdown waits for every connection to finish its request; a client that sends
//! half a request and waits would hold the process forever. Each accepted connection is
//! wrapped so that, once the shutdown's grace period is over ([`Closer::close`]), its reads and
//! writes fail and hyper drops it.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::extract::connect_info::Connected;
use axum::serve::IncomingStream;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// Accepts connections that [`Closer::close`] ends.
pub struct Listener {
    inner: TcpListener,
    closed: watch::Receiver<bool>,
}

/// Ends every connection of its [`Listener`].
#[derive(Debug)]
pub struct Closer(watch::Sender<bool>);

impl Closer {
    /// Makes every open and future connection fail on its next read or write.
    pub fn close(&self) {
        self.0.send_replace(true);
    }
}

/// `listener`, and what closes its connections.
pub fn closable(inner: TcpListener) -> (Listener, Closer) {
    let (tx, closed) = watch::channel(false);
    (Listener { inner, closed }, Closer(tx))
}

impl axum::serve::Listener for Listener {
    type Io = Conn;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        let (io, addr) = axum::serve::Listener::accept(&mut self.inner).await;
        let mut closed = self.closed.clone();
        let conn = Conn {
            io,
            closed: Box::pin(async move {
                let _ = closed.wait_for(|c| *c).await;
            }),
        };
        (conn, addr)
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.inner.local_addr()
    }
}

/// The peer of a connection, for handlers (`ConnectInfo<Peer>`).
#[derive(Debug, Clone, Copy)]
pub struct Peer(pub SocketAddr);

impl Connected<IncomingStream<'_, Listener>> for Peer {
    fn connect_info(stream: IncomingStream<'_, Listener>) -> Self {
        Peer(*stream.remote_addr())
    }
}

/// An accepted connection that fails once its listener is closed.
pub struct Conn {
    io: TcpStream,
    closed: Pin<Box<dyn Future<Output = ()> + Send + Sync>>,
}

impl Conn {
    /// An error when the listener was closed (and a wake-up registered for when it is).
    fn check(&mut self, cx: &mut Context<'_>) -> io::Result<()> {
        match self.closed.as_mut().poll(cx) {
            Poll::Ready(()) => Err(io::Error::new(
                io::ErrorKind::ConnectionAborted,
                "the emulator is shutting down",
            )),
            Poll::Pending => Ok(()),
        }
    }
}

impl AsyncRead for Conn {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        this.check(cx)?;
        Pin::new(&mut this.io).poll_read(cx, buf)
    }
}

impl AsyncWrite for Conn {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        this.check(cx)?;
        Pin::new(&mut this.io).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        this.check(cx)?;
        Pin::new(&mut this.io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        this.check(cx)?;
        Pin::new(&mut this.io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }
}
