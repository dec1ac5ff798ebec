//! Protocol violations in every session state: before HELLO, during
//! authentication, in an established session, after GOODBYE. Each case
//! asserts the exact reaction (spec "Protocol Errors": ABORT
//! `wamp.error.protocol_violation`, then close; ABORT itself is never
//! answered), then that the router still serves healthy sessions.

use std::time::{Duration, Instant};

use serde_json::{Value as J, json};
use wamp::SerializerKind::{self, Cbor, Json, MsgPack};
use wamp::protocol::options::HelloDetails;
use wamp::protocol::uris::{NOT_AUTHORIZED, PROTOCOL_VIOLATION};
use wamp::{Message, Payload};

use crate::harness::*;

/// Every transport with every serializer.
fn combos() -> Vec<(Wire, SerializerKind)> {
    WIRES
        .into_iter()
        .flat_map(|w| [Json, MsgPack, Cbor].map(|k| (w, k)))
        .collect()
}

/// One well-formed message of each type a client must not send before it
/// has joined (everything but HELLO and ABORT).
fn not_hello() -> Vec<(&'static str, J)> {
    vec![
        ("WELCOME", json!([2, 123, {}])),
        ("CHALLENGE", json!([4, "ticket", {}])),
        ("AUTHENTICATE", json!([5, "signature", {}])),
        ("GOODBYE", json!([6, {}, "wamp.close.normal"])),
        ("ERROR", json!([8, 68, 1, {}, "com.error"])),
        ("PUBLISH", json!([16, 1, {}, "com.t"])),
        ("PUBLISHED", json!([17, 1, 2])),
        ("SUBSCRIBE", json!([32, 1, {}, "com.t"])),
        ("SUBSCRIBED", json!([33, 1, 2])),
        ("UNSUBSCRIBE", json!([34, 1, 2])),
        ("UNSUBSCRIBED", json!([35, 1])),
        ("EVENT", json!([36, 1, 2, {}])),
        ("CALL", json!([48, 1, {}, "com.p"])),
        ("CANCEL", json!([49, 1, {}])),
        ("RESULT", json!([50, 1, {}])),
        ("REGISTER", json!([64, 1, {}, "com.p"])),
        ("REGISTERED", json!([65, 1, 2])),
        ("UNREGISTER", json!([66, 1, 2])),
        ("UNREGISTERED", json!([67, 1])),
        ("INVOCATION", json!([68, 1, 2, {}])),
        ("INTERRUPT", json!([69, 1, {}])),
        ("YIELD", json!([70, 1, {}])),
    ]
}

/// Messages only a router sends, and HELLO/AUTHENTICATE, which have no
/// place in an established session.
fn never_in_session() -> Vec<(&'static str, J)> {
    vec![
        ("HELLO", json!([1, "realm1", {"roles": {"caller": {}}}])),
        ("WELCOME", json!([2, 123, {}])),
        ("CHALLENGE", json!([4, "ticket", {}])),
        ("AUTHENTICATE", json!([5, "signature", {}])),
        ("PUBLISHED", json!([17, 1, 2])),
        ("SUBSCRIBED", json!([33, 1, 2])),
        ("UNSUBSCRIBED", json!([35, 1])),
        ("EVENT", json!([36, 1, 2, {}])),
        ("RESULT", json!([50, 1, {}])),
        ("REGISTERED", json!([65, 1, 2])),
        ("UNREGISTERED", json!([67, 1])),
        ("INVOCATION", json!([68, 1, 2, {}])),
        ("INTERRUPT", json!([69, 1, {}])),
        // ERROR is only for an INVOCATION when a client sends it.
        ("ERROR(CALL)", json!([8, 48, 1, {}, "com.error"])),
        ("ERROR(PUBLISH)", json!([8, 16, 1, {}, "com.error"])),
        ("ERROR(SUBSCRIBE)", json!([8, 32, 1, {}, "com.error"])),
        ("ERROR(REGISTER)", json!([8, 64, 1, {}, "com.error"])),
    ]
}

async fn send_json(raw: &mut Raw, value: &J) {
    let frame = encode_value(raw.serializer, value);
    raw.send_frame(frame).await;
}

