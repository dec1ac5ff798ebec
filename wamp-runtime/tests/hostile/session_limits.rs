//! Per-session and per-realm limits over real sockets: calls in flight,
//! registrations, subscriptions, sessions per realm, retained events. Each
//! limit answers with `wamp.error.limit_exceeded` naming it, and the session
//! (and another, healthy one) keeps working.

use std::net::SocketAddr;

use wamp::SerializerKind;
use wamp::protocol::options::*;
use wamp::protocol::uris;
use wamp::protocol::*;
use wamp::router::{Limits, RealmConfig, Router};

use crate::peer::{Peer, args, uri};

async fn router_with(limits: Limits) -> (Router, SocketAddr) {
    let router = Router::builder()
        .realm(RealmConfig::open("realm1"))
        .limits(limits)
        .build();
    let addr = router.listen("127.0.0.1:0").await.unwrap();
    (router, addr)
}

/// The URI and the message text of an ERROR.
fn error_of(e: &ErrorMessage) -> (String, String) {
    let text = e
        .payload
        .args_values()
        .unwrap()
        .first()
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    (e.error.as_str().to_owned(), text)
}

fn limit(text: &str) -> (String, String) {
    (uris::LIMIT_EXCEEDED.to_owned(), text.to_owned())
}

/// A healthy session can still register, call and get its result.
async fn healthy(addr: SocketAddr, procedure: &str) {
    let mut callee = Peer::join(addr, SerializerKind::Json).await;
    let mut caller = Peer::join(addr, SerializerKind::Cbor).await;
    callee.register(procedure).await;
    let request = caller
        .call(procedure, args(SerializerKind::Cbor, &[7]))
        .await;
    let inv = callee.expect_invocation().await;
    callee.yield_(inv.request, inv.payload).await;
    let r = caller.expect_result(request).await;
    assert_eq!(r.payload.args_values().unwrap(), vec![Value::UInt(7)]);
}

async fn try_subscribe(p: &mut Peer, topic: &str, options: WireSubscribeOptions) -> Message {
    let request = p.next_id();
    p.send(Message::Subscribe(Subscribe {
        request,
        options,
        topic: uri(topic),
    }))
    .await;
    p.recv().await
}

#[tokio::test]
async fn a_call_over_calls_per_session_gets_limit_exceeded() {
    let (_router, addr) = router_with(Limits {
        calls_per_session: 2,
        ..Limits::default()
    })
    .await;
    let mut callee = Peer::join(addr, SerializerKind::Json).await;
    let mut caller = Peer::join(addr, SerializerKind::MsgPack).await;
    callee.register("com.app.slow").await;
    let r1 = caller.call("com.app.slow", Payload::empty()).await;
    let _r2 = caller.call("com.app.slow", Payload::empty()).await;
    let inv1 = callee.expect_invocation().await;
    let _inv2 = callee.expect_invocation().await;
    let r3 = caller.call("com.app.slow", Payload::empty()).await;
    let e = caller.expect_error(r3).await;
    assert_eq!(e.request_type, MessageType::Call);
    assert_eq!(error_of(&e), limit("calls_per_session limit (2) reached"));
    assert!(
        callee.quiet(200).await,
        "nothing routed for the refused call"
    );
    // One call ends: the caller may call again.
    callee.yield_(inv1.request, Payload::empty()).await;
    caller.expect_result(r1).await;
    let r4 = caller.call("com.app.slow", Payload::empty()).await;
    let inv4 = callee.expect_invocation().await;
    callee.yield_(inv4.request, Payload::empty()).await;
    caller.expect_result(r4).await;
    healthy(addr, "com.app.healthy").await;
}

