//! Malformed frames for every serializer on WebSocket and RawSocket, before
//! HELLO and in an established session, and abuse of the RawSocket and
//! WebSocket opening handshakes. Each case asserts the router's exact
//! reaction, then that the router still serves healthy sessions.
//!
//! Reactions (spec "Protocol Errors": ABORT `wamp.error.protocol_violation`,
//! then close):
//! - a frame that does not decode to a valid WAMP message: ABORT
//!   `wamp.error.protocol_violation`, then the connection closes;
//! - a frame over the listener's limit: no ABORT, the connection closes (WebSocket
//!   close code 1009);
//! - a WebSocket text frame on a binary subprotocol or the reverse: close 1003;
//!   invalid UTF-8 in a text frame: close 1007;
//! - RawSocket handshake abuse: the error reply of the spec (1 serializer
//!   unsupported, 3 reserved bits), then close; stalling: close after the
//!   handshake timeout.

use std::time::{Duration, Instant};

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};
use wamp::SerializerKind::{self, Cbor, Json, MsgPack};
use wamp::protocol::uris::PROTOCOL_VIOLATION;

use crate::harness::*;

const SERIALIZERS: [SerializerKind; 3] = [Json, MsgPack, Cbor];

/// Where in the session a frame is sent.
#[derive(Debug, Clone, Copy)]
enum When {
    BeforeHello,
    Joined,
}

async fn connect(addr: std::net::SocketAddr, wire: Wire, kind: SerializerKind, when: When) -> Raw {
    match when {
        When::BeforeHello => Raw::open(addr, wire, kind).await,
        When::Joined => Raw::joined(addr, wire, kind).await,
    }
}

/// Sends `frame` and expects ABORT protocol_violation then close; returns
/// the ABORT's message.
async fn violation(
    addr: std::net::SocketAddr,
    wire: Wire,
    kind: SerializerKind,
    when: When,
    frame: Vec<u8>,
) -> String {
    let mut raw = connect(addr, wire, kind, when).await;
    raw.send_frame(frame).await;
    let message = raw.expect_abort(PROTOCOL_VIOLATION).await;
    assert_healthy(addr).await;
    message
}

#[tokio::test]
async fn garbage_bytes() {
    let (_router, addr) = start().await;
    for wire in WIRES {
        for kind in SERIALIZERS {
            let garbage: Vec<Vec<u8>> = if kind == Json {
                vec![
                    b"}{ garbage \x01".to_vec(),
                    b"".to_vec(),
                    b"[1, \"realm1\", {}".to_vec(),
                    b"[48, 1, {}, \"x\"] trailing".to_vec(),
                ]
            } else {
                vec![vec![0xc1, 0xff, 0x00, 0x13, 0x37], vec![], vec![0xff; 32]]
            };
            for when in [When::BeforeHello, When::Joined] {
                for g in &garbage {
                    let msg = violation(addr, wire, kind, when, g.clone()).await;
                    assert!(!msg.is_empty(), "the ABORT explains ({wire:?} {kind})");
                }
            }
        }
    }
}

#[tokio::test]
async fn wrong_message_shapes() {
    let (_router, addr) = start().await;
    use serde_json::json;
    let shapes = [
        json!({"type": 1}),
        json!([]),
        json!(null),
        json!("HELLO"),
        json!(["hello", "realm1", {}]),
        json!([1]),
        json!([1, "realm1"]),
        json!([999, 1, {}]),
        json!([-1, 1]),
        json!([1.5, "realm1", {}]),
        json!([48, 1, {}]),
        json!([16, 1, {}]),
    ];
    for wire in WIRES {
        for kind in SERIALIZERS {
            for when in [When::BeforeHello, When::Joined] {
                for shape in &shapes {
                    violation(addr, wire, kind, when, encode_value(kind, shape)).await;
                }
            }
        }
    }
}

