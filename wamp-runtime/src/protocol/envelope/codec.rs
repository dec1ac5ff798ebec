//! The entry points of the envelope codec: [`SerializerKind::encode`] and
//! [`SerializerKind::decode`], dispatched to the format of each serializer.

use bytes::Bytes;

use super::{decode::decode, encode::encode};
use crate::protocol::{EncodeError, Message, ProtocolError};
use crate::serializer::{Cbor, Json, MsgPack, SerializerKind};

impl SerializerKind {
    /// Encodes a message into one frame.
    pub fn encode(self, message: &Message) -> Result<Bytes, EncodeError> {
        let out = match self {
            SerializerKind::Json => encode::<Json>(message)?,
            SerializerKind::MsgPack => encode::<MsgPack>(message)?,
            SerializerKind::Cbor => encode::<Cbor>(message)?,
        };
        Ok(Bytes::from(out))
    }

    /// Decodes and validates one frame. The payload stays raw, sharing `frame`.
    pub fn decode(self, frame: Bytes) -> Result<Message, ProtocolError> {
        match self {
            SerializerKind::Json => decode::<Json>(frame),
            SerializerKind::MsgPack => decode::<MsgPack>(frame),
            SerializerKind::Cbor => decode::<Cbor>(frame),
        }
    }
}
