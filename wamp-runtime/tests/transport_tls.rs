//! TLS (wss, rss), the URL entry point and the shared-port acceptor, over loopback.

mod common;

use std::sync::Arc;

use common::*;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use wamp::SerializerKind;
use wamp::transport::{
    Acceptor, ClientOptions, ServerOptions, TransportError, TransportKind, connect, tls,
};

struct TestCert {
    cert: CertificateDer<'static>,
    key_der: Vec<u8>,
    cert_pem: String,
    key_pem: String,
}

fn test_cert() -> TestCert {
    let certified =
        rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()]).unwrap();
    TestCert {
        cert: certified.cert.der().clone(),
        key_der: certified.signing_key.serialize_der(),
        cert_pem: certified.cert.pem(),
        key_pem: certified.signing_key.serialize_pem(),
    }
}

fn server_config(cert: &TestCert) -> Arc<rustls::ServerConfig> {
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(cert.key_der.clone()));
    tls::server_config_from_der(vec![cert.cert.clone()], key).unwrap()
}

async fn serve(
    acceptor: Acceptor,
) -> (
    std::net::SocketAddr,
    tokio::task::JoinHandle<Result<wamp::transport::Transport, TransportError>>,
) {
    serve_one(move |tcp| async move { acceptor.accept_tcp(tcp).await }).await
}

#[tokio::test]
async fn wss_and_rss_round_trip_with_a_trusted_self_signed_cert() {
    let cert = test_cert();
    let client_tls = tls::client_config_trusting([cert.cert.clone()]).unwrap();
    for (scheme, kind) in [
        ("wss", TransportKind::SecureWebSocket),
        ("rss", TransportKind::SecureRawSocket),
    ] {
        let acceptor = Acceptor::new(ServerOptions::default()).with_tls(server_config(&cert));
        let (addr, server) = serve(acceptor).await;
        let options = ClientOptions {
            tls: Some(client_tls.clone()),
            ..ClientOptions::with_serializers([SerializerKind::Cbor])
        };
        let mut client = timeout(connect(
            &format!("{scheme}://127.0.0.1:{}/ws", addr.port()),
            &options,
        ))
        .await
        .unwrap();
        let mut server = server.await.unwrap().unwrap();
        assert_eq!(client.details.kind, kind);
        assert_eq!(server.details.kind, kind);
        assert_eq!(server.serializer, SerializerKind::Cbor);
        let binding = client
            .details
            .channel_binding
            .clone()
            .expect("client channel binding");
        assert_eq!(binding.len(), 32);
        assert_eq!(
            server.details.channel_binding,
            Some(binding),
            "both ends derive the same binding"
        );
        round_trip(&mut client, &mut server, b"\x83\x01\x02\x03").await;
    }
}

#[tokio::test]
async fn tls_server_name_override_and_pem_files() {
    let cert = test_cert();
    let dir = std::env::temp_dir().join(format!("wamp-tls-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (cert_path, key_path) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert_path, &cert.cert_pem).unwrap();
    std::fs::write(&key_path, &cert.key_pem).unwrap();
    let server_tls = tls::server_config_from_pem_files(&cert_path, &key_path).unwrap();
    let client_tls = tls::client_config_trusting_pem_file(&cert_path).unwrap();
    let _ = std::fs::remove_dir_all(&dir);

    let (addr, server) = serve(Acceptor::new(ServerOptions::default()).with_tls(server_tls)).await;
    let options = ClientOptions {
        tls: Some(client_tls),
        tls_server_name: Some("localhost".into()),
        ..ClientOptions::default()
    };
    let mut client = timeout(connect(
        &format!("wss://127.0.0.1:{}/", addr.port()),
        &options,
    ))
    .await
    .unwrap();
    let mut server = server.await.unwrap().unwrap();
    round_trip(&mut client, &mut server, b"x").await;
}

#[tokio::test]
async fn a_client_that_does_not_trust_the_cert_fails_with_a_tls_error() {
    let cert = test_cert();
    for scheme in ["wss", "rss"] {
        let (addr, server) =
            serve(Acceptor::new(ServerOptions::default()).with_tls(server_config(&cert))).await;
        // Default options trust the webpki roots only.
        let err = timeout(connect(
            &format!("{scheme}://127.0.0.1:{}/", addr.port()),
            &ClientOptions::default(),
        ))
        .await
        .unwrap_err();
        match &err {
            TransportError::Tls(msg) => {
                assert!(msg.to_lowercase().contains("certificate"), "{msg}")
            }
            other => panic!("expected a TLS error, got {other:?}"),
        }
        assert!(
            server.await.unwrap().is_err(),
            "the server fails the handshake too"
        );
    }
    // A certificate for another name is refused as well.
    let other = test_cert();
    let (addr, _server) =
        serve(Acceptor::new(ServerOptions::default()).with_tls(server_config(&cert))).await;
    let options = ClientOptions {
        tls: Some(tls::client_config_trusting([other.cert.clone()]).unwrap()),
        ..ClientOptions::default()
    };
    let err = timeout(connect(
        &format!("wss://127.0.0.1:{}/", addr.port()),
        &options,
    ))
    .await
    .unwrap_err();
    assert!(matches!(err, TransportError::Tls(_)), "{err:?}");
}

#[tokio::test]
async fn one_port_serves_websocket_and_rawsocket() {
    let (listener, addr) = listener().await;
    let acceptor = Acceptor::new(ServerOptions::default());
    let server = tokio::spawn(async move {
        let mut out = Vec::new();
        for _ in 0..4 {
            let (tcp, _) = listener.accept().await.unwrap();
            out.push(acceptor.accept_tcp(tcp).await.unwrap());
        }
        out
    });
    let mut clients = Vec::new();
    for url in [
        format!("ws://{addr}/"),
        format!("rs://{addr}"),
        format!("tcp://{addr}"),
        format!("ws://127.0.0.1:{}/path?q=1", addr.port()),
    ] {
        clients.push(
            timeout(connect(
                &url,
                &ClientOptions::with_serializers([SerializerKind::Json]),
            ))
            .await
            .unwrap(),
        );
    }
    let mut servers = timeout(server).await.unwrap();
    let kinds: Vec<_> = servers.iter().map(|t| t.details.kind).collect();
    assert_eq!(
        kinds,
        [
            TransportKind::WebSocket,
            TransportKind::RawSocket,
            TransportKind::RawSocket,
            TransportKind::WebSocket
        ]
    );
    for (client, server) in clients.iter_mut().zip(servers.iter_mut()) {
        assert_eq!(server.serializer, SerializerKind::Json);
        round_trip(client, server, b"[\"hi\"]").await;
    }
}

#[tokio::test]
async fn bad_urls_are_invalid_url_errors() {
    for url in [
        "http://127.0.0.1:1/",
        "rs://127.0.0.1",
        "tcps://127.0.0.1",
        "not a url",
        "ws://:80/",
        "rss://[::1/",
    ] {
        let err = connect(url, &ClientOptions::default()).await.unwrap_err();
        assert!(
            matches!(err, TransportError::InvalidUrl { .. }),
            "{url}: {err:?}"
        );
    }
}

#[tokio::test]
async fn connection_refused_is_an_io_error() {
    let (listener, addr) = listener().await;
    drop(listener);
    let err = connect(&format!("ws://{addr}/"), &ClientOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(err, TransportError::Io(_)), "{err:?}");
}