#[tokio::test]
async fn wrong_element_types() {
    let (_router, addr) = start().await;
    use serde_json::json;
    let before = [
        json!([1, 42, {}]),
        json!([1, "realm1", []]),
        json!([1, "realm1", "details"]),
        json!([1, "realm1", {"roles": "all"}]),
        json!([1, "realm1", {"roles": {"caller": []}}]),
        json!([1, "realm1", {"authmethods": "ticket"}]),
    ];
    let joined = [
        json!([48, "one", {}, "com.p"]),
        json!([48, 1, [], "com.p"]),
        json!([48, 1, {}, 7]),
        json!([48, 1, {"timeout": "soon"}, "com.p"]),
        json!([48, 1, {}, "com.p", {"not": "a list"}]),
        json!([48, 1, {}, "com.p", [], ["not a dict"]]),
        json!([16, 1, {"acknowledge": "yes"}, "com.t"]),
        json!([32, 1, {}, ["com.t"]]),
        json!([64, 1, {"match": 3}, "com.p"]),
        json!([70, "1", {}]),
        json!([34, -5]),
    ];
    for wire in WIRES {
        for kind in SERIALIZERS {
            for shape in &before {
                violation(
                    addr,
                    wire,
                    kind,
                    When::BeforeHello,
                    encode_value(kind, shape),
                )
                .await;
            }
            for shape in &joined {
                violation(addr, wire, kind, When::Joined, encode_value(kind, shape)).await;
            }
        }
    }
}

#[tokio::test]
async fn truncated_frames() {
    let (_router, addr) = start().await;
    use serde_json::json;
    for wire in WIRES {
        for kind in SERIALIZERS {
            let hello = encode_value(kind, &json!([1, "realm1", {"roles": {"caller": {}}}]));
            let call = encode_value(
                kind,
                &json!([48, 7, {}, "com.p", [1, "two", [3.5]], {"k": "v"}]),
            );
            for cut in [1, hello.len() / 2, hello.len() - 1] {
                violation(addr, wire, kind, When::BeforeHello, hello[..cut].to_vec()).await;
            }
            for cut in [1, call.len() / 2, call.len() - 1] {
                violation(addr, wire, kind, When::Joined, call[..cut].to_vec()).await;
            }
        }
    }
}

/// `depth` nested empty arrays in `kind`'s encoding.
fn nested(kind: SerializerKind, depth: usize) -> Vec<u8> {
    let mut out = Vec::new();
    match kind {
        Json => {
            out.extend(std::iter::repeat_n(b'[', depth));
            out.extend(std::iter::repeat_n(b']', depth));
        }
        // One-element arrays around an empty one.
        MsgPack => {
            out.extend(std::iter::repeat_n(0x91, depth - 1));
            out.push(0x90);
        }
        Cbor => {
            out.extend(std::iter::repeat_n(0x81, depth - 1));
            out.push(0x80);
        }
    }
    out
}

/// `[type, elements..., deep]` with `deep` spliced in as the last element.
fn with_deep(kind: SerializerKind, head: &[serde_json::Value], deep: &[u8]) -> Vec<u8> {
    let n = head.len() + 1;
    let mut out = Vec::new();
    match kind {
        Json => {
            let mut s = serde_json::to_string(head).unwrap();
            s.pop(); // "]"
            out.extend_from_slice(s.as_bytes());
            out.push(b',');
            out.extend_from_slice(deep);
            out.push(b']');
        }
        MsgPack => {
            out.push(0x90 | n as u8);
            for v in head {
                out.extend(rmp_serde::to_vec(v).unwrap());
            }
            out.extend_from_slice(deep);
        }
        Cbor => {
            out.push(0x80 | n as u8);
            for v in head {
                ciborium::into_writer(v, &mut out).unwrap();
            }
            out.extend_from_slice(deep);
        }
    }
    out
}

/// `[inner]` in `kind`'s encoding.
fn wrap_in_list(kind: SerializerKind, inner: &[u8]) -> Vec<u8> {
    let mut out = match kind {
        Json => vec![b'['],
        MsgPack => vec![0x91],
        Cbor => vec![0x81],
    };
    out.extend_from_slice(inner);
    if kind == Json {
        out.push(b']');
    }
    out
}

