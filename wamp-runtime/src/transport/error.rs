//! The one error type of every transport.

use std::io;

/// Why a transport failed, refused to connect, or refused a frame.
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    /// The socket failed.
    #[error("transport I/O error: {0}")]
    Io(#[from] io::Error),
    /// A frame is larger than the limit of the receiving side.
    #[error("message of {size} bytes exceeds the limit of {limit} bytes")]
    MessageTooLarge {
        /// Size of the refused frame.
        size: usize,
        /// The limit it broke.
        limit: usize,
    },
    /// The peer offered or chose no serializer we accept.
    #[error("no common WAMP serializer: {0}")]
    SerializerRefused(String),
    /// The opening handshake failed.
    #[error("transport handshake failed: {0}")]
    Handshake(String),
    /// The peer broke the transport's framing rules.
    #[error("transport framing violation: {0}")]
    Framing(String),
    /// TLS setup or negotiation failed.
    #[error("TLS error: {0}")]
    Tls(String),
    /// The address is not a usable transport URL.
    #[error("invalid transport URL `{url}`: {reason}")]
    InvalidUrl {
        /// The URL given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The transport is closed; nothing more can be sent.
    #[error("transport closed")]
    Closed,
}
