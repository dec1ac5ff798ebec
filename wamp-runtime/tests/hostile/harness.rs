//! The harness of the hostile suite: a real router on a loopback port, raw
//! connections that send arbitrary bytes and frames, and [`assert_healthy`],
//! which every case ends with.
//!
//! - [`start`] / [`start_with`]: an embedded router on `127.0.0.1:0` with the
//!   realms `realm1` (open) and `secure` (ticket `joe`/`secret`), a listener
//!   limited to [`MAX_MESSAGE`] bytes per message, short handshake and join
//!   timeouts (so stalling cases end fast).
//! - [`Raw`]: one WebSocket (tokio-tungstenite) or RawSocket (plain TCP)
//!   connection that sends anything and reports what the router did
//!   ([`Reaction`]).
//! - [`assert_healthy`]: fresh sessions over WebSocket and RawSocket do a
//!   call round trip and a publish/receive within a timeout.
//! - Router panics: a panic hook counts panics raised in the library's own
//!   code (`src/`); [`assert_healthy`] fails when there was any.

#![allow(dead_code, unreachable_pub)]

use std::net::SocketAddr;
use std::sync::Once;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::{HeaderValue, header};
use wamp::SerializerKind;
use wamp::protocol::*;
use wamp::router::{Limits, RealmConfig, Router, RouterBuilder};
use wamp::transport::{Acceptor, ServerOptions};

use crate::peer::{Peer, args};

/// Largest message the harness listener accepts.
pub const MAX_MESSAGE: usize = 64 * 1024;
/// Transport handshake timeout of the harness listener.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(1);
/// Join timeout (HELLO and authentication) of the harness router, seconds.
pub const JOIN_TIMEOUT_SECS: u64 = 1;
/// How long a case waits for the router's reaction.
pub const REACTION: Duration = Duration::from_secs(5);

/// The two socket transports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wire {
    WebSocket,
    RawSocket,
}

/// Both transports, for loops over every case.
pub const WIRES: [Wire; 2] = [Wire::WebSocket, Wire::RawSocket];

static ROUTER_PANICS: AtomicUsize = AtomicUsize::new(0);

fn count_router_panics() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if info
                .location()
                .is_some_and(|l| l.file().contains("src/") && !l.file().contains("tests/"))
            {
                ROUTER_PANICS.fetch_add(1, Ordering::SeqCst);
            }
            default(info);
        }));
    });
}

/// The harness realms: `realm1` (open) and `secure` (ticket `joe`/`secret`
/// with role `user`, no anonymous access).
pub fn realms() -> Vec<RealmConfig> {
    let secure = serde_json::json!({
        "name": "secure",
        "auth": {"ticket": [{"authid": "joe", "ticket": "secret", "role": "user"}]},
        "role": [{"name": "user", "permission": [
            {"uri": "", "match": "prefix", "call": true, "register": true,
             "publish": true, "subscribe": true}
        ]}],
    });
    vec![
        RealmConfig::open("realm1"),
        serde_json::from_value(secure).unwrap(),
    ]
}

/// The harness limits: defaults with a short join timeout.
pub fn limits() -> Limits {
    Limits {
        join_timeout_secs: JOIN_TIMEOUT_SECS,
        ..Limits::default()
    }
}

/// A router with [`realms`] and [`limits`].
pub async fn start() -> (Router, SocketAddr) {
    let mut builder = Router::builder().limits(limits());
    for realm in realms() {
        builder = builder.realm(realm);
    }
    start_with(builder).await
}

/// Serves `builder`'s router on a loopback port with the harness listener
/// (every serializer, [`MAX_MESSAGE`], [`HANDSHAKE_TIMEOUT`]).
pub async fn start_with(builder: RouterBuilder) -> (Router, SocketAddr) {
    count_router_panics();
    let router = builder.build();
    let mut options = ServerOptions::with_serializers(SerializerKind::ALL);
    options.max_incoming = MAX_MESSAGE;
    options.handshake_timeout = HANDSHAKE_TIMEOUT;
    let addr = router
        .listen_with("127.0.0.1:0", Acceptor::new(options))
        .await
        .unwrap();
    (router, addr)
}

pub fn ws_url(addr: SocketAddr) -> String {
    format!("ws://{addr}/ws")
}

pub fn rs_url(addr: SocketAddr) -> String {
    format!("rs://{addr}")
}

static UNIQUE: AtomicU64 = AtomicU64::new(0);

