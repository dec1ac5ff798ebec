//! Acknowledged event delivery through the core: EVENT_RECEIVED goes back to
//! a publisher that asked for it; bad acknowledgements are discarded.

use crate::protocol::id::Id;
use crate::protocol::options::{WirePublishOptions, WireSubscribeOptions};
use crate::protocol::roles::{Role, RoleDetails, feature};
use crate::protocol::{Dict, EventReceived, Message, Value};

use super::super::broker::ACK_OPTION;
use super::harness::*;

fn acknowledged() -> WirePublishOptions {
    let mut extra = Dict::new();
    extra.insert(ACK_OPTION.into(), Value::Bool(true));
    WirePublishOptions {
        extra,
        ..Default::default()
    }
}

fn ack(h: &mut Harness, from: Id, publication: Id) {
    h.route(from, Message::EventReceived(EventReceived { publication }));
}

fn acking_publisher(h: &mut Harness) -> Id {
    let roles = full_roles().with(
        Role::Publisher,
        RoleDetails::with_features([feature::X_ACKNOWLEDGED_EVENT_DELIVERY]),
    );
    h.join_as("pub", "anonymous", roles)
}

#[test]
fn each_subscriber_acknowledgement_reaches_the_publisher_once() {
    let mut h = Harness::open();
    let publisher = acking_publisher(&mut h);
    let (a, b, outsider) = (h.join(), h.join(), h.join());
    for s in [a, b] {
        h.subscribe(s, "com.example.ack", WireSubscribeOptions::default());
    }
    h.publish(publisher, 1, "com.example.ack", acknowledged(), args(&[1]));
    let ev = event(h.one(a));
    assert_eq!(ev.details.x_acknowledged_delivery, Some(true));
    h.take(b);
    let publication = ev.publication;
    ack(&mut h, a, publication);
    assert!(matches!(h.one(publisher), Message::EventReceived(r) if r.publication == publication));
    // Twice, from a session that got no EVENT, for an unknown publication:
    // discarded.
    ack(&mut h, a, publication);
    ack(&mut h, outsider, publication);
    ack(&mut h, a, 77);
    h.nothing(publisher);
    ack(&mut h, b, publication);
    assert!(matches!(h.one(publisher), Message::EventReceived(_)));
    let (_, _, broker) = h.core.parts();
    assert_eq!(broker.acks.len(), 0, "nothing kept once all answered");
}

#[test]
fn no_acknowledgements_unless_asked_and_announced() {
    let mut h = Harness::open();
    let plain = h.join_as("p", "anonymous", bare_roles());
    let sub = h.join();
    h.subscribe(sub, "com.example.ack", WireSubscribeOptions::default());
    // Asked, but the publisher did not announce the feature.
    h.publish(plain, 1, "com.example.ack", acknowledged(), args(&[1]));
    let ev = event(h.one(sub));
    assert_eq!(ev.details.x_acknowledged_delivery, None);
    ack(&mut h, sub, ev.publication);
    h.nothing(plain);
    // Announced, not asked.
    let publisher = acking_publisher(&mut h);
    h.publish(
        publisher,
        2,
        "com.example.ack",
        WirePublishOptions::default(),
        args(&[2]),
    );
    assert_eq!(event(h.one(sub)).details.x_acknowledged_delivery, None);
}

#[test]
fn leaving_sessions_are_forgotten() {
    let mut h = Harness::open();
    let publisher = acking_publisher(&mut h);
    let (a, b) = (h.join(), h.join());
    for s in [a, b] {
        h.subscribe(s, "com.example.ack", WireSubscribeOptions::default());
    }
    h.publish(publisher, 1, "com.example.ack", acknowledged(), args(&[1]));
    h.leave(a);
    h.leave(publisher);
    let (_, _, broker) = h.core.parts();
    assert_eq!(broker.acks.len(), 0);
    let ev = event(
        h.take(b)
            .into_iter()
            .find(|m| matches!(m, Message::Event(_)))
            .expect("event"),
    );
    ack(&mut h, b, ev.publication);
}

#[test]
fn one_publisher_cannot_take_every_pending_acknowledgement() {
    use super::super::broker::MAX_WAITING_PER_PUBLISHER;
    let mut h = Harness::open();
    let (greedy, other) = (acking_publisher(&mut h), acking_publisher(&mut h));
    let subscribers: Vec<Id> = (0..100).map(|_| h.join()).collect();
    for s in &subscribers {
        h.subscribe(*s, "com.example.ack", WireSubscribeOptions::default());
    }
    let fits = MAX_WAITING_PER_PUBLISHER / subscribers.len();
    for i in 0..fits + 5 {
        h.publish(
            greedy,
            i as u64 + 1,
            "com.example.ack",
            acknowledged(),
            args(&[1]),
        );
    }
    let (_, _, broker) = h.core.parts();
    assert_eq!(
        broker.acks.len(),
        fits,
        "past its share, a publisher's events are not tracked"
    );
    h.publish(other, 1, "com.example.ack", acknowledged(), args(&[2]));
    let (_, _, broker) = h.core.parts();
    assert_eq!(
        broker.acks.len(),
        fits + 1,
        "another publisher is still served"
    );
    let last = h
        .take(subscribers[0])
        .into_iter()
        .filter_map(|m| match m {
            Message::Event(e) => Some(e.publication),
            _ => None,
        })
        .last()
        .expect("events");
    for s in subscribers.clone() {
        h.take(s);
    }
    ack(&mut h, subscribers[0], last);
    assert!(matches!(h.one(other), Message::EventReceived(r) if r.publication == last));
    h.leave(other);
    h.leave(greedy);
    let (_, _, broker) = h.core.parts();
    assert_eq!(broker.acks.len(), 0);
}