#[tokio::test]
async fn deep_nesting() {
    let (_router, addr) = start().await;
    use serde_json::json;
    // Deep enough to overflow any stack if a decoder recursed without a limit,
    // small enough to stay under the listener's message size.
    let depth = 30_000;
    for wire in WIRES {
        for kind in SERIALIZERS {
            let deep = nested(kind, depth);
            // HELLO whose Details is not a dict but a deep array.
            let hello = with_deep(kind, &[json!(1), json!("realm1")], &deep);
            violation(addr, wire, kind, When::BeforeHello, hello).await;
            // PUBLISH whose Options is a deep array.
            let publish = with_deep(kind, &[json!(16), json!(1)], &deep);
            violation(addr, wire, kind, When::Joined, publish).await;
        }
    }
}

/// Arguments too deep to transcode for a callee of another serializer are
/// never dropped silently: the caller gets an ERROR (JSON) or its frame is
/// refused (MessagePack, CBOR), and the callee gets nothing.
#[tokio::test]
async fn deep_arguments_for_a_callee_of_another_serializer() {
    let (_router, addr) = start().await;
    use serde_json::json;
    for wire in WIRES {
        for kind in SERIALIZERS {
            let deep = nested(kind, 30_000);
            // CALL with a deep argument: arguments are routed without being
            // decoded; to a callee of another serializer they are transcoded.
            let head = [json!(48), json!(7), json!({}), json!("com.deep")];
            let deep_args = wrap_in_list(kind, &deep);
            let call = with_deep(kind, &head, &deep_args);
            let other = if kind == Json { MsgPack } else { Json };
            let mut callee = crate::peer::Peer::join(addr, other).await;
            callee.register("com.deep").await;
            let mut caller = connect(addr, wire, kind, When::Joined).await;
            caller.send_frame(call).await;
            match (kind, caller.next(REACTION).await) {
                // JSON payloads travel as raw text: the depth shows only when
                // transcoding for the callee, and the caller gets an ERROR.
                (Json, Reaction::Message(wamp::Message::Error(e))) => {
                    assert_eq!(e.request, 7);
                    assert_eq!(e.error, "wamp.error.invalid_payload");
                    println!("{wire:?} {kind}: deep CALL answered with {}", e.error);
                }
                // MessagePack and CBOR payloads deeper than JSON receivers can
                // read are refused when the frame is read.
                (MsgPack | Cbor, Reaction::Message(wamp::Message::Abort(a))) => {
                    assert_eq!(a.reason, "wamp.error.protocol_violation");
                    let message = a.details.message.unwrap_or_default();
                    assert!(message.contains("too deep"), "{message}");
                    println!("{wire:?} {kind}: deep CALL aborted: {message}");
                }
                (_, other) => panic!(
                    "{wire:?} {kind}: expected ERROR or ABORT for the deep CALL, got {other:?}"
                ),
            }
            assert!(callee.quiet(100).await, "nothing reaches the callee");
            assert_healthy(addr).await;
        }
    }
}

#[tokio::test]
async fn oversize_frames_close_the_connection() {
    let (_router, addr) = start().await;
    for wire in WIRES {
        for kind in SERIALIZERS {
            for when in [When::BeforeHello, When::Joined] {
                // A PUBLISH of exactly the limit is served...
                let mut raw = connect(addr, wire, kind, when).await;
                let frame = sized_publish(kind, MAX_MESSAGE);
                assert_eq!(frame.len(), MAX_MESSAGE);
                if let When::BeforeHello = when {
                    // ...before HELLO it is a protocol violation like any non-HELLO.
                    raw.send_frame(frame).await;
                    raw.expect_abort(PROTOCOL_VIOLATION).await;
                } else {
                    raw.send_frame(frame).await;
                    match raw.next(Duration::from_millis(200)).await {
                        Reaction::Silent => {}
                        other => panic!("a PUBLISH at the limit must be served, got {other:?}"),
                    }
                }
                // ...one byte more closes the connection, without ABORT.
                let mut raw = connect(addr, wire, kind, when).await;
                raw.send_frame(sized_publish(kind, MAX_MESSAGE + 1)).await;
                let code = raw.expect_closed().await;
                match wire {
                    Wire::WebSocket => assert_eq!(code, Some(1009), "{kind} {when:?}"),
                    Wire::RawSocket => assert_eq!(code, None),
                }
                assert_healthy(addr).await;
            }
        }
    }
}

