//! Half-open connections: a peer that joins, registers and subscribes, then
//! goes silent (reads nothing, answers no ping) is dropped by the router's
//! keepalive, and its session left: its procedure can be registered again.

use std::time::{Duration, Instant};

use wamp::SerializerKind::MsgPack;
use wamp::router::{KeepaliveConfig, RealmConfig, Router};
use wamp::transport::Keepalive;

use crate::peer::*;

const INTERVAL: Duration = Duration::from_millis(200);
const TIMEOUT: Duration = Duration::from_millis(200);

async fn router_with_keepalive() -> std::net::SocketAddr {
    let router = Router::builder()
        .realm(RealmConfig::open("realm1"))
        .keepalive_config(KeepaliveConfig {
            // The silent RawSocket peer never pings: ping it anyway.
            rawsocket: true,
            ..Some(Keepalive {
                interval: INTERVAL,
                timeout: TIMEOUT,
            })
            .into()
        })
        .build();
    let addr = router.listen("127.0.0.1:0").await.unwrap();
    std::mem::forget(router);
    addr
}

/// Registers `procedure` from a fresh session, retrying until the silent
/// peer's registration is gone; returns how long that took.
async fn register_when_freed(addr: std::net::SocketAddr, procedure: &str) -> Duration {
    let mut other = Peer::join(addr, MsgPack).await;
    let start = Instant::now();
    loop {
        match other.register_with(procedure, Default::default()).await {
            Ok(_) => return start.elapsed(),
            Err(e) => {
                assert_eq!(e.error, "wamp.error.procedure_already_exists");
                assert!(
                    start.elapsed() < Duration::from_secs(5),
                    "the silent peer still holds <{procedure}>"
                );
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

async fn silent_peer_is_dropped(url: String) {
    let addr = router_with_keepalive().await;
    let url = url.replace("ADDR", &addr.to_string());
    let mut silent = Peer::join_url(&url, MsgPack).await;
    silent.register("com.example.held").await;
    silent.subscribe("com.example.topic").await;
    // From now on the peer reads nothing, so it answers no ping either.
    let freed_after = register_when_freed(addr, "com.example.held").await;
    // At most 2 × interval + timeout after its last message, plus slack.
    assert!(
        freed_after <= 2 * INTERVAL + TIMEOUT + Duration::from_millis(500),
        "freed after {freed_after:?}"
    );
    let mut probe = Peer::join(addr, MsgPack).await;
    let count = probe.meta("wamp.session.count", vec![]).await.unwrap();
    assert_eq!(count.len(), 1);
    assert_eq!(
        count[0],
        wamp::protocol::Value::UInt(1),
        "only the probe remains: the silent session has left"
    );
    drop(silent);
}

#[tokio::test]
async fn a_silent_websocket_peer_is_dropped_and_its_registration_freed() {
    silent_peer_is_dropped("ws://ADDR/ws".into()).await;
}

#[tokio::test]
async fn a_silent_rawsocket_peer_is_dropped_and_its_registration_freed() {
    silent_peer_is_dropped("rs://ADDR".into()).await;
}

#[tokio::test]
async fn a_peer_that_answers_pings_stays() {
    let addr = router_with_keepalive().await;
    let mut idle = Peer::join(addr, MsgPack).await;
    idle.register("com.example.kept").await;
    // Reading (and so answering pings) while idle for several intervals.
    assert!(idle.quiet(1000).await);
    let mut other = Peer::join(addr, MsgPack).await;
    let e = other
        .register_with("com.example.kept", Default::default())
        .await
        .unwrap_err();
    assert_eq!(e.error, "wamp.error.procedure_already_exists");
}
