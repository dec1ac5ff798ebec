//! The byte streams transports run on, what they tell about the connection,
//! and the time limit of a handshake on them.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use tokio::io::{AsyncRead, AsyncWrite, DuplexStream};
use tokio::net::TcpStream;

use super::{TransportError, TransportKind};

/// A byte stream a WebSocket or RawSocket transport can run on.
///
/// Implemented for [`TcpStream`], `UnixStream`, TLS streams over any `ByteStream`, and
/// [`DuplexStream`] (for tests). Every method has a default.
pub(crate) trait ByteStream: AsyncRead + AsyncWrite + Unpin + Send + 'static {
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

    /// Whether this is a Unix domain socket (no peer address).
    fn is_unix(&self) -> bool {
        false
    }
}

impl ByteStream for TcpStream {
    fn peer_addr(&self) -> Option<SocketAddr> {
        TcpStream::peer_addr(self).ok()
    }
}

impl ByteStream for DuplexStream {}

/// What a transport records about its stream before the stream is consumed.
#[derive(Debug, Clone)]
pub(crate) struct StreamInfo {
    pub(crate) peer: Option<SocketAddr>,
    pub(crate) tls: bool,
    pub(crate) channel_binding: Option<Bytes>,
    pub(crate) unix: bool,
}

impl StreamInfo {
    pub(crate) fn of<S: ByteStream>(stream: &S) -> Self {
        Self {
            peer: stream.peer_addr(),
            tls: stream.is_tls(),
            channel_binding: stream.channel_binding(),
            unix: stream.is_unix(),
        }
    }

    /// The transport kind, given the plain kind (WebSocket or RawSocket).
    pub(crate) fn kind(&self, websocket: bool) -> TransportKind {
        match (websocket, self.tls) {
            (true, false) if self.unix => TransportKind::UnixWebSocket,
            (false, false) if self.unix => TransportKind::UnixRawSocket,
            (true, false) => TransportKind::WebSocket,
            (true, true) => TransportKind::SecureWebSocket,
            (false, false) => TransportKind::RawSocket,
            (false, true) => TransportKind::SecureRawSocket,
        }
    }
}

/// Runs `fut`, failing with a [`TransportError::Handshake`] naming `what` if
/// it does not finish within `limit`. Not an `async fn`, so that `fut` is
/// stored once in the returned future (an `async fn` would keep a second,
/// moved-from copy of its argument beside the timeout holding it).
pub(crate) fn with_timeout<T>(
    limit: Duration,
    what: &str,
    fut: impl Future<Output = Result<T, TransportError>>,
) -> impl Future<Output = Result<T, TransportError>> {
    let timeout = tokio::time::timeout(limit, fut);
    async move {
        match timeout.await {
            Ok(result) => result,
            Err(_) => Err(TransportError::Handshake(format!(
                "{what} did not complete within {limit:?}"
            ))),
        }
    }
}