/// A PUBLISH to `com.nobody` of exactly `size` bytes in `kind`.
fn sized_publish(kind: SerializerKind, size: usize) -> Vec<u8> {
    use serde_json::json;
    let mut pad = size - 200;
    loop {
        let frame = encode_value(kind, &json!([16, 1, {}, "com.nobody", ["x".repeat(pad)]]));
        if frame.len() == size {
            return frame;
        }
        pad = pad + size - frame.len();
    }
}

#[tokio::test]
async fn websocket_frame_type_must_match_the_subprotocol() {
    let (_router, addr) = start().await;
    for kind in SERIALIZERS {
        for when in [When::BeforeHello, When::Joined] {
            let mut raw = connect(addr, Wire::WebSocket, kind, when).await;
            let hello = kind
                .encode(&wamp::Message::Hello(wamp::protocol::Hello {
                    realm: wamp::protocol::Uri::new("realm1").unwrap(),
                    details: Default::default(),
                }))
                .unwrap();
            let wrong = if kind == Json {
                WsMessage::Binary(hello)
            } else {
                WsMessage::Text("[1, \"realm1\", {}]".into())
            };
            raw.send_ws(wrong).await;
            assert_eq!(raw.expect_closed().await, Some(1003), "{kind} {when:?}");
            assert_healthy(addr).await;
        }
    }
}

#[tokio::test]
async fn invalid_utf8() {
    let (_router, addr) = start().await;
    for when in [When::BeforeHello, When::Joined] {
        // In a WebSocket text frame: close 1007 (invalid frame payload data).
        let mut raw = connect(addr, Wire::WebSocket, Json, when).await;
        let bad = b"[1, \"realm\xff\xfe\", {}]".to_vec();
        raw.send_ws(WsMessage::Frame(Frame::message(
            bad.clone(),
            OpCode::Data(Data::Text),
            true,
        )))
        .await;
        assert_eq!(raw.expect_closed().await, Some(1007), "{when:?}");
        assert_healthy(addr).await;
        // In a JSON frame on RawSocket: a protocol violation.
        violation(addr, Wire::RawSocket, Json, when, bad).await;
    }
    // In a MessagePack or CBOR string, on both transports.
    for wire in WIRES {
        for when in [When::BeforeHello, When::Joined] {
            // [1, "re\xff\xfe", {}] with a raw (invalid) UTF-8 string.
            let msgpack = vec![0x93, 0x01, 0xa4, b'r', b'e', 0xff, 0xfe, 0x80];
            violation(addr, wire, MsgPack, when, msgpack).await;
            let cbor = vec![0x83, 0x01, 0x64, b'r', b'e', 0xff, 0xfe, 0xa0];
            violation(addr, wire, Cbor, when, cbor).await;
        }
    }
}