/// Fresh sessions over WebSocket and RawSocket (JSON, MessagePack, CBOR) do
/// a call round trip and a publish/receive on `realm1`, within 10 s; no
/// router code has panicked.
pub async fn assert_healthy(addr: SocketAddr) {
    let n = UNIQUE.fetch_add(1, Ordering::Relaxed);
    let procedure = format!("hostile.health.echo{n}");
    let topic = format!("hostile.health.topic{n}");
    let check = async {
        let mut callee = Peer::join(addr, SerializerKind::Json).await;
        let mut caller = Peer::join_url(&rs_url(addr), SerializerKind::MsgPack).await;
        let mut subscriber = Peer::join_url(&rs_url(addr), SerializerKind::Cbor).await;
        callee.register(&procedure).await;
        subscriber.subscribe(&topic).await;
        let request = caller
            .call(&procedure, args(SerializerKind::MsgPack, &("ping", n)))
            .await;
        let inv = callee.expect_invocation().await;
        callee.yield_(inv.request, inv.payload).await;
        let result = caller.expect_result(request).await;
        assert_eq!(
            result.payload.args::<(String, u64)>().unwrap(),
            ("ping".to_owned(), n)
        );
        caller
            .publish_with(
                &topic,
                Default::default(),
                args(SerializerKind::MsgPack, &[n]),
            )
            .await;
        let event = subscriber.expect_event().await;
        assert_eq!(event.payload.args::<(u64,)>().unwrap(), (n,));
        for p in [&mut callee, &mut caller, &mut subscriber] {
            p.goodbye().await;
        }
    };
    // Boxed: the check is a large future, and cases await it in loops.
    tokio::time::timeout(Duration::from_secs(10), Box::pin(check))
        .await
        .expect("the router is not healthy: the health check timed out");
    assert_eq!(
        ROUTER_PANICS.load(Ordering::SeqCst),
        0,
        "router code panicked"
    );
}

/// What the router did in reply.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)] // short-lived, matched at once
pub enum Reaction {
    /// A WAMP message.
    Message(Message),
    /// A frame our serializer cannot decode.
    Undecodable(Bytes),
    /// A RawSocket frame other than a message (type code, payload).
    Control(u8, Bytes),
    /// The connection closed; for WebSocket, the close code if a close frame came.
    Closed(Option<u16>),
    /// Nothing within the wait.
    Silent,
}

enum Conn {
    Ws(Box<WebSocketStream<TcpStream>>),
    Rs { tcp: TcpStream, buf: BytesMut },
}

/// A raw connection to the router.
pub struct Raw {
    conn: Conn,
    pub serializer: SerializerKind,
    /// The router's address.
    pub addr: SocketAddr,
}

impl Raw {
    /// A WebSocket connection offering `serializer`'s subprotocol.
    pub async fn ws(addr: SocketAddr, serializer: SerializerKind) -> Raw {
        let tcp = TcpStream::connect(addr).await.unwrap();
        Self::ws_over(tcp, addr, serializer).await
    }

    /// A WebSocket handshake offering `serializer`'s subprotocol on `tcp`.
    pub async fn ws_over(tcp: TcpStream, addr: SocketAddr, serializer: SerializerKind) -> Raw {
        let mut request = ws_url(addr).into_client_request().unwrap();
        request.headers_mut().insert(
            header::SEC_WEBSOCKET_PROTOCOL,
            HeaderValue::from_static(serializer.subprotocol()),
        );
        let (ws, _) = tokio::time::timeout(REACTION, tokio_tungstenite::client_async(request, tcp))
            .await
            .expect("WebSocket handshake timed out")
            .unwrap();
        Raw {
            conn: Conn::Ws(Box::new(ws)),
            serializer,
            addr,
        }
    }

    /// A RawSocket connection for `serializer` (handshake done, 16 MiB asked).
    pub async fn rs(addr: SocketAddr, serializer: SerializerKind) -> Raw {
        let tcp = TcpStream::connect(addr).await.unwrap();
        Self::rs_over(tcp, serializer).await
    }

    /// A RawSocket handshake for `serializer` on `tcp`.
    pub async fn rs_over(mut tcp: TcpStream, serializer: SerializerKind) -> Raw {
        let addr = tcp.peer_addr().unwrap();
        let reply = rs_handshake(&mut tcp, [0x7F, 0xF0 | serializer.rawsocket_id(), 0, 0]).await;
        let reply = reply.expect("the router closed during the RawSocket handshake");
        assert_eq!(reply[1] & 0x0F, serializer.rawsocket_id(), "{reply:?}");
        Raw {
            conn: Conn::Rs {
                tcp,
                buf: BytesMut::new(),
            },
            serializer,
            addr,
        }
    }

    /// A RawSocket connection whose handshake the caller did.
    pub fn rs_over_done(tcp: TcpStream, serializer: SerializerKind) -> Raw {
        let addr = tcp.peer_addr().unwrap();
        Raw {
            conn: Conn::Rs {
                tcp,
                buf: BytesMut::new(),
            },
            serializer,
            addr,
        }
    }

