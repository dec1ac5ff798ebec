//! The bottom layer: the values WAMP carries and the three serializers that
//! encode them (JSON, MessagePack, CBOR), with binary data in JSON as the spec
//! says. It knows nothing of messages; the protocol layer builds on it.
//!
//! - [`Value`] and [`Dict`]: dynamic values, converted straight from and to
//!   Rust types with serde ([`Value::from_serialize`], [`Value::deserialize_into`]);
//! - [`SerializerKind`]: the closed set of serializers and their wire names;
//! - the formats themselves (crate-internal): element-level reads and writes
//!   for the message envelope, and typed encoding, decoding and transcoding of
//!   payload parts.

mod cbor;
mod coerce;
#[cfg(test)]
mod coerce_tests;
mod error;
mod format;
mod from_value;
mod json;
mod json_binary;
mod kind;
mod msgpack;
pub(crate) mod parts;
mod sniff;
mod to_value;
mod value;
mod value_serde;
#[cfg(test)]
mod value_tests;

pub use error::{PathError, PayloadError, ValueError};
pub use kind::{SerializerKind, UnknownSerializer};
pub use value::{Dict, Value};

pub(crate) use cbor::Cbor;
pub(crate) use coerce::Coerce;
pub(crate) use format::Format;
pub(crate) use json::Json;
pub(crate) use msgpack::MsgPack;
pub(crate) use sniff::Sniff;
pub(crate) use value_serde::{DictKey, ValueVisitor};