#[tokio::test]
async fn rawsocket_handshake_abuse() {
    let (_router, addr) = start().await;
    // Reserved bits (octets 3 and 4): error 3, then close.
    for hello in [[0x7F, 0xF1, 0x01, 0x00], [0x7F, 0xF2, 0x00, 0x80]] {
        let mut tcp = TcpStream::connect(addr).await.unwrap();
        assert_eq!(
            rs_handshake(&mut tcp, hello).await,
            Some([0x7F, 0x30, 0, 0]),
            "{hello:?}"
        );
        assert!(read_to_close(&mut tcp, REACTION).await.is_empty());
        assert_healthy(addr).await;
    }
    // Unknown serializers (0 is illegal, 4-15 unassigned): error 1, then close.
    for code in [0u8, 4, 7, 15] {
        let mut tcp = TcpStream::connect(addr).await.unwrap();
        assert_eq!(
            rs_handshake(&mut tcp, [0x7F, 0xF0 | code, 0, 0]).await,
            Some([0x7F, 0x10, 0, 0]),
            "serializer {code}"
        );
        assert!(read_to_close(&mut tcp, REACTION).await.is_empty());
        assert_healthy(addr).await;
    }
    // Every length exponent is accepted; the router announces its own limit
    // (64 KiB: exponent 7).
    for l in 0..16u8 {
        let mut tcp = TcpStream::connect(addr).await.unwrap();
        assert_eq!(
            rs_handshake(&mut tcp, [0x7F, (l << 4) | 2, 0, 0]).await,
            Some([0x7F, 0x72, 0, 0]),
            "exponent {l}"
        );
    }
    // Bad magic: not RawSocket, so taken for HTTP; not HTTP either: closed.
    for hello in [[0x7E, 0xF1, 0, 0], [0x00, 0x00, 0x00, 0x00], [0xFF; 4]] {
        let mut tcp = TcpStream::connect(addr).await.unwrap();
        tcp.write_all(&hello).await.unwrap();
        tcp.write_all(b"\r\n\r\n").await.unwrap();
        let started = Instant::now();
        let reply = read_to_close(&mut tcp, REACTION).await;
        assert!(reply.is_empty(), "{hello:?}: {reply:?}");
        assert!(
            started.elapsed() < HANDSHAKE_TIMEOUT / 2,
            "{hello:?}: closed only after {:?}",
            started.elapsed()
        );
        assert_healthy(addr).await;
    }
    // HTTP without the WebSocket upgrade: closed at once, without a response
    // (tungstenite writes no HTTP 400 for a request that is not an upgrade).
    for request in [
        &b"GET /ws HTTP/1.1\r\nHost: x\r\n\r\n"[..],
        &b"POST /ws HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"[..],
    ] {
        let mut tcp = TcpStream::connect(addr).await.unwrap();
        tcp.write_all(request).await.unwrap();
        let started = Instant::now();
        let reply = read_to_close(&mut tcp, REACTION).await;
        assert!(reply.is_empty(), "{:?}", String::from_utf8_lossy(&reply));
        assert!(started.elapsed() < HANDSHAKE_TIMEOUT / 2);
        assert_healthy(addr).await;
    }
    // A slow handshake (one octet, two octets, nothing): closed after the
    // handshake timeout, without a reply.
    for sent in [
        &[][..],
        &[0x7F][..],
        &[0x7F, 0xF1][..],
        &[0x7F, 0xF1, 0x00][..],
    ] {
        let mut tcp = TcpStream::connect(addr).await.unwrap();
        tcp.write_all(sent).await.unwrap();
        let started = Instant::now();
        let reply = read_to_close(&mut tcp, HANDSHAKE_TIMEOUT * 4).await;
        assert!(reply.is_empty(), "{sent:?}: {reply:?}");
        assert!(
            started.elapsed() >= HANDSHAKE_TIMEOUT - Duration::from_millis(100),
            "{sent:?}: closed after {:?}",
            started.elapsed()
        );
        assert_healthy(addr).await;
    }
    // A slow WebSocket handshake: the same.
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    tcp.write_all(b"GET /ws HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let started = Instant::now();
    read_to_close(&mut tcp, HANDSHAKE_TIMEOUT * 4).await;
    assert!(started.elapsed() >= HANDSHAKE_TIMEOUT - Duration::from_millis(100));
    assert_healthy(addr).await;
}

#[tokio::test]
async fn rawsocket_frame_header_abuse() {
    let (_router, addr) = start().await;
    for kind in SERIALIZERS {
        for when in [When::BeforeHello, When::Joined] {
            // Reserved high bits, reserved frame types, a 25th length bit with
            // non-zero low bits, a length over the limit (payload never sent):
            // closed at once, no ABORT.
            for header in [
                [0x10, 0, 0, 4],
                [0x80, 0, 0, 4],
                [0x03, 0, 0, 4],
                [0x07, 0, 0, 4],
                [0x08, 0, 0, 1],
                [0x08, 0, 0, 0],
                [0x00, 0xFF, 0xFF, 0xFF],
                [0x01, 0x01, 0x00, 0x01],
            ] {
                let mut raw = connect(addr, Wire::RawSocket, kind, when).await;
                raw.send_raw(&header).await;
                raw.send_raw(b"[1]x").await;
                raw.expect_closed().await;
                assert_healthy(addr).await;
            }
            assert_healthy(addr).await;
            // A length that lies: 1000 announced, 10 sent, then the write
            // side closed: the connection ends.
            let mut raw = connect(addr, Wire::RawSocket, kind, when).await;
            raw.send_raw(&rs_header(0, 1000)).await;
            raw.send_raw(&[0x20; 10]).await;
            raw.shutdown_write().await;
            raw.expect_closed().await;
            assert_healthy(addr).await;
        }
        // The same lie, then silence, before HELLO: the join timeout ends it.
        let mut raw = Raw::rs(addr, kind).await;
        raw.send_raw(&rs_header(0, 1000)).await;
        raw.send_raw(&[0x20; 10]).await;
        let started = Instant::now();
        raw.expect_abort(PROTOCOL_VIOLATION).await;
        assert!(started.elapsed() >= Duration::from_millis(900));
        assert_healthy(addr).await;
    }
    // PING before and after joining: answered with a PONG echoing it.
    for when in [When::BeforeHello, When::Joined] {
        let mut raw = connect(addr, Wire::RawSocket, Json, when).await;
        raw.send_raw(&rs_header(1, 5)).await;
        raw.send_raw(b"hello").await;
        match raw.next(REACTION).await {
            Reaction::Control(2, payload) => assert_eq!(&payload[..], b"hello"),
            other => panic!("expected PONG, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn websocket_frame_abuse() {
    let (_router, addr) = start().await;
    let hello = br#"[1, "realm1", {"roles": {"caller": {}}}]"#;
    // (what, frames, expected close code)
    let cases: Vec<(&str, Vec<u8>, u16)> = vec![
        ("unmasked client frame", ws_frame(0x81, false, hello), 1002),
        (
            "RSV1 without an extension",
            ws_frame(0xC1, true, hello),
            1002,
        ),
        ("RSV3", ws_frame(0x91, true, hello), 1002),
        ("reserved data opcode 3", ws_frame(0x83, true, hello), 1002),
        (
            "reserved control opcode 11",
            ws_frame(0x8B, true, b""),
            1002,
        ),
        (
            "continuation without a start",
            ws_frame(0x80, true, hello),
            1002,
        ),
        (
            "control frame over 125 bytes",
            ws_frame(0x89, true, &[0; 126]),
            1002,
        ),
        ("fragmented control frame", ws_frame(0x09, true, b"p"), 1002),
        (
            "new message inside a fragmented one",
            [ws_frame(0x01, true, b"[1, "), ws_frame(0x81, true, hello)].concat(),
            1002,
        ),
        (
            "fragments adding up over the limit",
            (0..20)
                .flat_map(|i| ws_frame(if i == 0 { 0x01 } else { 0x00 }, true, &[b' '; 4096]))
                .collect(),
            1009,
        ),
        // The length is checked against the limit before its top bit.
        (
            "64-bit length with the top bit set",
            [
                vec![0x81, 0xFF],
                vec![0x80, 0, 0, 0, 0, 0, 0, 0],
                vec![0; 4],
            ]
            .concat(),
            1009,
        ),
        (
            "close with an invalid code",
            ws_frame(0x88, true, &[0x03, 0xE7]),
            1002,
        ),
    ];
    for (what, bytes, code) in cases {
        for when in [When::BeforeHello, When::Joined] {
            let mut raw = connect(addr, Wire::WebSocket, Json, when).await;
            raw.send_ws_bytes(&bytes).await;
            assert_eq!(raw.expect_closed().await, Some(code), "{what} ({when:?})");
        }
        assert_healthy(addr).await;
    }
    // A HELLO in three fragments, with a ping between them, is a HELLO.
    let mut raw = Raw::open(addr, Wire::WebSocket, Json).await;
    let bytes = [
        ws_frame(0x01, true, &hello[..5]),
        ws_frame(0x89, true, b"ping"),
        ws_frame(0x00, true, &hello[5..20]),
        ws_frame(0x80, true, &hello[20..]),
    ]
    .concat();
    raw.send_ws_bytes(&bytes).await;
    match raw.next(REACTION).await {
        Reaction::Message(wamp::Message::Welcome(_)) => {}
        other => panic!("expected WELCOME, got {other:?}"),
    }
    assert_healthy(addr).await;
}

#[tokio::test]
async fn websocket_unknown_subprotocol_is_refused_with_400() {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    use tokio_tungstenite::tungstenite::http::{HeaderValue, header};
    let (_router, addr) = start().await;
    let tcp = TcpStream::connect(addr).await.unwrap();
    let mut request = ws_url(addr).into_client_request().unwrap();
    request.headers_mut().insert(
        header::SEC_WEBSOCKET_PROTOCOL,
        HeaderValue::from_static("wamp.2.bogus"),
    );
    match tokio_tungstenite::client_async(request, tcp).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 400)
        }
        other => panic!("expected HTTP 400, got {:?}", other.map(|_| ())),
    }
    assert_healthy(addr).await;
}

/// Finding: a RawSocket client may announce the smallest limit of the spec,
/// 512 bytes, which the router's WELCOME (about 600 bytes in JSON) exceeds:
/// today the WELCOME is dropped silently, the client waits forever and the
/// router keeps a session nobody can use. Any clear outcome passes: the
/// handshake refused with error 2 (maximum message length unacceptable), or
/// ABORT and close, or a WELCOME that fits.
#[tokio::test]
async fn rawsocket_client_limit_below_the_welcome() {
    let (_router, addr) = start().await;
    let mut observer = crate::peer::Peer::join(addr, Json).await;
    for kind in SERIALIZERS {
        let before = observer_count(&mut observer).await;
        let mut tcp = TcpStream::connect(addr).await.unwrap();
        let reply = rs_handshake(&mut tcp, [0x7F, kind.rawsocket_id(), 0, 0]).await;
        match reply {
            Some([0x7F, 0x20, 0, 0]) => {
                assert!(read_to_close(&mut tcp, REACTION).await.is_empty());
            }
            Some([0x7F, second, 0, 0]) if second & 0x0F == kind.rawsocket_id() => {
                let mut raw = Raw::rs_over_done(tcp, kind);
                raw.hello("realm1", Default::default()).await;
                match raw.next(REACTION).await {
                    Reaction::Message(wamp::Message::Welcome(_)) => {}
                    Reaction::Message(wamp::Message::Abort(_)) => {
                        raw.expect_closed().await;
                        assert_eq!(observer_count(&mut observer).await, before);
                    }
                    other => panic!("{kind}: a 512-byte client got {other:?} in reply to HELLO"),
                }
            }
            other => panic!("{kind}: unexpected handshake reply {other:?}"),
        }
        assert_healthy(addr).await;
    }
}

/// The number of sessions on `realm1`, asked by `observer`.
async fn observer_count(observer: &mut crate::peer::Peer) -> u64 {
    let count = observer.meta("wamp.session.count", vec![]).await.unwrap();
    count[0].as_u64().unwrap()
}

/// Length prefixes inside MessagePack and CBOR that announce far more than
/// the frame holds (up to 2^64), unterminated indefinite-length items and
/// deep CBOR tags: a protocol violation, never an allocation of the
/// announced size.
#[tokio::test]
async fn serializer_length_lies() {
    let (_router, addr) = start().await;
    let ff4 = [0xffu8; 4];
    let ff8 = [0xffu8; 8];
    let mp: Vec<(&str, Vec<u8>)> = vec![
        ("array32 top", [&[0xdd][..], &ff4].concat()),
        ("map32 top", [&[0xdf][..], &ff4].concat()),
        (
            "hello details map32",
            [&[0x93, 0x01, 0xa6][..], b"realm1", &[0xdf], &ff4].concat(),
        ),
        (
            "hello realm str32",
            [&[0x93, 0x01, 0xdb][..], &ff4].concat(),
        ),
        (
            "hello realm bin32",
            [&[0x93, 0x01, 0xc6][..], &ff4].concat(),
        ),
        (
            "call args array32",
            [&[0x95, 0x30, 0x01, 0x80, 0xa5][..], b"com.p", &[0xdd], &ff4].concat(),
        ),
        (
            "call args ext32",
            [
                &[0x95, 0x30, 0x01, 0x80, 0xa5][..],
                b"com.p",
                &[0x91, 0xc9],
                &ff4,
                &[1],
            ]
            .concat(),
        ),
    ];
    let cb: Vec<(&str, Vec<u8>)> = vec![
        ("array64 top", [&[0x9b][..], &ff8].concat()),
        ("map64 top", [&[0xbb][..], &ff8].concat()),
        (
            "hello details map64",
            [&[0x83, 0x01, 0x66][..], b"realm1", &[0xbb], &ff8].concat(),
        ),
        (
            "hello realm text64",
            [&[0x83, 0x01, 0x7b][..], &ff8].concat(),
        ),
        (
            "hello realm bytes64",
            [&[0x83, 0x01, 0x5b][..], &ff8].concat(),
        ),
        (
            "call args array64",
            [
                &[0x85, 0x18, 0x30, 0x01, 0xa0, 0x65][..],
                b"com.p",
                &[0x9b],
                &ff8,
            ]
            .concat(),
        ),
        (
            "call args bytes64",
            [
                &[0x85, 0x18, 0x30, 0x01, 0xa0, 0x65][..],
                b"com.p",
                &[0x81, 0x5b],
                &ff8,
            ]
            .concat(),
        ),
        (
            "indefinite array no break",
            [&[0x9f, 0x01][..], &[0x01; 10]].concat(),
        ),
        (
            "deep tags",
            [
                vec![0x83, 0x01, 0x66],
                b"realm1".to_vec(),
                vec![0xc6; 30000],
                vec![0xa0],
            ]
            .concat(),
        ),
        (
            "call deep tags in args",
            [
                vec![0x85, 0x18, 0x30, 0x01, 0xa0, 0x65],
                b"com.p".to_vec(),
                vec![0x81],
                vec![0xc6; 30000],
                vec![0x01],
            ]
            .concat(),
        ),
        (
            "indefinite text chunks",
            [vec![0x83, 0x01, 0x7f], [0x61, b'a'].repeat(1000)].concat(),
        ),
    ];
    for wire in WIRES {
        for when in [When::BeforeHello, When::Joined] {
            for (kind, cases) in [(MsgPack, &mp), (Cbor, &cb)] {
                for (name, bytes) in cases.iter() {
                    let message = violation(addr, wire, kind, when, bytes.clone()).await;
                    assert!(message.contains(kind.name()), "{name}: {message}");
                }
            }
        }
    }
}

/// JSON edge cases: floats where an ID goes, leading zeros, NaN and
/// conflicting duplicate keys are violations; whitespace around the array is
/// not; arguments are routed unread (a CALL of nobody gets
/// no_such_procedure whatever its arguments hold).
#[tokio::test]
async fn json_edge_cases() {
    let (_router, addr) = start().await;
    for wire in WIRES {
        for frame in [
            &br#"[48, 1e0, {}, "com.p"]"#[..],
            br#"[48, 1.0, {}, "com.p"]"#,
            br#"[48, 01, {}, "com.p"]"#,
            br#"[48, 1, {}, "wamp.session.count", NaN]"#,
            br#"[48, 1, {"timeout": 5, "timeout": "x"}, "com.p"]"#,
        ] {
            violation(addr, wire, Json, When::Joined, frame.to_vec()).await;
        }
        for (frame, error) in [
            (&br#"  [48, 1, {}, "wamp.session.count"]   "#[..], None),
            (
                br#"[48, 1, {}, "com.nobody", [1e999]]"#,
                Some("wamp.error.no_such_procedure"),
            ),
            (
                br#"[48, 1, {}, "com.nobody", [123456789012345678901234567890]]"#,
                Some("wamp.error.no_such_procedure"),
            ),
            (
                br#"[48, 1, {}, "com.nobody", ["\ud800"]]"#,
                Some("wamp.error.no_such_procedure"),
            ),
        ] {
            let mut raw = connect(addr, wire, Json, When::Joined).await;
            raw.send_frame(frame.to_vec()).await;
            match (raw.next(REACTION).await, error) {
                (Reaction::Message(wamp::Message::Result(r)), None) => assert_eq!(r.request, 1),
                (Reaction::Message(wamp::Message::Error(e)), Some(error)) => {
                    assert_eq!(e.error, error)
                }
                (other, _) => panic!("{}: {other:?}", String::from_utf8_lossy(frame)),
            }
            assert_healthy(addr).await;
        }
    }
}