    /// A connection of either transport.
    pub async fn open(addr: SocketAddr, wire: Wire, serializer: SerializerKind) -> Raw {
        match wire {
            Wire::WebSocket => Self::ws(addr, serializer).await,
            Wire::RawSocket => Self::rs(addr, serializer).await,
        }
    }

    /// A connection that has joined `realm1` anonymously.
    pub async fn joined(addr: SocketAddr, wire: Wire, serializer: SerializerKind) -> Raw {
        let mut raw = Self::open(addr, wire, serializer).await;
        raw.join("realm1").await;
        raw
    }

    pub fn wire(&self) -> Wire {
        match self.conn {
            Conn::Ws(_) => Wire::WebSocket,
            Conn::Rs { .. } => Wire::RawSocket,
        }
    }

    /// Sends HELLO for `realm` (anonymous, every client role) and expects WELCOME.
    pub async fn join(&mut self, realm: &str) -> Id {
        self.hello(realm, Default::default()).await;
        match self.next(REACTION).await {
            Reaction::Message(Message::Welcome(w)) => w.session,
            other => panic!("expected WELCOME, got {other:?}"),
        }
    }

    /// Sends HELLO with `details` (the client roles added).
    pub async fn hello(&mut self, realm: &str, mut details: options::HelloDetails) {
        details.roles = Some(crate::peer::client_roles());
        self.send(&Message::Hello(Hello {
            realm: Uri::new(realm).unwrap(),
            details,
        }))
        .await;
    }

    /// Sends a WAMP message in the connection's serializer.
    pub async fn send(&mut self, msg: &Message) {
        let frame = self.serializer.encode(msg).unwrap();
        self.send_frame(frame).await;
    }

    /// Sends `bytes` as one WAMP frame: a WebSocket text (JSON) or binary
    /// message, or a RawSocket message frame.
    pub async fn send_frame(&mut self, bytes: impl Into<Bytes>) {
        let bytes = bytes.into();
        match &mut self.conn {
            Conn::Ws(ws) => {
                let msg = if self.serializer.is_text() {
                    WsMessage::Text(String::from_utf8(bytes.to_vec()).unwrap().into())
                } else {
                    WsMessage::Binary(bytes)
                };
                let _ = tokio::time::timeout(REACTION, ws.send(msg)).await;
            }
            Conn::Rs { .. } => {
                let mut frame = rs_header(0, bytes.len()).to_vec();
                frame.extend_from_slice(&bytes);
                self.send_raw(&frame).await;
            }
        }
    }

    /// Sends one WebSocket message as is (any type, even invalid UTF-8 in a
    /// text frame through [`WsMessage::Frame`]). Panics on RawSocket.
    pub async fn send_ws(&mut self, msg: WsMessage) {
        match &mut self.conn {
            Conn::Ws(ws) => {
                let _ = tokio::time::timeout(REACTION, ws.send(msg)).await;
            }
            Conn::Rs { .. } => panic!("send_ws on a RawSocket connection"),
        }
    }

    /// Writes bytes under the WebSocket layer (hand-made frames). Panics on
    /// RawSocket.
    pub async fn send_ws_bytes(&mut self, bytes: &[u8]) {
        match &mut self.conn {
            Conn::Ws(ws) => {
                let tcp = ws.get_mut();
                let _ = tokio::time::timeout(REACTION, tcp.write_all(bytes)).await;
            }
            Conn::Rs { .. } => panic!("send_ws_bytes on a RawSocket connection"),
        }
    }

    /// Writes bytes on the RawSocket connection as they are. Panics on WebSocket.
    pub async fn send_raw(&mut self, bytes: &[u8]) {
        match &mut self.conn {
            Conn::Rs { tcp, .. } => {
                // The router may have closed already, or stopped reading;
                // the reaction tells.
                let _ = tokio::time::timeout(REACTION, tcp.write_all(bytes)).await;
            }
            Conn::Ws(_) => panic!("send_raw on a WebSocket connection"),
        }
    }

    /// Closes the write half of a RawSocket connection (the router reads EOF).
    pub async fn shutdown_write(&mut self) {
        match &mut self.conn {
            Conn::Rs { tcp, .. } => {
                let _ = tokio::time::timeout(REACTION, tcp.shutdown()).await;
            }
            Conn::Ws(_) => panic!("shutdown_write on a WebSocket connection"),
        }
    }

