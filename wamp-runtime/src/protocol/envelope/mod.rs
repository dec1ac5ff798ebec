//! The message envelope codec: whole messages to frames of a serializer and
//! back. The envelope (type, IDs, URIs, options) is read into typed fields; the
//! application payload stays raw bytes of the frame, so a router forwards it
//! untouched and a peer decodes it straight into its own types.

mod codec;
mod decode;
mod encode;
mod reader;
mod writer;
