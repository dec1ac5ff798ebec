//! Serializers: JSON, MessagePack and CBOR behind one trait.
//!
//! Each serializer decodes the message envelope (type, ids, URIs, options) and
//! keeps the application payload (`args`, `kwargs`) as raw bytes of the frame, so
//! a router can forward it untouched and a peer can decode it straight into its
//! own types.

mod kind;

pub use kind::SerializerKind;
