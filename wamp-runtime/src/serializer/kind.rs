//! The closed set of serializers this crate speaks, and their wire names.

use std::fmt;
use std::str::FromStr;

/// A WAMP serializer: the format of every message on a transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SerializerKind {
    /// JSON (RFC 8259), binary values as `"\0" + base64`; sent in WebSocket text frames.
    Json,
    /// MessagePack (spec v5, `str` and `bin` distinct); sent in binary frames.
    MsgPack,
    /// CBOR (RFC 8949); sent in binary frames.
    Cbor,
}

impl SerializerKind {
    /// Every serializer, in the order a client offers them by default.
    pub const ALL: [SerializerKind; 3] = [Self::Cbor, Self::MsgPack, Self::Json];

    /// Short name used in configuration and logs: `json`, `msgpack`, `cbor`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Json => "json",
            Self::MsgPack => "msgpack",
            Self::Cbor => "cbor",
        }
    }

    /// The WebSocket subprotocol that selects this serializer, e.g. `wamp.2.json`.
    pub const fn subprotocol(self) -> &'static str {
        match self {
            Self::Json => "wamp.2.json",
            Self::MsgPack => "wamp.2.msgpack",
            Self::Cbor => "wamp.2.cbor",
        }
    }

    /// Looks up a serializer by its WebSocket subprotocol name.
    pub fn from_subprotocol(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.subprotocol() == name)
    }

    /// The 4-bit serializer code of the RawSocket handshake (1 JSON, 2 MessagePack, 3 CBOR).
    pub const fn rawsocket_id(self) -> u8 {
        match self {
            Self::Json => 1,
            Self::MsgPack => 2,
            Self::Cbor => 3,
        }
    }

    /// Looks up a serializer by its RawSocket handshake code.
    pub fn from_rawsocket_id(id: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.rawsocket_id() == id)
    }

    /// Whether frames of this serializer are text (JSON) rather than binary.
    pub const fn is_text(self) -> bool {
        matches!(self, Self::Json)
    }
}

impl fmt::Display for SerializerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.name())
    }
}

/// Error returned when parsing an unknown serializer name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown WAMP serializer `{0}` (expected json, msgpack or cbor)")]
pub struct UnknownSerializer(pub String);

impl FromStr for SerializerKind {
    type Err = UnknownSerializer;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "json" => Ok(Self::Json),
            "msgpack" => Ok(Self::MsgPack),
            "cbor" => Ok(Self::Cbor),
            other => {
                Self::from_subprotocol(other).ok_or_else(|| UnknownSerializer(other.to_owned()))
            }
        }
    }
}
