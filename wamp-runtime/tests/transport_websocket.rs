//! WebSocket transport over real loopback sockets.
#![allow(clippy::result_large_err)] // tungstenite's handshake callback error type is large.

mod common;

use bytes::Bytes;
use common::*;
use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use tokio_tungstenite::tungstenite::http::{HeaderValue, header};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use wamp::SerializerKind;
use wamp::transport::{
    Acceptor, ClientOptions, ServerOptions, TransportError, TransportKind, connect,
};

const JSON: &[u8] = br#"[1,"realm1",{}]"#;

fn url(addr: std::net::SocketAddr) -> String {
    format!("ws://{addr}/ws")
}

/// A raw tungstenite client offering `protocols` (none if empty).
async fn raw_client(
    addr: std::net::SocketAddr,
    protocols: &str,
) -> Result<
    (
        tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>,
        tokio_tungstenite::tungstenite::handshake::client::Response,
    ),
    WsError,
> {
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut request = url(addr).into_client_request().unwrap();
    if !protocols.is_empty() {
        request.headers_mut().insert(
            header::SEC_WEBSOCKET_PROTOCOL,
            HeaderValue::from_str(protocols).unwrap(),
        );
    }
    tokio_tungstenite::client_async(request, tcp).await
}

#[tokio::test]
async fn negotiates_each_serializer_and_round_trips() {
    for kind in SerializerKind::ALL {
        let (addr, server) = serve_one(|tcp| async move {
            Acceptor::new(ServerOptions::default())
                .accept_tcp(tcp)
                .await
        })
        .await;
        let mut client = timeout(connect(
            &url(addr),
            &ClientOptions::with_serializers([kind]),
        ))
        .await
        .unwrap();
        let mut server = server.await.unwrap().unwrap();
        assert_eq!(client.serializer, kind);
        assert_eq!(server.serializer, kind);
        assert_eq!(client.details.kind, TransportKind::WebSocket);
        assert_eq!(client.details.peer, Some(addr));
        assert!(server.details.peer.is_some_and(|p| p.ip().is_loopback()));
        assert!(client.details.channel_binding.is_none());
        round_trip(&mut client, &mut server, JSON).await;
    }
}

