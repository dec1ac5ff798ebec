//! The loopback limit: a minimal hand-written relay hub, measured in the same
//! run as the router so that every figure has a same-day denominator.
//!
//! It follows the recipe of `shared/reference/loopback-limits.md`:
//! - **Shares with the router:** the listening socket on 127.0.0.1, the
//!   runtime layout (its own current_thread runtime on a dedicated thread,
//!   see `router_thread.rs`) and `wamp::transport` ([`Acceptor`]: the
//!   WebSocket and RawSocket handshakes, framing, read buffers, TCP_NODELAY),
//!   so the ratio isolates the router's own cost above the transport.
//! - **Skips:** realms, authentication, roles, option handling, URI and
//!   payload checks, random IDs (it counts), progressive results,
//!   cancellation, error forwarding, meta events, limits and keepalive. It
//!   never decodes a payload: only the message type, IDs and URIs are read
//!   (`parse`), arguments are copied verbatim into the outgoing frame
//!   (`build`), EVENT is serialized once per publication, outboxes are tried
//!   with `try_send` before awaiting, and each writer flushes a batch at once.
//!   Peers on one route must share a serializer (the benchmark's always do).

mod build;
pub(crate) mod parse;
mod routing;

use std::net::SocketAddr;
use std::sync::Arc;

use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use wamp::SerializerKind;
use wamp::transport::{Acceptor, FrameSink, ServerOptions, Transport};

use routing::{Next, Session, Shared};

/// Frames a session's outbox holds before senders wait.
const OUTBOX: usize = 1024;

/// Frames a writer takes from its outbox per flush, at most.
const BATCH: usize = 256;

/// Serves the hub on `addr` (WebSocket and RawSocket, JSON and MessagePack)
/// until the runtime stops; returns the bound address.
pub(crate) async fn listen(addr: &str) -> std::io::Result<SocketAddr> {
    let listener = TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    let acceptor = Arc::new(Acceptor::new(ServerOptions::with_serializers([
        SerializerKind::Json,
        SerializerKind::MsgPack,
    ])));
    let tables = Shared::default();
    tokio::spawn(async move {
        loop {
            let tcp = match listener.accept().await {
                Ok((tcp, _)) => tcp,
                Err(e) => {
                    tracing::warn!(error = %e, "hub: accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            };
            let acceptor = acceptor.clone();
            let tables = tables.clone();
            tokio::spawn(async move {
                match acceptor.accept_tcp(tcp).await {
                    Ok(transport) => serve(transport, tables).await,
                    Err(e) => tracing::debug!(error = %e, "hub: handshake failed"),
                }
            });
        }
    });
    tracing::debug!(%local, "hub listening");
    Ok(local)
}

/// Reads and routes one session's frames until its transport closes.
async fn serve(transport: Transport, tables: Shared) {
    let Transport {
        sink,
        mut stream,
        serializer,
        ..
    } = transport;
    let (outbox, queued) = mpsc::channel(OUTBOX);
    let writer = tokio::spawn(write(sink, queued));
    let mut session = Session::new(tables, serializer, outbox);
    while let Some(frame) = stream.next().await {
        let frame = match frame {
            Ok(frame) => frame,
            Err(e) => {
                tracing::debug!(error = %e, "hub: read failed");
                break;
            }
        };
        match session.handle(&frame).await {
            Ok(Next::Continue) => {}
            Ok(Next::Close) => break,
            Err(e) => {
                tracing::warn!(error = %e, "hub: closing a session");
                break;
            }
        }
    }
    // Dropping the session's last outbox ends its writer.
    session.leave();
    let _ = writer.await;
}

/// Drains an outbox: everything queued is fed, then flushed with one write.
async fn write(mut sink: FrameSink, mut queued: mpsc::Receiver<bytes::Bytes>) {
    let mut batch = Vec::with_capacity(BATCH);
    while queued.recv_many(&mut batch, BATCH).await > 0 {
        for frame in batch.drain(..) {
            if sink.feed(frame).await.is_err() {
                return;
            }
        }
        if sink.flush().await.is_err() {
            return;
        }
    }
    let _ = sink.close().await;
}
