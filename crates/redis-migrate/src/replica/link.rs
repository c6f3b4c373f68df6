//! One connection to the source: connect and hand-shake, receive the snapshot into its spool,
//! then drain the command stream into the stream spool, counting offsets exactly. Whatever
//! ends the link is returned as the reason; the session decides whether to reconnect.

use super::ack::{AckState, ack_loop};
use super::handshake::{Handshake, HandshakeConfig, Outcome, Step};
use super::session::{Msg, Session};
use super::transfer::{Piece, Transfer};
use super::{ReplError, ResumePoint};
use crate::conn::{ConnError, Connection, Reader};
use crate::metrics::{Level, Metrics};
use crate::resp::{self, Command, Limits};
use crate::spool::{SpoolOptions, SpoolWriter, spool};
use bytes::BytesMut;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// How a handshake ended well.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Established {
    Full { replid: String, offset: u64 },
    Continue { replid: String, offset: u64 },
}

/// Aborts the ACK task when the link ends, however it ends.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Room for one socket read while draining: large reads keep up with a fast source.
const READ_ROOM: usize = 256 * 1024;

/// Reads more bytes, or fails after `limit` of silence.
async fn fill(reader: &mut Reader, limit: Duration, what: &'static str) -> Result<(), ConnError> {
    let buf = reader.buffer();
    if buf.capacity() - buf.len() < READ_ROOM / 4 {
        buf.reserve(READ_ROOM);
    }
    match tokio::time::timeout(limit, reader.fill()).await {
        Ok(r) => r.map(|_| ()),
        Err(_) => Err(ConnError::Timeout {
            addr: reader.addr().to_owned(),
            what,
            after: limit,
        }),
    }
}

fn is_getack(cmd: &Command) -> bool {
    cmd.is("REPLCONF")
        && cmd
            .arg(1)
            .is_some_and(|a| a.eq_ignore_ascii_case(b"GETACK"))
}

impl Session {
    fn addr(&self) -> String {
        self.opts.endpoint.addr()
    }

    fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// Connects and negotiates; a "try later" answer is [`ReplError::NotReady`].
    pub(super) async fn establish(&self) -> Result<(Connection, Established), ReplError> {
        let opts = &self.opts;
        let addr = self.addr();
        let anonymous = opts.endpoint.clone().with_password(None);
        let mut conn = Connection::connect(&anonymous, opts.connect_timeout).await?;
        let listening_port = match opts.listening_port {
            Some(p) => p,
            None => conn.local_addr().map(|a| a.port()).unwrap_or(0),
        };
        let (mut handshake, first) = Handshake::start(HandshakeConfig {
            user: opts.endpoint.user.clone(),
            password: opts.endpoint.password.clone(),
            listening_port,
            resume: self.resume.as_ref().map(|r| (r.replid.clone(), r.offset)),
        });
        let mut next = first;
        loop {
            conn.writer().queue_raw(next.raw());
            conn.writer().flush().await?;
            let step = loop {
                let fed = handshake.feed(conn.reader().buffer());
                match fed.map_err(|source| ReplError::Handshake {
                    addr: addr.clone(),
                    source,
                })? {
                    Some(step) => break step,
                    None => fill(conn.reader(), opts.connect_timeout, "the handshake").await?,
                }
            };
            match step {
                Step::Send(cmd) => next = cmd,
                Step::Done(Outcome::FullResync { replid, offset }) => {
                    return Ok((conn, Established::Full { replid, offset }));
                }
                Step::Done(Outcome::Continue { replid, offset }) => {
                    return Ok((conn, Established::Continue { replid, offset }));
                }
                Step::Done(Outcome::Retry { reason, after }) => {
                    return Err(ReplError::NotReady {
                        addr,
                        reason,
                        after,
                    });
                }
            }
        }
    }

    /// Runs an established link until it ends; returns why it ended.
    pub(super) async fn run_link(&mut self, conn: Connection, est: Established) -> ReplError {
        let (mut reader, writer) = conn.into_split();
        let addr = self.addr();
        let offset = match est {
            Established::Full { replid, offset } => {
                if let Some(old) = self.stream.take() {
                    // The consumer drains the old stream, then gets the new snapshot.
                    old.finish();
                }
                // Until the snapshot is complete there is nothing to resume from.
                self.resume = None;
                Metrics::add(&self.metrics.full_syncs, 1);
                self.metrics.event(
                    Level::Info,
                    format!("source {addr}: full resync, replication id {replid}, offset {offset}"),
                );
                match self.receive_snapshot(&mut reader, &replid, offset).await {
                    Ok(stream) => {
                        self.stream = Some(stream);
                        self.resume = Some(ResumePoint { replid, offset });
                    }
                    Err(e) => return e,
                }
                offset
            }
            Established::Continue { replid, offset } => {
                Metrics::add(&self.metrics.partial_resyncs, 1);
                self.metrics.event(
                    Level::Info,
                    format!(
                        "source {addr}: partial resync accepted, continuing at offset {}",
                        offset + 1
                    ),
                );
                self.resume = Some(ResumePoint { replid, offset });
                if self.stream.is_none() {
                    match self.new_spool("stream") {
                        Ok((w, r)) => {
                            self.stream = Some(w);
                            if self
                                .send(Msg::Continue { offset, stream: r })
                                .await
                                .is_err()
                            {
                                return ReplError::Spool(std::io::Error::other("consumer gone"));
                            }
                        }
                        Err(e) => return e,
                    }
                }
                offset
            }
        };
        self.metrics
            .offset_received
            .store(offset, Ordering::Relaxed);
        self.ack.set_received(offset);
        let _acks = AbortOnDrop(tokio::spawn(ack_loop(writer, self.ack.clone())));
        self.stream_commands(&mut reader, offset).await
    }

