//! Options shared by every client and server transport.

use std::time::Duration;

use super::Keepalive;
use crate::serializer::SerializerKind;

/// Default limit for one incoming or outgoing message: 16 MiB, the largest
/// message RawSocket can carry.
pub const DEFAULT_MAX_MESSAGE_SIZE: usize = 16 * 1024 * 1024;

/// Default time allowed for connecting plus the opening handshake.
const DEFAULT_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// How a client connects: serializers to offer, limits, TLS and handshake settings.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// Serializers to offer, most preferred first. WebSocket offers all of them
    /// as subprotocols; RawSocket can only ask for one and uses the first.
    pub serializers: Vec<SerializerKind>,
    /// Largest message this end accepts, in bytes (0: unlimited on WebSocket,
    /// 16 MiB on RawSocket). RawSocket rounds it up to the next power of two
    /// between 512 bytes and 16 MiB, the only limits its handshake can announce.
    pub max_incoming: usize,
    /// Largest message this end sends, in bytes (0: unlimited). Bigger frames are
    /// refused with [`TransportError::MessageTooLarge`](super::TransportError)
    /// and the connection stays up. RawSocket also applies the limit the peer
    /// announced in its handshake; the limit in force is
    /// [`TransportDetails::max_outgoing`](super::TransportDetails::max_outgoing).
    /// A client `Session` checks every message against it
    /// before queueing: a bigger CALL, PUBLISH, REGISTER, SUBSCRIBE... fails
    /// alone with `wamp.error.payload_size_exceeded` (nothing is sent, the
    /// session and its other requests go on), and a bigger YIELD is replaced
    /// by an ERROR `wamp.error.payload_size_exceeded` to the caller.
    pub max_outgoing: usize,
    /// TLS settings for `wss://` and `rss://`; `None` trusts the webpki roots.
    #[cfg(feature = "tls")]
    pub tls: Option<std::sync::Arc<rustls::ClientConfig>>,
    /// Name to check the server's certificate against, instead of the URL host.
    #[cfg(feature = "tls")]
    pub tls_server_name: Option<String>,
    /// Extra HTTP headers for the WebSocket opening handshake.
    pub headers: Vec<(String, String)>,
    /// Time allowed for TCP connect, TLS and the transport handshake together.
    pub handshake_timeout: Duration,
    /// Ping the server when it is silent, and fail when it stays silent.
    /// On by default with [`ClientOptions::DEFAULT_KEEPALIVE`] (10 s interval, 5 s
    /// timeout: a silent router is noticed within 25 s); `None` turns it off.
    /// WebSocket always uses it; RawSocket only with
    /// [`ClientOptions::rawsocket_keepalive`].
    pub keepalive: Option<Keepalive>,
    /// Whether RawSocket connections use [`ClientOptions::keepalive`] too
    /// (off by default). RawSocket PING frames are in the WAMP spec and this
    /// crate's router answers them, but Crossbar.io and Autobahn|Python
    /// (Twisted) read a PING as the header of a 16 MiB message and the
    /// connection breaks: turn it on only against routers that answer them.
    /// On, the client also sends one PING right after the handshake, so that
    /// this crate's router (which pings only RawSocket peers that pinged)
    /// checks the connection from the start.
    pub rawsocket_keepalive: bool,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            serializers: SerializerKind::ALL.to_vec(),
            max_incoming: DEFAULT_MAX_MESSAGE_SIZE,
            max_outgoing: DEFAULT_MAX_MESSAGE_SIZE,
            #[cfg(feature = "tls")]
            tls: None,
            #[cfg(feature = "tls")]
            tls_server_name: None,
            headers: Vec::new(),
            handshake_timeout: DEFAULT_HANDSHAKE_TIMEOUT,
            keepalive: Some(Self::DEFAULT_KEEPALIVE),
            rawsocket_keepalive: false,
        }
    }
}

impl ClientOptions {
    /// The client's default keepalive: a ping after 10 s without incoming data,
    /// and failure when nothing at all arrives within 5 s after it (the values
    /// Autobahn|Python's `ApplicationRunner` and Crossbar use). A router that
    /// stops answering is noticed 15 to 25 s after the last data it sent:
    /// between `interval + timeout` and `2 × interval + timeout`, because any
    /// traffic seen during an interval postpones the ping by one interval.
    pub const DEFAULT_KEEPALIVE: Keepalive = Keepalive {
        interval: Duration::from_secs(10),
        timeout: Duration::from_secs(5),
    };

    /// Options offering only `serializers`, in this order, and defaults otherwise.
    pub fn with_serializers(serializers: impl IntoIterator<Item = SerializerKind>) -> Self {
        Self {
            serializers: serializers.into_iter().collect(),
            ..Self::default()
        }
    }
}

/// How a server accepts transports: serializers, limits and handshake settings.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// Serializers this server speaks. The client's order of preference decides
    /// among them (as Autobahn and Crossbar do); this list only filters.
    pub serializers: Vec<SerializerKind>,
    /// Largest message this end accepts, in bytes (see [`ClientOptions::max_incoming`]).
    pub max_incoming: usize,
    /// Largest message this end sends, in bytes (0: unlimited).
    pub max_outgoing: usize,
    /// WebSocket: when the client offers no subprotocol at all, speak JSON
    /// (Autobahn's behaviour) instead of refusing the handshake. A client that
    /// offers only subprotocols we do not speak is always refused.
    pub json_fallback: bool,
    /// Time allowed for the transport handshake (and TLS, where the acceptor does it).
    pub handshake_timeout: Duration,
    /// Ping the client when it is silent, and fail when it stays silent (off by default).
    pub keepalive: Option<Keepalive>,
    /// Whether RawSocket connections are pinged from the start (off by
    /// default). Off, a RawSocket peer is pinged only after it sent a PING
    /// itself: Crossbar.io and Autobahn|Python's Twisted RawSocket read a
    /// PING as the header of a 16 MiB message and break the connection.
    /// WebSocket connections always use [`ServerOptions::keepalive`].
    pub rawsocket_keepalive: bool,
}

impl Default for ServerOptions {
    fn default() -> Self {
        Self {
            serializers: SerializerKind::ALL.to_vec(),
            max_incoming: DEFAULT_MAX_MESSAGE_SIZE,
            max_outgoing: DEFAULT_MAX_MESSAGE_SIZE,
            json_fallback: true,
            handshake_timeout: DEFAULT_HANDSHAKE_TIMEOUT,
            keepalive: None,
            rawsocket_keepalive: false,
        }
    }
}

impl ServerOptions {
    /// Options accepting only `serializers`, and defaults otherwise.
    pub fn with_serializers(serializers: impl IntoIterator<Item = SerializerKind>) -> Self {
        Self {
            serializers: serializers.into_iter().collect(),
            ..Self::default()
        }
    }
}
