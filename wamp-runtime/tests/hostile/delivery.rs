//! Nothing is dropped silently: a message the router cannot deliver (not
//! encodable in the receiver's serializer, or larger than the receiver
//! accepts) ends its request with an ERROR naming the problem, and an EVENT
//! one subscriber cannot take is counted while the others still get it.
//! Before, each of these left the caller waiting forever (here: the 5 s
//! receive timeout of the scripted peer).

use std::collections::BTreeMap;

use wamp::SerializerKind::{self, Json, MsgPack};
use wamp::protocol::options::*;
use wamp::protocol::*;
use wamp::transport::{ClientOptions, connect};

use crate::peer::*;

/// A positional argument that JSON cannot carry: a map with integer keys.
fn integer_keys(kind: SerializerKind) -> Payload {
    let map: BTreeMap<u32, &str> = [(1, "one"), (2, "two")].into();
    args(kind, &(map,))
}

/// Joins `realm1` over RawSocket, accepting messages of at most `max` bytes.
async fn join_small(addr: std::net::SocketAddr, kind: SerializerKind, max: usize) -> Peer {
    let options = ClientOptions {
        max_incoming: max,
        ..ClientOptions::with_serializers([kind])
    };
    let t = connect(&format!("rs://{addr}"), &options).await.unwrap();
    let mut p = Peer {
        t,
        session: 0,
        welcome: None,
        next: 0,
    };
    p.hello("realm1", HelloDetails::default()).await;
    match p.recv().await {
        Message::Welcome(w) => p.session = w.session,
        other => panic!("expected WELCOME, got {other:?}"),
    }
    p
}

fn text_of(e: &ErrorMessage) -> String {
    match e.payload.args_values().unwrap().first() {
        Some(Value::String(s)) => s.clone(),
        other => panic!("expected a message naming the problem, got {other:?}"),
    }
}

