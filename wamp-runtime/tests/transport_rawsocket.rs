//! RawSocket transport over real loopback sockets.

mod common;

use bytes::Bytes;
use common::*;
use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use wamp::SerializerKind;
use wamp::transport::{
    Acceptor, ClientOptions, ServerOptions, TransportError, TransportKind, connect,
};

fn url(addr: std::net::SocketAddr) -> String {
    format!("rs://{addr}")
}

async fn server_transport(
    tcp: TcpStream,
    options: ServerOptions,
) -> Result<wamp::transport::Transport, TransportError> {
    Acceptor::new(options).accept_tcp(tcp).await
}

#[tokio::test]
async fn handshake_succeeds_for_each_serializer_and_length() {
    for kind in SerializerKind::ALL {
        for (client_max, client_announced) in [
            (1, 512),
            (512, 512),
            (1000, 1024),
            (1 << 20, 1 << 20),
            (0, 16 << 20),
        ] {
            let server_options = ServerOptions {
                max_incoming: 64 * 1024,
                ..ServerOptions::default()
            };
            let (addr, server) = serve_one(move |tcp| server_transport(tcp, server_options)).await;
            let options = ClientOptions {
                max_incoming: client_max,
                max_outgoing: 0,
                ..ClientOptions::with_serializers([kind])
            };
            let mut client = timeout(connect(&url(addr), &options)).await.unwrap();
            let mut server = server.await.unwrap().unwrap();
            assert_eq!(client.serializer, kind);
            assert_eq!(server.serializer, kind);
            assert_eq!(client.details.kind, TransportKind::RawSocket);
            assert_eq!(client.details.max_incoming, client_announced);
            assert_eq!(client.details.max_outgoing, 64 * 1024);
            assert_eq!(server.details.max_incoming, 64 * 1024);
            assert_eq!(server.details.max_outgoing.min(16 << 20), client_announced);
            round_trip(&mut client, &mut server, b"[1,\"realm1\",{}]").await;
        }
    }
}

#[tokio::test]
async fn handshake_octets_on_the_wire() {
    let options = ServerOptions {
        max_incoming: 1 << 20,
        ..ServerOptions::default()
    };
    let (addr, server) = serve_one(move |tcp| server_transport(tcp, options)).await;
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    tcp.write_all(&[0x7F, 0xF1, 0, 0]).await.unwrap();
    let mut reply = [0u8; 4];
    timeout(tcp.read_exact(&mut reply)).await.unwrap();
    assert_eq!(
        reply,
        [0x7F, 0xB1, 0, 0],
        "server echoes JSON with LLLL=11 (1 MiB)"
    );
    let server = server.await.unwrap().unwrap();
    assert_eq!(server.serializer, SerializerKind::Json);
    assert_eq!(server.details.max_outgoing, 16 << 20);
}

#[tokio::test]
async fn unsupported_serializer_is_refused_with_error_1() {
    let options = ServerOptions::with_serializers([SerializerKind::Json]);
    let (addr, server) = serve_one(move |tcp| server_transport(tcp, options)).await;
    let err = timeout(connect(
        &url(addr),
        &ClientOptions::with_serializers([SerializerKind::Cbor]),
    ))
    .await
    .unwrap_err();
    match err {
        TransportError::SerializerRefused(msg) => {
            assert!(msg.contains("error 1") && msg.contains("cbor"), "{msg}")
        }
        other => panic!("expected SerializerRefused, got {other:?}"),
    }
    assert!(matches!(
        server.await.unwrap(),
        Err(TransportError::SerializerRefused(_))
    ));

    // On the wire, including the illegal serializer code 0.
    for hello in [[0x7F, 0xF3, 0, 0], [0x7F, 0xF0, 0, 0], [0x7F, 0xF9, 0, 0]] {
        let options = ServerOptions::with_serializers([SerializerKind::Json]);
        let (addr, server) = serve_one(move |tcp| server_transport(tcp, options)).await;
        let mut tcp = TcpStream::connect(addr).await.unwrap();
        tcp.write_all(&hello).await.unwrap();
        let mut reply = [0u8; 4];
        timeout(tcp.read_exact(&mut reply)).await.unwrap();
        assert_eq!(reply, [0x7F, 0x10, 0, 0]);
        assert!(server.await.unwrap().is_err());
    }
}

