//! Encoded payload parts (`args` lists, `kwargs` dicts) in any serializer:
//! splitting, typed encoding and decoding, and transcoding between serializers,
//! dispatched on [`SerializerKind`].

use std::ops::Range;

use bytes::Bytes;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::cbor::Cbor;
use super::error::{PathError, PayloadError};
use super::format::Format;
use super::json::Json;
use super::kind::SerializerKind;
use super::msgpack::MsgPack;
use super::sniff::Sniff;
use super::value::Value;

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

/// Decodes one payload part into a user type, with the typed decoding rules
/// (the same in every serializer).
pub(crate) fn decode_part<T: DeserializeOwned>(
    serializer: SerializerKind,
    part: &'static str,
    bytes: &[u8],
) -> Result<T, PayloadError> {
    let result = match serializer {
        SerializerKind::Json => Json::decode_coerced(bytes),
        SerializerKind::MsgPack => MsgPack::decode_coerced(bytes),
        SerializerKind::Cbor => Cbor::decode_coerced(bytes),
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
    let value: Value = match from {
        SerializerKind::Json => Json::decode_typed(bytes),
        SerializerKind::MsgPack => MsgPack::decode_typed(bytes),
        SerializerKind::Cbor => Cbor::decode_typed(bytes),
    }
    .map_err(|reason| PayloadError::Decode {
        part,
        serializer: from,
        reason,
    })?;
    let mut out = Vec::with_capacity(bytes.len() + 16);
    let result = match to {
        SerializerKind::Json => Json::encode_typed(&mut out, &value),
        SerializerKind::MsgPack => MsgPack::encode_typed(&mut out, &value),
        SerializerKind::Cbor => Cbor::encode_typed(&mut out, &value),
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
