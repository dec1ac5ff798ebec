//! A session's I/O tasks: the writer drains the outbox into the transport in
//! batches (one flush per batch), the reader decodes frames, runs them
//! through the protocol state and dispatches what they mean; when the
//! transport ends, everything still waiting is failed.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};

use bytes::Bytes;
use futures_util::{FutureExt as _, SinkExt as _, StreamExt as _};
use tokio::sync::{Semaphore, broadcast, mpsc, watch};
use tokio_util::sync::CancellationToken;
use tracing::Instrument as _;

use super::close::{CloseReason, lost_reason};
use super::dispatch::dispatch;
use super::handle::{Core, Pending, Session, Shared};
use super::limits::{SessionLimits, WarnGate};
use crate::client::details::{Extensions, SessionDetails};
use crate::client::error::Error;
use crate::client::state::ClientCore;
use crate::client::trace_context;
use crate::protocol::uris;
use crate::protocol::{Abort, Message, Uri};
use crate::transport::{FrameSink, FrameStream, TransportError};

/// Acknowledgements (publication IDs) kept for a slow reader of
/// [`Session::event_acknowledgements`]; older ones are dropped.
const ACKS_BUFFER: usize = 1024;

/// Frames the writer takes from the outbox per batch.
const BATCH: usize = 64;
/// Outbox capacity in frames.
const OUTBOX: usize = 1024;

/// Starts the writer and the reader of a joined session, and returns its handle.
pub(super) fn start(
    proto: ClientCore<Pending>,
    sink: FrameSink,
    stream: FrameStream,
    details: SessionDetails,
    extensions: Extensions,
    limits: SessionLimits,
) -> Session {
    let (out, rx) = mpsc::channel(OUTBOX);
    let stop = CancellationToken::new();
    let span = trace_context::session_span(details.session, &details.realm);
    let shared = Arc::new(Shared {
        core: Mutex::new(Core {
            proto,
            registrations: HashMap::new(),
            subscriptions: HashMap::new(),
            invocations: HashMap::new(),
            inputs: HashMap::new(),
            refused_inputs: Default::default(),
        }),
        out,
        serializer: details.serializer,
        details,
        extensions,
        closed: watch::channel(None).0,
        stop: stop.clone(),
        local_ids: AtomicU64::new(0),
        limits,
        overflow: Arc::new(Semaphore::new(OUTBOX)),
        refused_warn: WarnGate::default(),
        acks: broadcast::channel(ACKS_BUFFER).0,
        codec: std::sync::RwLock::new(None),
    });
    let lost = CancellationToken::new();
    tokio::spawn(writer(sink, rx, stop, lost.clone()));
    tokio::spawn(reader(Arc::downgrade(&shared), stream, lost).instrument(span));
    Session { shared }
}

/// Writes batches of frames; stops on `stop` (after draining) or on a write error.
async fn writer(
    mut sink: FrameSink,
    mut rx: mpsc::Receiver<Bytes>,
    stop: CancellationToken,
    lost: CancellationToken,
) {
    let mut batch = Vec::with_capacity(BATCH);
    // Made once: each one made registers a waiter under the token's mutex.
    let stopped = stop.cancelled();
    tokio::pin!(stopped);
    loop {
        tokio::select! {
            biased;
            n = rx.recv_many(&mut batch, BATCH) => {
                if n == 0 {
                    break;
                }
                if write_batch(&mut sink, &mut batch).await.is_err() {
                    break;
                }
            }
            () = &mut stopped => {
                while let Ok(frame) = rx.try_recv() {
                    batch.push(frame);
                }
                let _ = write_batch(&mut sink, &mut batch).await;
                break;
            }
        }
    }
    let _ = sink.close().await;
    lost.cancel();
}

/// Writes a batch of frames with one flush. A frame the transport refuses as
/// too large cannot reach here (every message is checked when encoded); were
/// one to, it is logged and skipped rather than ending the session.
async fn write_batch(sink: &mut FrameSink, batch: &mut Vec<Bytes>) -> Result<(), TransportError> {
    for frame in batch.drain(..) {
        match sink.feed(frame).await {
            Ok(()) => {}
            Err(TransportError::MessageTooLarge { size, limit }) => {
                tracing::error!(
                    size,
                    limit,
                    "the transport refused a frame as too large; skipped"
                );
            }
            Err(e) => return Err(e),
        }
    }
    sink.flush().await
}

/// Reads frames and dispatches them until the transport ends or the session closes.
async fn reader(shared: Weak<Shared>, mut stream: FrameStream, lost: CancellationToken) {
    let gone = lost.cancelled();
    tokio::pin!(gone);
    let reason = loop {
        // A frame already readable is taken at once; the token (a mutex to
        // poll) is awaited only when there is nothing to read.
        let frame = match stream.next().now_or_never() {
            Some(frame) => frame,
            None => tokio::select! {
                frame = stream.next() => frame,
                () = &mut gone => None,
            },
        };
        let Some(session) = shared.upgrade().map(|shared| Session { shared }) else {
            return;
        };
        let frame = match frame {
            Some(Ok(frame)) => frame,
            Some(Err(e)) => {
                tracing::debug!(error = %e, "transport failed");
                break lost_reason();
            }
            None => break lost_reason(),
        };
        let message = match session.serializer().decode(frame) {
            Ok(m) => m,
            Err(e) => break violation(&session, e.to_string()).await,
        };
        let incoming = session.lock().proto.handle(message);
        match incoming {
            Ok(incoming) => {
                if let Some(reason) = dispatch(&session, incoming).await {
                    break reason;
                }
            }
            Err(v) => break violation(&session, v.0).await,
        }
    };
    if let Some(shared) = shared.upgrade() {
        end_session(&Session { shared }, reason);
    }
}

/// Aborts the session after a protocol violation by the router.
async fn violation(session: &Session, message: String) -> CloseReason {
    tracing::warn!(%message, "protocol violation by the router");
    let _ = session
        .send(&Message::Abort(Abort::new(
            Uri::from_trusted(uris::PROTOCOL_VIOLATION),
            message.clone(),
        )))
        .await;
    CloseReason {
        reason: uris::PROTOCOL_VIOLATION.into(),
        message: Some(message),
    }
}

/// Ends the session: fails what waits, interrupts running invocations,
/// deactivates registrations and subscriptions, stops the writer.
fn end_session(session: &Session, reason: CloseReason) {
    let (pending, invocations) = {
        let mut core = session.lock();
        let pending = core.proto.end();
        let invocations: Vec<_> = core.invocations.drain().map(|(_, t)| t).collect();
        core.inputs.clear();
        for entry in core.registrations.values() {
            entry.active.store(false, Ordering::Release);
        }
        for entry in core.subscriptions.values() {
            entry.active.store(false, Ordering::Release);
        }
        (pending, invocations)
    };
    for p in pending {
        p.fail(Error::transport_lost());
    }
    for token in invocations {
        token.cancel();
    }
    tracing::debug!(reason = %reason.reason, "session ended");
    session.shared.closed.send_replace(Some(reason));
    session.shared.stop.cancel();
}
