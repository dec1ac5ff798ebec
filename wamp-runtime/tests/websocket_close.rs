//! The WebSocket close handshake of our router and our client, seen by a raw
//! tokio-tungstenite peer over real sockets: 1000 after GOODBYE (also when
//! the peer's own close frame carries no code), 1001 when the router shuts
//! down, 1002 for framing errors, 1007 for invalid UTF-8 in a text message,
//! 1009 for an oversized message (RFC 6455 7.4.1).
#![allow(clippy::result_large_err)] // tungstenite's handshake callback error type is large.

use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value as J, json};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use tokio_tungstenite::tungstenite::http::{HeaderValue, header};
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{CloseCode, Data, OpCode};
use tokio_tungstenite::tungstenite::protocol::frame::{Frame, FrameHeader};
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};
use wamp::client::JoinConfig;
use wamp::router::{RealmConfig, Router};
use wamp::transport::{Acceptor, ClientOptions, ServerOptions, connect};
use wamp::{SerializerKind, Session};

type Ws = WebSocketStream<TcpStream>;

const WAIT: Duration = Duration::from_secs(10);

async fn within<T>(fut: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(WAIT, fut)
        .await
        .expect("test step timed out")
}

async fn router(max_incoming: usize) -> (Router, SocketAddr) {
    let router = Router::builder().realm(RealmConfig::open("realm1")).build();
    let options = ServerOptions {
        max_incoming,
        ..ServerOptions::with_serializers(SerializerKind::ALL)
    };
    let addr = router
        .listen_with("127.0.0.1:0", Acceptor::new(options))
        .await
        .unwrap();
    (router, addr)
}

/// A raw WebSocket client speaking `wamp.2.json` to `addr`.
async fn raw_client(addr: SocketAddr) -> Ws {
    let tcp = TcpStream::connect(addr).await.unwrap();
    let mut request = format!("ws://{addr}/ws").into_client_request().unwrap();
    request.headers_mut().insert(
        header::SEC_WEBSOCKET_PROTOCOL,
        HeaderValue::from_static("wamp.2.json"),
    );
    within(tokio_tungstenite::client_async(request, tcp))
        .await
        .unwrap()
        .0
}

async fn send_json(ws: &mut Ws, value: J) {
    ws.send(Message::text(value.to_string())).await.unwrap();
}

/// The next WAMP message (pings and pongs skipped).
async fn recv_json(ws: &mut Ws) -> J {
    loop {
        match within(ws.next()).await {
            Some(Ok(Message::Text(text))) => return serde_json::from_str(&text).unwrap(),
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
            other => panic!("expected a WAMP message, got {other:?}"),
        }
    }
}

/// The close frame the peer sends next (messages before it are skipped).
async fn next_close(ws: &mut Ws) -> Option<CloseFrame> {
    loop {
        match within(ws.next()).await {
            Some(Ok(Message::Close(frame))) => return frame,
            Some(Ok(_)) => {}
            other => panic!("expected a close frame, got {other:?}"),
        }
    }
}

fn code(frame: Option<CloseFrame>) -> Option<u16> {
    frame.map(|f| u16::from(f.code))
}

/// A raw client joined to realm1 anonymously.
async fn joined_client(addr: SocketAddr) -> Ws {
    let mut ws = raw_client(addr).await;
    send_json(&mut ws, json!([1, "realm1", {"roles": {"caller": {}}}])).await;
    let welcome = recv_json(&mut ws).await;
    assert_eq!(welcome[0], 2, "expected WELCOME, got {welcome}");
    ws
}

#[tokio::test]
async fn router_answers_a_close_without_code_after_goodbye_with_1000() {
    // What autobahn-js on node does: GOODBYE, then a close frame without a
    // status code. The router must answer 1000 (node reads an echoed empty
    // close as 1005 and reports the connection as lost).
    let (_router, addr) = router(0).await;
    let mut ws = joined_client(addr).await;
    send_json(&mut ws, json!([6, {}, "wamp.close.normal"])).await;
    let goodbye = recv_json(&mut ws).await;
    assert_eq!(goodbye[0], 6, "expected GOODBYE, got {goodbye}");
    ws.close(None).await.unwrap();
    assert_eq!(code(next_close(&mut ws).await), Some(1000));
    assert!(within(ws.next()).await.is_none(), "the connection ends");
}

