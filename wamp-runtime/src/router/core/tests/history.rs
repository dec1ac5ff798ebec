//! Event history through the core: kept for configured topics only, bounded,
//! newest first, and refused with clear errors otherwise.

use crate::protocol::options::{MatchPolicy, WirePublishOptions, WireSubscribeOptions};
use crate::protocol::uris;
use crate::protocol::{Dict, Value};
use crate::router::config::{EventHistoryConfig, RealmConfig, StoreConfig};

use super::super::errors::HISTORY_UNAVAILABLE;
use super::harness::*;

fn realm() -> RealmConfig {
    RealmConfig {
        store: StoreConfig {
            event_history: vec![
                EventHistoryConfig::exact("com.example.history", 3),
                EventHistoryConfig {
                    uri: "com.example.many.".into(),
                    match_: MatchPolicy::Prefix,
                    limit: None,
                },
            ],
            ..StoreConfig::default()
        },
        ..RealmConfig::open("realm1")
    }
}

fn field<'a>(event: &'a Value, key: &str) -> &'a Value {
    event
        .as_dict()
        .and_then(|d| d.get(key))
        .unwrap_or_else(|| panic!("no {key} in {event:?}"))
}

#[test]
fn the_newest_events_come_back_newest_first_within_the_limit() {
    let mut h = Harness::with_config(realm(), 5);
    let (publisher, reader) = (h.join(), h.join());
    // Published before anyone subscribed: kept all the same.
    for i in 0..5u64 {
        h.publish(
            publisher,
            i + 1,
            "com.example.history",
            WirePublishOptions::default(),
            args(&[i]),
        );
    }
    h.publish(
        publisher,
        9,
        "com.example.other",
        WirePublishOptions::default(),
        args(&[9]),
    );
    let sub = h.subscribe(
        reader,
        "com.example.history",
        WireSubscribeOptions::default(),
    );
    let events = h.meta_ok(
        reader,
        "wamp.subscription.get_events",
        vec![Value::UInt(sub)],
    );
    let events = events[0].as_list().expect("a list").to_vec();
    let seen: Vec<Value> = events.iter().map(|e| field(e, "args").clone()).collect();
    assert_eq!(seen, vec![value([4]), value([3]), value([2])]);
    let first = &events[0];
    assert_eq!(field(first, "topic"), &Value::from("com.example.history"));
    assert_eq!(field(first, "session_id"), &Value::UInt(publisher));
    assert_eq!(field(first, "subscription"), &Value::UInt(sub));
    assert!(field(first, "publication").as_u64().is_some());
    assert!(field(first, "time_ns").as_u64().is_some());
    assert!(
        field(first, "timestamp")
            .as_str()
            .is_some_and(|t| t.ends_with('Z'))
    );
    assert_eq!(field(first, "kwargs"), &Value::Dict(Dict::new()));

    let two = h.meta_ok(
        reader,
        "wamp.subscription.get_events",
        vec![Value::UInt(sub), Value::UInt(1)],
    );
    assert_eq!(two[0].as_list().map(<[Value]>::len), Some(1));
    let (_, _, broker) = h.core.parts();
    assert_eq!(broker.history.len(), 3, "bounded to the configured limit");
}

#[test]
fn a_prefix_history_serves_the_prefix_subscription() {
    let mut h = Harness::with_config(realm(), 6);
    let (publisher, reader) = (h.join(), h.join());
    h.publish(
        publisher,
        1,
        "com.example.many.a",
        WirePublishOptions::default(),
        args(&["a"]),
    );
    h.publish(
        publisher,
        2,
        "com.example.many.b",
        WirePublishOptions::default(),
        args(&["b"]),
    );
    let sub = h.subscribe(
        reader,
        "com.example.many.",
        WireSubscribeOptions {
            match_: Some(MatchPolicy::Prefix),
            ..Default::default()
        },
    );
    let events = h.meta_ok(
        reader,
        "wamp.subscription.get_events",
        vec![Value::UInt(sub)],
    );
    let topics: Vec<&Value> = events[0]
        .as_list()
        .expect("list")
        .iter()
        .map(|e| field(e, "topic"))
        .collect();
    assert_eq!(
        topics,
        vec![
            &Value::from("com.example.many.b"),
            &Value::from("com.example.many.a")
        ]
    );
}

#[test]
fn history_of_an_unconfigured_topic_is_unavailable() {
    let mut h = Harness::with_config(realm(), 7);
    let reader = h.join();
    let sub = h.subscribe(reader, "com.example.other", WireSubscribeOptions::default());
    let err = h
        .meta(
            reader,
            "wamp.subscription.get_events",
            vec![Value::UInt(sub)],
            Dict::new(),
        )
        .expect_err("no history");
    assert_eq!(err.0, HISTORY_UNAVAILABLE);
    assert!(err.1.contains("com.example.other"), "{err:?}");
    assert_eq!(
        h.meta_err(
            reader,
            "wamp.subscription.get_events",
            vec![Value::UInt(424242)]
        ),
        uris::NO_SUCH_SUBSCRIPTION
    );
    assert_eq!(
        h.meta_err(
            reader,
            "wamp.subscription.get_events",
            vec![Value::UInt(sub), Value::from("ten")]
        ),
        uris::INVALID_ARGUMENT
    );
    assert_eq!(
        h.meta_err(reader, "wamp.subscription.get_events", vec![]),
        uris::INVALID_ARGUMENT
    );
}