#[tokio::test]
async fn reserved_bits_are_refused_with_error_3() {
    for hello in [[0x7F, 0xF1, 0, 1], [0x7F, 0xF1, 0x80, 0]] {
        let (addr, server) = serve_one(|tcp| server_transport(tcp, ServerOptions::default())).await;
        let mut tcp = TcpStream::connect(addr).await.unwrap();
        tcp.write_all(&hello).await.unwrap();
        let mut reply = [0u8; 4];
        timeout(tcp.read_exact(&mut reply)).await.unwrap();
        assert_eq!(reply, [0x7F, 0x30, 0, 0]);
        match server.await.unwrap() {
            Err(TransportError::Handshake(msg)) => assert!(msg.contains("reserved"), "{msg}"),
            other => panic!("expected a handshake error, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn client_reports_refusals_and_non_rawsocket_servers() {
    let cases: [([u8; 4], &str); 3] = [
        ([0x7F, 0x40, 0, 0], "maximum connection count reached"),
        ([0x7F, 0x20, 0, 0], "maximum message length unacceptable"),
        (*b"HTTP", "not RawSocket"),
    ];
    for (reply, expected) in cases {
        let (addr, server) = serve_one(move |mut tcp| async move {
            let mut hello = [0u8; 4];
            tcp.read_exact(&mut hello).await.unwrap();
            tcp.write_all(&reply).await.unwrap();
            hello
        })
        .await;
        let err = timeout(connect(
            &url(addr),
            &ClientOptions::with_serializers([SerializerKind::MsgPack]),
        ))
        .await
        .unwrap_err();
        assert!(matches!(err, TransportError::Handshake(_)), "{err:?}");
        assert!(err.to_string().contains(expected), "{err}");
        assert_eq!(server.await.unwrap(), [0x7F, 0xF2, 0, 0]);
    }
}

#[tokio::test]
async fn outgoing_frames_above_the_peers_limit_are_refused_without_closing() {
    let options = ServerOptions {
        max_incoming: 1024,
        ..ServerOptions::default()
    };
    let (addr, server) = serve_one(move |tcp| server_transport(tcp, options)).await;
    let mut client = timeout(connect(&url(addr), &ClientOptions::default()))
        .await
        .unwrap();
    let mut server = server.await.unwrap().unwrap();
    assert_eq!(client.details.max_outgoing, 1024);
    let err = send(&mut client, &[1u8; 1025]).await.unwrap_err();
    assert!(
        matches!(
            err,
            TransportError::MessageTooLarge {
                size: 1025,
                limit: 1024
            }
        ),
        "{err:?}"
    );
    client.sink.feed(Bytes::from_static(b"a")).await.unwrap();
    assert!(
        client
            .sink
            .feed(Bytes::from(vec![0u8; 4096]))
            .await
            .is_err()
    );
    client
        .sink
        .feed(Bytes::from(vec![2u8; 1024]))
        .await
        .unwrap();
    client.sink.flush().await.unwrap();
    assert_eq!(&recv(&mut server).await.unwrap()[..], b"a");
    assert_eq!(recv(&mut server).await.unwrap().len(), 1024);
}

#[tokio::test]
async fn incoming_frames_above_our_limit_and_reserved_types_are_errors() {
    // (frame header, expected error)
    type Check = fn(&TransportError) -> bool;
    let cases: [([u8; 4], Check); 3] = [
        ([0, 0, 0x02, 0x01], |e| {
            matches!(
                e,
                TransportError::MessageTooLarge {
                    size: 513,
                    limit: 512
                }
            )
        }),
        ([0x03, 0, 0, 1], |e| matches!(e, TransportError::Framing(_))),
        (
            [0x08, 0, 0, 0],
            |e| matches!(e, TransportError::MessageTooLarge { size, limit: 512 } if *size == 16 << 20),
        ),
    ];
    for (header, check) in cases {
        let options = ServerOptions {
            max_incoming: 512,
            ..ServerOptions::default()
        };
        let (addr, server) = serve_one(move |tcp| server_transport(tcp, options)).await;
        let mut tcp = TcpStream::connect(addr).await.unwrap();
        tcp.write_all(&[0x7F, 0xF1, 0, 0]).await.unwrap();
        let mut reply = [0u8; 4];
        timeout(tcp.read_exact(&mut reply)).await.unwrap();
        assert_eq!(reply, [0x7F, 0x01, 0, 0], "LLLL 0 announces 512 bytes");
        let mut server = server.await.unwrap().unwrap();
        tcp.write_all(&[0, 0, 0, 3]).await.unwrap();
        tcp.write_all(b"[1]").await.unwrap();
        tcp.write_all(&header).await.unwrap();
        assert_eq!(&recv(&mut server).await.unwrap()[..], b"[1]");
        let err = recv(&mut server).await.unwrap_err();
        assert!(check(&err), "{header:?}: {err:?}");
        assert!(timeout(server.stream.next()).await.is_none());
    }
}

#[tokio::test]
async fn batches_many_frames_with_one_flush_and_close_ends_the_peer() {
    let (addr, server) = serve_one(|tcp| server_transport(tcp, ServerOptions::default())).await;
    let mut client = timeout(connect(&url(addr), &ClientOptions::default()))
        .await
        .unwrap();
    let mut server = server.await.unwrap().unwrap();
    for i in 0..5000 {
        client
            .sink
            .feed(Bytes::from(format!("[{i}]")))
            .await
            .unwrap();
    }
    client.sink.flush().await.unwrap();
    for i in 0..5000 {
        assert_eq!(
            recv(&mut server).await.unwrap(),
            format!("[{i}]").as_bytes()
        );
    }
    timeout(client.sink.close()).await.unwrap();
    assert!(timeout(server.stream.next()).await.is_none());
}

#[tokio::test]
async fn a_message_of_exactly_16_mib_crosses() {
    let (addr, server) = serve_one(|tcp| server_transport(tcp, ServerOptions::default())).await;
    let mut client = timeout(connect(&url(addr), &ClientOptions::default()))
        .await
        .unwrap();
    let mut server = server.await.unwrap().unwrap();
    assert_eq!(client.details.max_outgoing, 16 << 20);
    let big = Bytes::from(vec![0x5A; 16 << 20]);
    let sender = tokio::spawn(async move {
        client.sink.send(big).await.unwrap();
        client
    });
    let got = recv(&mut server).await.unwrap();
    assert_eq!(got.len(), 16 << 20);
    assert!(got.iter().all(|&b| b == 0x5A));
    let mut client = sender.await.unwrap();
    assert!(matches!(
        send(&mut client, &vec![0; (16 << 20) + 1]).await,
        Err(TransportError::MessageTooLarge { .. })
    ));
}
