//! Per-connection limits: `connections_per_listener` (one over the limit gets
//! ABORT `wamp.error.limit_exceeded`, or is closed if it says nothing) and
//! `join_timeout_secs` (HELLO and authentication must complete in time).

use std::time::{Duration, Instant};

use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;
use wamp::SerializerKind::{Json, MsgPack};
use wamp::protocol::options::HelloDetails;
use wamp::protocol::*;
use wamp::router::{AuthConfig, Limits, RealmConfig, Router, TicketPrincipal};

use crate::peer::*;

async fn router_with_limits(limits: Limits, realm: RealmConfig) -> (Router, std::net::SocketAddr) {
    let router = Router::builder().realm(realm).limits(limits).build();
    let addr = router.listen("127.0.0.1:0").await.unwrap();
    (router, addr)
}

/// Whether the router closes a raw TCP connection within `within`.
async fn tcp_closed_within(tcp: &mut TcpStream, within: Duration) -> bool {
    let mut buf = [0u8; 256];
    let deadline = Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline.into(), tcp.read(&mut buf)).await {
            Err(_) => return false,
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => {}
        }
    }
}

#[tokio::test]
async fn a_connection_over_the_listener_limit_is_aborted_with_limit_exceeded() {
    let limits = Limits {
        connections_per_listener: 3,
        ..Limits::default()
    };
    let (_router, addr) = router_with_limits(limits, RealmConfig::open("realm1")).await;
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(Peer::join(addr, MsgPack).await);
    }
    // Over the limit, over WebSocket and over RawSocket: ABORT naming the limit.
    for url in [format!("ws://{addr}/ws"), format!("rs://{addr}")] {
        let mut over = Peer::connect(&url, Json).await;
        over.hello("realm1", HelloDetails::default()).await;
        match over.recv().await {
            Message::Abort(a) => {
                assert_eq!(a.reason, "wamp.error.limit_exceeded");
                let text = a.details.message.unwrap_or_default();
                assert!(
                    text.contains("connections_per_listener") && text.contains('3'),
                    "{text}"
                );
            }
            other => panic!("expected ABORT, got {other:?}"),
        }
        assert!(over.closed().await);
    }
    // One that says nothing is closed within the refusal time.
    let mut silent = TcpStream::connect(addr).await.unwrap();
    assert!(tcp_closed_within(&mut silent, Duration::from_secs(4)).await);
    // The admitted sessions still work, and a freed place is taken again.
    let count = held[0].meta("wamp.session.count", vec![]).await.unwrap();
    assert_eq!(count, vec![Value::UInt(3)]);
    held.pop().unwrap().goodbye().await;
    drop(held.pop());
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut again = Peer::join(addr, MsgPack).await;
    again.meta("wamp.session.count", vec![]).await.unwrap();
}

#[tokio::test]
async fn a_flood_over_the_limit_is_refused_at_bounded_cost() {
    let limits = Limits {
        connections_per_listener: 2,
        ..Limits::default()
    };
    let (_router, addr) = router_with_limits(limits, RealmConfig::open("realm1")).await;
    let mut held = [
        Peer::join(addr, MsgPack).await,
        Peer::join(addr, MsgPack).await,
    ];
    // 200 silent connections: at most 64 wait for a HELLO, the rest are
    // closed at once; every one is closed within the refusal time.
    let mut flood = Vec::new();
    for _ in 0..200 {
        flood.push(TcpStream::connect(addr).await.unwrap());
    }
    for tcp in flood.iter_mut() {
        assert!(tcp_closed_within(tcp, Duration::from_secs(4)).await);
    }
    let count = held[1].meta("wamp.session.count", vec![]).await.unwrap();
    assert_eq!(count, vec![Value::UInt(2)]);
    held[0].goodbye().await;
}

#[tokio::test]
async fn a_connection_without_hello_is_aborted_after_the_join_timeout() {
    let limits = Limits {
        join_timeout_secs: 1,
        ..Limits::default()
    };
    let (_router, addr) = router_with_limits(limits, RealmConfig::open("realm1")).await;
    let start = Instant::now();
    let mut idle = Peer::connect(&format!("ws://{addr}/ws"), MsgPack).await;
    match idle.recv().await {
        Message::Abort(a) => {
            assert_eq!(a.reason, "wamp.error.protocol_violation");
            assert_eq!(a.details.message.as_deref(), Some("no HELLO in time"));
        }
        other => panic!("expected ABORT, got {other:?}"),
    }
    assert!(idle.closed().await);
    let took = start.elapsed();
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(3),
        "{took:?}"
    );
}

#[tokio::test]
async fn an_unanswered_challenge_is_aborted_after_the_join_timeout() {
    let limits = Limits {
        join_timeout_secs: 1,
        ..Limits::default()
    };
    let realm = RealmConfig {
        auth: AuthConfig {
            ticket: vec![TicketPrincipal::new("backend", "secret", "backend")],
            ..Default::default()
        },
        ..RealmConfig::open("realm1")
    };
    let (_router, addr) = router_with_limits(limits, realm).await;
    let mut p = Peer::connect(&format!("rs://{addr}"), MsgPack).await;
    let start = Instant::now();
    p.hello(
        "realm1",
        HelloDetails {
            authmethods: Some(vec!["ticket".into()]),
            authid: Some("backend".into()),
            ..Default::default()
        },
    )
    .await;
    assert!(matches!(p.recv().await, Message::Challenge(_)));
    match p.recv().await {
        Message::Abort(a) => {
            assert_eq!(a.reason, "wamp.error.authentication_failed");
            assert_eq!(
                a.details.message.as_deref(),
                Some("no AUTHENTICATE in time")
            );
        }
        other => panic!("expected ABORT, got {other:?}"),
    }
    assert!(start.elapsed() < Duration::from_secs(3));
    assert!(p.closed().await);
}
