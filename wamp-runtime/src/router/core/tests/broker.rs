//! The broker through the core: pattern delivery, one EVENT per
//! subscription, publisher exclusion, black/white lists, publisher
//! disclosure, acknowledgement, retained events, unsubscribe, revocation and
//! sessions leaving.

use std::collections::BTreeSet;

use crate::protocol::id::Id;
use crate::protocol::options::{
    MatchPolicy, UnsubscribedDetails, WireEventDetails, WirePublishOptions, WireSubscribeOptions,
};
use crate::protocol::uris;
use crate::protocol::{
    Event, Message, MessageType, Payload, Published, Unsubscribe, Unsubscribed, Value,
};
use crate::router::config::{Permission, RealmConfig, RoleConfig};

use super::super::Outgoing;
use super::harness::*;

fn exact() -> WireSubscribeOptions {
    WireSubscribeOptions::default()
}

fn matching(policy: MatchPolicy) -> WireSubscribeOptions {
    WireSubscribeOptions {
        match_: Some(policy),
        ..Default::default()
    }
}

fn retained() -> WireSubscribeOptions {
    WireSubscribeOptions {
        get_retained: Some(true),
        ..Default::default()
    }
}

fn plain() -> WirePublishOptions {
    WirePublishOptions::default()
}

fn acknowledged() -> WirePublishOptions {
    WirePublishOptions {
        acknowledge: Some(true),
        ..Default::default()
    }
}

/// Publishes with acknowledgement; returns the publication ID.
#[track_caller]
fn publish_acked(
    h: &mut Harness,
    publisher: Id,
    topic: &str,
    options: WirePublishOptions,
    payload: Payload,
) -> Id {
    let request = h.request();
    let options = WirePublishOptions {
        acknowledge: Some(true),
        ..options
    };
    h.publish(publisher, request, topic, options, payload);
    match h.one(publisher) {
        Message::Published(p) => {
            assert_eq!(p.request, request);
            p.publication
        }
        other => panic!("expected PUBLISHED, got {other:#?}"),
    }
}

/// The one EVENT a session received.
#[track_caller]
fn one_event(h: &mut Harness, session: Id) -> Event {
    event(h.one(session))
}

#[test]
fn exact_prefix_and_wildcard_subscriptions_receive_matching_events() {
    let mut h = Harness::open();
    let publisher = h.join();
    let (e, p, w) = (h.join(), h.join(), h.join());
    let sub_e = h.subscribe(e, "com.app.x.update", exact());
    let sub_p = h.subscribe(p, "com.app.", matching(MatchPolicy::Prefix));
    let sub_w = h.subscribe(w, "com.app..update", matching(MatchPolicy::Wildcard));

    let payload = Payload::from_values(vec![Value::UInt(1)], dict([("k", Value::from("v"))]));
    let publication = publish_acked(
        &mut h,
        publisher,
        "com.app.x.update",
        plain(),
        payload.clone(),
    );
    for (session, sub, topic) in [
        (e, sub_e, None),
        (p, sub_p, Some("com.app.x.update".to_owned())),
        (w, sub_w, Some("com.app.x.update".to_owned())),
    ] {
        assert_eq!(
            h.one(session),
            Message::Event(Event {
                subscription: sub,
                publication,
                details: WireEventDetails {
                    topic,
                    ..Default::default()
                },
                payload: payload.clone(),
            })
        );
    }

    // Only the prefix matches a topic with another last component.
    publish_acked(
        &mut h,
        publisher,
        "com.app.y.delete",
        plain(),
        Payload::empty(),
    );
    let ev = one_event(&mut h, p);
    assert_eq!(ev.details.topic.as_deref(), Some("com.app.y.delete"));
    h.nothing(e);
    h.nothing(w);
    // The wildcard needs the same number of components.
    publish_acked(
        &mut h,
        publisher,
        "com.app.y.z.update",
        plain(),
        Payload::empty(),
    );
    one_event(&mut h, p);
    h.nothing(w);
    publish_acked(
        &mut h,
        publisher,
        "org.app.x.update",
        plain(),
        Payload::empty(),
    );
    for s in [e, p, w] {
        h.nothing(s);
    }
}