/// A callee that can serve one call at a time.
async fn single_slot_callee(addr: std::net::SocketAddr, kind: SerializerKind) -> Peer {
    let mut callee = Peer::join(addr, kind).await;
    callee
        .register_with(
            "com.example.echo",
            WireRegisterOptions {
                concurrency: Some(1),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    callee
}

/// The callee serves one more call normally: its slot is free.
async fn serves_again(caller: &mut Peer, callee: &mut Peer) {
    let request = caller
        .call("com.example.echo", args(caller.kind(), &["ok"]))
        .await;
    let inv = callee.expect_invocation().await;
    callee
        .yield_(inv.request, args(callee.kind(), &["ok"]))
        .await;
    let r = caller.expect_result(request).await;
    assert_eq!(r.payload.args::<(String,)>().unwrap().0, "ok");
}

#[tokio::test]
async fn a_result_json_cannot_carry_becomes_invalid_payload_and_frees_the_callee() {
    let (_router, addr) = router().await;
    let mut callee = single_slot_callee(addr, MsgPack).await;
    let mut caller = Peer::join(addr, Json).await;
    let request = caller.call("com.example.echo", args(Json, &["x"])).await;
    let inv = callee.expect_invocation().await;
    callee.yield_(inv.request, integer_keys(MsgPack)).await;
    let e = caller.expect_error(request).await;
    assert_eq!(e.error, "wamp.error.invalid_payload");
    let text = text_of(&e);
    assert!(text.contains("result") && text.contains("json"), "{text}");
    serves_again(&mut caller, &mut callee).await;
}

#[tokio::test]
async fn an_invocation_the_callee_cannot_take_ends_the_call_and_frees_the_slot() {
    let (_router, addr) = router().await;
    let mut callee = single_slot_callee(addr, Json).await;
    let mut caller = Peer::join(addr, MsgPack).await;
    let request = caller.call("com.example.echo", integer_keys(MsgPack)).await;
    let e = caller.expect_error(request).await;
    assert_eq!(e.error, "wamp.error.invalid_payload");
    let text = text_of(&e);
    assert!(
        text.contains("com.example.echo") && text.contains("callee"),
        "{text}"
    );
    assert!(callee.quiet(200).await, "the callee got nothing");
    serves_again(&mut caller, &mut callee).await;
}

#[tokio::test]
async fn a_result_too_large_for_the_caller_becomes_payload_size_exceeded() {
    let (_router, addr) = router().await;
    let mut callee = single_slot_callee(addr, MsgPack).await;
    let mut caller = join_small(addr, MsgPack, 1024).await;
    let request = caller.call("com.example.echo", args(MsgPack, &["x"])).await;
    let inv = callee.expect_invocation().await;
    callee
        .yield_(inv.request, args(MsgPack, &["x".repeat(4000)]))
        .await;
    let e = caller.expect_error(request).await;
    assert_eq!(e.error, "wamp.error.payload_size_exceeded");
    let text = text_of(&e);
    assert!(text.contains("1024 bytes"), "{text}");
    serves_again(&mut caller, &mut callee).await;
}

#[tokio::test]
async fn an_invocation_too_large_for_the_callee_becomes_payload_size_exceeded() {
    let (_router, addr) = router().await;
    let mut callee = join_small(addr, MsgPack, 1024).await;
    callee
        .register_with(
            "com.example.echo",
            WireRegisterOptions {
                concurrency: Some(1),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let mut caller = Peer::join(addr, MsgPack).await;
    let request = caller
        .call("com.example.echo", args(MsgPack, &["x".repeat(4000)]))
        .await;
    let e = caller.expect_error(request).await;
    assert_eq!(e.error, "wamp.error.payload_size_exceeded");
    serves_again(&mut caller, &mut callee).await;
}

#[tokio::test]
async fn a_progressive_result_that_cannot_go_ends_the_call_and_interrupts_the_callee() {
    let (_router, addr) = router().await;
    let mut callee = single_slot_callee(addr, MsgPack).await;
    let mut caller = Peer::join(addr, Json).await;
    let request = caller
        .call_with(
            "com.example.echo",
            WireCallOptions {
                receive_progress: Some(true),
                ..Default::default()
            },
            args(Json, &["x"]),
        )
        .await;
    let inv = callee.expect_invocation().await;
    callee
        .send(Message::Yield(Yield {
            request: inv.request,
            options: YieldOptions {
                progress: Some(true),
                ..Default::default()
            },
            payload: integer_keys(MsgPack),
        }))
        .await;
    let e = caller.expect_error(request).await;
    assert_eq!(e.error, "wamp.error.invalid_payload");
    match callee.recv().await {
        Message::Interrupt(i) => {
            assert_eq!(i.request, inv.request);
            assert_eq!(
                i.options.reason.as_deref(),
                Some("wamp.error.invalid_payload")
            );
        }
        other => panic!("expected INTERRUPT, got {other:?}"),
    }
    // Whatever the callee still sends for that call goes nowhere.
    callee.yield_(inv.request, args(MsgPack, &["late"])).await;
    assert!(caller.quiet(200).await, "one answer per call");
    serves_again(&mut caller, &mut callee).await;
}

#[tokio::test]
async fn an_error_too_large_is_replaced_by_a_short_one_with_the_same_uri() {
    let (_router, addr) = router().await;
    let mut callee = single_slot_callee(addr, MsgPack).await;
    let mut caller = join_small(addr, MsgPack, 1024).await;
    let request = caller.call("com.example.echo", args(MsgPack, &["x"])).await;
    let inv = callee.expect_invocation().await;
    callee
        .send(Message::Error(ErrorMessage {
            request_type: MessageType::Invocation,
            request: inv.request,
            details: Default::default(),
            error: uri("com.example.error.too_bad"),
            payload: args(MsgPack, &["x".repeat(4000)]),
        }))
        .await;
    let e = caller.expect_error(request).await;
    assert_eq!(e.error, "com.example.error.too_bad");
    let text = text_of(&e);
    assert!(text.contains("could not be delivered"), "{text}");
    serves_again(&mut caller, &mut callee).await;
}

#[tokio::test]
async fn a_meta_result_too_large_becomes_an_error() {
    let (_router, addr) = router().await;
    let mut callee = Peer::join(addr, MsgPack).await;
    let long = format!("com.example.{}", "a".repeat(1500));
    let registration = callee.register(&long).await;
    let mut caller = join_small(addr, MsgPack, 1024).await;
    let request = caller
        .call("wamp.registration.get", args(MsgPack, &[registration]))
        .await;
    let e = caller.expect_error(request).await;
    assert_eq!(e.error, "wamp.error.payload_size_exceeded");
    assert!(text_of(&e).contains("result"), "{}", text_of(&e));
    let count = caller.meta("wamp.session.count", vec![]).await.unwrap();
    assert_eq!(count, vec![Value::UInt(2)]);
}

#[tokio::test]
async fn a_welcome_too_large_for_the_client_becomes_abort() {
    let (_router, addr) = router().await;
    let options = ClientOptions {
        max_incoming: 512,
        ..ClientOptions::with_serializers([MsgPack])
    };
    let t = connect(&format!("rs://{addr}"), &options).await.unwrap();
    let mut p = Peer {
        t,
        session: 0,
        welcome: None,
        next: 0,
    };
    p.hello("realm1", HelloDetails::default()).await;
    match p.recv().await {
        Message::Abort(a) => assert_eq!(a.reason, "wamp.error.payload_size_exceeded"),
        other => panic!("expected ABORT, got {other:?}"),
    }
    assert!(p.closed().await);
}

#[tokio::test]
async fn an_event_one_subscriber_cannot_take_is_counted_and_the_others_get_it() {
    let (router, addr) = router().await;
    let mut json = Peer::join(addr, Json).await;
    let mut msgpack = [
        Peer::join(addr, MsgPack).await,
        Peer::join(addr, MsgPack).await,
    ];
    json.subscribe("com.example.topic").await;
    for s in msgpack.iter_mut() {
        s.subscribe("com.example.topic").await;
    }
    let mut publisher = Peer::join(addr, MsgPack).await;
    publisher
        .publish_with(
            "com.example.topic",
            Default::default(),
            integer_keys(MsgPack),
        )
        .await;
    publisher
        .publish_with(
            "com.example.topic",
            Default::default(),
            args(MsgPack, &["fine"]),
        )
        .await;
    for s in msgpack.iter_mut() {
        let first = s.expect_event().await;
        let map = first.payload.args::<(BTreeMap<u32, String>,)>().unwrap().0;
        assert_eq!(map[&1], "one");
        let second = s.expect_event().await;
        assert_eq!(second.payload.args::<(String,)>().unwrap().0, "fine");
    }
    let only = json.expect_event().await;
    assert_eq!(only.payload.args::<(String,)>().unwrap().0, "fine");
    assert_eq!(router.undelivered_events("realm1"), Some(1));
    assert_eq!(router.undelivered_events("nowhere"), None);
}
