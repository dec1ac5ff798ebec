//! A connection's writer task: takes messages from the outbox in batches,
//! encodes each in the connection's serializer, writes them all, flushes once.

use std::time::Duration;

use futures_util::SinkExt;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::serializer::SerializerKind;
use crate::transport::{FrameSink, TransportError};

use super::outbox::Outbound;

/// Messages taken from the outbox per write batch.
const BATCH: usize = 256;

/// How long a closing connection may take to write what is queued.
const CLOSE_GRACE: Duration = Duration::from_secs(5);

/// Writes the outbox to the transport until the outbox closes. When
/// `closing` fires, writes what is already queued and closes the transport.
pub(crate) async fn writer(
    mut sink: FrameSink,
    serializer: SerializerKind,
    mut outbox: mpsc::Receiver<Outbound>,
    closing: CancellationToken,
) {
    let mut batch = Vec::with_capacity(BATCH);
    loop {
        let n = tokio::select! {
            biased;
            n = outbox.recv_many(&mut batch, BATCH) => n,
            _ = closing.cancelled() => {
                while let Ok(item) = outbox.try_recv() {
                    batch.push(item);
                }
                // A stalled peer must not keep this task alive.
                let drain = async {
                    for item in batch.drain(..) {
                        let Some(frame) = item.encode(serializer) else { continue };
                        if sink.feed(frame).await.is_err() {
                            break;
                        }
                    }
                    let _ = sink.flush().await;
                    let _ = sink.close().await;
                };
                let _ = tokio::time::timeout(CLOSE_GRACE, drain).await;
                return;
            }
        };
        if n == 0 {
            break;
        }
        for item in batch.drain(..) {
            let Some(frame) = item.encode(serializer) else {
                continue;
            };
            match sink.feed(frame).await {
                Ok(()) => {}
                Err(TransportError::MessageTooLarge { size, limit }) => {
                    tracing::warn!(
                        size,
                        limit,
                        "dropping a message larger than the transport allows"
                    );
                }
                Err(e) => {
                    tracing::debug!(error = %e, "transport write failed");
                    return;
                }
            }
        }
        if let Err(e) = sink.flush().await {
            tracing::debug!(error = %e, "transport flush failed");
            return;
        }
    }
    let _ = tokio::time::timeout(CLOSE_GRACE, sink.close()).await;
}
