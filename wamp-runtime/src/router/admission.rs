//! Admission on one listener: at most `connections_per_listener` connections
//! are served at once. One over the limit is refused cheaply and clearly: if
//! it sends its first message (HELLO) within [`REFUSAL_TIME`] it gets ABORT
//! `wamp.error.limit_exceeded` naming the limit; otherwise it is closed. At
//! most [`MAX_REFUSING`] refusals run at once, so a flood of connections
//! costs a bounded amount of work: beyond that they are closed at once.

use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::protocol::uris;
use crate::protocol::{Abort, Message, Uri};
use crate::transport::{Acceptor, ByteStream};

/// Time a refused connection gets to complete its transport handshake and
/// send HELLO, to be told why it is refused.
pub(crate) const REFUSAL_TIME: Duration = Duration::from_secs(2);

/// Refusals (handshake, HELLO, ABORT) running at once per listener.
pub(crate) const MAX_REFUSING: usize = 64;

/// The open connections of one listener.
pub(crate) struct Admission {
    limit: usize,
    open: Arc<Semaphore>,
    refusing: Arc<Semaphore>,
}

/// What to do with a new connection.
pub(crate) enum Admit {
    /// Serve it; the permit is its place, held while it is open.
    Serve(OwnedSemaphorePermit),
    /// Refuse it with ABORT; the permit bounds the refusals running at once.
    Refuse(OwnedSemaphorePermit),
    /// Close it at once.
    Close,
}

impl Admission {
    /// At most `limit` connections at once (at least 1).
    pub(crate) fn new(limit: usize) -> Self {
        let limit = limit.clamp(1, Semaphore::MAX_PERMITS);
        Admission {
            limit,
            open: Arc::new(Semaphore::new(limit)),
            refusing: Arc::new(Semaphore::new(MAX_REFUSING)),
        }
    }

    /// Decides about a new connection.
    pub(crate) fn admit(&self) -> Admit {
        if let Ok(permit) = self.open.clone().try_acquire_owned() {
            return Admit::Serve(permit);
        }
        match self.refusing.clone().try_acquire_owned() {
            Ok(permit) => Admit::Refuse(permit),
            Err(_) => Admit::Close,
        }
    }

    /// The limit.
    pub(crate) fn limit(&self) -> usize {
        self.limit
    }
}

/// Tells a connection over the limit why it is refused, if it completes its
/// transport handshake and sends a first message (HELLO, normally) within
/// [`REFUSAL_TIME`], then closes it. The message is not even decoded.
pub(crate) async fn refuse<S: ByteStream>(acceptor: &Acceptor, stream: S, limit: usize) {
    let refusal = async {
        let mut transport = acceptor.accept(stream).await.ok()?;
        transport.stream.next().await?.ok()?;
        let text = format!(
            "this listener serves at most {limit} connections at once (connections_per_listener); try again later"
        );
        let abort = Message::Abort(Abort::new(Uri::from_trusted(uris::LIMIT_EXCEEDED), text));
        let frame = transport.serializer.encode(&abort).ok()?;
        transport.sink.send(frame).await.ok()?;
        transport.sink.close().await.ok()
    };
    let _ = tokio::time::timeout(REFUSAL_TIME, refusal).await;
}
