//! Messages the shell could not deliver, through the core: each ends its
//! request with an ERROR (and frees what the call held), and EVENTs are
//! counted.

use crate::protocol::id::Id;
use crate::protocol::options::{WireCallOptions, WireRegisterOptions};
use crate::protocol::uris;
use crate::protocol::{ErrorMessage, Message, MessageType, Payload, Uri, Value};
use crate::serializer::SerializerKind;

use super::super::Undeliverable;
use super::harness::*;

fn not_encodable() -> Undeliverable {
    Undeliverable::NotEncodable {
        serializer: SerializerKind::Json,
        reason: "map keys must be strings".into(),
    }
}

fn too_large() -> Undeliverable {
    Undeliverable::TooLarge {
        size: 5000,
        limit: 1024,
    }
}

/// The shell reports that `message` could not be delivered to `to`.
fn report(h: &mut Harness, to: Id, message: &Message, reason: Undeliverable) {
    let out = h.core.undeliverable(to, message, &reason, h.now);
    h.absorb(out);
}

fn one_slot() -> WireRegisterOptions {
    WireRegisterOptions {
        concurrency: Some(1),
        ..Default::default()
    }
}

fn text(e: &ErrorMessage) -> String {
    e.payload.args_values().unwrap()[0]
        .as_str()
        .unwrap()
        .to_owned()
}

#[test]
fn an_undeliverable_invocation_ends_the_call_and_frees_the_slot() {
    let mut h = Harness::open();
    let (caller, callee) = (h.join(), h.join());
    h.register(callee, "com.p", one_slot());
    h.call(caller, 1, "com.p", WireCallOptions::default(), args(&[1]));
    let inv = h.one(callee);
    report(&mut h, callee, &inv, not_encodable());
    let e = error(h.one(caller));
    assert_eq!(
        (e.request_type, e.request, e.error.as_str()),
        (MessageType::Call, 1, uris::INVALID_PAYLOAD)
    );
    assert!(text(&e).contains("<com.p>"), "{}", text(&e));
    assert!(
        text(&e).contains("map keys must be strings"),
        "{}",
        text(&e)
    );
    h.nothing(callee);
    assert_eq!(h.core.parts().1.calls.len(), 0);
    // The slot is free: the next call reaches the callee.
    h.call(caller, 2, "com.p", WireCallOptions::default(), args(&[2]));
    invocation(h.one(callee));
}

#[test]
fn an_undeliverable_result_becomes_an_error_to_the_caller() {
    let mut h = Harness::open();
    let caller = h.join();
    let result = Message::Result(crate::protocol::ResultMessage {
        request: 7,
        details: Default::default(),
        payload: args(&["big"]),
    });
    report(&mut h, caller, &result, too_large());
    let e = error(h.one(caller));
    assert_eq!(
        (e.request_type, e.request, e.error.as_str()),
        (MessageType::Call, 7, uris::PAYLOAD_SIZE_EXCEEDED)
    );
    assert!(text(&e).contains("5000 bytes"), "{}", text(&e));
}

#[test]
fn an_undeliverable_progressive_result_ends_the_call_once_and_interrupts_the_callee() {
    let mut h = Harness::open();
    let (caller, callee) = (h.join(), h.join());
    h.register(callee, "com.p", one_slot());
    let options = WireCallOptions {
        receive_progress: Some(true),
        ..Default::default()
    };
    h.call(caller, 1, "com.p", options, args(&[1]));
    let inv = invocation(h.one(callee));
    let progress = Message::Result(crate::protocol::ResultMessage {
        request: 1,
        details: crate::protocol::options::ResultDetails {
            progress: Some(true),
            ..Default::default()
        },
        payload: args(&["chunk"]),
    });
    report(&mut h, caller, &progress, not_encodable());
    assert_error(h.one(caller), MessageType::Call, 1, uris::INVALID_PAYLOAD);
    let i = interrupt(h.one(callee));
    assert_eq!(i.request, inv.request);
    assert_eq!(i.options.reason.as_deref(), Some(uris::INVALID_PAYLOAD));
    assert_eq!(h.core.parts().1.calls.len(), 0);
    // A further chunk that also fails answers nobody twice.
    report(&mut h, caller, &progress, not_encodable());
    h.nothing(caller);
    h.nothing(callee);
}

#[test]
fn an_undeliverable_error_is_replaced_by_a_short_one_and_a_tiny_one_dropped() {
    let mut h = Harness::open();
    let caller = h.join();
    let big = Message::Error(ErrorMessage {
        request_type: MessageType::Call,
        request: 3,
        details: Default::default(),
        error: Uri::from_trusted("com.app.error"),
        payload: args(&["x".repeat(5000)]),
    });
    report(&mut h, caller, &big, too_large());
    let e = error(h.one(caller));
    assert_eq!((e.request, e.error.as_str()), (3, "com.app.error"));
    assert!(text(&e).len() < 200, "{}", text(&e));
    // The replacement itself too large (a tiny limit): dropped, no loop.
    let small = Message::Error(ErrorMessage {
        payload: Payload::from_values(vec![Value::String("short".into())], Default::default()),
        ..e
    });
    let tiny = Undeliverable::TooLarge {
        size: 150,
        limit: 100,
    };
    report(&mut h, caller, &small, tiny);
    h.nothing(caller);
}

#[test]
fn an_undeliverable_reply_becomes_an_error_for_its_request() {
    let mut h = Harness::open();
    let s = h.join();
    let published = Message::Published(crate::protocol::Published {
        request: 9,
        publication: 1,
    });
    report(&mut h, s, &published, too_large());
    assert_error(
        h.one(s),
        MessageType::Publish,
        9,
        uris::PAYLOAD_SIZE_EXCEEDED,
    );
}

#[test]
fn an_undeliverable_event_is_counted_and_nothing_is_sent() {
    let mut h = Harness::open();
    let s = h.join();
    let event = Message::Event(crate::protocol::Event {
        subscription: 1,
        publication: 2,
        details: Default::default(),
        payload: args(&[1]),
    });
    report(&mut h, s, &event, not_encodable());
    report(&mut h, s, &event, too_large());
    h.nothing(s);
    assert_eq!(h.core.undelivered_events(), 2);
    // A session that has left: nothing at all.
    h.leave(s);
    report(&mut h, s, &event, too_large());
    assert_eq!(h.core.undelivered_events(), 2);
}
