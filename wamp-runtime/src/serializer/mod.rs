//! Serializers: JSON, MessagePack and CBOR behind one trait.
//!
//! Each serializer decodes the message envelope (type, IDs, URIs, options) and
//! keeps the application payload (`args`, `kwargs`) as raw bytes of the frame, so
//! a router can forward it untouched and a peer can decode it straight into its
//! own types.

mod cbor;
mod envelope;
pub(crate) mod format;
mod json;
mod json_binary;
mod kind;
mod msgpack;

use bytes::Bytes;

pub use kind::{SerializerKind, UnknownSerializer};

use crate::protocol::{EncodeError, Message, ProtocolError};

/// Turns messages into frames and frames into messages.
pub trait Serializer: Send + Sync {
    /// Which serializer this is.
    fn kind(&self) -> SerializerKind;
    /// Encodes a message into one frame.
    fn encode(&self, message: &Message) -> Result<Bytes, EncodeError>;
    /// Decodes and validates one frame. The payload stays raw, sharing `frame`.
    fn decode(&self, frame: Bytes) -> Result<Message, ProtocolError>;
}

impl Serializer for SerializerKind {
    fn kind(&self) -> SerializerKind {
        *self
    }

    fn encode(&self, message: &Message) -> Result<Bytes, EncodeError> {
        SerializerKind::encode(*self, message)
    }

    fn decode(&self, frame: Bytes) -> Result<Message, ProtocolError> {
        SerializerKind::decode(*self, frame)
    }
}

impl SerializerKind {
    /// Encodes a message into one frame.
    pub fn encode(self, message: &Message) -> Result<Bytes, EncodeError> {
        let out = match self {
            SerializerKind::Json => envelope::encode::<json::Json>(message)?,
            SerializerKind::MsgPack => envelope::encode::<msgpack::MsgPack>(message)?,
            SerializerKind::Cbor => envelope::encode::<cbor::Cbor>(message)?,
        };
        Ok(Bytes::from(out))
    }

    /// Decodes and validates one frame. The payload stays raw, sharing `frame`.
    pub fn decode(self, frame: Bytes) -> Result<Message, ProtocolError> {
        match self {
            SerializerKind::Json => envelope::decode::<json::Json>(frame),
            SerializerKind::MsgPack => envelope::decode::<msgpack::MsgPack>(frame),
            SerializerKind::Cbor => envelope::decode::<cbor::Cbor>(frame),
        }
    }
}
