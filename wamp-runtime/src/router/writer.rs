//! A connection's writer task: takes messages from the outbox in batches,
//! encodes each in the connection's serializer, writes them all, flushes once.
//! A message it cannot encode for this connection, or that is larger than the
//! peer accepts, is reported back (see [`Returns`]), never dropped silently.
//! The transport closes with WebSocket code 1000, or 1001 (going away) when
//! the router shuts down.

use std::sync::Arc;
use std::time::Duration;

use futures_util::SinkExt;

use crate::serializer::SerializerKind;
use crate::transport::{CloseCode, FrameSink, TransportError};

use super::core::Undeliverable;
use super::metrics::Counter;
use super::outbox::{QueueRx, Queued};
use super::returns::Returns;
use super::switch::Switch;

/// Messages taken from the outbox per write batch.
const BATCH: usize = 256;

/// Capacity of the batch kept between batches: what grew larger in a burst
/// is freed, so an idle connection keeps one block of the queue's size.
const IDLE_BATCH: usize = 32;

/// How long a closing connection may take to write what is queued.
const CLOSE_GRACE: Duration = Duration::from_secs(5);

/// Where the writer writes and whom it tells about what it cannot deliver.
pub(crate) struct Writer {
    /// The transport.
    pub(crate) sink: FrameSink,
    /// The connection's serializer.
    pub(crate) serializer: SerializerKind,
    /// The connection's queue.
    pub(crate) queue: QueueRx,
    /// Fires when the connection closes.
    pub(crate) closing: Switch,
    /// Where undeliverable messages go.
    pub(crate) returns: Arc<Returns>,
    /// Fires when the router shuts down.
    pub(crate) shutdown: Switch,
    /// Counts the bytes written.
    pub(crate) sent: Counter,
}

/// What became of one queued message.
enum Fed {
    /// Handed to the transport, or given up and reported.
    Done,
    /// The transport failed: the connection is over.
    Broken,
}

impl Writer {
    /// Encodes and feeds one message; reports it when it cannot go.
    async fn feed(&mut self, queued: &Queued) -> Fed {
        let frame = match queued.item.encode(self.serializer) {
            Ok(frame) => frame,
            Err(reason) => {
                let reason = Undeliverable::NotEncodable {
                    serializer: self.serializer,
                    reason,
                };
                self.returns
                    .report(queued.session, queued.item.message(), reason);
                return Fed::Done;
            }
        };
        self.sent.increment(frame.len() as u64);
        match self.sink.feed(frame).await {
            Ok(()) => Fed::Done,
            Err(TransportError::MessageTooLarge { size, limit }) => {
                let reason = Undeliverable::TooLarge { size, limit };
                self.returns
                    .report(queued.session, queued.item.message(), reason);
                Fed::Done
            }
            Err(e) => {
                tracing::debug!(error = %e, "transport write failed");
                Fed::Broken
            }
        }
    }

    /// Closes the transport with 1000, or 1001 when the router shuts down.
    async fn close(&mut self) {
        let code = if self.shutdown.is_cancelled() {
            CloseCode::GoingAway
        } else {
            CloseCode::Normal
        };
        self.sink.as_mut().set_close_code(code);
        let _ = self.sink.close().await;
    }

    /// Writes what is queued within [`CLOSE_GRACE`], then closes the transport.
    async fn drain_and_close(mut self, mut batch: Vec<Queued>) {
        while let Some(item) = self.queue.try_recv() {
            batch.push(item);
        }
        // A stalled peer must not keep this task alive.
        let drain = async {
            for queued in batch.drain(..) {
                if let Fed::Broken = self.feed(&queued).await {
                    break;
                }
            }
            let _ = self.sink.flush().await;
            self.close().await;
        };
        let _ = tokio::time::timeout(CLOSE_GRACE, drain).await;
    }
}

/// Writes the outbox to the transport until the outbox closes. When
/// `closing` fires, writes what is already queued and closes the transport.
/// The budget of written messages is released after each flush, so what the
/// transport has not taken yet still counts against the outbox.
pub(crate) async fn writer(mut w: Writer) {
    let mut batch = Vec::new();
    // Made once: one per batch registered a waiter under the token's mutex.
    let closing = w.closing.clone();
    let closed = closing.cancelled();
    tokio::pin!(closed);
    loop {
        let n = tokio::select! {
            biased;
            n = w.queue.recv_many(&mut batch, BATCH) => n,
            _ = &mut closed => {
                w.drain_and_close(batch).await;
                return;
            }
        };
        if n == 0 {
            break;
        }
        let mut written = 0usize;
        for queued in batch.drain(..) {
            written += queued.cost as usize;
            if let Fed::Broken = w.feed(&queued).await {
                return;
            }
        }
        if let Err(e) = w.sink.flush().await {
            tracing::debug!(error = %e, "transport flush failed");
            return;
        }
        w.queue.release(written);
        // Freed only once nothing more waits: under load the batch is
        // reused instead of reallocated for every flush.
        if batch.capacity() > IDLE_BATCH && w.queue.is_empty() {
            batch = Vec::new();
        }
    }
    let _ = tokio::time::timeout(CLOSE_GRACE, w.close()).await;
}