    fn new_spool(
        &self,
        label: &str,
    ) -> Result<(SpoolWriter, crate::spool::SpoolReader), ReplError> {
        spool(
            &self.opts.spool_dir,
            label,
            SpoolOptions::with_limit(self.opts.spool_limit_bytes),
        )
        .map_err(ReplError::Spool)
    }

    /// Receives the snapshot into a new spool; returns the writer of the stream spool that
    /// goes with it. On failure the snapshot's reader fails with the reason.
    async fn receive_snapshot(
        &mut self,
        reader: &mut Reader,
        replid: &str,
        offset: u64,
    ) -> Result<SpoolWriter, ReplError> {
        let mut spools: Option<(SpoolWriter, SpoolWriter)> = None;
        let r = self.transfer(reader, replid, offset, &mut spools).await;
        match (r, spools) {
            (Ok(()), Some((rdb, stream))) => {
                rdb.finish();
                Ok(stream)
            }
            (Ok(()), None) => Err(ReplError::Spool(std::io::Error::other("no spool"))),
            (Err(e), Some((rdb, stream))) => {
                let received = self.metrics.rdb_bytes_received.load(Ordering::Relaxed);
                let reason = format!("the snapshot stopped after {received} bytes: {e}");
                rdb.fail(reason.clone());
                stream.fail(reason);
                Err(e)
            }
            (Err(e), None) => Err(e),
        }
    }

    async fn transfer(
        &mut self,
        reader: &mut Reader,
        replid: &str,
        offset: u64,
        spools: &mut Option<(SpoolWriter, SpoolWriter)>,
    ) -> Result<(), ReplError> {
        let addr = self.addr();
        let mut transfer = Transfer::new();
        self.metrics.rdb_bytes_received.store(0, Ordering::Relaxed);
        self.metrics.rdb_bytes_total.store(0, Ordering::Relaxed);
        loop {
            while let Some(piece) =
                transfer
                    .next(reader.buffer())
                    .map_err(|source| ReplError::Transfer {
                        addr: addr.clone(),
                        source,
                    })?
            {
                match piece {
                    Piece::Start { size } => {
                        let (rdb_w, rdb_r) = self.new_spool("rdb")?;
                        let (stream_w, stream_r) = self.new_spool("stream")?;
                        *spools = Some((rdb_w, stream_w));
                        self.metrics
                            .rdb_bytes_total
                            .store(size.unwrap_or(0), Ordering::Relaxed);
                        let msg = Msg::Full {
                            replid: replid.to_owned(),
                            offset,
                            rdb: rdb_r,
                            rdb_size: size,
                            stream: stream_r,
                        };
                        self.send(msg).await.map_err(|_| {
                            ReplError::Spool(std::io::Error::other("consumer gone"))
                        })?;
                    }
                    Piece::Body(bytes) => {
                        Metrics::add(&self.metrics.rdb_bytes_received, bytes.len() as u64);
                        if let Some((rdb, _)) = spools.as_mut() {
                            rdb.append(bytes).await.map_err(ReplError::Spool)?;
                        }
                    }
                    Piece::End => {
                        let n = self.metrics.rdb_bytes_received.load(Ordering::Relaxed);
                        self.metrics().event(
                            Level::Info,
                            format!("source {addr}: snapshot received ({n} bytes)"),
                        );
                        return Ok(());
                    }
                }
            }
            fill(reader, self.opts.idle_timeout, "the snapshot").await?;
        }
    }

    /// Drains the command stream into the stream spool, whole commands only, so that the
    /// offset reached is always the end of a command (where a resume starts).
    async fn stream_commands(&mut self, reader: &mut Reader, mut offset: u64) -> ReplError {
        let limits = Limits::default();
        let ack: Arc<AckState> = self.ack.clone();
        loop {
            let mut batch = BytesMut::new();
            let mut getack_before = None;
            loop {
                match resp::parse_command(reader.buffer(), &limits) {
                    Ok(Some(cmd)) => {
                        if is_getack(&cmd) {
                            getack_before = Some(offset + batch.len() as u64);
                        }
                        batch.extend_from_slice(cmd.raw());
                    }
                    Ok(None) => break,
                    Err(source) => {
                        return ReplError::Stream {
                            addr: self.addr(),
                            offset: offset + batch.len() as u64 + 1,
                            source,
                        };
                    }
                }
            }
            if !batch.is_empty() {
                let n = batch.len() as u64;
                let Some(stream) = self.stream.as_mut() else {
                    return ReplError::Spool(std::io::Error::other("no stream spool"));
                };
                if let Err(e) = stream.append(batch.freeze()).await {
                    return ReplError::Spool(e);
                }
                offset += n;
                if let Some(r) = self.resume.as_mut() {
                    r.offset = offset;
                }
                self.metrics
                    .offset_received
                    .store(offset, Ordering::Relaxed);
                ack.set_received(offset);
                if let Some(before) = getack_before {
                    ack.getack(before);
                }
            }
            if let Err(e) = fill(reader, self.opts.idle_timeout, "the command stream").await {
                return e.into();
            }
        }
    }
}