/// Sends `value` and expects ABORT protocol_violation (with `name` in its
/// message when `named`), then close; then the router is healthy.
async fn expect_violation(raw: &mut Raw, name: &str, value: &J, named: bool) {
    send_json(raw, value).await;
    let message = raw.expect_abort(PROTOCOL_VIOLATION).await;
    if named {
        assert!(
            message.contains(name.split('(').next().unwrap()),
            "{name}: {message}"
        );
    }
    assert_healthy(raw.addr).await;
}

#[tokio::test]
async fn before_hello_only_hello_is_accepted() {
    let (_router, addr) = start().await;
    for (wire, kind) in combos() {
        for (name, value) in not_hello() {
            let mut raw = Raw::open(addr, wire, kind).await;
            expect_violation(&mut raw, name, &value, true).await;
        }
        // ABORT is never answered: the connection just closes.
        let mut raw = Raw::open(addr, wire, kind).await;
        send_json(&mut raw, &json!([3, {}, "wamp.close.normal"])).await;
        raw.expect_closed().await;
        assert_healthy(addr).await;
        // Nothing at all: ABORT after the join timeout.
        let mut raw = Raw::open(addr, wire, kind).await;
        let started = Instant::now();
        let message = raw.expect_abort(PROTOCOL_VIOLATION).await;
        assert!(message.contains("HELLO"), "{message}");
        assert!(started.elapsed() >= Duration::from_millis(900));
        assert_healthy(addr).await;
    }
}

/// HELLO to the ticket realm as `joe`: expects CHALLENGE.
async fn challenged(addr: std::net::SocketAddr, wire: Wire, kind: SerializerKind) -> Raw {
    let mut raw = Raw::open(addr, wire, kind).await;
    raw.hello(
        "secure",
        HelloDetails {
            authmethods: Some(vec!["ticket".into()]),
            authid: Some("joe".into()),
            ..Default::default()
        },
    )
    .await;
    match raw.next(REACTION).await {
        Reaction::Message(Message::Challenge(c)) => assert_eq!(c.authmethod, "ticket"),
        other => panic!("expected CHALLENGE, got {other:?}"),
    }
    raw
}

#[tokio::test]
async fn during_authentication_only_authenticate_is_accepted() {
    let (_router, addr) = start().await;
    for (wire, kind) in combos() {
        // Anything but AUTHENTICATE after CHALLENGE, including a second HELLO.
        let mut others = not_hello();
        others.retain(|(name, _)| *name != "AUTHENTICATE");
        others.push(("HELLO", json!([1, "secure", {"roles": {"caller": {}}}])));
        for (name, value) in others {
            let mut raw = challenged(addr, wire, kind).await;
            expect_violation(&mut raw, name, &value, true).await;
        }
        // ABORT instead of AUTHENTICATE: not answered, closed.
        let mut raw = challenged(addr, wire, kind).await;
        send_json(&mut raw, &json!([3, {}, "wamp.close.normal"])).await;
        raw.expect_closed().await;
        assert_healthy(addr).await;
        // A wrong ticket.
        let mut raw = challenged(addr, wire, kind).await;
        send_json(&mut raw, &json!([5, "guess", {}])).await;
        raw.expect_abort(NOT_AUTHORIZED).await;
        assert_healthy(addr).await;
        // No AUTHENTICATE in time.
        let mut raw = challenged(addr, wire, kind).await;
        let started = Instant::now();
        raw.expect_abort("wamp.error.authentication_failed").await;
        assert!(started.elapsed() >= Duration::from_millis(900));
        assert_healthy(addr).await;
        // The right ticket still works.
        let mut raw = challenged(addr, wire, kind).await;
        send_json(&mut raw, &json!([5, "secret", {}])).await;
        match raw.next(REACTION).await {
            Reaction::Message(Message::Welcome(w)) => {
                assert_eq!(w.details.authid.as_deref(), Some("joe"))
            }
            other => panic!("expected WELCOME, got {other:?}"),
        }
        assert_healthy(addr).await;
    }
    // AUTHENTICATE without CHALLENGE: on an open realm, as the first message
    // or after WELCOME.
    let mut raw = Raw::open(addr, Wire::WebSocket, Json).await;
    expect_violation(&mut raw, "AUTHENTICATE", &json!([5, "secret", {}]), true).await;
    let mut raw = Raw::joined(addr, Wire::RawSocket, Cbor).await;
    expect_violation(&mut raw, "AUTHENTICATE", &json!([5, "secret", {}]), true).await;
    // A method the realm does not offer.
    let mut raw = Raw::open(addr, Wire::WebSocket, MsgPack).await;
    raw.hello("secure", HelloDetails::default()).await;
    raw.expect_abort("wamp.error.no_auth_method").await;
    assert_healthy(addr).await;
}

