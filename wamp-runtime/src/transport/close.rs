//! How a transport ends: the [`CloseCode`] a WebSocket close frame carries,
//! and the [`WriteFrames`] sink that can be told which one to send.
//!
//! Session and router code say *why* they close (a clean leave, a shutdown)
//! with [`WriteFrames::set_close_code`] before closing the sink; the
//! WebSocket transport sends that code (RFC 6455 7.4.1). RawSocket and the
//! in-memory transport have no close codes and ignore it.

use std::pin::Pin;

use bytes::Bytes;
use futures_util::Sink;

use super::TransportError;

/// The status code of a WebSocket close frame (RFC 6455 7.4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum CloseCode {
    /// 1000: the purpose of the connection is fulfilled (after GOODBYE). The default.
    #[default]
    Normal,
    /// 1001: the endpoint goes away (router shutdown, process stopping).
    GoingAway,
    /// 1002: the peer broke the WebSocket protocol (framing).
    Protocol,
    /// 1003: the peer sent a type of message this end cannot accept.
    Unsupported,
    /// 1007: a text message was not valid UTF-8.
    InvalidData,
    /// 1008: the peer broke a policy of this end.
    Policy,
    /// 1009: a message was larger than this end accepts.
    TooBig,
    /// 1011: this end met an unexpected condition.
    Error,
}

impl CloseCode {
    /// The numeric code on the wire.
    pub fn code(self) -> u16 {
        match self {
            Self::Normal => 1000,
            Self::GoingAway => 1001,
            Self::Protocol => 1002,
            Self::Unsupported => 1003,
            Self::InvalidData => 1007,
            Self::Policy => 1008,
            Self::TooBig => 1009,
            Self::Error => 1011,
        }
    }
}

impl std::fmt::Display for CloseCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.code())
    }
}

/// A sink of whole frames (what a [`FrameSink`](super::FrameSink) boxes)
/// that can be told how to close.
pub trait WriteFrames: Sink<Bytes, Error = TransportError> + Send {
    /// Sets the code the close frame carries when this sink is closed
    /// ([`CloseCode::Normal`] unless set). Transports without close codes
    /// (RawSocket, in-memory) ignore it.
    fn set_close_code(self: Pin<&mut Self>, code: CloseCode);
}
