//! The WAMP protocol core, with no I/O: messages, their options and details,
//! URIs, IDs, application payloads and protocol errors.

mod error;
pub(crate) mod field;
pub mod id;
mod message;
pub mod options;
mod payload;
pub mod roles;
pub mod uri;
pub mod uris;
mod value;

pub use error::{EncodeError, ProtocolError};
pub use field::FieldType;
pub use id::Id;
pub use message::*;
pub use payload::{PathError, Payload, PayloadError};
pub use uri::Uri;
pub use value::{Dict, Value, ValueError};
pub(crate) use value::{DictRef, JsonValue};
