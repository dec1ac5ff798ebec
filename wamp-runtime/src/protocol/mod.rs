//! The WAMP protocol core, with no I/O: messages, their options and details,
//! URIs, IDs, application payloads, protocol errors, and the envelope codec
//! that turns messages into frames of a serializer and back.
//!
//! It builds on [`crate::serializer`] (values and wire formats) and on nothing
//! else of the crate.

pub(crate) mod dict_struct;
mod encoded_parts;
mod envelope;
mod error;
pub(crate) mod field;
pub mod id;
mod local_args;
mod message;
pub mod options;
mod payload;
#[cfg(test)]
mod payload_tests;
pub mod roles;
mod single_arg;
pub(crate) mod string_enum;
pub mod trace_context;
#[cfg(any(feature = "client", feature = "router"))]
pub(crate) mod trace_span;
pub mod uri;
pub mod uris;

pub use crate::serializer::{Dict, PathError, PayloadError, Value, ValueError};
pub use error::{EncodeError, ProtocolError};
pub use field::FieldType;
pub use id::Id;
pub use message::*;
pub use payload::Payload;
pub use uri::Uri;
