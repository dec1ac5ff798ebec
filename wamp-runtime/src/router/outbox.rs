//! A session's outbox: a bounded queue of messages that its writer task
//! encodes and writes. The realm shell pushes into it without waiting; a
//! full outbox is waited for after the realm lock is released (backpressure
//! on whoever routed), and a session whose outbox stays full is disconnected
//! as a stalled consumer.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::protocol::Message;
use crate::protocol::id::Id;
use crate::serializer::SerializerKind;

/// One message sent to several sessions (an EVENT): encoded at most once per
/// serializer, by the first writer that needs it.
#[derive(Debug)]
pub(crate) struct SharedMessage {
    message: Message,
    frames: [OnceLock<Option<Bytes>>; 3],
}

impl SharedMessage {
    /// Shares a message.
    pub(crate) fn new(message: Message) -> Arc<Self> {
        Arc::new(SharedMessage {
            message,
            frames: Default::default(),
        })
    }

    /// The frame for `serializer`; `None` when the message cannot be encoded in it.
    fn frame(&self, serializer: SerializerKind) -> Option<Bytes> {
        let slot = match serializer {
            SerializerKind::Json => 0,
            SerializerKind::MsgPack => 1,
            SerializerKind::Cbor => 2,
        };
        self.frames[slot]
            .get_or_init(|| encode(serializer, &self.message))
            .clone()
    }
}

/// What an outbox holds: a message of its own, or a shared one.
#[derive(Debug)]
pub(crate) enum Outbound {
    /// A message for this session only.
    One(Box<Message>),
    /// A message shared with other sessions.
    Shared(Arc<SharedMessage>),
}

impl Outbound {
    /// A message for one session.
    pub(crate) fn one(message: Message) -> Self {
        Outbound::One(Box::new(message))
    }

    /// The frame to write for a session of `serializer`.
    pub(crate) fn encode(&self, serializer: SerializerKind) -> Option<Bytes> {
        match self {
            Outbound::One(m) => encode(serializer, m),
            Outbound::Shared(s) => s.frame(serializer),
        }
    }
}

fn encode(serializer: SerializerKind, message: &Message) -> Option<Bytes> {
    match serializer.encode(message) {
        Ok(frame) => Some(frame),
        Err(e) => {
            tracing::warn!(error = %e, "cannot encode {:?} for the session", message.message_type());
            None
        }
    }
}

/// The sending end of a session's outbox, and the switch that closes it.
#[derive(Debug, Clone)]
pub(crate) struct Outbox {
    tx: mpsc::Sender<Outbound>,
    kill: CancellationToken,
}

/// A connection's queue of `capacity` messages: the sender for outboxes, the
/// receiver for the writer task.
pub(crate) fn channel(capacity: usize) -> (mpsc::Sender<Outbound>, mpsc::Receiver<Outbound>) {
    mpsc::channel(capacity.max(16))
}

/// A message that found its outbox full, to be awaited after the lock.
#[derive(Debug)]
pub(crate) struct Deferred {
    session: Id,
    outbox: Outbox,
    item: Outbound,
}

impl Outbox {
    /// An outbox over a connection's queue, closed by `kill`.
    pub(crate) fn new(tx: mpsc::Sender<Outbound>, kill: CancellationToken) -> Self {
        Outbox { tx, kill }
    }

    /// Queues without waiting. A full outbox hands the message back in
    /// `deferred` for [`flush_deferred`]; a closed one drops it (the session
    /// is gone).
    pub(crate) fn push(&self, session: Id, item: Outbound, deferred: &mut Vec<Deferred>) {
        if self.kill.is_cancelled() {
            return;
        }
        match self.tx.try_send(item) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(item)) => deferred.push(Deferred {
                session,
                outbox: self.clone(),
                item,
            }),
            Err(mpsc::error::TrySendError::Closed(_)) => {}
        }
    }

    /// Queues a message of the connection itself (handshake replies); a full
    /// outbox at that point means the peer does not read: the message is
    /// dropped and the connection closed.
    pub(crate) fn push_now(&self, message: Message) {
        if self.tx.try_send(Outbound::one(message)).is_err() {
            self.close();
        }
    }

    /// Closes the session's connection after what is queued.
    pub(crate) fn close(&self) {
        self.kill.cancel();
    }
}

/// Waits for room in the outboxes of deferred messages: the session that
/// routed them is held back (backpressure). A session whose outbox stays full
/// for `patience` is a stalled consumer and is disconnected.
pub(crate) async fn flush_deferred(deferred: Vec<Deferred>, patience: Duration) {
    for d in deferred {
        if d.outbox.kill.is_cancelled() {
            continue;
        }
        let capacity = d.outbox.tx.max_capacity();
        match tokio::time::timeout(patience, d.outbox.tx.send(d.item)).await {
            Ok(Ok(())) => {}
            Ok(Err(_)) => d.outbox.close(),
            Err(_) => {
                tracing::warn!(
                    session = d.session,
                    capacity,
                    ?patience,
                    "slow consumer: outbox stayed full, disconnecting the session"
                );
                d.outbox.close();
            }
        }
    }
}
