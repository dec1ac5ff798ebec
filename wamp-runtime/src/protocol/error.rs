//! Protocol errors: what was wrong with a message that must be rejected.

use crate::serializer::SerializerKind;

/// A message broke the WAMP protocol rules.
///
/// Every variant says where (message name and field) and what was wrong. A peer
/// that receives such a message answers with `ABORT` and the reason
/// [`ProtocolError::URI`] (`wamp.error.protocol_violation`).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ProtocolError {
    /// The bytes are not a valid document of the serializer.
    #[error("malformed {serializer} message: {reason}")]
    Malformed {
        /// The serializer that failed to read the bytes.
        serializer: SerializerKind,
        /// What the decoder said.
        reason: String,
    },
    /// The message is not a non-empty list.
    #[error("a WAMP message must be a non-empty list, found {found}")]
    NotAList {
        /// What was found instead.
        found: String,
    },
    /// The first element is not a known message type code.
    #[error("unknown WAMP message type {code}")]
    UnknownMessageType {
        /// The code (or a description of the non-integer found).
        code: String,
    },
    /// The message has a length that no form of its type has.
    #[error("{message} message has {len} elements, expected {expected}")]
    WrongLength {
        /// Message name, e.g. `CALL`.
        message: &'static str,
        /// Number of elements found (including the type code).
        len: usize,
        /// Allowed lengths, e.g. `4 to 6`.
        expected: &'static str,
    },
    /// An element has the wrong type.
    #[error("{message}.{field} must be {expected}, found {found}")]
    WrongType {
        /// Message name.
        message: &'static str,
        /// Element name, e.g. `Request` or `Arguments`.
        field: &'static str,
        /// What the spec requires.
        expected: &'static str,
        /// What was found.
        found: String,
    },
    /// An ID is outside [0, 2^53].
    #[error("{message}.{field} is {value}, outside the ID range [0, 2^53]")]
    IdOutOfRange {
        /// Message name.
        message: &'static str,
        /// Element name.
        field: &'static str,
        /// The value found.
        value: u64,
    },
    /// A URI breaks the URI rules.
    #[error("{message}.{field} is not a valid URI: {uri:?}")]
    InvalidUri {
        /// Message name.
        message: &'static str,
        /// Element name.
        field: &'static str,
        /// The offending URI.
        uri: String,
    },
    /// A known key of an Options or Details dictionary has a bad type or value.
    #[error("{message}.{dict}.{key} must be {expected}, found {found}")]
    InvalidOption {
        /// Message name.
        message: &'static str,
        /// Dictionary name: `Options`, `Details` or `Extra`.
        dict: &'static str,
        /// The key.
        key: String,
        /// What the key requires.
        expected: &'static str,
        /// What was found.
        found: String,
    },
    /// A rule spanning several elements was broken.
    #[error("{message}: {reason}")]
    Invalid {
        /// Message name.
        message: &'static str,
        /// The broken rule.
        reason: String,
    },
}

impl ProtocolError {
    /// The error URI sent in the `ABORT` that answers a protocol violation.
    pub const URI: &'static str = "wamp.error.protocol_violation";
}

/// A message could not be encoded.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EncodeError {
    /// A payload could not be transcoded into the target serializer.
    #[error("payload cannot be encoded as {serializer}: {reason}")]
    Payload {
        /// Target serializer.
        serializer: SerializerKind,
        /// Why.
        reason: String,
    },
    /// A value cannot be represented by the target serializer.
    #[error("value cannot be encoded as {serializer}: {reason}")]
    Value {
        /// Target serializer.
        serializer: SerializerKind,
        /// Why.
        reason: String,
    },
}