#[test]
fn one_event_per_matching_subscription_fanned_out_to_its_subscribers() {
    let mut h = Harness::open();
    let publisher = h.join();
    let (a, b) = (h.join(), h.join());
    let exact_id = h.subscribe(a, "com.app.x", exact());
    assert_eq!(
        h.subscribe(b, "com.app.x", exact()),
        exact_id,
        "shared subscription"
    );
    // Subscribing again changes nothing.
    assert_eq!(h.subscribe(a, "com.app.x", exact()), exact_id);
    let prefix = h.subscribe(a, "com.app", matching(MatchPolicy::Prefix));
    let wildcard = h.subscribe(a, "com..x", matching(MatchPolicy::Wildcard));

    let out = h
        .core
        .handle(
            publisher,
            Message::Publish(crate::protocol::Publish::new(
                3,
                uri("com.app.x"),
                Payload::empty(),
            )),
            h.now,
        )
        .expect("routable");
    let mut events = Vec::new();
    for item in out.items {
        match item {
            Outgoing::Fanout(ids, Message::Event(ev)) => {
                events.push((ev.subscription, ids.into_iter().collect::<BTreeSet<_>>()));
            }
            Outgoing::Send(id, Message::Event(ev)) => {
                events.push((ev.subscription, BTreeSet::from([id])));
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    events.sort();
    let mut expected = vec![
        (exact_id, BTreeSet::from([a, b])),
        (prefix, BTreeSet::from([a])),
        (wildcard, BTreeSet::from([a])),
    ];
    expected.sort();
    assert_eq!(events, expected);
}

#[test]
fn publisher_is_excluded_unless_it_asks_otherwise() {
    let mut h = Harness::open();
    let (publisher, other) = (h.join(), h.join());
    let sub = h.subscribe(publisher, "com.app.chat", exact());
    h.subscribe(other, "com.app.chat", exact());
    h.publish(publisher, 1, "com.app.chat", plain(), Payload::empty());
    h.nothing(publisher);
    one_event(&mut h, other);
    let me_too = WirePublishOptions {
        exclude_me: Some(false),
        ..Default::default()
    };
    h.publish(publisher, 2, "com.app.chat", me_too, Payload::empty());
    assert_eq!(one_event(&mut h, publisher).subscription, sub);
    one_event(&mut h, other);
    let explicit = WirePublishOptions {
        exclude_me: Some(true),
        ..Default::default()
    };
    h.publish(publisher, 3, "com.app.chat", explicit, Payload::empty());
    h.nothing(publisher);
    one_event(&mut h, other);
}

#[test]
fn exclude_and_eligible_by_session_authid_and_authrole() {
    let mut h = Harness::open();
    let publisher = h.join_as("pub", "user", full_roles());
    let a = h.join_as("alice", "user", full_roles());
    let b = h.join_as("bob", "user", full_roles());
    let c = h.join_as("carol", "admin", full_roles());
    for s in [a, b, c] {
        h.subscribe(s, "com.app.news", exact());
    }
    let strings = |l: &[&str]| Some(l.iter().map(|s| s.to_string()).collect::<Vec<_>>());
    let cases: Vec<(&str, WirePublishOptions, Vec<Id>)> = vec![
        ("none", plain(), vec![a, b, c]),
        (
            "exclude",
            WirePublishOptions {
                exclude: Some(vec![a, c]),
                ..Default::default()
            },
            vec![b],
        ),
        (
            "exclude_authid",
            WirePublishOptions {
                exclude_authid: strings(&["bob"]),
                ..Default::default()
            },
            vec![a, c],
        ),
        (
            "exclude_authrole",
            WirePublishOptions {
                exclude_authrole: strings(&["admin"]),
                ..Default::default()
            },
            vec![a, b],
        ),
        (
            "eligible",
            WirePublishOptions {
                eligible: Some(vec![b, c]),
                ..Default::default()
            },
            vec![b, c],
        ),
        (
            "eligible_authid",
            WirePublishOptions {
                eligible_authid: strings(&["carol", "alice"]),
                ..Default::default()
            },
            vec![a, c],
        ),
        (
            "eligible_authrole",
            WirePublishOptions {
                eligible_authrole: strings(&["user"]),
                ..Default::default()
            },
            vec![a, b],
        ),
        (
            "eligible_authrole and exclude",
            WirePublishOptions {
                eligible_authrole: strings(&["user"]),
                exclude: Some(vec![a]),
                ..Default::default()
            },
            vec![b],
        ),
        (
            "eligible and exclude_authid",
            WirePublishOptions {
                eligible: Some(vec![a, b]),
                exclude_authid: strings(&["alice"]),
                ..Default::default()
            },
            vec![b],
        ),
        (
            "empty eligible",
            WirePublishOptions {
                eligible: Some(vec![]),
                ..Default::default()
            },
            vec![],
        ),
    ];
    for (name, options, expected) in cases {
        h.publish(publisher, 1, "com.app.news", options, Payload::empty());
        let got: Vec<Id> = [a, b, c]
            .into_iter()
            .filter(|s| {
                let n = h.take(*s).len();
                assert!(n <= 1, "{name}: {n} events");
                n == 1
            })
            .collect();
        assert_eq!(got, expected, "{name}");
    }
}

#[test]
fn publisher_is_disclosed_when_asked_or_by_role() {
    let mut config = RealmConfig::open("realm1");
    config.roles = vec![
        RoleConfig {
            name: "user".into(),
            permissions: vec![Permission::all()],
        },
        RoleConfig {
            name: "loud".into(),
            permissions: vec![Permission {
                disclose_publisher: true,
                ..Permission::all()
            }],
        },
    ];
    let mut h = Harness::with_config(config, 3);
    let quiet = h.join_as("quiet", "user", full_roles());
    let loud = h.join_as("loud", "loud", full_roles());
    let sub = h.join_as("reader", "user", full_roles());
    h.subscribe(sub, "com.app.t", exact());
    let seen = |h: &mut Harness| {
        let d = one_event(h, sub).details;
        (d.publisher, d.publisher_authid, d.publisher_authrole)
    };
    h.publish(quiet, 1, "com.app.t", plain(), Payload::empty());
    assert_eq!(seen(&mut h), (None, None, None));
    let me = WirePublishOptions {
        disclose_me: Some(true),
        ..Default::default()
    };
    h.publish(quiet, 2, "com.app.t", me, Payload::empty());
    assert_eq!(
        seen(&mut h),
        (Some(quiet), Some("quiet".into()), Some("user".into()))
    );
    h.publish(loud, 3, "com.app.t", plain(), Payload::empty());
    assert_eq!(
        seen(&mut h),
        (Some(loud), Some("loud".into()), Some("loud".into()))
    );
}

#[test]
fn acknowledge_answers_published_or_error() {
    let mut config = RealmConfig::open("realm1");
    config.roles = vec![
        RoleConfig {
            name: "user".into(),
            permissions: vec![Permission::all()],
        },
        RoleConfig {
            name: "mute".into(),
            permissions: vec![Permission {
                publish: false,
                ..Permission::all()
            }],
        },
    ];
    let mut h = Harness::with_config(config, 1);
    let user = h.join_as("u", "user", full_roles());
    let mute = h.join_as("m", "mute", full_roles());
    let reader = h.join_as("r", "user", full_roles());
    h.subscribe(reader, "com.app.t", exact());
    // Watching wamp.*, it gets the meta events of its own subscription.
    let got = h.try_subscribe(reader, "wamp.", matching(MatchPolicy::Prefix));
    assert_eq!(got.len(), 3, "{got:#?}");

    h.publish(user, 1, "com.app.t", plain(), Payload::empty());
    h.nothing(user);
    let ev = one_event(&mut h, reader);
    h.publish(user, 2, "com.app.t", acknowledged(), Payload::empty());
    let ev2 = one_event(&mut h, reader);
    assert_eq!(
        h.one(user),
        Message::Published(Published {
            request: 2,
            publication: ev2.publication,
        })
    );
    assert_ne!(ev.publication, ev2.publication);

    // Refused publications: an ERROR only when acknowledged; never delivered.
    for (who, topic, error_uri) in [
        (mute, "com.app.t", uris::NOT_AUTHORIZED),
        (user, "wamp.session.on_join", uris::INVALID_URI),
    ] {
        h.publish(who, 3, topic, plain(), Payload::empty());
        h.nothing(who);
        h.publish(who, 4, topic, acknowledged(), Payload::empty());
        assert_error(h.one(who), MessageType::Publish, 4, error_uri);
        h.nothing(reader);
    }
}

#[test]
fn retained_events_reach_new_subscribers_that_ask() {
    let mut h = Harness::open();
    let publisher = h.join();
    let keep = WirePublishOptions {
        retain: Some(true),
        ..Default::default()
    };
    publish_acked(
        &mut h,
        publisher,
        "com.app.state",
        keep.clone(),
        args(&["old"]),
    );
    let latest = publish_acked(
        &mut h,
        publisher,
        "com.app.state",
        keep.clone(),
        args(&["new"]),
    );
    let other = publish_acked(
        &mut h,
        publisher,
        "com.app.other",
        keep.clone(),
        args(&["o"]),
    );
    publish_acked(&mut h, publisher, "com.app.volatile", plain(), args(&["v"]));

    // Without get_retained: nothing but SUBSCRIBED.
    let plain_sub = h.join();
    h.subscribe(plain_sub, "com.app.state", exact());

    let late = h.join();
    let got = h.try_subscribe(late, "com.app.state", retained());
    let [Message::Subscribed(s), Message::Event(ev)] = got.as_slice() else {
        panic!("expected SUBSCRIBED and one EVENT, got {got:#?}");
    };
    assert_eq!(
        ev,
        &Event {
            subscription: s.subscription,
            publication: latest,
            details: WireEventDetails {
                retained: Some(true),
                ..Default::default()
            },
            payload: args(&["new"]),
        }
    );

    // A pattern subscription gets every retained topic it matches, with the topic.
    let watcher = h.join();
    let got = h.try_subscribe(
        watcher,
        "com.app.",
        WireSubscribeOptions {
            match_: Some(MatchPolicy::Prefix),
            get_retained: Some(true),
            ..Default::default()
        },
    );
    let Some((Message::Subscribed(s), rest)) = got.split_first() else {
        panic!("expected SUBSCRIBED first, got {got:#?}");
    };
    let mut events: Vec<(Id, Id, Option<String>, Option<bool>)> = rest
        .iter()
        .cloned()
        .map(|m| {
            let ev = event(m);
            (
                ev.subscription,
                ev.publication,
                ev.details.topic,
                ev.details.retained,
            )
        })
        .collect();
    events.sort();
    let mut expected = vec![
        (
            s.subscription,
            latest,
            Some("com.app.state".to_owned()),
            Some(true),
        ),
        (
            s.subscription,
            other,
            Some("com.app.other".to_owned()),
            Some(true),
        ),
    ];
    expected.sort();
    assert_eq!(events, expected);

    // Live events after that carry no retained flag.
    publish_acked(
        &mut h,
        publisher,
        "com.app.state",
        plain(),
        Payload::empty(),
    );
    for s in [plain_sub, late, watcher] {
        assert_eq!(one_event(&mut h, s).details.retained, None);
    }
}

#[test]
fn retained_events_keep_their_lists_and_disclosure() {
    let mut h = Harness::open();
    let publisher = h.join_as("pub", "user", full_roles());
    let options = WirePublishOptions {
        retain: Some(true),
        disclose_me: Some(true),
        eligible_authid: Some(vec!["alice".into()]),
        ..Default::default()
    };
    publish_acked(
        &mut h,
        publisher,
        "com.app.secret",
        options,
        Payload::empty(),
    );
    let bob = h.join_as("bob", "user", full_roles());
    assert_eq!(h.try_subscribe(bob, "com.app.secret", retained()).len(), 1);
    let alice = h.join_as("alice", "user", full_roles());
    let got = h.try_subscribe(alice, "com.app.secret", retained());
    assert_eq!(got.len(), 2, "{got:#?}");
    let ev = event(got[1].clone());
    assert_eq!(ev.details.publisher, Some(publisher));
    assert_eq!(ev.details.publisher_authid.as_deref(), Some("pub"));
    assert_eq!(ev.details.retained, Some(true));
}

#[test]
fn refused_publication_is_not_retained() {
    let mut config = RealmConfig::open("realm1");
    config.roles = vec![RoleConfig {
        name: "user".into(),
        permissions: vec![
            Permission::all(),
            Permission {
                uri: "com.app.locked".into(),
                match_: MatchPolicy::Exact,
                publish: false,
                ..Permission::all()
            },
        ],
    }];
    let mut h = Harness::with_config(config, 1);
    let publisher = h.join_as("p", "user", full_roles());
    let keep = WirePublishOptions {
        retain: Some(true),
        ..Default::default()
    };
    h.publish(publisher, 1, "com.app.locked", keep, Payload::empty());
    let sub = h.join_as("s", "user", full_roles());
    assert_eq!(h.try_subscribe(sub, "com.app.locked", retained()).len(), 1);
}

#[test]
fn unsubscribe_stops_delivery_to_that_subscriber_only() {
    let mut h = Harness::open();
    let publisher = h.join();
    let (a, b) = (h.join(), h.join());
    let sub = h.subscribe(a, "com.app.t", exact());
    h.subscribe(b, "com.app.t", exact());
    h.route(
        a,
        Message::Unsubscribe(Unsubscribe {
            request: 5,
            subscription: sub,
        }),
    );
    assert_eq!(
        h.one(a),
        Message::Unsubscribed(Unsubscribed {
            request: 5,
            details: None,
        })
    );
    h.publish(publisher, 1, "com.app.t", plain(), Payload::empty());
    h.nothing(a);
    assert_eq!(one_event(&mut h, b).subscription, sub);
    // Not subscribed (any more, or never): ERROR.
    for (who, id) in [(a, sub), (b, sub + 100)] {
        h.route(
            who,
            Message::Unsubscribe(Unsubscribe {
                request: 6,
                subscription: id,
            }),
        );
        assert_error(
            h.one(who),
            MessageType::Unsubscribe,
            6,
            uris::NO_SUCH_SUBSCRIPTION,
        );
    }
    // The last subscriber gone, the subscription is deleted.
    h.route(
        b,
        Message::Unsubscribe(Unsubscribe {
            request: 7,
            subscription: sub,
        }),
    );
    h.one(b);
    assert!(h.core.parts().2.subscriptions.get(sub).is_none());
}

#[test]
fn meta_remove_subscriber_revokes_and_tells_only_subscribers_that_announced_it() {
    let mut h = Harness::open();
    let (admin, publisher) = (h.join(), h.join());
    let full = h.join();
    let bare = h.join_as("bare", "anonymous", bare_roles());
    let sub = h.subscribe(full, "com.app.t", exact());
    h.subscribe(bare, "com.app.t", exact());
    let reason = dict([("reason", Value::from("com.app.kicked"))]);
    let done = h.meta(
        admin,
        "wamp.subscription.remove_subscriber",
        vec![Value::UInt(sub), Value::UInt(full)],
        reason,
    );
    assert_eq!(done, Ok(vec![]));
    assert_eq!(
        h.one(full),
        Message::Unsubscribed(Unsubscribed {
            request: 0,
            details: Some(UnsubscribedDetails {
                subscription: Some(sub),
                reason: Some("com.app.kicked".into()),
                ..Default::default()
            }),
        })
    );
    let done = h.meta_ok(
        admin,
        "wamp.subscription.remove_subscriber",
        vec![Value::UInt(sub), Value::UInt(bare)],
    );
    assert!(done.is_empty());
    h.nothing(bare);
    h.publish(publisher, 1, "com.app.t", plain(), Payload::empty());
    h.nothing(full);
    h.nothing(bare);
    let again = h.meta_err(
        admin,
        "wamp.subscription.remove_subscriber",
        vec![Value::UInt(sub), Value::UInt(full)],
    );
    assert_eq!(again, uris::NO_SUCH_SUBSCRIPTION);
}

#[test]
fn a_subscriber_that_leaves_receives_nothing_more() {
    let mut h = Harness::open();
    let publisher = h.join();
    let (a, b) = (h.join(), h.join());
    let sub = h.subscribe(a, "com.app.t", exact());
    h.subscribe(a, "com.", matching(MatchPolicy::Prefix));
    h.subscribe(b, "com.app.t", exact());
    h.leave(a);
    let out = h
        .core
        .handle(
            publisher,
            Message::Publish(crate::protocol::Publish::new(
                1,
                uri("com.app.t"),
                Payload::empty(),
            )),
            h.now,
        )
        .expect("routable");
    let addressed: Vec<Id> = out
        .items
        .iter()
        .flat_map(|item| match item {
            Outgoing::Send(id, _) => vec![*id],
            Outgoing::Fanout(ids, _) => ids.clone(),
            Outgoing::Close(id) => vec![*id],
        })
        .collect();
    assert_eq!(addressed, vec![b]);
    let (_, _, broker) = h.core.parts();
    assert_eq!(
        broker.subscriptions.get(sub).map(|s| s.subscribers.clone()),
        Some(vec![b])
    );
    assert_eq!(
        broker.subscriptions.len(),
        1,
        "the prefix subscription is gone"
    );
}

#[test]
fn exact_subscription_needs_a_valid_topic_and_permission() {
    let mut config = RealmConfig::open("realm1");
    config.roles = vec![RoleConfig {
        name: "user".into(),
        permissions: vec![Permission {
            uri: "com.".into(),
            match_: MatchPolicy::Prefix,
            subscribe: true,
            ..Permission::all()
        }],
    }];
    let mut h = Harness::with_config(config, 1);
    let s = h.join_as("s", "user", full_roles());
    for topic in ["com..x", "com.app.", "com.with space", "com.a#b"] {
        let got = h.try_subscribe(s, topic, exact());
        let [reply] = got.as_slice() else {
            panic!("{topic}: {got:#?}");
        };
        let e = error(reply.clone());
        assert_eq!(
            (e.request_type, e.error.as_str()),
            (MessageType::Subscribe, uris::INVALID_URI),
            "{topic}"
        );
    }
    // Empty components are the point of a wildcard.
    h.subscribe(s, "com..x", matching(MatchPolicy::Wildcard));
    let got = h.try_subscribe(s, "org.app.x", exact());
    assert_eq!(error(got[0].clone()).error.as_str(), uris::NOT_AUTHORIZED);
    assert_eq!(got.len(), 1);
}
