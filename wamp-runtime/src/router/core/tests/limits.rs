//! The per-session and per-realm limits of the core: calls in flight,
//! registrations, subscriptions, sessions, retained events.

use crate::protocol::id::Id;
use crate::protocol::options::{
    MatchPolicy, WireCallOptions, WirePublishOptions, WireRegisterOptions, WireSubscribeOptions,
};
use crate::protocol::uris;
use crate::protocol::{Message, MessageType, Payload, Unregister, Unsubscribe, Value, Yield};
use crate::router::config::RealmConfig;
use crate::router::limits::Limits;

use super::harness::*;

fn limited(limits: Limits) -> Harness {
    Harness::with_limits(RealmConfig::open("realm1"), limits, 1)
}

/// The error URI and message text of an ERROR.
#[track_caller]
fn error_text(m: Message, request_type: MessageType) -> (String, String) {
    let e = error(m);
    assert_eq!(e.request_type, request_type, "unexpected ERROR {e:#?}");
    let text = args_of(&e.payload)
        .first()
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    (e.error.as_str().to_owned(), text)
}

fn limit_error(text: &str) -> (String, String) {
    (uris::LIMIT_EXCEEDED.to_owned(), text.to_owned())
}

fn retain() -> WirePublishOptions {
    WirePublishOptions {
        retain: Some(true),
        ..Default::default()
    }
}

fn get_retained(policy: MatchPolicy) -> WireSubscribeOptions {
    WireSubscribeOptions {
        get_retained: Some(true),
        match_: Some(policy),
        ..Default::default()
    }
}

/// The topics of the retained events a new subscriber to every topic
/// (prefix "") receives, sorted.
fn retained_topics(h: &mut Harness) -> Vec<String> {
    let late = h.join();
    let got = h.try_subscribe(late, "", get_retained(MatchPolicy::Prefix));
    let mut topics: Vec<String> = got
        .into_iter()
        .filter_map(|m| match m {
            // (Meta events of its own subscription match "" too.)
            Message::Event(e) if e.details.retained == Some(true) => e.details.topic,
            _ => None,
        })
        .collect();
    topics.sort();
    h.leave(late);
    topics
}

#[test]
fn a_call_over_calls_per_session_is_refused_and_nothing_is_routed() {
    let mut h = limited(Limits {
        calls_per_session: 2,
        ..Limits::default()
    });
    let (caller, other, callee) = (h.join(), h.join(), h.join());
    h.register(callee, "com.app.slow", WireRegisterOptions::default());
    let mut invocations = Vec::new();
    for request in 1..=2 {
        h.call(
            caller,
            request,
            "com.app.slow",
            WireCallOptions::default(),
            Payload::empty(),
        );
        invocations.push(invocation(h.one(callee)).request);
    }
    h.call(
        caller,
        3,
        "com.app.slow",
        WireCallOptions::default(),
        Payload::empty(),
    );
    assert_eq!(
        error_text(h.one(caller), MessageType::Call),
        limit_error("calls_per_session limit (2) reached")
    );
    h.nothing(callee);
    // Other sessions are not limited by this caller's calls.
    h.call(
        other,
        1,
        "com.app.slow",
        WireCallOptions::default(),
        Payload::empty(),
    );
    let other_inv = invocation(h.one(callee)).request;
    // Once a call ends, the caller may call again.
    h.route(
        callee,
        Message::Yield(Yield {
            request: invocations[0],
            options: Default::default(),
            payload: Payload::empty(),
        }),
    );
    result(h.one(caller));
    h.call(
        caller,
        4,
        "com.app.slow",
        WireCallOptions::default(),
        Payload::empty(),
    );
    invocation(h.one(callee));
    h.nothing(caller);
    assert_eq!(h.core.parts().1.calls.count_of(caller), 2);
    // Leaving frees the count.
    h.leave(caller);
    assert_eq!(h.core.parts().1.calls.count_of(caller), 0);
    let _ = other_inv;
}

#[test]
fn a_register_over_registrations_per_session_is_refused() {
    let mut h = limited(Limits {
        registrations_per_session: 2,
        ..Limits::default()
    });
    let (callee, other) = (h.join(), h.join());
    let first = h.register(callee, "com.app.a", WireRegisterOptions::default());
    h.register(callee, "com.app.b", WireRegisterOptions::default());
    let refused = h.try_register(callee, "com.app.c", WireRegisterOptions::default());
    assert_eq!(
        error_text(refused, MessageType::Register),
        limit_error("registrations_per_session limit (2) reached")
    );
    assert!(
        h.core
            .parts()
            .1
            .registrations
            .find("com.app.c", MatchPolicy::Exact)
            .is_none()
    );
    // Another session is not limited by this one's registrations.
    h.register(other, "com.app.c", WireRegisterOptions::default());
    // Unregistering frees a place.
    h.route(
        callee,
        Message::Unregister(Unregister {
            request: 7,
            registration: first,
        }),
    );
    h.take(callee);
    h.register(callee, "com.app.d", WireRegisterOptions::default());
    h.leave(callee);
    assert_eq!(h.core.parts().1.registrations.count_of(callee), 0);
}

