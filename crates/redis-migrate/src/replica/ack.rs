//! `REPLCONF ACK <offset>`: every second (the source drops a replica that stays silent for
//! `repl-timeout`, and counts good replicas for `min-replicas-to-write` by ACK time), right
//! away on `REPLCONF GETACK`, and again as soon as the target has caught up with a GETACK,
//! so that `WAIT` on the source returns without waiting for the next second.
//!
//! After a diskless transfer the source starts the command stream only on an ACK that comes
//! after it has seen its snapshot child finish, and buffers every write for us until then
//! (against its `client-output-buffer-limit`). An ACK sent the moment the snapshot ends can
//! arrive before that, so until the first stream bytes come ACKs go every 100 ms.
//!
//! The offset reported is the one the consumer applied (not the one received): the source
//! then sees what the target really has.

use crate::conn::Writer;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::Notify;
use tokio::time::Instant;

/// The usual ACK period.
const PERIOD: Duration = Duration::from_secs(1);
/// The period while the stream has not started yet…
const EARLY_PERIOD: Duration = Duration::from_millis(100);
/// …for at most this long after the link started.
const EARLY_FOR: Duration = Duration::from_secs(5);

/// Shared between the consumer (sets `applied`), the reader (sees GETACK) and the ACK task.
#[derive(Debug)]
pub(super) struct AckState {
    applied: AtomicU64,
    applied_changed: Notify,
    /// Stream offset just before the last GETACK: the source waits for at least this.
    getack_at: AtomicU64,
    getack: Notify,
    /// Stream offset received, to see when the stream has started.
    received: AtomicU64,
}

impl AckState {
    pub(super) fn new(applied: u64) -> Self {
        Self {
            applied: AtomicU64::new(applied),
            applied_changed: Notify::new(),
            getack_at: AtomicU64::new(0),
            getack: Notify::new(),
            received: AtomicU64::new(applied),
        }
    }

    /// The reader has received the stream up to `offset`.
    pub(super) fn set_received(&self, offset: u64) {
        self.received.store(offset, Ordering::Relaxed);
    }

    pub(super) fn applied(&self) -> u64 {
        self.applied.load(Ordering::Relaxed)
    }

    pub(super) fn set_applied(&self, offset: u64) {
        self.applied.store(offset, Ordering::Relaxed);
        self.applied_changed.notify_one();
    }

    /// The reader met `REPLCONF GETACK` at stream offset `before` (the byte before it).
    pub(super) fn getack(&self, before: u64) {
        self.getack_at.store(before, Ordering::Relaxed);
        self.getack.notify_one();
    }
}

/// Sends ACKs until the connection fails or the task is aborted (when the link ends).
pub(super) async fn ack_loop(mut writer: Writer, state: Arc<AckState>) {
    let started = Instant::now();
    let received_at_start = state.received.load(Ordering::Relaxed);
    let mut last_sent: Option<u64> = None;
    let mut next_periodic = started;
    loop {
        let wanted = state.getack_at.load(Ordering::Relaxed);
        let behind_a_getack = last_sent.is_some_and(|sent| sent < wanted);
        tokio::select! {
            _ = tokio::time::sleep_until(next_periodic) => {}
            _ = state.getack.notified() => {}
            _ = state.applied_changed.notified(), if behind_a_getack => {
                if state.applied() < wanted {
                    continue;
                }
            }
        }
        let applied = state.applied();
        writer.queue(&["REPLCONF", "ACK", &applied.to_string()]);
        if writer.flush().await.is_err() {
            // The reader sees the broken link and ends it.
            return;
        }
        last_sent = Some(applied);
        let streaming = state.received.load(Ordering::Relaxed) != received_at_start;
        let early = !streaming && started.elapsed() < EARLY_FOR;
        next_periodic = Instant::now() + if early { EARLY_PERIOD } else { PERIOD };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conn::Connection;
    use crate::endpoint::Endpoint;
    use crate::resp::{Frame, Limits, parse_frame};
    use bytes::BytesMut;
    use tokio::io::AsyncReadExt;
    use tokio::net::TcpListener;

    /// Reads the next `REPLCONF ACK <n>` within `limit`; `None` if none came.
    async fn next_ack(
        sock: &mut tokio::net::TcpStream,
        buf: &mut BytesMut,
        limit: Duration,
    ) -> Option<u64> {
        tokio::time::timeout(limit, async {
            loop {
                if let Some(Frame::Array(Some(items))) =
                    parse_frame(buf, &Limits::default()).unwrap()
                {
                    let n = items[2].as_bytes().unwrap();
                    return std::str::from_utf8(n).unwrap().parse().unwrap();
                }
                assert!(sock.read_buf(buf).await.unwrap() > 0, "closed");
            }
        })
        .await
        .ok()
    }

    /// A GETACK is answered at once, and again as soon as the target catches up with it,
    /// well before the next periodic ACK (1 s).
    #[tokio::test]
    async fn getack_is_answered_at_once_and_again_when_caught_up() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let ep = Endpoint::parse(&listener.local_addr().unwrap().to_string()).unwrap();
        let (conn, accepted) = tokio::join!(
            Connection::connect(&ep, Duration::from_secs(2)),
            listener.accept()
        );
        let (_, writer) = conn.unwrap().into_split();
        let (mut sock, _) = accepted.unwrap();
        let state = Arc::new(AckState::new(100));
        let task = tokio::spawn(ack_loop(writer, state.clone()));
        // The stream has started: periodic ACKs are a second apart.
        tokio::task::yield_now().await;
        state.set_received(300);
        let mut buf = BytesMut::new();
        let soon = Duration::from_millis(600);

        // The first ACK goes out at once (a diskless source waits for it to stream).
        assert_eq!(next_ack(&mut sock, &mut buf, soon).await, Some(100));
        state.getack(250);
        assert_eq!(next_ack(&mut sock, &mut buf, soon).await, Some(100));
        // Progress short of the GETACK sends nothing early…
        state.set_applied(200);
        assert_eq!(
            next_ack(&mut sock, &mut buf, Duration::from_millis(150)).await,
            None
        );
        // …reaching it does.
        state.set_applied(250);
        assert_eq!(next_ack(&mut sock, &mut buf, soon).await, Some(250));
        // Then once a second.
        assert_eq!(
            next_ack(&mut sock, &mut buf, Duration::from_millis(1500)).await,
            Some(250)
        );
        task.abort();
    }

    /// Until the stream starts ACKs go every 100 ms (a diskless source waits for one that
    /// comes after its snapshot child ended); then every second.
    #[tokio::test]
    async fn acks_are_frequent_until_the_stream_starts() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let ep = Endpoint::parse(&listener.local_addr().unwrap().to_string()).unwrap();
        let (conn, accepted) = tokio::join!(
            Connection::connect(&ep, Duration::from_secs(2)),
            listener.accept()
        );
        let (_, writer) = conn.unwrap().into_split();
        let (mut sock, _) = accepted.unwrap();
        let state = Arc::new(AckState::new(7));
        let task = tokio::spawn(ack_loop(writer, state.clone()));
        let mut buf = BytesMut::new();
        let quick = Duration::from_millis(400);
        for _ in 0..3 {
            assert_eq!(next_ack(&mut sock, &mut buf, quick).await, Some(7));
        }
        state.set_received(8);
        // At most one early ACK was already due; then a second of quiet.
        let _ = next_ack(&mut sock, &mut buf, Duration::from_millis(300)).await;
        assert_eq!(next_ack(&mut sock, &mut buf, quick).await, None);
        task.abort();
    }
}
