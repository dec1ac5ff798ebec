//! Encoding messages with the session's serializer (refusing any larger than
//! the transport's limit, so the writer never sees one) and queueing the
//! frames for the writer: try the outbox first, wait for room only when it is
//! full.

use bytes::Bytes;
use serde::Serialize;
use tokio::sync::mpsc::error::TrySendError;

use super::handle::Session;
use super::limits::check_size;
use crate::client::error::Error;
use crate::protocol::{Message, Payload, Value};
use crate::serializer::SerializerKind;

impl Session {
    /// Encodes and queues a message (try first, then wait for room).
    pub(super) async fn send(&self, message: &Message) -> Result<(), Error> {
        let frame = self.encode(message)?;
        self.queue(frame).await
    }

    /// Encodes a message with the transport's serializer; a frame larger than
    /// the transport's `max_outgoing` fails with `wamp.error.payload_size_exceeded`.
    pub(super) fn encode(&self, message: &Message) -> Result<Bytes, Error> {
        let frame = self.shared.serializer.encode(message)?;
        check_size(
            &frame,
            self.shared.details.transport.max_outgoing,
            message.message_type().name(),
        )?;
        Ok(frame)
    }

    /// Queues an encoded frame for the writer; fails once the writer is gone.
    pub(super) async fn queue(&self, frame: Bytes) -> Result<(), Error> {
        let out = &self.shared.out;
        match out.try_send(frame) {
            Ok(()) => Ok(()),
            Err(TrySendError::Full(frame)) => {
                out.send(frame).await.map_err(|_| Error::transport_lost())
            }
            Err(TrySendError::Closed(_)) => Err(Error::transport_lost()),
        }
    }

    /// Queues a message without waiting (for use in `Drop`): when the outbox
    /// is full, a task waits for room, with at most as many such tasks as the
    /// outbox holds frames; beyond that the message is not sent (logged).
    pub(super) fn send_now(&self, message: &Message) {
        let kind = message.message_type().name();
        let frame = match self.encode(message) {
            Ok(frame) => frame,
            Err(e) => {
                tracing::warn!(message = kind, error = %e, "cannot send");
                return;
            }
        };
        match self.shared.out.try_send(frame) {
            Ok(()) => {}
            Err(TrySendError::Full(frame)) => {
                let Ok(permit) = self.shared.overflow.clone().try_acquire_owned() else {
                    tracing::warn!(
                        message = kind,
                        "the outbox and its overflow are full; message not sent"
                    );
                    return;
                };
                let out = self.shared.out.clone();
                if let Ok(handle) = tokio::runtime::Handle::try_current() {
                    handle.spawn(async move {
                        let _ = out.send(frame).await;
                        drop(permit);
                    });
                }
            }
            Err(TrySendError::Closed(_)) => {}
        }
    }
}

/// Encodes positional arguments; `()` (anything serializing as null) means none.
pub(super) fn encode_args<A: Serialize + ?Sized>(
    kind: SerializerKind,
    args: &A,
) -> Result<Payload, Error> {
    Payload::encode_args(kind, args).or_else(|e| match Value::from_serialize(args) {
        Ok(Value::Null) => Ok(Payload::empty()),
        _ => Err(Error::from(e)),
    })
}