#[tokio::test]
async fn a_register_over_registrations_per_session_gets_limit_exceeded() {
    let (_router, addr) = router_with(Limits {
        registrations_per_session: 2,
        ..Limits::default()
    })
    .await;
    let mut callee = Peer::join(addr, SerializerKind::Json).await;
    callee.register("com.app.a").await;
    callee.register("com.app.b").await;
    let e = callee
        .register_with("com.app.c", WireRegisterOptions::default())
        .await
        .unwrap_err();
    assert_eq!(e.request_type, MessageType::Register);
    assert_eq!(
        error_of(&e),
        limit("registrations_per_session limit (2) reached")
    );
    // The session still works: its registrations answer calls.
    let mut caller = Peer::join(addr, SerializerKind::Json).await;
    let request = caller.call("com.app.a", Payload::empty()).await;
    let inv = callee.expect_invocation().await;
    callee.yield_(inv.request, Payload::empty()).await;
    caller.expect_result(request).await;
    let request = caller.call("com.app.c", Payload::empty()).await;
    let e = caller.expect_error(request).await;
    assert_eq!(e.error, uris::NO_SUCH_PROCEDURE);
    healthy(addr, "com.app.c").await;
}

#[tokio::test]
async fn a_subscribe_over_subscriptions_per_session_gets_limit_exceeded() {
    let (_router, addr) = router_with(Limits {
        subscriptions_per_session: 2,
        ..Limits::default()
    })
    .await;
    let mut subscriber = Peer::join(addr, SerializerKind::Json).await;
    subscriber.subscribe("com.t.a").await;
    subscriber.subscribe("com.t.b").await;
    match try_subscribe(&mut subscriber, "com.t.c", WireSubscribeOptions::default()).await {
        Message::Error(e) => {
            assert_eq!(e.request_type, MessageType::Subscribe);
            assert_eq!(
                error_of(&e),
                limit("subscriptions_per_session limit (2) reached")
            );
        }
        other => panic!("expected ERROR, got {other:?}"),
    }
    // The session still gets events of its subscriptions.
    let mut publisher = Peer::join(addr, SerializerKind::Cbor).await;
    publisher
        .publish_with(
            "com.t.a",
            WirePublishOptions::default(),
            args(SerializerKind::Cbor, &[1]),
        )
        .await;
    let ev = subscriber.expect_event().await;
    assert_eq!(ev.payload.args_values().unwrap(), vec![Value::UInt(1)]);
    let mut other = Peer::join(addr, SerializerKind::Json).await;
    other.subscribe("com.t.c").await;
    healthy(addr, "com.app.healthy").await;
}