#[tokio::test]
async fn in_session_router_messages_are_violations() {
    let (_router, addr) = start().await;
    for (wire, kind) in combos() {
        for (name, value) in never_in_session() {
            let mut raw = Raw::joined(addr, wire, kind).await;
            expect_violation(&mut raw, name, &value, true).await;
        }
        // ABORT from the client ends the session without a reply.
        let mut raw = Raw::joined(addr, wire, kind).await;
        send_json(&mut raw, &json!([3, {}, "wamp.close.normal"])).await;
        raw.expect_closed().await;
        assert_healthy(addr).await;
    }
}

/// A CALL of `wamp.session.count` on `raw` answers (the session is alive).
async fn still_alive(raw: &mut Raw, request: u64) {
    send_json(raw, &json!([48, request, {}, "wamp.session.count"])).await;
    match raw.next(REACTION).await {
        Reaction::Message(Message::Result(r)) => assert_eq!(r.request, request),
        other => panic!("expected RESULT {request}, got {other:?}"),
    }
}

#[tokio::test]
async fn in_session_answers_to_unknown_requests_are_discarded() {
    // A YIELD or ERROR for an invocation that is not in flight is discarded:
    // it may be a late answer to a call that was canceled or timed out.
    let (_router, addr) = start().await;
    for (wire, kind) in combos() {
        let mut raw = Raw::joined(addr, wire, kind).await;
        send_json(&mut raw, &json!([70, 77, {}, ["late"]])).await;
        send_json(&mut raw, &json!([8, 68, 78, {}, "com.error"])).await;
        send_json(&mut raw, &json!([49, 79, {}])).await; // CANCEL of no call
        match raw.next(Duration::from_millis(100)).await {
            Reaction::Silent => {}
            other => panic!("expected nothing, got {other:?}"),
        }
        still_alive(&mut raw, 1).await;
        // UNREGISTER / UNSUBSCRIBE of nothing: ERROR, session alive.
        send_json(&mut raw, &json!([66, 2, 12345])).await;
        match raw.next(REACTION).await {
            Reaction::Message(Message::Error(e)) => {
                assert_eq!(e.request, 2);
                assert_eq!(e.error, "wamp.error.no_such_registration");
            }
            other => panic!("expected ERROR, got {other:?}"),
        }
        send_json(&mut raw, &json!([34, 3, 12345])).await;
        match raw.next(REACTION).await {
            Reaction::Message(Message::Error(e)) => {
                assert_eq!(e.request, 3);
                assert_eq!(e.error, "wamp.error.no_such_subscription");
            }
            other => panic!("expected ERROR, got {other:?}"),
        }
        still_alive(&mut raw, 4).await;
    }
    assert_healthy(addr).await;
}

