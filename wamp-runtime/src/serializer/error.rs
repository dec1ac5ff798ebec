//! What can go wrong converting, encoding or decoding a value.

use super::kind::SerializerKind;

/// A value could not be converted to or from a Rust type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("value conversion failed: {0}")]
pub struct ValueError(pub String);

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
        PathError {
            path: e.path().to_string(),
            message: without_position(e.inner().to_string()),
        }
    }

    pub(crate) fn whole(message: impl Into<String>) -> Self {
        PathError {
            path: ".".into(),
            message: message.into(),
        }
    }
}

/// A decoder's message without the position serde_json appends (` at line
/// 1 column 5`), meaningless to a caller and absent in the other formats.
pub(crate) fn without_position(mut message: String) -> String {
    if let Some(at) = message.rfind(" at line ")
        && message[at + 9..]
            .split(" column ")
            .all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    {
        message.truncate(at);
    }
    message
}

/// A payload could not be encoded or decoded as asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PayloadError {
    /// The payload does not decode into the requested type.
    #[error("cannot decode {part} as {serializer}: {reason}")]
    Decode {
        /// `args` or `kwargs`.
        part: &'static str,
        /// Serializer of the payload.
        serializer: SerializerKind,
        /// What the decoder said.
        reason: String,
    },
    /// A value could not be encoded.
    #[error("cannot encode {part} as {serializer}: {reason}")]
    Encode {
        /// `args` or `kwargs`.
        part: &'static str,
        /// Target serializer.
        serializer: SerializerKind,
        /// What the encoder said.
        reason: String,
    },
    /// Arguments built locally (not yet encoded in any serializer) could not be
    /// converted to or from dynamic values.
    #[error("cannot convert {part}: {reason}")]
    Value {
        /// `args` or `kwargs`.
        part: &'static str,
        /// What the conversion said.
        reason: String,
    },
    /// The payload is transparent (end-to-end encrypted) and has no arguments.
    #[error("the payload is transparent (enc_algo) and cannot be decoded as arguments")]
    Transparent,
}

impl serde::ser::Error for ValueError {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        ValueError(msg.to_string())
    }
}

impl serde::de::Error for ValueError {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        ValueError(msg.to_string())
    }
}