#[tokio::test]
async fn router_echoes_a_close_code() {
    let (_router, addr) = router(0).await;
    let mut ws = joined_client(addr).await;
    send_json(&mut ws, json!([6, {}, "wamp.close.normal"])).await;
    recv_json(&mut ws).await;
    ws.close(Some(CloseFrame {
        code: CloseCode::Away,
        reason: Utf8Bytes::from_static("bye"),
    }))
    .await
    .unwrap();
    assert_eq!(code(next_close(&mut ws).await), Some(1001));
}

#[tokio::test]
async fn router_shutdown_says_goodbye_then_closes_with_1001() {
    let (router, addr) = router(0).await;
    let mut ws = joined_client(addr).await;
    router.shutdown();
    let goodbye = recv_json(&mut ws).await;
    assert_eq!(goodbye[0], 6);
    assert_eq!(goodbye[2], "wamp.close.system_shutdown");
    assert_eq!(code(next_close(&mut ws).await), Some(1001));
    within(router.closed()).await;
}

#[tokio::test]
async fn router_closes_invalid_utf8_text_with_1007() {
    let (_router, addr) = router(0).await;
    let mut ws = joined_client(addr).await;
    let invalid = Frame::message(
        Bytes::from_static(b"[\"\xff\xfe\"]"),
        OpCode::Data(Data::Text),
        true,
    );
    ws.send(Message::Frame(invalid)).await.unwrap();
    assert_eq!(code(next_close(&mut ws).await), Some(1007));
}

#[tokio::test]
async fn router_closes_an_oversized_message_with_1009() {
    let (_router, addr) = router(1000).await;
    let mut ws = joined_client(addr).await;
    let big = format!("[48,1,{{}},\"com.x\",[\"{}\"]]", "a".repeat(2000));
    ws.send(Message::text(big)).await.unwrap();
    assert_eq!(code(next_close(&mut ws).await), Some(1009));
}

#[tokio::test]
async fn router_closes_a_framing_error_with_1002() {
    // A client frame must be masked (RFC 6455 5.1): this one is not.
    let (_router, addr) = router(0).await;
    let mut ws = joined_client(addr).await;
    ws.get_mut()
        .write_all(&[0x81, 0x02, b'[', b']'])
        .await
        .unwrap();
    assert_eq!(code(next_close(&mut ws).await), Some(1002));

    // Reserved bits set without an extension that defines them.
    let mut ws = joined_client(addr).await;
    let mut frame = Frame::message(Bytes::from_static(b"[]"), OpCode::Data(Data::Text), true);
    *frame.header_mut() = FrameHeader {
        rsv1: true,
        ..frame.header().clone()
    };
    ws.send(Message::Frame(frame)).await.unwrap();
    assert_eq!(code(next_close(&mut ws).await), Some(1002));
}

/// A raw WebSocket server accepting one client with `wamp.2.json`.
async fn raw_server() -> (SocketAddr, tokio::task::JoinHandle<Ws>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let callback = |_: &Request, mut response: Response| {
            response.headers_mut().insert(
                header::SEC_WEBSOCKET_PROTOCOL,
                HeaderValue::from_static("wamp.2.json"),
            );
            Ok(response)
        };
        tokio_tungstenite::accept_hdr_async(tcp, callback)
            .await
            .unwrap()
    });
    (addr, task)
}

/// Our client joined to a raw server that answers HELLO with WELCOME.
async fn joined_session(options: ClientOptions) -> (Session, Ws) {
    let (addr, server) = raw_server().await;
    let transport = within(connect(&format!("ws://{addr}/ws"), &options))
        .await
        .unwrap();
    let mut ws = server.await.unwrap();
    let join = tokio::spawn(Session::join(transport, JoinConfig::new("realm1")));
    let hello = recv_json(&mut ws).await;
    assert_eq!(hello[0], 1);
    send_json(
        &mut ws,
        json!([2, 7, {"roles": {"dealer": {}, "broker": {}}, "authid": "x", "authrole": "anonymous"}]),
    )
    .await;
    let session = within(join).await.unwrap().unwrap();
    (session, ws)
}

