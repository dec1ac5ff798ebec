//! RawSocket at the frame level (PING/PONG, keepalive, handshake refusals),
//! over in-process byte streams. The public behaviour over TCP is tested in
//! `tests/transport_rawsocket.rs`.

use std::time::Duration;

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, DuplexStream, duplex};

use super::codec::{Frame, FrameType};
use super::handshake::{Refusal, server_with_hello};
use super::*;
use crate::transport::{Acceptor, Keepalive};

async fn timeout<T>(fut: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(10), fut)
        .await
        .expect("test step timed out")
}

/// A RawSocket client (frames) and the server's transport, over a duplex pipe.
async fn pair(
    client_options: ClientOptions,
    server_options: ServerOptions,
) -> (RawSocket<DuplexStream>, Transport) {
    let (a, b) = duplex(1 << 20);
    let acceptor = Acceptor::new(server_options);
    let server = tokio::spawn(async move { acceptor.accept(b).await });
    let client = timeout(connect(a, &client_options)).await.unwrap();
    let server = timeout(server).await.unwrap().unwrap();
    (client, server)
}

#[tokio::test]
async fn an_idle_connection_holds_no_read_or_write_buffer() {
    let (mut client, mut server) = pair(ClientOptions::default(), ServerOptions::default()).await;
    assert_eq!(client.buffer_capacities(), (0, 0));
    // Written and flushed: the write buffer is freed.
    timeout(client.send(Frame::message(Bytes::from_static(b"[1]"))))
        .await
        .unwrap();
    assert_eq!(client.buffer_capacities(), (0, 0));
    let got = timeout(server.stream.next()).await.unwrap().unwrap();
    assert_eq!(&got[..], b"[1]");
    // A frame bigger than the initial read buffer arrives whole...
    let big = Bytes::from(vec![b'x'; 20_000]);
    timeout(server.sink.send(big.clone())).await.unwrap();
    let frame = timeout(client.next()).await.unwrap().unwrap();
    assert_eq!(frame, Frame::message(big));
    // ...and once the socket has nothing more, no read buffer is kept.
    let idle = tokio::time::timeout(Duration::from_millis(50), client.next()).await;
    assert!(idle.is_err(), "nothing more was sent: {idle:?}");
    assert_eq!(client.buffer_capacities(), (0, 0));
}

#[test]
fn frame_type_codes() {
    assert_eq!(FrameType::from_code(1), Some(FrameType::Ping));
    assert_eq!(FrameType::from_code(3), None);
    assert_eq!(Refusal::from_code(4), Some(Refusal::MaxConnectionCount));
}

#[tokio::test]
async fn bad_first_octet_fails_without_reply() {
    let (mut a, mut b) = duplex(1024);
    let result = server_with_hello(&mut b, *b"GET ", &SerializerKind::ALL, 15).await;
    match result {
        Err(TransportError::Handshake(msg)) => assert!(msg.contains("first octet"), "{msg}"),
        other => panic!("expected a handshake error, got {other:?}"),
    }
    drop(b);
    let mut rest = Vec::new();
    a.read_to_end(&mut rest).await.unwrap();
    assert!(
        rest.is_empty(),
        "no reply to a non-RawSocket client: {rest:?}"
    );
}

#[tokio::test]
async fn ping_is_answered_by_exactly_one_pong_while_the_server_only_reads() {
    let (mut client, mut server) = pair(
        ClientOptions::with_serializers([SerializerKind::Cbor]),
        ServerOptions::default(),
    )
    .await;
    let reader = tokio::spawn(async move {
        let first = server.stream.next().await;
        (server, first)
    });
    for payload in [&b""[..], b"ping-1", &[0xAB; 300]] {
        client
            .send(Frame::ping(Bytes::copy_from_slice(payload)))
            .await
            .unwrap();
        let pong = timeout(client.next()).await.unwrap().unwrap();
        assert_eq!(pong, Frame::pong(Bytes::copy_from_slice(payload)));
    }
    // Two pings in one batch: two pongs, in order, and then nothing else.
    client
        .feed(Frame::ping(Bytes::from_static(b"a")))
        .await
        .unwrap();
    client
        .feed(Frame::ping(Bytes::from_static(b"b")))
        .await
        .unwrap();
    client.flush().await.unwrap();
    assert_eq!(
        timeout(client.next()).await.unwrap().unwrap(),
        Frame::pong(Bytes::from_static(b"a"))
    );
    assert_eq!(
        timeout(client.next()).await.unwrap().unwrap(),
        Frame::pong(Bytes::from_static(b"b"))
    );
    client
        .send(Frame::message(Bytes::from_static(b"[1]")))
        .await
        .unwrap();
    let (mut server, first) = timeout(reader).await.unwrap();
    assert_eq!(&first.unwrap().unwrap()[..], b"[1]");
    server.sink.send(Bytes::from_static(b"[2]")).await.unwrap();
    let next = timeout(client.next()).await.unwrap().unwrap();
    assert_eq!(
        next,
        Frame::message(Bytes::from_static(b"[2]")),
        "no extra PONG before the message"
    );
}