#[tokio::test]
async fn in_session_duplicate_and_out_of_range_request_ids() {
    let (_router, addr) = start().await;
    for (wire, kind) in combos() {
        // A CALL reusing the request ID of a call in flight (not progressive).
        let mut callee = Raw::joined(addr, Wire::WebSocket, Json).await;
        let procedure = format!("com.dup.{}.{}", wire as u8, kind);
        send_json(&mut callee, &json!([64, 1, {}, procedure])).await;
        let Reaction::Message(Message::Registered(_)) = callee.next(REACTION).await else {
            panic!("expected REGISTERED")
        };
        let mut caller = Raw::joined(addr, wire, kind).await;
        send_json(&mut caller, &json!([48, 5, {}, procedure])).await;
        let Reaction::Message(Message::Invocation(_)) = callee.next(REACTION).await else {
            panic!("expected INVOCATION")
        };
        send_json(&mut caller, &json!([48, 5, {}, procedure])).await;
        let message = caller.expect_abort(PROTOCOL_VIOLATION).await;
        assert!(message.contains("request ID 5"), "{message}");
        // The aborted caller's call is interrupted; the callee keeps its
        // registration and answers the next call.
        match callee.next(REACTION).await {
            Reaction::Message(Message::Interrupt(_)) => {}
            other => panic!("expected INTERRUPT, got {other:?}"),
        }
        let mut caller = Raw::joined(addr, wire, kind).await;
        send_json(&mut caller, &json!([48, 6, {}, procedure])).await;
        let Reaction::Message(Message::Invocation(inv)) = callee.next(REACTION).await else {
            panic!("expected INVOCATION")
        };
        send_json(&mut callee, &json!([70, inv.request, {}])).await;
        match caller.next(REACTION).await {
            Reaction::Message(Message::Result(r)) => assert_eq!(r.request, 6),
            other => panic!("expected RESULT, got {other:?}"),
        }

        // Request IDs above 2^53: a protocol violation.
        for value in [
            json!([48, 9007199254740993u64, {}, "wamp.session.count"]),
            json!([32, 9007199254740993u64, {}, "com.t"]),
            json!([66, 1, 9007199254740993u64]),
        ] {
            let mut raw = Raw::joined(addr, wire, kind).await;
            expect_violation(&mut raw, "", &value, false).await;
        }
        // 2^53 itself is a valid ID.
        let mut raw = Raw::joined(addr, wire, kind).await;
        still_alive(&mut raw, 9007199254740992).await;
        // Request ID 0 (outside the spec's 1..2^53) is answered like any other.
        still_alive(&mut raw, 0).await;
        // Reused IDs of finished requests are answered again.
        still_alive(&mut raw, 1).await;
        still_alive(&mut raw, 1).await;
        assert_healthy(addr).await;
    }
}

#[tokio::test]
async fn after_goodbye_only_hello_is_accepted() {
    let (_router, addr) = start().await;
    for (wire, kind) in combos() {
        for (name, value) in not_hello() {
            let mut raw = Raw::joined(addr, wire, kind).await;
            send_json(&mut raw, &json!([6, {}, "wamp.close.normal"])).await;
            // Sent at once, before the router's GOODBYE is read.
            send_json(&mut raw, &value).await;
            match raw.next(REACTION).await {
                Reaction::Message(Message::Goodbye(g)) => {
                    assert_eq!(g.reason, "wamp.close.goodbye_and_out")
                }
                other => panic!("expected GOODBYE, got {other:?}"),
            }
            let message = raw.expect_abort(PROTOCOL_VIOLATION).await;
            assert!(message.contains(name), "{name}: {message}");
            assert_healthy(addr).await;
        }
        // After GOODBYE, a new HELLO joins a new session on the same transport.
        let mut raw = Raw::joined(addr, wire, kind).await;
        send_json(&mut raw, &json!([6, {}, "wamp.close.normal"])).await;
        let Reaction::Message(Message::Goodbye(_)) = raw.next(REACTION).await else {
            panic!("expected GOODBYE")
        };
        raw.join("realm1").await;
        still_alive(&mut raw, 1).await;
        assert_healthy(addr).await;
    }
}

#[tokio::test]
async fn hello_must_be_well_formed() {
    let (_router, addr) = start().await;
    for (wire, kind) in combos() {
        for (value, reason, text) in [
            (
                json!([1, "", {"roles": {"caller": {}}}]),
                PROTOCOL_VIOLATION,
                "Realm",
            ),
            (
                json!([1, "bad realm", {"roles": {"caller": {}}}]),
                PROTOCOL_VIOLATION,
                "Realm",
            ),
            (json!([1, "realm1", {}]), PROTOCOL_VIOLATION, "roles"),
            (
                json!([1, "realm1", {"roles": {}}]),
                PROTOCOL_VIOLATION,
                "roles",
            ),
            (
                json!([1, "realm1", {"roles": {"caller": {}}, "authid": 5}]),
                PROTOCOL_VIOLATION,
                "authid",
            ),
            (
                json!([1, "realm1", {"roles": {"caller": {}}, "authmethods": ["bogus"]}]),
                "wamp.error.no_auth_method",
                "bogus",
            ),
            (
                json!([1, "no.such.realm", {"roles": {"caller": {}}}]),
                "wamp.error.no_such_realm",
                "no.such.realm",
            ),
        ] {
            let mut raw = Raw::open(addr, wire, kind).await;
            send_json(&mut raw, &value).await;
            let message = raw.expect_abort(reason).await;
            assert!(message.contains(text), "{value}: {message}");
            assert_healthy(addr).await;
        }
        assert_healthy(addr).await;
    }
}