#[tokio::test]
async fn a_join_over_sessions_per_realm_gets_abort() {
    let (_router, addr) = router_with(Limits {
        sessions_per_realm: 2,
        ..Limits::default()
    })
    .await;
    let mut a = Peer::join(addr, SerializerKind::Json).await;
    let mut b = Peer::join(addr, SerializerKind::Json).await;
    let mut third = Peer::connect(&format!("ws://{addr}/ws"), SerializerKind::Json).await;
    third.hello("realm1", HelloDetails::default()).await;
    match third.recv().await {
        Message::Abort(abort) => {
            assert_eq!(abort.reason, uris::LIMIT_EXCEEDED);
            assert_eq!(
                abort.details.message.as_deref(),
                Some("sessions_per_realm limit (2) reached")
            );
        }
        other => panic!("expected ABORT, got {other:?}"),
    }
    assert!(third.closed().await);
    // The joined sessions keep working.
    b.register("com.app.b").await;
    let request = a.call("com.app.b", Payload::empty()).await;
    let inv = b.expect_invocation().await;
    b.yield_(inv.request, Payload::empty()).await;
    a.expect_result(request).await;
    // Once one leaves, another may join (the router frees the place right
    // after its GOODBYE reply: wait until the realm counts one session).
    a.goodbye().await;
    for _ in 0..100 {
        let count = b.meta("wamp.session.count", vec![]).await.unwrap();
        if count == vec![Value::UInt(1)] {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let mut c = Peer::join(addr, SerializerKind::MsgPack).await;
    let count = c.meta("wamp.session.count", vec![]).await.unwrap();
    assert_eq!(count, vec![Value::UInt(2)]);
}

#[tokio::test]
async fn retained_events_are_bounded_and_the_oldest_evicted() {
    let (_router, addr) = router_with(Limits {
        retained_events_per_realm: 2,
        retained_event_bytes: 1000,
        ..Limits::default()
    })
    .await;
    let mut publisher = Peer::join(addr, SerializerKind::Json).await;
    let mut live = Peer::join(addr, SerializerKind::Json).await;
    live.subscribe("com.t.big").await;
    let retain = WirePublishOptions {
        retain: Some(true),
        acknowledge: Some(true),
        ..Default::default()
    };
    for (i, topic) in ["com.t.1", "com.t.2", "com.t.3"].into_iter().enumerate() {
        let request = publisher
            .publish_with(topic, retain.clone(), args(SerializerKind::Json, &[i]))
            .await;
        assert!(matches!(publisher.recv().await, Message::Published(p) if p.request == request));
    }
    // Larger than retained_event_bytes: published, not retained.
    let big = "x".repeat(5000);
    let request = publisher
        .publish_with(
            "com.t.big",
            retain.clone(),
            args(SerializerKind::Json, &[&big]),
        )
        .await;
    assert!(matches!(publisher.recv().await, Message::Published(p) if p.request == request));
    let ev = live.expect_event().await;
    assert_eq!(ev.payload.args_values().unwrap(), vec![Value::String(big)]);

    let mut late = Peer::join(addr, SerializerKind::MsgPack).await;
    let options = WireSubscribeOptions {
        match_: Some(MatchPolicy::Prefix),
        get_retained: Some(true),
        ..Default::default()
    };
    late.subscribe_with("com.t.", options).await;
    let mut topics = Vec::new();
    for _ in 0..2 {
        let ev = late.expect_event().await;
        assert_eq!(ev.details.retained, Some(true));
        topics.push(ev.details.topic.unwrap_or_default());
    }
    topics.sort();
    assert_eq!(topics, ["com.t.2", "com.t.3"]);
    assert!(late.quiet(300).await, "only the two newest are retained");
    healthy(addr, "com.app.healthy").await;
}

#[tokio::test]
async fn retained_bytes_are_bounded_and_the_oldest_evicted() {
    // Each event below is about 1.1 KB as published: two fit, three do not.
    let (_router, addr) = router_with(Limits {
        retained_bytes_per_realm: 2500,
        ..Limits::default()
    })
    .await;
    let mut publisher = Peer::join(addr, SerializerKind::Json).await;
    let retain = WirePublishOptions {
        retain: Some(true),
        acknowledge: Some(true),
        ..Default::default()
    };
    let blob = "y".repeat(1000);
    for topic in ["com.b.1", "com.b.2", "com.b.3"] {
        let request = publisher
            .publish_with(topic, retain.clone(), args(SerializerKind::Json, &[&blob]))
            .await;
        assert!(matches!(publisher.recv().await, Message::Published(p) if p.request == request));
    }
    let mut late = Peer::join(addr, SerializerKind::Cbor).await;
    let options = WireSubscribeOptions {
        match_: Some(MatchPolicy::Prefix),
        get_retained: Some(true),
        ..Default::default()
    };
    late.subscribe_with("com.b.", options).await;
    let mut topics = Vec::new();
    for _ in 0..2 {
        let ev = late.expect_event().await;
        assert_eq!(
            ev.payload.args_values().unwrap(),
            vec![Value::String(blob.clone())]
        );
        topics.push(ev.details.topic.unwrap_or_default());
    }
    topics.sort();
    assert_eq!(topics, ["com.b.2", "com.b.3"]);
    assert!(late.quiet(300).await, "the oldest was evicted");
    healthy(addr, "com.app.healthy").await;
}