#[tokio::test]
async fn keepalive_pings_a_silent_peer_and_fails_when_it_stops_answering() {
    let keepalive = Some(Keepalive {
        interval: Duration::from_millis(50),
        timeout: Duration::from_millis(100),
    });
    let server_options = ServerOptions {
        keepalive,
        rawsocket_keepalive: true,
        ..ServerOptions::default()
    };
    let (mut client, mut server) = pair(ClientOptions::default(), server_options).await;
    let (stop_tx, mut stop_rx) = tokio::sync::oneshot::channel::<()>();
    // A peer that reads (and so answers pings) but never sends anything.
    let peer = tokio::spawn(async move {
        tokio::select! {
            _ = &mut stop_rx => {}
            f = client.next() => panic!("unexpected frame {f:?}"),
        }
        client
    });
    let alive = tokio::time::timeout(Duration::from_millis(400), server.stream.next()).await;
    assert!(
        alive.is_err(),
        "the connection stays up while pongs come back: {alive:?}"
    );
    stop_tx.send(()).unwrap();
    let _client = peer.await.unwrap();
    match timeout(server.stream.next()).await {
        Some(Err(TransportError::Io(e))) => assert_eq!(e.kind(), std::io::ErrorKind::TimedOut),
        other => panic!("expected a keepalive timeout, got {other:?}"),
    }
}

#[tokio::test]
async fn by_default_the_server_pings_only_a_peer_that_pinged() {
    let server_options = ServerOptions {
        keepalive: Some(Keepalive {
            interval: Duration::from_millis(50),
            timeout: Duration::from_millis(100),
        }),
        ..ServerOptions::default()
    };
    // The client never reads, so it never answers a PING.
    let (mut client, mut server) = pair(ClientOptions::default(), server_options).await;
    let quiet = tokio::time::timeout(Duration::from_millis(400), server.stream.next()).await;
    assert!(
        quiet.is_err(),
        "a peer that never pinged is not pinged (Crossbar reads a PING as a message header): {quiet:?}"
    );
    timeout(client.send(Frame::ping(Bytes::from_static(b"hi"))))
        .await
        .unwrap();
    // The server answers that PING, then pings the peer, which does not answer.
    match timeout(server.stream.next()).await {
        Some(Err(TransportError::Io(e))) => assert_eq!(e.kind(), std::io::ErrorKind::TimedOut),
        other => panic!("expected a keepalive timeout once the peer pinged, got {other:?}"),
    }
}

#[tokio::test]
async fn a_client_with_rawsocket_keepalive_pings_at_once_so_the_server_checks_it() {
    let keepalive = Some(Keepalive {
        interval: Duration::from_millis(50),
        timeout: Duration::from_millis(100),
    });
    let client_options = ClientOptions {
        // Long enough that only the announcing PING goes out in this test.
        keepalive: Some(Keepalive {
            interval: Duration::from_secs(60),
            timeout: Duration::from_secs(60),
        }),
        rawsocket_keepalive: true,
        ..ClientOptions::default()
    };
    let server_options = ServerOptions {
        keepalive,
        ..ServerOptions::default()
    };
    let (mut client, mut server) = pair(client_options, server_options).await;
    // Reading once sends the announcing PING; then the client reads no more.
    let _ = tokio::time::timeout(Duration::from_millis(20), client.next()).await;
    match timeout(server.stream.next()).await {
        Some(Err(TransportError::Io(e))) => assert_eq!(e.kind(), std::io::ErrorKind::TimedOut),
        other => {
            panic!("expected the server to ping the announced client and time out, got {other:?}")
        }
    }
}
