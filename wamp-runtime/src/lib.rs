//! WAMP v2 for Rust: routed RPC and publish/subscribe.
//!
//! This crate is imported as `wamp`. It holds:
//!
//! - [`protocol`]: the 25 WAMP messages, their options and details, URIs, IDs and
//!   application payloads, with no I/O;
//! - [`serializer`]: JSON, MessagePack and CBOR behind one trait;
//! - [`transport`]: WebSocket, RawSocket (both with optional TLS) and an in-memory
//!   transport, all yielding whole frames.
//!

pub mod protocol;
pub mod serializer;
pub mod transport;

pub use serializer::SerializerKind;
