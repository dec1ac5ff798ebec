//! The low-level operations each wire format provides, and the payload helpers
//! that dispatch on [`SerializerKind`].

use std::ops::Range;

use bytes::Bytes;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{cbor::Cbor, json::Json, msgpack::MsgPack};
use crate::protocol::{PayloadError, Value};
use crate::serializer::SerializerKind;

/// The type of an encoded element, read from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sniff {
    Int,
    Str,
    Bin,
    List,
    Dict,
    Bool,
    Null,
    Float,
    Other,
}

impl Sniff {
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Sniff::Int => "an integer",
            Sniff::Str => "a string",
            Sniff::Bin => "binary data",
            Sniff::List => "a list",
            Sniff::Dict => "a dict",
            Sniff::Bool => "a bool",
            Sniff::Null => "null",
            Sniff::Float => "a float",
            Sniff::Other => "an unsupported value",
        }
    }
}

/// What one wire format must do for the envelope codec.
pub(crate) trait Format {
    const KIND: SerializerKind;
    /// An encoded empty dict.
    const EMPTY_DICT: &'static [u8];
    /// An encoded empty list.
    const EMPTY_LIST: &'static [u8];

    /// Splits a frame holding one list into the byte ranges of its elements.
    /// `Err(None)` when the frame is valid but not a list.
    fn split(frame: &[u8]) -> Result<Vec<Range<usize>>, Option<String>>;
    /// Splits one encoded dict into its entries: each key (which must be a
    /// string) and the byte range of its value, in wire order.
    fn split_dict(dict: &[u8]) -> Result<Vec<(String, Range<usize>)>, String>;
    /// Decodes one element into a user type, tracking the serde path of the
    /// value that failed.
    fn decode_path<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, PathError>;
    /// The type of an element.
    fn sniff(elem: &[u8]) -> Sniff;
    /// An unsigned integer element.
    fn read_u64(elem: &[u8]) -> Option<u64>;
    /// A string element.
    fn read_str(elem: &[u8]) -> Option<String>;
    /// A binary element (in JSON: a `"\0"`+base64 string).
    fn read_bin(elem: &[u8]) -> Option<Vec<u8>>;
    /// Any element as a value.
    fn read_value(elem: &[u8]) -> Result<Value, String>;

    /// Starts a list of `len` elements.
    fn begin_list(out: &mut Vec<u8>, len: usize);
    /// Called before every element but the first.
    fn separator(out: &mut Vec<u8>);
    /// Ends a list.
    fn end_list(out: &mut Vec<u8>);
    /// Writes an unsigned integer.
    fn write_u64(out: &mut Vec<u8>, n: u64);
    /// Writes a string.
    fn write_str(out: &mut Vec<u8>, s: &str);
    /// Writes binary data.
    fn write_bin(out: &mut Vec<u8>, b: &[u8]);
    /// Writes any value.
    fn write_value(out: &mut Vec<u8>, v: &Value) -> Result<(), String>;
    /// Writes a dict without wrapping it in a value.
    fn write_dict(out: &mut Vec<u8>, d: &crate::protocol::Dict) -> Result<(), String>;

    /// Encodes a user value.
    fn encode_typed<T: Serialize + ?Sized>(out: &mut Vec<u8>, v: &T) -> Result<(), String>;
    /// Decodes a user value.
    fn decode_typed<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, String>;
}

/// A value failed to decode: where inside it (the serde path, `.` for the
/// value itself) and what the decoder said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathError {
    /// The serde path of the bad value (`.` for the whole value, `item.qty`, `[2]`).
    pub path: String,
    /// What the decoder said.
    pub message: String,
}

impl PathError {
    pub(crate) fn from_track<E: std::fmt::Display>(e: serde_path_to_error::Error<E>) -> Self {
        let mut message = e.inner().to_string();
        // serde_json appends the position in the element, meaningless to a caller.
        if let Some(at) = message.rfind(" at line ")
            && message[at + 9..]
                .split(" column ")
                .all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        {
            message.truncate(at);
        }
        PathError {
            path: e.path().to_string(),
            message,
        }
    }

    pub(crate) fn whole(message: impl Into<String>) -> Self {
        PathError {
            path: ".".into(),
            message: message.into(),
        }
    }
}

/// Splits an encoded list into the byte ranges of its elements.
pub(crate) fn split_list(
    serializer: SerializerKind,
    list: &[u8],
) -> Result<Vec<Range<usize>>, String> {
    let result = match serializer {
        SerializerKind::Json => Json::split(list),
        SerializerKind::MsgPack => MsgPack::split(list),
        SerializerKind::Cbor => Cbor::split(list),
    };
    result.map_err(|e| e.unwrap_or_else(|| "not a list".into()))
}

