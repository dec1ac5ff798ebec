//! The byte streams transports run on, and what they tell about the connection.

use std::net::SocketAddr;

use bytes::Bytes;
use tokio::io::{AsyncRead, AsyncWrite, DuplexStream};
use tokio::net::TcpStream;

use super::TransportKind;

/// A byte stream a WebSocket or RawSocket transport can run on.
///
/// Implemented for [`TcpStream`], TLS streams over any `ByteStream`, and
/// [`DuplexStream`]. For another stream type, an empty `impl ByteStream for T {}`
/// is enough: every method has a default.
pub trait ByteStream: AsyncRead + AsyncWrite + Unpin + Send + 'static {
    /// Address of the other end, if known.
    fn peer_addr(&self) -> Option<SocketAddr> {
        None
    }

    /// Whether the bytes are protected by TLS.
    fn is_tls(&self) -> bool {
        false
    }

    /// The TLS `tls-exporter` channel binding (RFC 9266), if this is a TLS stream.
    fn channel_binding(&self) -> Option<Bytes> {
        None
    }
}

impl ByteStream for TcpStream {
    fn peer_addr(&self) -> Option<SocketAddr> {
        TcpStream::peer_addr(self).ok()
    }
}

impl ByteStream for DuplexStream {}

impl<S: ByteStream> ByteStream for tokio_rustls::client::TlsStream<S> {
    fn peer_addr(&self) -> Option<SocketAddr> {
        self.get_ref().0.peer_addr()
    }

    fn is_tls(&self) -> bool {
        true
    }

    fn channel_binding(&self) -> Option<Bytes> {
        super::tls::exporter_binding(self.get_ref().1)
    }
}

impl<S: ByteStream> ByteStream for tokio_rustls::server::TlsStream<S> {
    fn peer_addr(&self) -> Option<SocketAddr> {
        self.get_ref().0.peer_addr()
    }

    fn is_tls(&self) -> bool {
        true
    }

    fn channel_binding(&self) -> Option<Bytes> {
        super::tls::exporter_binding(self.get_ref().1)
    }
}

impl<S: ByteStream> ByteStream for Box<S> {
    fn peer_addr(&self) -> Option<SocketAddr> {
        (**self).peer_addr()
    }

    fn is_tls(&self) -> bool {
        (**self).is_tls()
    }

    fn channel_binding(&self) -> Option<Bytes> {
        (**self).channel_binding()
    }
}

/// What a transport records about its stream before the stream is consumed.
#[derive(Debug, Clone)]
pub(crate) struct StreamInfo {
    pub(crate) peer: Option<SocketAddr>,
    pub(crate) tls: bool,
    pub(crate) channel_binding: Option<Bytes>,
}

impl StreamInfo {
    pub(crate) fn of<S: ByteStream>(stream: &S) -> Self {
        Self {
            peer: stream.peer_addr(),
            tls: stream.is_tls(),
            channel_binding: stream.channel_binding(),
        }
    }

    /// The transport kind, given the plain kind (WebSocket or RawSocket).
    pub(crate) fn kind(&self, websocket: bool) -> TransportKind {
        match (websocket, self.tls) {
            (true, false) => TransportKind::WebSocket,
            (true, true) => TransportKind::SecureWebSocket,
            (false, false) => TransportKind::RawSocket,
            (false, true) => TransportKind::SecureRawSocket,
        }
    }
}