fn json_options() -> ClientOptions {
    ClientOptions::with_serializers([SerializerKind::Json])
}

#[tokio::test]
async fn client_closes_with_1000_after_its_goodbye() {
    let (session, mut ws) = joined_session(json_options()).await;
    let leave = tokio::spawn(async move { session.leave().await });
    let goodbye = recv_json(&mut ws).await;
    assert_eq!(goodbye[0], 6);
    send_json(&mut ws, json!([6, {}, "wamp.close.goodbye_and_out"])).await;
    assert!(within(leave).await.unwrap().is_clean());
    assert_eq!(code(next_close(&mut ws).await), Some(1000));
}

#[tokio::test]
async fn client_closes_with_1000_after_the_routers_goodbye() {
    let (session, mut ws) = joined_session(json_options()).await;
    send_json(&mut ws, json!([6, {}, "wamp.close.close_realm"])).await;
    let reply = recv_json(&mut ws).await;
    assert_eq!(reply[0], 6, "GOODBYE is answered, got {reply}");
    assert_eq!(code(next_close(&mut ws).await), Some(1000));
    assert_eq!(
        within(session.closed()).await.reason,
        "wamp.close.close_realm"
    );
}

#[tokio::test]
async fn client_answers_a_close_without_code_with_1000() {
    let (session, mut ws) = joined_session(json_options()).await;
    ws.close(None).await.unwrap();
    assert_eq!(code(next_close(&mut ws).await), Some(1000));
    within(session.closed()).await;
}

#[tokio::test]
async fn client_closes_invalid_utf8_text_with_1007() {
    let (session, mut ws) = joined_session(json_options()).await;
    let invalid = Frame::message(
        Bytes::from_static(b"[\"\xff\xfe\"]"),
        OpCode::Data(Data::Text),
        true,
    );
    ws.send(Message::Frame(invalid)).await.unwrap();
    assert_eq!(code(next_close(&mut ws).await), Some(1007));
    within(session.closed()).await;
}

#[tokio::test]
async fn client_closes_an_oversized_message_with_1009() {
    let options = ClientOptions {
        max_incoming: 1000,
        ..json_options()
    };
    let (session, mut ws) = joined_session(options).await;
    let big = format!("[36,1,{{}},[\"{}\"]]", "a".repeat(2000));
    ws.send(Message::text(big)).await.unwrap();
    assert_eq!(code(next_close(&mut ws).await), Some(1009));
    within(session.closed()).await;
}

#[tokio::test]
async fn client_closes_a_framing_error_with_1002() {
    // Server frames must not be masked (RFC 6455 5.1); reserved bits must be 0.
    let (session, mut ws) = joined_session(json_options()).await;
    ws.get_mut()
        .write_all(&[0xC1, 0x02, b'[', b']'])
        .await
        .unwrap();
    assert_eq!(code(next_close(&mut ws).await), Some(1002));
    within(session.closed()).await;
}

#[tokio::test]
async fn router_closes_with_1000_after_its_own_goodbye() {
    // The router says GOODBYE first (the session is killed through the meta
    // API), then closes the connection with 1000.
    let (_router, addr) = router(0).await;
    let mut victim = raw_client(addr).await;
    send_json(&mut victim, json!([1, "realm1", {"roles": {"callee": {}}}])).await;
    let welcome = recv_json(&mut victim).await;
    let id = welcome[1].clone();
    let mut killer = joined_client(addr).await;
    send_json(
        &mut killer,
        json!([48, 1, {}, "wamp.session.kill", [id], {"reason": "wamp.close.killed"}]),
    )
    .await;
    let goodbye = recv_json(&mut victim).await;
    assert_eq!(goodbye[0], 6, "expected GOODBYE, got {goodbye}");
    assert_eq!(goodbye[2], "wamp.close.killed");
    assert_eq!(code(next_close(&mut victim).await), Some(1000));
}
