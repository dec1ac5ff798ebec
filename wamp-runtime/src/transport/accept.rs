//! The server's entry point: an [`Acceptor`] serves WebSocket and RawSocket
//! on the same port (optionally behind TLS) by looking at the first octet the
//! client sends.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
#[cfg(feature = "tls")]
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

use super::io::{ByteStream, with_timeout};
use super::{ServerOptions, Transport, TransportError, rawsocket, websocket};

/// Server side of the transports: accepts WebSocket and RawSocket clients on
/// the same streams, optionally behind TLS.
///
/// A client whose first octet is `0x7F` speaks RawSocket; anything else is
/// handed to the WebSocket (HTTP) handshake.
#[derive(Debug, Clone)]
pub struct Acceptor {
    options: ServerOptions,
    #[cfg(feature = "tls")]
    tls: Option<Arc<rustls::ServerConfig>>,
}

impl Acceptor {
    /// An acceptor for plain (non-TLS) streams.
    pub fn new(options: ServerOptions) -> Self {
        Self {
            options,
            #[cfg(feature = "tls")]
            tls: None,
        }
    }

    /// Runs a TLS handshake with `config` before the transport handshake.
    #[cfg(feature = "tls")]
    pub fn with_tls(mut self, config: Arc<rustls::ServerConfig>) -> Self {
        self.tls = Some(config);
        self
    }

    /// Uses `keepalive` (and `rawsocket`, see
    /// [`ServerOptions::rawsocket_keepalive`]) unless the options already set one.
    #[cfg(feature = "router")]
    pub(crate) fn or_keepalive(
        mut self,
        keepalive: Option<super::Keepalive>,
        rawsocket: bool,
    ) -> Self {
        if self.options.keepalive.is_none() {
            self.options.keepalive = keepalive;
            self.options.rawsocket_keepalive = rawsocket;
        }
        self
    }

    /// The options used for every accepted transport.
    pub fn options(&self) -> &ServerOptions {
        &self.options
    }

    /// Accepts a transport on a freshly accepted TCP connection (sets TCP_NODELAY).
    pub async fn accept_tcp(&self, stream: TcpStream) -> Result<Transport, TransportError> {
        stream.set_nodelay(true)?;
        self.accept(stream).await
    }

    /// Accepts a transport on a freshly accepted Unix domain socket connection.
    #[cfg(unix)]
    pub async fn accept_unix(
        &self,
        stream: tokio::net::UnixStream,
    ) -> Result<Transport, TransportError> {
        self.accept(stream).await
    }

    /// Accepts a transport on any byte stream: TLS (if configured), then
    /// RawSocket or WebSocket depending on the first octet, all within
    /// [`ServerOptions::handshake_timeout`].
    pub(crate) async fn accept<S: ByteStream>(
        &self,
        stream: S,
    ) -> Result<Transport, TransportError> {
        with_timeout(
            self.options.handshake_timeout,
            "accepting a transport",
            async {
                #[cfg(feature = "tls")]
                if let Some(config) = &self.tls {
                    let stream = super::tls::accept(stream, config.clone()).await?;
                    return self.detect(stream).await;
                }
                self.detect(stream).await
            },
        )
        .await
    }

    async fn detect<S: ByteStream>(&self, mut stream: S) -> Result<Transport, TransportError> {
        let mut first = [0u8; 1];
        stream.read_exact(&mut first).await?;
        if first[0] == rawsocket::MAGIC {
            let mut hello = [rawsocket::MAGIC, 0, 0, 0];
            stream.read_exact(&mut hello[1..]).await?;
            let exp = rawsocket::length_exponent(self.options.max_incoming);
            let (serializer, peer_max) =
                rawsocket::server_with_hello(&mut stream, hello, &self.options.serializers, exp)
                    .await?;
            Ok(rawsocket::server_established(
                stream,
                serializer,
                peer_max,
                exp,
                &self.options,
            ))
        } else {
            let stream = Prefixed {
                first: Some(first[0]),
                inner: stream,
            };
            websocket::server(stream, &self.options).await
        }
    }
}

/// A stream with one already-read octet put back in front.
struct Prefixed<S> {
    first: Option<u8>,
    inner: S,
}

impl<S: ByteStream> AsyncRead for Prefixed<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if buf.remaining() > 0
            && let Some(octet) = self.first.take()
        {
            buf.put_slice(&[octet]);
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: ByteStream> AsyncWrite for Prefixed<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

impl<S: ByteStream> ByteStream for Prefixed<S> {
    fn peer_addr(&self) -> Option<SocketAddr> {
        self.inner.peer_addr()
    }

    fn is_tls(&self) -> bool {
        self.inner.is_tls()
    }

    fn channel_binding(&self) -> Option<Bytes> {
        self.inner.channel_binding()
    }

    fn is_unix(&self) -> bool {
        self.inner.is_unix()
    }
}