#[test]
fn a_subscribe_over_subscriptions_per_session_is_refused() {
    let mut h = limited(Limits {
        subscriptions_per_session: 2,
        ..Limits::default()
    });
    let (subscriber, other) = (h.join(), h.join());
    let first = h.subscribe(subscriber, "com.app.a", WireSubscribeOptions::default());
    h.subscribe(subscriber, "com.app.b", WireSubscribeOptions::default());
    // Subscribing again to a topic it holds is not a new subscription.
    assert_eq!(
        h.subscribe(subscriber, "com.app.a", WireSubscribeOptions::default()),
        first
    );
    let got = h.try_subscribe(subscriber, "com.app.c", WireSubscribeOptions::default());
    let [refused] = <[Message; 1]>::try_from(got).expect("one reply");
    assert_eq!(
        error_text(refused, MessageType::Subscribe),
        limit_error("subscriptions_per_session limit (2) reached")
    );
    h.subscribe(other, "com.app.c", WireSubscribeOptions::default());
    h.route(
        subscriber,
        Message::Unsubscribe(Unsubscribe {
            request: 7,
            subscription: first,
        }),
    );
    h.take(subscriber);
    h.subscribe(subscriber, "com.app.c", WireSubscribeOptions::default());
    h.leave(subscriber);
    assert_eq!(h.core.parts().2.subscriptions.count_of(subscriber), 0);
}

#[test]
fn a_join_over_sessions_per_realm_is_refused() {
    let mut h = limited(Limits {
        sessions_per_realm: 2,
        ..Limits::default()
    });
    let a = h.join();
    let b = h.join();
    let refused = h
        .try_join_as("third", "anonymous", full_roles())
        .expect_err("the realm is full");
    assert_eq!(refused.reason, uris::LIMIT_EXCEEDED);
    assert_eq!(refused.message, "sessions_per_realm limit (2) reached");
    assert_eq!(h.core.parts().0.count(), 2);
    h.leave(a);
    let c = h.join();
    assert_ne!(c, b);
}

#[test]
fn retained_events_over_the_count_evict_the_oldest() {
    let mut h = limited(Limits {
        retained_events_per_realm: 2,
        ..Limits::default()
    });
    let publisher = h.join();
    for (i, topic) in ["com.t.1", "com.t.2", "com.t.3"].into_iter().enumerate() {
        h.publish(publisher, i as Id + 1, topic, retain(), args(&[i]));
    }
    assert_eq!(retained_topics(&mut h), ["com.t.2", "com.t.3"]);
    // Publishing again on a topic makes it the newest.
    h.publish(publisher, 4, "com.t.2", retain(), args(&[4]));
    h.publish(publisher, 5, "com.t.4", retain(), args(&[5]));
    assert_eq!(retained_topics(&mut h), ["com.t.2", "com.t.4"]);
}

#[test]
fn retained_events_over_the_bytes_evict_the_oldest() {
    let probe = {
        let mut h = Harness::open();
        let publisher = h.join();
        h.publish(publisher, 1, "com.t.1", retain(), args(&["x".repeat(100)]));
        h.core.parts().2.retained.bytes()
    };
    assert!(probe > 100, "the size counts the payload: {probe}");
    let mut h = limited(Limits {
        retained_bytes_per_realm: 2 * probe + probe / 2,
        ..Limits::default()
    });
    let publisher = h.join();
    for (i, topic) in ["com.t.1", "com.t.2", "com.t.3"].into_iter().enumerate() {
        h.publish(
            publisher,
            i as Id + 1,
            topic,
            retain(),
            args(&["x".repeat(100)]),
        );
    }
    assert_eq!(retained_topics(&mut h), ["com.t.2", "com.t.3"]);
    assert_eq!(h.core.parts().2.retained.bytes(), 2 * probe);
}

#[test]
fn an_event_over_retained_event_bytes_is_published_but_not_retained() {
    let mut h = limited(Limits {
        retained_event_bytes: 200,
        ..Limits::default()
    });
    let (publisher, subscriber) = (h.join(), h.join());
    h.subscribe(subscriber, "com.t.big", WireSubscribeOptions::default());
    h.publish(publisher, 1, "com.t.big", retain(), args(&["small"]));
    event(h.one(subscriber));
    h.publish(publisher, 2, "com.t.small", retain(), args(&["small"]));
    assert_eq!(retained_topics(&mut h), ["com.t.big", "com.t.small"]);
    // Too big to retain: still delivered, and the topic's older retained
    // event is dropped rather than served as if it were the latest.
    h.publish(
        publisher,
        3,
        "com.t.big",
        retain(),
        args(&["x".repeat(500)]),
    );
    let e = event(h.one(subscriber));
    assert_eq!(args_of(&e.payload), vec![Value::String("x".repeat(500))]);
    assert_eq!(retained_topics(&mut h), ["com.t.small"]);
}
