//! Encoding messages with the session's serializer and queueing the frames
//! for the writer: try the outbox first, wait for room only when it is full.

use bytes::Bytes;
use serde::Serialize;
use tokio::sync::mpsc::error::TrySendError;

use super::handle::Session;
use crate::client::error::Error;
use crate::protocol::{Message, Payload, Value};
use crate::serializer::SerializerKind;

impl Session {
    /// Encodes and queues a message (try first, then wait for room).
    pub(super) async fn send(&self, message: &Message) -> Result<(), Error> {
        let frame = self.encode(message)?;
        self.queue(frame).await
    }

    /// Encodes a message with the transport's serializer.
    pub(super) fn encode(&self, message: &Message) -> Result<Bytes, Error> {
        Ok(self.shared.serializer.encode(message)?)
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
    /// is full, a task waits for room.
    pub(super) fn send_now(&self, message: &Message) {
        let Ok(frame) = self.encode(message) else {
            return;
        };
        match self.shared.out.try_send(frame) {
            Ok(()) => {}
            Err(TrySendError::Full(frame)) => {
                let out = self.shared.out.clone();
                if let Ok(handle) = tokio::runtime::Handle::try_current() {
                    handle.spawn(async move { out.send(frame).await });
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