#[tokio::test]
async fn in_session_bad_uris() {
    let (_router, addr) = start().await;
    for (wire, kind) in combos() {
        // A URI that breaks the URI rules is caught when the message is
        // read: a protocol violation naming the element (as Autobahn and
        // Crossbar do when parsing).
        for (value, element) in [
            (json!([48, 1, {}, "com..x"]), "CALL.Procedure"),
            (json!([48, 1, {}, "com.x y"]), "CALL.Procedure"),
            (json!([64, 1, {}, "com.x y"]), "REGISTER.Procedure"),
            (json!([64, 1, {}, "com..x"]), "REGISTER.Procedure"),
            (
                json!([16, 1, {"acknowledge": true}, "com..x"]),
                "PUBLISH.Topic",
            ),
            (json!([16, 1, {}, "com.x#y"]), "PUBLISH.Topic"),
            (json!([32, 1, {}, "com.x y"]), "SUBSCRIBE.Topic"),
        ] {
            let mut raw = Raw::joined(addr, wire, kind).await;
            send_json(&mut raw, &value).await;
            let message = raw.expect_abort(PROTOCOL_VIOLATION).await;
            assert!(message.contains(element), "{value}: {message}");
            assert_healthy(addr).await;
        }
        // A well-formed URI the request may not use: ERROR invalid_uri, and
        // the session goes on.
        let mut raw = Raw::joined(addr, wire, kind).await;
        for (value, request) in [
            (json!([32, 2, {}, "com..x"]), 2),
            (json!([64, 3, {}, "wamp.reserved"]), 3),
            (
                json!([16, 4, {"acknowledge": true}, "wamp.session.on_join"]),
                4,
            ),
        ] {
            send_json(&mut raw, &value).await;
            match raw.next(REACTION).await {
                Reaction::Message(Message::Error(e)) => {
                    assert_eq!(e.request, request, "{value}");
                    assert_eq!(e.error, "wamp.error.invalid_uri", "{value}");
                }
                other => panic!("{value}: expected ERROR invalid_uri, got {other:?}"),
            }
        }
        still_alive(&mut raw, 5).await;
    }
    assert_healthy(addr).await;
}

#[tokio::test]
async fn after_goodbye_nothing_of_the_old_session_reaches_the_new_one() {
    let (_router, addr) = start().await;
    for (wire, kind) in combos() {
        let mut callee = crate::peer::Peer::join(addr, Json).await;
        let procedure = format!("com.old.session.{}.{kind}", wire as u8);
        let topic = format!("com.old.topic.{}.{kind}", wire as u8);
        callee.register(&procedure).await;
        let mut raw = Raw::joined(addr, wire, kind).await;
        // The old session: a subscription and a call in flight.
        send_json(&mut raw, &json!([32, 1, {}, topic])).await;
        let Reaction::Message(Message::Subscribed(_)) = raw.next(REACTION).await else {
            panic!("expected SUBSCRIBED")
        };
        send_json(&mut raw, &json!([48, 2, {}, procedure])).await;
        let inv = callee.expect_invocation().await;
        // GOODBYE, then a new session on the same transport.
        send_json(&mut raw, &json!([6, {}, "wamp.close.normal"])).await;
        let Reaction::Message(Message::Goodbye(_)) = raw.next(REACTION).await else {
            panic!("expected GOODBYE")
        };
        raw.join("realm1").await;
        // The callee's late answer and an event on the old topic reach
        // nobody on the new session.
        callee.yield_(inv.request, Payload::empty()).await;
        let mut publisher = crate::peer::Peer::join(addr, MsgPack).await;
        publisher
            .publish_with(&topic, Default::default(), Payload::empty())
            .await;
        match raw.next(Duration::from_millis(300)).await {
            Reaction::Silent => {}
            other => panic!("{wire:?} {kind}: the new session got {other:?}"),
        }
        still_alive(&mut raw, 1).await;
        assert_healthy(addr).await;
    }
}