/// Splits an encoded dict into its keys and the byte ranges of their values.
pub(crate) fn split_dict(
    serializer: SerializerKind,
    dict: &[u8],
) -> Result<Vec<(String, Range<usize>)>, String> {
    match serializer {
        SerializerKind::Json => Json::split_dict(dict),
        SerializerKind::MsgPack => MsgPack::split_dict(dict),
        SerializerKind::Cbor => Cbor::split_dict(dict),
    }
}

/// Decodes one element straight from its bytes, with the serde path of a failure.
pub(crate) fn decode_path<T: DeserializeOwned>(
    serializer: SerializerKind,
    bytes: &[u8],
) -> Result<T, PathError> {
    match serializer {
        SerializerKind::Json => Json::decode_path(bytes),
        SerializerKind::MsgPack => MsgPack::decode_path(bytes),
        SerializerKind::Cbor => Cbor::decode_path(bytes),
    }
}

/// Encodes one payload part, checking it is a list (`args`) or a dict (`kwargs`).
pub(crate) fn encode_part<T: Serialize + ?Sized>(
    serializer: SerializerKind,
    part: &'static str,
    value: &T,
) -> Result<Bytes, PayloadError> {
    let mut out = Vec::with_capacity(64);
    let result = match serializer {
        SerializerKind::Json => Json::encode_typed(&mut out, value).map(|_| Json::sniff(&out)),
        SerializerKind::MsgPack => {
            MsgPack::encode_typed(&mut out, value).map(|_| MsgPack::sniff(&out))
        }
        SerializerKind::Cbor => Cbor::encode_typed(&mut out, value).map(|_| Cbor::sniff(&out)),
    };
    let want = if part == "args" {
        Sniff::List
    } else {
        Sniff::Dict
    };
    match result {
        Ok(found) if found == want => Ok(Bytes::from(out)),
        Ok(found) => Err(PayloadError::Encode {
            part,
            serializer,
            reason: format!(
                "{part} must serialize as {}, not {}",
                want.describe(),
                found.describe()
            ),
        }),
        Err(reason) => Err(PayloadError::Encode {
            part,
            serializer,
            reason,
        }),
    }
}

/// Decodes one payload part into a user type.
pub(crate) fn decode_part<T: DeserializeOwned>(
    serializer: SerializerKind,
    part: &'static str,
    bytes: &[u8],
) -> Result<T, PayloadError> {
    let result = match serializer {
        SerializerKind::Json => Json::decode_typed(bytes),
        SerializerKind::MsgPack => MsgPack::decode_typed(bytes),
        SerializerKind::Cbor => Cbor::decode_typed(bytes),
    };
    result.map_err(|reason| PayloadError::Decode {
        part,
        serializer,
        reason,
    })
}

/// Re-encodes one payload part from one serializer into another.
pub(crate) fn transcode(
    from: SerializerKind,
    to: SerializerKind,
    part: &'static str,
    bytes: &[u8],
) -> Result<Bytes, PayloadError> {
    let value: Value = decode_part(from, part, bytes)?;
    let mut out = Vec::with_capacity(bytes.len() + 16);
    let result = match to {
        SerializerKind::Json => Json::write_value(&mut out, &value),
        SerializerKind::MsgPack => MsgPack::write_value(&mut out, &value),
        SerializerKind::Cbor => Cbor::write_value(&mut out, &value),
    };
    result.map_err(|reason| PayloadError::Encode {
        part,
        serializer: to,
        reason,
    })?;
    Ok(Bytes::from(out))
}

/// Whether an encoded list is empty.
pub(crate) fn is_empty_list(serializer: SerializerKind, bytes: &[u8]) -> bool {
    match serializer {
        SerializerKind::Json => json_is_empty(bytes, b'[', b']'),
        SerializerKind::MsgPack => bytes == [0x90],
        SerializerKind::Cbor => bytes == [0x80] || bytes == [0x9f, 0xff],
    }
}

/// Whether an encoded dict is empty.
pub(crate) fn is_empty_dict(serializer: SerializerKind, bytes: &[u8]) -> bool {
    match serializer {
        SerializerKind::Json => json_is_empty(bytes, b'{', b'}'),
        SerializerKind::MsgPack => bytes == [0x80],
        SerializerKind::Cbor => bytes == [0xa0] || bytes == [0xbf, 0xff],
    }
}

fn json_is_empty(bytes: &[u8], open: u8, close: u8) -> bool {
    let mut inner = bytes.iter().copied().filter(|b| !b.is_ascii_whitespace());
    inner.next() == Some(open) && inner.next() == Some(close) && inner.next().is_none()
}