    /// The router's next reaction within `within`.
    pub async fn next(&mut self, within: Duration) -> Reaction {
        let serializer = self.serializer;
        let decode = |frame: Bytes| match serializer.decode(frame.clone()) {
            Ok(m) => Reaction::Message(m),
            Err(_) => Reaction::Undecodable(frame),
        };
        match &mut self.conn {
            Conn::Ws(ws) => loop {
                let item = match tokio::time::timeout(within, ws.next()).await {
                    Err(_) => return Reaction::Silent,
                    Ok(item) => item,
                };
                match item {
                    None | Some(Err(_)) => return Reaction::Closed(None),
                    Some(Ok(WsMessage::Close(frame))) => {
                        return Reaction::Closed(frame.map(|f| u16::from(f.code)));
                    }
                    Some(Ok(WsMessage::Text(t))) => return decode(Bytes::from(t)),
                    Some(Ok(WsMessage::Binary(b))) => return decode(b),
                    Some(Ok(_)) => {}
                }
            },
            Conn::Rs { tcp, buf } => {
                let read = async {
                    loop {
                        if buf.len() >= 4 {
                            let len = (usize::from(buf[1]) << 16)
                                | (usize::from(buf[2]) << 8)
                                | usize::from(buf[3]);
                            let kind = buf[0] & 0x07;
                            if buf.len() >= 4 + len {
                                let mut frame = buf.split_to(4 + len);
                                let payload = frame.split_off(4).freeze();
                                return if kind == 0 {
                                    decode(payload)
                                } else {
                                    Reaction::Control(kind, payload)
                                };
                            }
                        }
                        match tcp.read_buf(buf).await {
                            Ok(0) | Err(_) => return Reaction::Closed(None),
                            Ok(_) => {}
                        }
                    }
                };
                tokio::time::timeout(within, read)
                    .await
                    .unwrap_or(Reaction::Silent)
            }
        }
    }

    /// Expects ABORT with `reason` (and returns its message), then the
    /// connection closed.
    pub async fn expect_abort(&mut self, reason: &str) -> String {
        let message = match self.next(REACTION).await {
            Reaction::Message(Message::Abort(a)) => {
                assert_eq!(a.reason, reason, "ABORT reason ({:?})", a.details.message);
                a.details.message.unwrap_or_default()
            }
            other => panic!("expected ABORT {reason}, got {other:?}"),
        };
        self.expect_closed().await;
        message
    }

    /// Expects the connection to be closed next (no message before it);
    /// returns the WebSocket close code, if any.
    pub async fn expect_closed(&mut self) -> Option<u16> {
        match self.next(REACTION).await {
            Reaction::Closed(code) => code,
            other => panic!("expected the connection closed, got {other:?}"),
        }
    }
}

/// `value` (a JSON value standing for any WAMP array, right or wrong) in
/// `kind`'s encoding.
pub fn encode_value(kind: SerializerKind, value: &serde_json::Value) -> Vec<u8> {
    match kind {
        SerializerKind::Json => serde_json::to_vec(value).unwrap(),
        SerializerKind::MsgPack => rmp_serde::to_vec(value).unwrap(),
        SerializerKind::Cbor => {
            let mut out = Vec::new();
            ciborium::into_writer(value, &mut out).unwrap();
            out
        }
    }
}

/// A hand-made WebSocket frame: `first` is the FIN/RSV/opcode octet; the
/// payload is masked (with a zero key, so it reads as is) when `masked`.
pub fn ws_frame(first: u8, masked: bool, payload: &[u8]) -> Vec<u8> {
    let mask_bit = if masked { 0x80 } else { 0 };
    let mut out = vec![first];
    match payload.len() {
        n if n < 126 => out.push(mask_bit | n as u8),
        n if n < 65536 => {
            out.push(mask_bit | 126);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            out.push(mask_bit | 127);
            out.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    if masked {
        out.extend_from_slice(&[0, 0, 0, 0]);
    }
    out.extend_from_slice(payload);
    out
}

/// A RawSocket frame header.
pub fn rs_header(kind: u8, len: usize) -> [u8; 4] {
    [kind, (len >> 16) as u8, (len >> 8) as u8, len as u8]
}

/// Sends a RawSocket client hello and reads the four-octet reply (`None`
/// when the router closes first, or is silent for [`REACTION`]).
pub async fn rs_handshake(tcp: &mut TcpStream, hello: [u8; 4]) -> Option<[u8; 4]> {
    tokio::time::timeout(REACTION, tcp.write_all(&hello))
        .await
        .ok()?
        .ok()?;
    let mut reply = [0u8; 4];
    match tokio::time::timeout(REACTION, tcp.read_exact(&mut reply)).await {
        Ok(Ok(_)) => Some(reply),
        _ => None,
    }
}

/// Reads until the router closes `tcp`, within `within`; what it wrote
/// before closing. Fails the test when it stays open.
pub async fn read_to_close(tcp: &mut TcpStream, within: Duration) -> Vec<u8> {
    let mut out = Vec::new();
    let mut chunk = [0u8; 4096];
    let read = async {
        loop {
            match tcp.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => out.extend_from_slice(&chunk[..n]),
            }
        }
    };
    tokio::time::timeout(within, read)
        .await
        .expect("the router did not close the connection");
    out
}
