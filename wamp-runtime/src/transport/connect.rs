//! One entry point per side: [`connect`] dispatches on the URL scheme, and an
//! [`Acceptor`] serves WebSocket and RawSocket on the same port (optionally
//! behind TLS) by looking at the first octet the client sends.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use url::{Host, Url};

use super::rawsocket::{self, with_timeout};
use super::{ByteStream, ClientOptions, ServerOptions, Transport, TransportError, tls, websocket};

/// Which protocol a URL scheme selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scheme {
    WebSocket { tls: bool },
    RawSocket { tls: bool },
}

fn invalid(url: &str, reason: impl Into<String>) -> TransportError {
    TransportError::InvalidUrl {
        url: url.to_owned(),
        reason: reason.into(),
    }
}

/// Connects to `url` and runs the transport's opening handshake.
///
/// Schemes: `ws`, `wss` (WebSocket; default ports 80 and 443), `rs`, `tcp`
/// (RawSocket) and `rss`, `tcps` (RawSocket over TLS); RawSocket URLs need a
/// port. The whole connection, TLS included, must finish within
/// [`ClientOptions::handshake_timeout`]. TCP_NODELAY is set.
pub async fn connect(url: &str, options: &ClientOptions) -> Result<Transport, TransportError> {
    let parsed = Url::parse(url).map_err(|e| invalid(url, e.to_string()))?;
    let scheme = match parsed.scheme() {
        "ws" => Scheme::WebSocket { tls: false },
        "wss" => Scheme::WebSocket { tls: true },
        "rs" | "tcp" => Scheme::RawSocket { tls: false },
        "rss" | "tcps" => Scheme::RawSocket { tls: true },
        other => {
            return Err(invalid(
                url,
                format!("unsupported scheme `{other}` (expected ws, wss, rs, tcp, rss or tcps)"),
            ));
        }
    };
    let host = match parsed.host() {
        Some(Host::Domain(d)) => d.to_owned(),
        Some(Host::Ipv4(a)) => a.to_string(),
        Some(Host::Ipv6(a)) => a.to_string(),
        None => return Err(invalid(url, "missing host")),
    };
    let port = parsed
        .port_or_known_default()
        .ok_or_else(|| invalid(url, "missing port"))?;

    with_timeout(options.handshake_timeout, "connecting", async {
        let tcp = TcpStream::connect((host.as_str(), port)).await?;
        tcp.set_nodelay(true)?;
        let tls_on = matches!(
            scheme,
            Scheme::WebSocket { tls: true } | Scheme::RawSocket { tls: true }
        );
        if tls_on {
            let config = match &options.tls {
                Some(config) => config.clone(),
                None => tls::webpki_client_config()?,
            };
            let name = options.tls_server_name.as_deref().unwrap_or(&host);
            let stream = tls::connect(tcp, config, name).await?;
            handshake(stream, scheme, url, options).await
        } else {
            handshake(tcp, scheme, url, options).await
        }
    })
    .await
}

async fn handshake<S: ByteStream>(
    stream: S,
    scheme: Scheme,
    url: &str,
    options: &ClientOptions,
) -> Result<Transport, TransportError> {
    match scheme {
        Scheme::WebSocket { .. } => websocket::client(stream, url, options).await,
        Scheme::RawSocket { .. } => Ok(rawsocket::client(stream, options).await?.into_transport()),
    }
}

/// Server side of the transports: accepts WebSocket and RawSocket clients on
/// the same streams, optionally behind TLS.
///
/// A client whose first octet is `0x7F` speaks RawSocket; anything else is
/// handed to the WebSocket (HTTP) handshake.
#[derive(Debug, Clone)]
pub struct Acceptor {
    options: ServerOptions,
    tls: Option<Arc<rustls::ServerConfig>>,
}

impl Acceptor {
    /// An acceptor for plain (non-TLS) streams.
    pub fn new(options: ServerOptions) -> Self {
        Self { options, tls: None }
    }

    /// Runs a TLS handshake with `config` before the transport handshake.
    pub fn with_tls(mut self, config: Arc<rustls::ServerConfig>) -> Self {
        self.tls = Some(config);
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

    /// Accepts a transport on any byte stream: TLS (if configured), then
    /// RawSocket or WebSocket depending on the first octet, all within
    /// [`ServerOptions::handshake_timeout`].
    pub async fn accept<S: ByteStream>(&self, stream: S) -> Result<Transport, TransportError> {
        with_timeout(
            self.options.handshake_timeout,
            "accepting a transport",
            async {
                match &self.tls {
                    Some(config) => {
                        self.detect(tls::accept(stream, config.clone()).await?)
                            .await
                    }
                    None => self.detect(stream).await,
                }
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
            Ok(
                rawsocket::server_established(stream, serializer, peer_max, exp, &self.options)
                    .into_transport(),
            )
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
}