#[tokio::test]
async fn frame_type_is_text_for_json_and_binary_otherwise() {
    for kind in SerializerKind::ALL {
        let (addr, server) = serve_one(|tcp| async move {
            Acceptor::new(ServerOptions::default())
                .accept_tcp(tcp)
                .await
        })
        .await;
        let (mut raw, response) = raw_client(addr, kind.subprotocol()).await.unwrap();
        assert_eq!(
            response.headers()[header::SEC_WEBSOCKET_PROTOCOL],
            kind.subprotocol()
        );
        let mut server = server.await.unwrap().unwrap();
        assert_eq!(server.serializer, kind);
        send(&mut server, JSON).await.unwrap();
        let message = timeout(raw.next()).await.unwrap().unwrap();
        match (kind.is_text(), message) {
            (true, Message::Text(t)) => assert_eq!(t.as_bytes(), JSON),
            (false, Message::Binary(b)) => assert_eq!(&b[..], JSON),
            (_, other) => panic!("{kind}: wrong message type {other:?}"),
        }
        // The right type from the peer is accepted...
        let right = if kind.is_text() {
            Message::text(std::str::from_utf8(JSON).unwrap())
        } else {
            Message::binary(JSON.to_vec())
        };
        raw.send(right).await.unwrap();
        assert_eq!(&recv(&mut server).await.unwrap()[..], JSON);
        // ...the wrong type is a framing error, and the peer gets a close.
        let wrong = if kind.is_text() {
            Message::binary(JSON.to_vec())
        } else {
            Message::text(std::str::from_utf8(JSON).unwrap())
        };
        raw.send(wrong).await.unwrap();
        match recv(&mut server).await {
            Err(TransportError::Framing(msg)) => assert!(msg.contains(kind.subprotocol()), "{msg}"),
            other => panic!("{kind}: expected a framing error, got {other:?}"),
        }
        match timeout(raw.next()).await {
            Some(Ok(Message::Close(Some(frame)))) => assert_eq!(frame.code, CloseCode::Unsupported),
            other => panic!("{kind}: expected a close frame, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn client_preference_order_wins() {
    let cases = [
        (
            vec![
                SerializerKind::MsgPack,
                SerializerKind::Json,
                SerializerKind::Cbor,
            ],
            SerializerKind::ALL.to_vec(),
            SerializerKind::MsgPack,
        ),
        (
            vec![SerializerKind::Json, SerializerKind::Cbor],
            vec![SerializerKind::Cbor, SerializerKind::Json],
            SerializerKind::Json,
        ),
        (
            vec![SerializerKind::Json, SerializerKind::Cbor],
            vec![SerializerKind::Cbor, SerializerKind::MsgPack],
            SerializerKind::Cbor,
        ),
    ];
    for (offered, accepted, expected) in cases {
        let options = ServerOptions::with_serializers(accepted);
        let (addr, server) =
            serve_one(move |tcp| async move { Acceptor::new(options).accept_tcp(tcp).await }).await;
        let client = timeout(connect(
            &url(addr),
            &ClientOptions::with_serializers(offered),
        ))
        .await
        .unwrap();
        let server = server.await.unwrap().unwrap();
        assert_eq!(client.serializer, expected);
        assert_eq!(server.serializer, expected);
    }
}

#[tokio::test]
async fn no_common_serializer_is_refused_on_both_sides() {
    let options = ServerOptions::with_serializers([SerializerKind::Json]);
    let (addr, server) =
        serve_one(move |tcp| async move { Acceptor::new(options).accept_tcp(tcp).await }).await;
    let err = timeout(connect(
        &url(addr),
        &ClientOptions::with_serializers([SerializerKind::MsgPack, SerializerKind::Cbor]),
    ))
    .await
    .unwrap_err();
    match &err {
        TransportError::Handshake(msg) => {
            assert!(msg.contains("400"), "{msg}");
            assert!(msg.contains("no common WAMP serializer"), "{msg}");
        }
        other => panic!("expected a handshake error, got {other:?}"),
    }
    match server.await.unwrap() {
        Err(TransportError::SerializerRefused(msg)) => {
            assert!(
                msg.contains("wamp.2.msgpack") && msg.contains("wamp.2.json"),
                "{msg}"
            )
        }
        other => panic!("expected SerializerRefused, got {other:?}"),
    }
}

#[tokio::test]
async fn client_refuses_a_server_choosing_nothing_or_something_not_offered() {
    // A server that selects no subprotocol.
    let (addr, server) =
        serve_one(|tcp| async move { tokio_tungstenite::accept_async(tcp).await }).await;
    let err = timeout(connect(
        &url(addr),
        &ClientOptions::with_serializers([SerializerKind::Json]),
    ))
    .await
    .unwrap_err();
    assert!(
        matches!(err, TransportError::SerializerRefused(_)),
        "{err:?}"
    );
    let _ = server.await;

    // A server that selects a subprotocol we did not offer.
    let (addr, server) = serve_one(|tcp| async move {
        tokio_tungstenite::accept_hdr_async(tcp, |_: &Request, mut resp: Response| {
            resp.headers_mut().insert(
                header::SEC_WEBSOCKET_PROTOCOL,
                HeaderValue::from_static("wamp.2.cbor"),
            );
            Ok(resp)
        })
        .await
    })
    .await;
    let err = timeout(connect(
        &url(addr),
        &ClientOptions::with_serializers([SerializerKind::Json]),
    ))
    .await
    .unwrap_err();
    assert!(
        matches!(err, TransportError::SerializerRefused(_)),
        "{err:?}"
    );
    let _ = server.await;
}

#[tokio::test]
async fn no_subprotocol_falls_back_to_json_unless_disabled() {
    let (addr, server) = serve_one(|tcp| async move {
        Acceptor::new(ServerOptions::default())
            .accept_tcp(tcp)
            .await
    })
    .await;
    let (mut raw, response) = raw_client(addr, "").await.unwrap();
    assert!(
        response
            .headers()
            .get(header::SEC_WEBSOCKET_PROTOCOL)
            .is_none()
    );
    let mut server = server.await.unwrap().unwrap();
    assert_eq!(server.serializer, SerializerKind::Json);
    raw.send(Message::text("[2]")).await.unwrap();
    assert_eq!(&recv(&mut server).await.unwrap()[..], b"[2]");

    let options = ServerOptions {
        json_fallback: false,
        ..ServerOptions::default()
    };
    let (addr, server) =
        serve_one(move |tcp| async move { Acceptor::new(options).accept_tcp(tcp).await }).await;
    match raw_client(addr, "").await {
        Err(WsError::Http(resp)) => assert_eq!(resp.status(), 400),
        other => panic!("expected HTTP 400, got {other:?}"),
    }
    assert!(matches!(
        server.await.unwrap(),
        Err(TransportError::SerializerRefused(_))
    ));
}

#[tokio::test]
async fn oversize_outgoing_is_refused_and_the_connection_stays_usable() {
    let (addr, server) = serve_one(|tcp| async move {
        Acceptor::new(ServerOptions::default())
            .accept_tcp(tcp)
            .await
    })
    .await;
    let options = ClientOptions {
        max_outgoing: 1000,
        ..ClientOptions::with_serializers([SerializerKind::MsgPack])
    };
    let mut client = timeout(connect(&url(addr), &options)).await.unwrap();
    let mut server = server.await.unwrap().unwrap();
    let err = send(&mut client, &[7u8; 1001]).await.unwrap_err();
    assert!(
        matches!(
            err,
            TransportError::MessageTooLarge {
                size: 1001,
                limit: 1000
            }
        ),
        "{err:?}"
    );
    // Also inside a batch: the refused frame does not take the others down.
    client.sink.feed(Bytes::from_static(b"a")).await.unwrap();
    assert!(
        client
            .sink
            .feed(Bytes::from(vec![0u8; 5000]))
            .await
            .is_err()
    );
    client.sink.feed(Bytes::from_static(b"b")).await.unwrap();
    client.sink.flush().await.unwrap();
    send(&mut client, &[7u8; 1000]).await.unwrap();
    assert_eq!(&recv(&mut server).await.unwrap()[..], b"a");
    assert_eq!(&recv(&mut server).await.unwrap()[..], b"b");
    assert_eq!(recv(&mut server).await.unwrap().len(), 1000);
}

#[tokio::test]
async fn oversize_incoming_is_a_clear_error_and_closes_with_1009() {
    let options = ServerOptions {
        max_incoming: 1000,
        ..ServerOptions::default()
    };
    let (addr, server) =
        serve_one(move |tcp| async move { Acceptor::new(options).accept_tcp(tcp).await }).await;
    let (mut raw, _) = raw_client(addr, "wamp.2.cbor").await.unwrap();
    let mut server = server.await.unwrap().unwrap();
    assert_eq!(server.details.max_incoming, 1000);
    raw.send(Message::binary(vec![1u8; 1000])).await.unwrap();
    assert_eq!(recv(&mut server).await.unwrap().len(), 1000);
    raw.send(Message::binary(vec![1u8; 2000])).await.unwrap();
    match recv(&mut server).await {
        Err(TransportError::MessageTooLarge { size, limit: 1000 }) => assert!(size > 1000),
        other => panic!("expected MessageTooLarge, got {other:?}"),
    }
    match timeout(raw.next()).await {
        Some(Ok(Message::Close(Some(frame)))) => assert_eq!(frame.code, CloseCode::Size),
        other => panic!("expected close 1009, got {other:?}"),
    }
    // The reading side is over.
    assert!(timeout(server.stream.next()).await.is_none());
}

#[tokio::test]
async fn our_client_sees_oversize_incoming_too() {
    let (addr, server) = serve_one(|tcp| async move {
        Acceptor::new(ServerOptions::default())
            .accept_tcp(tcp)
            .await
    })
    .await;
    let options = ClientOptions {
        max_incoming: 100,
        ..ClientOptions::with_serializers([SerializerKind::Json])
    };
    let mut client = timeout(connect(&url(addr), &options)).await.unwrap();
    let mut server = server.await.unwrap().unwrap();
    send(&mut server, &[b'1'; 101]).await.unwrap();
    assert!(matches!(
        recv(&mut client).await,
        Err(TransportError::MessageTooLarge {
            size: 101,
            limit: 100
        })
    ));
}

#[tokio::test]
async fn pings_are_answered_while_the_server_only_reads() {
    let (addr, server) = serve_one(|tcp| async move {
        Acceptor::new(ServerOptions::default())
            .accept_tcp(tcp)
            .await
    })
    .await;
    let (mut raw, _) = raw_client(addr, "wamp.2.json").await.unwrap();
    let mut server = server.await.unwrap().unwrap();
    // The server application only reads, and never writes.
    let reader = tokio::spawn(async move {
        let first = server.stream.next().await;
        (server, first)
    });
    for i in 0..3u8 {
        raw.send(Message::Ping(vec![b'p', i].into())).await.unwrap();
        match timeout(raw.next()).await {
            Some(Ok(Message::Pong(payload))) => assert_eq!(&payload[..], &[b'p', i]),
            other => panic!("expected a pong, got {other:?}"),
        }
    }
    raw.send(Message::text("[1]")).await.unwrap();
    let (_server, first) = timeout(reader).await.unwrap();
    assert_eq!(&first.unwrap().unwrap()[..], b"[1]");
}

#[tokio::test]
async fn batches_many_frames_with_one_flush_and_closes_cleanly() {
    let (addr, server) = serve_one(|tcp| async move {
        Acceptor::new(ServerOptions::default())
            .accept_tcp(tcp)
            .await
    })
    .await;
    let mut client = timeout(connect(
        &url(addr),
        &ClientOptions::with_serializers([SerializerKind::Json]),
    ))
    .await
    .unwrap();
    let mut server = server.await.unwrap().unwrap();
    for i in 0..2000 {
        client
            .sink
            .feed(Bytes::from(format!("[{i}]")))
            .await
            .unwrap();
    }
    client.sink.flush().await.unwrap();
    for i in 0..2000 {
        assert_eq!(
            recv(&mut server).await.unwrap(),
            format!("[{i}]").as_bytes()
        );
    }
    timeout(client.sink.close()).await.unwrap();
    assert!(
        timeout(server.stream.next()).await.is_none(),
        "close ends the peer's stream"
    );
}

#[tokio::test]
async fn keepalive_pings_a_silent_peer_and_fails_when_it_stops_answering() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;
    use wamp::transport::Keepalive;

    let options = ServerOptions {
        keepalive: Some(Keepalive {
            interval: Duration::from_millis(50),
            timeout: Duration::from_millis(100),
        }),
        ..ServerOptions::default()
    };
    let (addr, server) =
        serve_one(move |tcp| async move { Acceptor::new(options).accept_tcp(tcp).await }).await;
    let (mut raw, _) = raw_client(addr, "wamp.2.json").await.unwrap();
    let mut server = server.await.unwrap().unwrap();

    // A peer that reads (and so answers pings) but never sends anything.
    let pings = Arc::new(AtomicUsize::new(0));
    let (stop_tx, mut stop_rx) = tokio::sync::oneshot::channel::<()>();
    let counter = pings.clone();
    let peer = tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = &mut stop_rx => return raw,
                m = raw.next() => match m {
                    Some(Ok(Message::Ping(_))) => { counter.fetch_add(1, Ordering::SeqCst); }
                    Some(Ok(_)) => {}
                    _ => return raw,
                },
            }
        }
    });
    let alive = tokio::time::timeout(Duration::from_millis(400), server.stream.next()).await;
    assert!(
        alive.is_err(),
        "the connection stays up while pongs come back: {alive:?}"
    );
    assert!(
        pings.load(Ordering::SeqCst) >= 2,
        "the server pinged the silent peer"
    );

    // The peer stops reading: no more pongs, so the server gives up.
    stop_tx.send(()).unwrap();
    let _raw = peer.await.unwrap();
    match timeout(server.stream.next()).await {
        Some(Err(TransportError::Io(e))) => assert_eq!(e.kind(), std::io::ErrorKind::TimedOut),
        other => panic!("expected a keepalive timeout, got {other:?}"),
    }
}