#[tokio::test]
async fn call_timeouts_out_of_range() {
    let (_router, addr) = start().await;
    let mut callee = crate::peer::Peer::join(addr, Json).await;
    callee.register("com.timeout").await;
    for (wire, kind) in combos() {
        // Negative, fractional or over 2^53: a protocol violation.
        for t in [
            json!(18446744073709551615u64),
            json!(-1),
            json!(1.5),
            json!("1s"),
        ] {
            let mut raw = Raw::joined(addr, wire, kind).await;
            send_json(&mut raw, &json!([48, 1, {"timeout": t}, "com.timeout"])).await;
            let message = raw.expect_abort(PROTOCOL_VIOLATION).await;
            assert!(message.contains("timeout"), "{t}: {message}");
            assert_healthy(addr).await;
        }
        // 2^53 ms (285 000 years) is valid: no overflow, the call is served.
        let mut raw = Raw::joined(addr, wire, kind).await;
        let t = 9007199254740992u64;
        send_json(&mut raw, &json!([48, 1, {"timeout": t}, "com.timeout"])).await;
        let inv = callee.expect_invocation().await;
        callee.yield_(inv.request, Payload::empty()).await;
        match raw.next(REACTION).await {
            Reaction::Message(Message::Result(r)) => assert_eq!(r.request, 1),
            other => panic!("expected RESULT, got {other:?}"),
        }
        assert_healthy(addr).await;
    }
}

/// The reply to `value` sent on `raw`.
async fn reply(raw: &mut Raw, value: J) -> Message {
    send_json(raw, &value).await;
    match raw.next(REACTION).await {
        Reaction::Message(m) => m,
        other => panic!("{value}: expected a reply, got {other:?}"),
    }
}

#[tokio::test]
async fn in_session_no_hijacking_of_other_sessions_ids() {
    let (_router, addr) = start().await;
    for (wire, kind) in combos() {
        let mut owner = Raw::joined(addr, Wire::WebSocket, Json).await;
        let mut thief = Raw::joined(addr, wire, kind).await;
        let procedure = format!("com.owned.{}.{kind}", wire as u8);
        let topic = format!("com.owned.topic.{}.{kind}", wire as u8);
        let Message::Registered(registered) =
            reply(&mut owner, json!([64, 1, {}, procedure])).await
        else {
            panic!("expected REGISTERED")
        };
        let Message::Subscribed(subscribed) = reply(&mut owner, json!([32, 2, {}, topic])).await
        else {
            panic!("expected SUBSCRIBED")
        };
        // The thief cannot remove the owner's registration or subscription.
        match reply(&mut thief, json!([66, 1, registered.registration])).await {
            Message::Error(e) => assert_eq!(e.error, "wamp.error.no_such_registration"),
            other => panic!("expected ERROR, got {other:?}"),
        }
        match reply(&mut thief, json!([34, 2, subscribed.subscription])).await {
            Message::Error(e) => assert_eq!(e.error, "wamp.error.no_such_subscription"),
            other => panic!("expected ERROR, got {other:?}"),
        }
        // A call to the owner: the thief can neither answer it, fail it nor
        // cancel it.
        let mut caller = Raw::joined(addr, Wire::RawSocket, MsgPack).await;
        send_json(&mut caller, &json!([48, 7, {}, procedure])).await;
        let Reaction::Message(Message::Invocation(inv)) = owner.next(REACTION).await else {
            panic!("expected INVOCATION")
        };
        send_json(&mut thief, &json!([70, inv.request, {}, ["forged"]])).await;
        send_json(&mut thief, &json!([8, 68, inv.request, {}, "com.forged"])).await;
        send_json(&mut thief, &json!([49, 7, {"mode": "kill"}])).await;
        match caller.next(Duration::from_millis(200)).await {
            Reaction::Silent => {}
            other => panic!("the caller got {other:?} from the thief"),
        }
        send_json(&mut owner, &json!([70, inv.request, {}, ["genuine"]])).await;
        match caller.next(REACTION).await {
            Reaction::Message(Message::Result(r)) => {
                assert_eq!(r.request, 7);
                assert_eq!(r.payload.args::<(String,)>().unwrap().0, "genuine");
            }
            other => panic!("expected RESULT, got {other:?}"),
        }
        // The owner still gets its events.
        send_json(&mut caller, &json!([16, 8, {}, topic, ["still mine"]])).await;
        match owner.next(REACTION).await {
            Reaction::Message(Message::Event(e)) => {
                assert_eq!(e.subscription, subscribed.subscription)
            }
            other => panic!("expected EVENT, got {other:?}"),
        }
        still_alive(&mut thief, 9).await;
        assert_healthy(addr).await;
    }
}
