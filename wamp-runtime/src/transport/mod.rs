//! Transports: WebSocket, RawSocket (each optionally over TLS) and in-memory.
//!
//! Every transport yields and accepts whole WAMP frames as [`Bytes`]: one frame is
//! one serialized message. A connected transport is a [`Transport`]: a
//! [`FrameSink`] to write frames (use `feed` for several, then one `flush`, to batch
//! writes into one syscall), a [`FrameStream`] to read them, the negotiated
//! [`SerializerKind`] and some [`TransportDetails`]. Session and router code only
//! see this type and never care which transport is underneath. Before closing
//! the sink they may say why with [`WriteFrames::set_close_code`] (a
//! [`CloseCode`]: 1000 after GOODBYE by default, 1001 on shutdown); only
//! WebSocket puts it on the wire.
//!
//! - Clients: [`connect()`] with a `ws://`, `wss://`, `rs://`/`tcp://` or
//!   `rss://`/`tcps://` URL and [`ClientOptions`]; on Unix also
//!   `rs+unix:///path` (or `unix:///path`) for RawSocket and `ws+unix:///path`
//!   for WebSocket over a Unix domain socket.
//! - Servers: an [`Acceptor`] serves WebSocket and RawSocket on one port (or
//!   one Unix socket file), with optional TLS.
//! - In-process: [`memory::pair`].
//! - TLS configurations (ring provider only, feature `tls`): `tls`.
//!
//! Inside, each job has its file: `connect` and `accept` are the two entry
//! points, `websocket/` and `rawsocket/` the two wire protocols (handshakes,
//! framing, the frame stream/sink adapter), `io` the byte streams they run
//! on, `elastic` the on-demand read buffer under WebSocket, `tls` the rustls glue, `unix` the Unix socket files, `keepalive` the ping timer shared by both.

use std::fmt;
use std::net::SocketAddr;
use std::pin::Pin;

use bytes::Bytes;
use futures_util::Stream;

use crate::serializer::SerializerKind;

mod accept;
mod close;
mod connect;
mod elastic;
mod error;
mod io;
mod keepalive;
pub mod memory;
mod options;
mod rawsocket;
#[cfg(feature = "tls")]
pub mod tls;
#[cfg(unix)]
pub(crate) mod unix;
mod websocket;

pub use accept::Acceptor;
pub use close::{CloseCode, WriteFrames};
pub use connect::connect;
pub use error::TransportError;
#[cfg(feature = "router")]
pub(crate) use io::ByteStream;
pub use keepalive::Keepalive;
pub use options::{ClientOptions, DEFAULT_MAX_MESSAGE_SIZE, ServerOptions};
#[cfg(unix)]
pub use unix::DEFAULT_SOCKET_MODE;

/// The sending half of a transport: a sink of whole frames, which can be
/// told the [`CloseCode`] to close with.
pub type FrameSink = Pin<Box<dyn WriteFrames>>;

/// The receiving half of a transport: a stream of whole frames. It ends (`None`)
/// when the peer closes the transport cleanly.
pub type FrameStream = Pin<Box<dyn Stream<Item = Result<Bytes, TransportError>> + Send>>;

/// Which kind of transport carries a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TransportKind {
    /// WebSocket (`ws://`).
    WebSocket,
    /// WebSocket over TLS (`wss://`).
    SecureWebSocket,
    /// RawSocket over TCP (`rs://`, `tcp://`).
    RawSocket,
    /// RawSocket over TLS (`rss://`, `tcps://`).
    SecureRawSocket,
    /// In-process channel.
    Memory,
    /// WebSocket over a Unix domain socket (`ws+unix://`).
    UnixWebSocket,
    /// RawSocket over a Unix domain socket (`rs+unix://`, `unix://`).
    UnixRawSocket,
}

impl TransportKind {
    /// Whether the transport is encrypted with TLS.
    pub fn is_tls(self) -> bool {
        matches!(self, Self::SecureWebSocket | Self::SecureRawSocket)
    }

    /// Whether the transport runs over a Unix domain socket.
    pub fn is_unix(self) -> bool {
        matches!(self, Self::UnixWebSocket | Self::UnixRawSocket)
    }
}

/// What is known about a connected transport.
#[derive(Debug, Clone)]
pub struct TransportDetails {
    /// Which kind of transport this is.
    pub kind: TransportKind,
    /// Address of the other end, when there is a socket.
    pub peer: Option<SocketAddr>,
    /// Largest frame the other end accepts (0 when unlimited).
    pub max_outgoing: usize,
    /// Largest frame this end accepts (0 when unlimited).
    pub max_incoming: usize,
    /// TLS channel binding (`tls-exporter`, RFC 9266: 32 bytes exported with the
    /// label `EXPORTER-Channel-Binding`), when the transport runs over TLS.
    pub channel_binding: Option<Bytes>,
}

/// A connected transport carrying whole frames of one serializer.
pub struct Transport {
    /// Where frames are written.
    pub sink: FrameSink,
    /// Where frames are read from.
    pub stream: FrameStream,
    /// The serializer negotiated on this transport.
    pub serializer: SerializerKind,
    /// Facts about the connection.
    pub details: TransportDetails,
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transport")
            .field("serializer", &self.serializer)
            .field("details", &self.details)
            .finish_non_exhaustive()
    }
}
