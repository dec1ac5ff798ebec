//! The meta API through the core: `wamp.session.*`, `wamp.registration.*`,
//! `wamp.subscription.*`, `wamp.reflection.*`, meta events, and the errors of
//! meta calls.

use crate::protocol::id::Id;
use crate::protocol::options::{
    CloseDetails, InvokePolicy, MatchPolicy, UnregisteredDetails, WireCallOptions,
    WireRegisterOptions, WireSubscribeOptions,
};
use crate::protocol::uris;
use crate::protocol::{
    Dict, Goodbye, Message, MessageType, Payload, Register, Subscribe, Unregister, Unregistered,
    Unsubscribe, Value,
};
use crate::router::config::{Permission, RealmConfig, RoleConfig};

use super::super::Outgoing;
use super::harness::*;

fn id(i: Id) -> Value {
    Value::UInt(i)
}

fn s(text: &str) -> Value {
    Value::from(text)
}

fn ids(mut list: Vec<Id>) -> Value {
    list.sort();
    Value::List(list.into_iter().map(Value::UInt).collect())
}

/// A list of IDs from a meta result, sorted.
#[track_caller]
fn sorted(v: &Value) -> Value {
    let mut list: Vec<Id> = v
        .as_list()
        .expect("a list")
        .iter()
        .map(|x| x.as_u64().expect("an ID"))
        .collect();
    list.sort();
    ids(list)
}

/// A dict value, with its `created` timestamp checked and removed.
#[track_caller]
fn without_created(v: &Value) -> Dict {
    let mut d = v.as_dict().expect("a dict").clone();
    let created = d.remove("created").expect("created");
    let text = created.as_str().expect("created is a string");
    assert!(
        text.ends_with('Z') && text.contains('T'),
        "ISO 8601: {text}"
    );
    d
}

fn exact() -> WireRegisterOptions {
    WireRegisterOptions::default()
}

/// A realm where `user` may only use `com.*` and `admin` everything.
fn guarded() -> Harness {
    let mut config = RealmConfig::open("realm1");
    config.roles = vec![
        RoleConfig {
            name: "user".into(),
            permissions: vec![Permission {
                uri: "com.".into(),
                ..Permission::all()
            }],
        },
        RoleConfig {
            name: "admin".into(),
            permissions: vec![Permission::all()],
        },
    ];
    Harness::with_config(config, 5)
}

#[test]
fn session_count_list_and_get() {
    let mut h = guarded();
    let admin = h.join_as("root", "admin", full_roles());
    let a = h.join_as("alice", "user", full_roles());
    let b = h.join_as("bob", "user", full_roles());
    assert_eq!(h.meta_ok(admin, "wamp.session.count", vec![]), vec![id(3)]);
    let users = Value::List(vec![s("user")]);
    assert_eq!(
        h.meta_ok(admin, "wamp.session.count", vec![users.clone()]),
        vec![id(2)]
    );
    let both = Value::List(vec![s("user"), s("admin")]);
    assert_eq!(
        h.meta_ok(admin, "wamp.session.count", vec![both]),
        vec![id(3)]
    );
    let nobody = Value::List(vec![s("guest")]);
    assert_eq!(
        h.meta_ok(admin, "wamp.session.count", vec![nobody.clone()]),
        vec![id(0)]
    );
    let all = h.meta_ok(admin, "wamp.session.list", vec![]);
    assert_eq!(sorted(&all[0]), ids(vec![admin, a, b]));
    let listed = h.meta_ok(admin, "wamp.session.list", vec![users]);
    assert_eq!(sorted(&listed[0]), ids(vec![a, b]));
    let listed = h.meta_ok(admin, "wamp.session.list", vec![nobody]);
    assert_eq!(listed, vec![Value::List(vec![])]);

    let got = h.meta_ok(admin, "wamp.session.get", vec![id(a)]);
    let transport = dict([
        ("type", s("memory")),
        ("serializer", s("json")),
        ("tls", Value::Bool(false)),
    ]);
    assert_eq!(
        got,
        vec![Value::Dict(dict([
            ("session", id(a)),
            ("authid", s("alice")),
            ("authrole", s("user")),
            ("authmethod", s("anonymous")),
            ("authprovider", s("static")),
            ("transport", Value::Dict(transport)),
        ]))]
    );
    let missing = (1..).find(|i| ![admin, a, b].contains(i)).expect("free ID");
    assert_eq!(
        h.meta_err(admin, "wamp.session.get", vec![id(missing)]),
        uris::NO_SUCH_SESSION
    );
    // A session that left is no longer there.
    h.leave(b);
    assert_eq!(
        h.meta_err(admin, "wamp.session.get", vec![id(b)]),
        uris::NO_SUCH_SESSION
    );
    assert_eq!(h.meta_ok(admin, "wamp.session.count", vec![]), vec![id(2)]);
}

#[test]
fn session_kill_says_goodbye_and_closes() {
    let mut h = Harness::open();
    let (admin, victim, bystander) = (h.join(), h.join(), h.join());
    assert_eq!(
        h.meta_ok(admin, "wamp.session.kill", vec![id(victim)]),
        vec![]
    );
    assert_eq!(
        h.one(victim),
        Message::Goodbye(Goodbye {
            details: CloseDetails::default(),
            reason: uri(uris::CLOSE_KILLED),
        })
    );
    assert!(h.closed.contains(&victim));
    h.nothing(bystander);
    h.nothing(admin);

    // With a reason and a message.
    let kw = dict([
        ("reason", s("com.app.close.maintenance")),
        ("message", s("back soon")),
    ]);
    let done = h.meta(admin, "wamp.session.kill", vec![id(bystander)], kw);
    assert_eq!(done, Ok(vec![]));
    assert_eq!(
        h.one(bystander),
        Message::Goodbye(Goodbye {
            details: CloseDetails {
                message: Some("back soon".into()),
                ..Default::default()
            },
            reason: uri("com.app.close.maintenance"),
        })
    );
    assert!(h.closed.contains(&bystander));

    // Not itself, not a missing session, not with a malformed reason.
    let (uri_, _) = h
        .meta(admin, "wamp.session.kill", vec![id(admin)], Dict::new())
        .unwrap_err();
    assert_eq!(uri_, uris::INVALID_ARGUMENT);
    assert!(!h.closed.contains(&admin));
    h.leave(victim);
    assert_eq!(
        h.meta_err(admin, "wamp.session.kill", vec![id(victim)]),
        uris::NO_SUCH_SESSION
    );
    let other = h.join();
    let bad = dict([("reason", s("not a uri"))]);
    let (uri_, _) = h
        .meta(admin, "wamp.session.kill", vec![id(other)], bad)
        .unwrap_err();
    assert_eq!(uri_, uris::INVALID_URI);
    h.nothing(other);
    assert!(!h.closed.contains(&other));
}

#[test]
fn session_kill_by_authid_authrole_and_all_spare_the_caller() {
    let mut h = guarded();
    let root = h.join_as("root", "admin", full_roles());
    let root2 = h.join_as("root", "admin", full_roles());
    let a1 = h.join_as("alice", "user", full_roles());
    let a2 = h.join_as("alice", "user", full_roles());
    let b = h.join_as("bob", "user", full_roles());
    let c = h.join_as("carol", "admin", full_roles());

    let killed = h.meta_ok(root, "wamp.session.kill_by_authid", vec![s("alice")]);
    assert_eq!(sorted(&killed[0]), ids(vec![a1, a2]));
    for v in [a1, a2] {
        let bye = h.one(v);
        assert!(
            matches!(&bye, Message::Goodbye(g) if g.reason.as_str() == uris::CLOSE_KILLED),
            "{bye:?}"
        );
        h.leave(v);
    }
    assert!(h.closed.contains(&a1) && h.closed.contains(&a2));
    // The caller's own authid: every other session of it.
    let killed = h.meta_ok(root, "wamp.session.kill_by_authid", vec![s("root")]);
    assert_eq!(killed, vec![ids(vec![root2])]);
    h.one(root2);
    h.leave(root2);
    let killed = h.meta_ok(root, "wamp.session.kill_by_authid", vec![s("nobody")]);
    assert_eq!(killed, vec![Value::List(vec![])]);

    let killed = h.meta_ok(root, "wamp.session.kill_by_authrole", vec![s("admin")]);
    assert_eq!(killed, vec![ids(vec![c])]);
    h.one(c);
    h.leave(c);
    assert!(!h.closed.contains(&root));
    h.nothing(b);

    let d = h.join_as("dave", "user", full_roles());
    let kw = dict([("message", s("bye all"))]);
    let killed = h.meta(root, "wamp.session.kill_all", vec![], kw);
    assert_eq!(killed, Ok(vec![id(2)]));
    for v in [b, d] {
        let Message::Goodbye(g) = h.one(v) else {
            panic!("GOODBYE expected");
        };
        assert_eq!(g.details.message.as_deref(), Some("bye all"));
        assert!(h.closed.contains(&v));
    }
    assert!(!h.closed.contains(&root));
    h.nothing(root);
    assert_eq!(
        h.meta_err(root, "wamp.session.kill_by_authid", vec![]),
        uris::INVALID_ARGUMENT
    );
}

#[test]
fn registration_list_lookup_match_and_get() {
    let mut h = Harness::open();
    let (admin, a, b) = (h.join(), h.join(), h.join());
    let f = h.register(a, "com.app.f", exact());
    let g = h.register(b, "com.app.g", exact());
    let prefix = h.register(
        a,
        "com.app.",
        WireRegisterOptions {
            match_: Some(MatchPolicy::Prefix),
            invoke: Some(InvokePolicy::RoundRobin),
            ..Default::default()
        },
    );
    let wildcard = h.register(
        b,
        "com..f",
        WireRegisterOptions {
            match_: Some(MatchPolicy::Wildcard),
            ..Default::default()
        },
    );

    let list = h.meta_ok(admin, "wamp.registration.list", vec![]);
    let d = list[0].as_dict().expect("dict");
    assert_eq!(d.len(), 3);
    assert_eq!(sorted(&d["exact"]), ids(vec![f, g]));
    assert_eq!(d["prefix"], ids(vec![prefix]));
    assert_eq!(d["wildcard"], ids(vec![wildcard]));

    let lookup = |h: &mut Harness, args: Vec<Value>, kwargs: Dict| {
        h.meta(admin, "wamp.registration.lookup", args, kwargs)
    };
    let prefix_opt = || Value::Dict(dict([("match", s("prefix"))]));
    assert_eq!(
        lookup(&mut h, vec![s("com.app.f")], Dict::new()),
        Ok(vec![id(f)])
    );
    // Without match, only an exact registration is looked up.
    assert_eq!(
        lookup(&mut h, vec![s("com.app.")], Dict::new()),
        Ok(vec![Value::Null])
    );
    // The options positionally (as Crossbar reads them) or as keyword `options`.
    assert_eq!(
        lookup(&mut h, vec![s("com.app."), prefix_opt()], Dict::new()),
        Ok(vec![id(prefix)])
    );
    assert_eq!(
        lookup(
            &mut h,
            vec![s("com.app.")],
            dict([("options", prefix_opt())])
        ),
        Ok(vec![id(prefix)])
    );
    let wild = Value::Dict(dict([("match", s("wildcard"))]));
    assert_eq!(
        lookup(&mut h, vec![s("com..f"), wild], Dict::new()),
        Ok(vec![id(wildcard)])
    );
    let bogus = Value::Dict(dict([("match", s("fuzzy"))]));
    assert_eq!(
        lookup(&mut h, vec![s("com.app.f"), bogus], Dict::new())
            .unwrap_err()
            .0,
        uris::INVALID_ARGUMENT
    );
    assert_eq!(
        lookup(&mut h, vec![], Dict::new()).unwrap_err().0,
        uris::INVALID_ARGUMENT
    );

    // match: the registration a call would reach.
    let matched = |h: &mut Harness, procedure: &str| {
        h.meta_ok(admin, "wamp.registration.match", vec![s(procedure)])
    };
    assert_eq!(matched(&mut h, "com.app.f"), vec![id(f)]);
    assert_eq!(matched(&mut h, "com.app.zzz"), vec![id(prefix)]);
    assert_eq!(matched(&mut h, "com.other.f"), vec![id(wildcard)]);
    assert_eq!(matched(&mut h, "org.app.x"), vec![Value::Null]);

    let got = h.meta_ok(admin, "wamp.registration.get", vec![id(prefix)]);
    assert_eq!(
        without_created(&got[0]),
        dict([
            ("id", id(prefix)),
            ("uri", s("com.app.")),
            ("match", s("prefix")),
            ("invoke", s("roundrobin")),
        ])
    );
    let got = h.meta_ok(admin, "wamp.registration.get", vec![id(f)]);
    assert_eq!(
        without_created(&got[0]),
        dict([
            ("id", id(f)),
            ("uri", s("com.app.f")),
            ("match", s("exact")),
            ("invoke", s("single")),
        ])
    );
    let missing = f + g + prefix + wildcard;
    assert_eq!(
        h.meta_err(admin, "wamp.registration.get", vec![id(missing)]),
        uris::NO_SUCH_REGISTRATION
    );
    assert_eq!(
        h.meta_err(admin, "wamp.registration.get", vec![s("one")]),
        uris::INVALID_ARGUMENT
    );
}

#[test]
fn registration_callees_count_and_remove() {
    let mut h = Harness::open();
    let (admin, caller) = (h.join(), h.join());
    let a = h.join();
    let bare = h.join_as("bare", "anonymous", bare_roles());
    let shared = WireRegisterOptions {
        invoke: Some(InvokePolicy::First),
        ..Default::default()
    };
    let reg = h.register(a, "com.app.f", shared.clone());
    h.register(bare, "com.app.f", shared);
    let callees = h.meta_ok(admin, "wamp.registration.list_callees", vec![id(reg)]);
    assert_eq!(callees, vec![Value::List(vec![id(a), id(bare)])]);
    assert_eq!(
        h.meta_ok(admin, "wamp.registration.count_callees", vec![id(reg)]),
        vec![id(2)]
    );

    let kw = dict([("reason", s("com.app.replaced"))]);
    let done = h.meta(
        admin,
        "wamp.registration.remove_callee",
        vec![id(reg), id(a)],
        kw,
    );
    assert_eq!(done, Ok(vec![]));
    assert_eq!(
        h.one(a),
        Message::Unregistered(Unregistered {
            request: 0,
            details: Some(UnregisteredDetails {
                registration: Some(reg),
                reason: Some("com.app.replaced".into()),
                ..Default::default()
            }),
        })
    );
    assert_eq!(
        h.meta_ok(admin, "wamp.registration.count_callees", vec![id(reg)]),
        vec![id(1)]
    );
    // Calls now reach the remaining callee.
    h.call(
        caller,
        1,
        "com.app.f",
        WireCallOptions::default(),
        Payload::empty(),
    );
    invocation(h.one(bare));
    h.nothing(a);
    assert_eq!(
        h.meta_err(
            admin,
            "wamp.registration.remove_callee",
            vec![id(reg), id(a)]
        ),
        uris::NO_SUCH_REGISTRATION
    );
    // The last callee removed (without revocation feature: not told), the
    // registration is gone.
    assert_eq!(
        h.meta_ok(
            admin,
            "wamp.registration.remove_callee",
            vec![id(reg), id(bare)]
        ),
        vec![]
    );
    h.nothing(bare);
    for procedure in [
        "wamp.registration.list_callees",
        "wamp.registration.count_callees",
    ] {
        assert_eq!(
            h.meta_err(admin, procedure, vec![id(reg)]),
            uris::NO_SUCH_REGISTRATION
        );
    }
    assert_eq!(
        h.meta_err(admin, "wamp.registration.remove_callee", vec![id(reg)]),
        uris::INVALID_ARGUMENT
    );
}

#[test]
fn subscription_list_lookup_match_get_and_subscribers() {
    let mut h = Harness::open();
    let (admin, a, b) = (h.join(), h.join(), h.join());
    let t = h.subscribe(a, "com.app.t", WireSubscribeOptions::default());
    assert_eq!(
        h.subscribe(b, "com.app.t", WireSubscribeOptions::default()),
        t
    );
    let prefix = h.subscribe(
        b,
        "com.app",
        WireSubscribeOptions {
            match_: Some(MatchPolicy::Prefix),
            ..Default::default()
        },
    );
    let wildcard = h.subscribe(
        a,
        "com..t",
        WireSubscribeOptions {
            match_: Some(MatchPolicy::Wildcard),
            ..Default::default()
        },
    );
    let list = h.meta_ok(admin, "wamp.subscription.list", vec![]);
    assert_eq!(
        list,
        vec![Value::Dict(dict([
            ("exact", ids(vec![t])),
            ("prefix", ids(vec![prefix])),
            ("wildcard", ids(vec![wildcard])),
        ]))]
    );
    let lookup = |h: &mut Harness, args: Vec<Value>, kwargs: Dict| {
        h.meta(admin, "wamp.subscription.lookup", args, kwargs)
    };
    assert_eq!(
        lookup(&mut h, vec![s("com.app.t")], Dict::new()),
        Ok(vec![id(t)])
    );
    assert_eq!(
        lookup(&mut h, vec![s("com.app")], Dict::new()),
        Ok(vec![Value::Null])
    );
    let p = Value::Dict(dict([("match", s("prefix"))]));
    assert_eq!(
        lookup(&mut h, vec![s("com.app"), p.clone()], Dict::new()),
        Ok(vec![id(prefix)])
    );
    assert_eq!(
        lookup(&mut h, vec![s("com.app")], dict([("options", p)])),
        Ok(vec![id(prefix)])
    );

    // match: every subscription an event would reach.
    let matched = h.meta_ok(admin, "wamp.subscription.match", vec![s("com.app.t")]);
    assert_eq!(sorted(&matched[0]), ids(vec![t, prefix, wildcard]));
    let matched = h.meta_ok(admin, "wamp.subscription.match", vec![s("com.other.t")]);
    assert_eq!(matched, vec![ids(vec![wildcard])]);
    let matched = h.meta_ok(admin, "wamp.subscription.match", vec![s("org.x")]);
    assert_eq!(matched, vec![Value::Null]);

    let got = h.meta_ok(admin, "wamp.subscription.get", vec![id(wildcard)]);
    assert_eq!(
        without_created(&got[0]),
        dict([
            ("id", id(wildcard)),
            ("uri", s("com..t")),
            ("match", s("wildcard")),
        ])
    );
    assert_eq!(
        h.meta_ok(admin, "wamp.subscription.list_subscribers", vec![id(t)]),
        vec![Value::List(vec![id(a), id(b)])]
    );
    assert_eq!(
        h.meta_ok(admin, "wamp.subscription.count_subscribers", vec![id(t)]),
        vec![id(2)]
    );
    assert_eq!(
        h.meta_ok(
            admin,
            "wamp.subscription.remove_subscriber",
            vec![id(t), id(a)]
        ),
        vec![]
    );
    h.one(a); // its revocation
    assert_eq!(
        h.meta_ok(admin, "wamp.subscription.list_subscribers", vec![id(t)]),
        vec![Value::List(vec![id(b)])]
    );
    assert_eq!(
        h.meta_ok(admin, "wamp.subscription.count_subscribers", vec![id(t)]),
        vec![id(1)]
    );
    let missing = t + prefix + wildcard;
    for procedure in [
        "wamp.subscription.get",
        "wamp.subscription.list_subscribers",
        "wamp.subscription.count_subscribers",
    ] {
        assert_eq!(
            h.meta_err(admin, procedure, vec![id(missing)]),
            uris::NO_SUCH_SUBSCRIPTION,
            "{procedure}"
        );
    }
    assert_eq!(
        h.meta_err(
            admin,
            "wamp.subscription.remove_subscriber",
            vec![id(missing), id(a)]
        ),
        uris::NO_SUCH_SUBSCRIPTION
    );
    assert_eq!(
        h.meta_err(admin, "wamp.subscription.match", vec![]),
        uris::INVALID_ARGUMENT
    );
}

/// The meta events a watcher received: (topic from the details, arguments).
fn meta_events(h: &mut Harness, watcher: Id) -> Vec<(String, Vec<Value>)> {
    h.take(watcher)
        .into_iter()
        .map(|m| {
            let ev = event(m);
            (
                ev.details
                    .topic
                    .expect("pattern subscription names the topic"),
                args_of(&ev.payload),
            )
        })
        .collect()
}

/// A session watching every meta topic (`wamp.` prefix).
fn watcher(h: &mut Harness) -> Id {
    let w = h.join();
    let got = h.try_subscribe(
        w,
        "wamp.",
        WireSubscribeOptions {
            match_: Some(MatchPolicy::Prefix),
            ..Default::default()
        },
    );
    assert!(
        matches!(got.first(), Some(Message::Subscribed(_))),
        "{got:#?}"
    );
    w
}

#[test]
fn session_meta_events() {
    let mut h = Harness::open();
    let w = watcher(&mut h);
    h.take(w);
    let a = h.join_as("alice", "user", full_roles());
    let events = meta_events(&mut h, w);
    assert_eq!(events.len(), 1, "{events:#?}");
    assert_eq!(events[0].0, "wamp.session.on_join");
    assert_eq!(
        events[0].1,
        h.meta_ok(w, "wamp.session.get", vec![id(a)]),
        "on_join carries what wamp.session.get says"
    );
    h.leave(a);
    assert_eq!(
        meta_events(&mut h, w),
        vec![(
            "wamp.session.on_leave".to_owned(),
            vec![Value::Dict(dict([
                ("session", id(a)),
                ("authid", s("alice")),
                ("authrole", s("user")),
            ]))]
        )]
    );
    // An exact subscription to one meta topic gets only that one.
    let only_leave = h.join();
    let sub = h.subscribe(
        only_leave,
        "wamp.session.on_leave",
        WireSubscribeOptions::default(),
    );
    h.take(w);
    let b = h.join();
    h.nothing(only_leave);
    h.leave(b);
    let ev = event(h.one(only_leave));
    assert_eq!(ev.subscription, sub);
    assert_eq!(ev.details.topic, None);
    assert_eq!(ev.details.publisher, None);
}

#[test]
fn registration_meta_events() {
    let mut h = Harness::open();
    let w = watcher(&mut h);
    let (a, b) = (h.join(), h.join());
    h.take(w);
    let shared = WireRegisterOptions {
        invoke: Some(InvokePolicy::RoundRobin),
        ..Default::default()
    };
    let reg = h.register(a, "com.app.f", shared.clone());
    let events = meta_events(&mut h, w);
    let topics: Vec<&str> = events.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(
        topics,
        [
            "wamp.registration.on_create",
            "wamp.registration.on_register"
        ]
    );
    assert_eq!(events[0].1[0], id(a));
    assert_eq!(
        without_created(&events[0].1[1]),
        dict([
            ("id", id(reg)),
            ("uri", s("com.app.f")),
            ("match", s("exact")),
            ("invoke", s("roundrobin")),
        ])
    );
    assert_eq!(events[1].1, vec![id(a), id(reg)]);

    h.register(b, "com.app.f", shared);
    assert_eq!(
        meta_events(&mut h, w),
        vec![(
            "wamp.registration.on_register".to_owned(),
            vec![id(b), id(reg)]
        )]
    );
    h.route(
        a,
        Message::Unregister(Unregister {
            request: 1,
            registration: reg,
        }),
    );
    h.one(a);
    assert_eq!(
        meta_events(&mut h, w),
        vec![(
            "wamp.registration.on_unregister".to_owned(),
            vec![id(a), id(reg)]
        )]
    );
    // The last callee leaves: unregister, delete, then the session's leave.
    h.leave(b);
    let events = meta_events(&mut h, w);
    let topics: Vec<&str> = events.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(
        topics,
        [
            "wamp.registration.on_unregister",
            "wamp.registration.on_delete",
            "wamp.session.on_leave"
        ]
    );
    assert_eq!(events[0].1, vec![id(b), id(reg)]);
    assert_eq!(events[1].1, vec![id(b), id(reg)]);
}

#[test]
fn subscription_meta_events() {
    let mut h = Harness::open();
    let w = watcher(&mut h);
    let a = h.join();
    h.take(w);
    let sub = h.subscribe(a, "com.app.t", WireSubscribeOptions::default());
    let events = meta_events(&mut h, w);
    let topics: Vec<&str> = events.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(
        topics,
        [
            "wamp.subscription.on_create",
            "wamp.subscription.on_subscribe"
        ]
    );
    assert_eq!(events[0].1[0], id(a));
    assert_eq!(
        without_created(&events[0].1[1]),
        dict([
            ("id", id(sub)),
            ("uri", s("com.app.t")),
            ("match", s("exact")),
        ])
    );
    assert_eq!(events[1].1, vec![id(a), id(sub)]);
    h.route(
        a,
        Message::Unsubscribe(Unsubscribe {
            request: 1,
            subscription: sub,
        }),
    );
    h.one(a);
    assert_eq!(
        meta_events(&mut h, w),
        vec![
            (
                "wamp.subscription.on_unsubscribe".to_owned(),
                vec![id(a), id(sub)]
            ),
            (
                "wamp.subscription.on_delete".to_owned(),
                vec![id(a), id(sub)]
            ),
        ]
    );
}

#[test]
fn a_leaving_session_is_sent_nothing() {
    let mut h = Harness::open();
    let w = watcher(&mut h);
    let other = watcher(&mut h);
    let caller = h.join();
    // (Its replies come with meta events about itself: routed by hand.)
    h.route(w, Message::Register(Register::new(1, uri("com.app.f"))));
    h.route(w, Message::Subscribe(Subscribe::new(2, uri("com.app.t"))));
    h.call(
        caller,
        1,
        "com.app.f",
        WireCallOptions::default(),
        Payload::empty(),
    );
    h.take(w);
    h.take(other);
    let out = h.core.leave(w, h.now);
    for item in &out.items {
        let to: Vec<Id> = match item {
            Outgoing::Send(id, _) | Outgoing::Close(id) => vec![*id],
            Outgoing::Fanout(ids, _) => ids.clone(),
        };
        assert!(!to.contains(&w), "sent to the session that left: {item:#?}");
    }
    h.absorb(out);
    h.inbox.remove(&w);
    assert_error(h.one(caller), MessageType::Call, 1, uris::CANCELED);
    let mut topics: Vec<String> = meta_events(&mut h, other)
        .into_iter()
        .map(|(t, _)| t)
        .collect();
    // Registrations first, the session's leave last; subscriptions between
    // in no particular order.
    topics[2..5].sort();
    assert_eq!(
        topics,
        [
            "wamp.registration.on_unregister",
            "wamp.registration.on_delete",
            "wamp.subscription.on_delete",
            "wamp.subscription.on_unsubscribe",
            "wamp.subscription.on_unsubscribe",
            "wamp.session.on_leave",
        ]
    );
}

#[test]
fn reflection_lists_and_describes_with_and_without_schema() {
    let mut h = Harness::open();
    let (admin, a) = (h.join(), h.join());
    let schema = dict([
        ("uri", s("com.app.add")),
        ("kind", s("procedure")),
        ("doc", s("Adds two numbers.")),
        (
            "args",
            Value::List(vec![Value::Dict(dict([("type", s("integer"))]))]),
        ),
    ]);
    let with_schema = WireRegisterOptions {
        extra: dict([("x_schema", Value::Dict(schema.clone()))]),
        ..Default::default()
    };
    let add = h.register(a, "com.app.add", with_schema);
    let plain = h.register(
        a,
        "com.app.",
        WireRegisterOptions {
            match_: Some(MatchPolicy::Prefix),
            ..Default::default()
        },
    );
    let topic_schema = dict([("doc", s("Ticks."))]);
    let tick = h.subscribe(
        a,
        "com.app.tick",
        WireSubscribeOptions {
            extra: dict([("x_schema", Value::Dict(topic_schema.clone()))]),
            ..Default::default()
        },
    );

    assert_eq!(
        h.meta_ok(admin, "wamp.reflection.procedure.list", vec![]),
        vec![Value::List(vec![s("com.app."), s("com.app.add")])]
    );
    assert_eq!(
        h.meta_ok(admin, "wamp.reflection.topic.list", vec![]),
        vec![Value::List(vec![s("com.app.tick")])]
    );

    let described = h.meta_ok(
        admin,
        "wamp.reflection.procedure.describe",
        vec![s("com.app.add")],
    );
    let mut d = described[0].as_dict().expect("dict").clone();
    let registration = d.remove("registration").expect("registration");
    assert_eq!(without_created(&registration)["id"], id(add));
    let mut expected = schema.clone();
    expected.insert("schema_known".into(), Value::Bool(true));
    assert_eq!(d, expected);

    let described = h.meta_ok(
        admin,
        "wamp.reflection.procedure.describe",
        vec![s("com.app.")],
    );
    let mut d = described[0].as_dict().expect("dict").clone();
    let registration = d.remove("registration").expect("registration");
    assert_eq!(
        without_created(&registration),
        dict([
            ("id", id(plain)),
            ("uri", s("com.app.")),
            ("match", s("prefix")),
            ("invoke", s("single")),
        ])
    );
    assert_eq!(
        d,
        dict([
            ("uri", s("com.app.")),
            ("kind", s("procedure")),
            (
                "options",
                Value::Dict(dict([("match", s("prefix")), ("invoke", s("single"))]))
            ),
            ("doc", s("")),
            ("schema_known", Value::Bool(false)),
        ])
    );

    let described = h.meta_ok(
        admin,
        "wamp.reflection.topic.describe",
        vec![s("com.app.tick")],
    );
    let mut d = described[0].as_dict().expect("dict").clone();
    let subscription = d.remove("subscription").expect("subscription");
    assert_eq!(without_created(&subscription)["id"], id(tick));
    assert_eq!(
        d,
        dict([
            ("doc", s("Ticks.")),
            ("uri", s("com.app.tick")),
            ("schema_known", Value::Bool(true)),
        ])
    );

    assert_eq!(
        h.meta_err(
            admin,
            "wamp.reflection.procedure.describe",
            vec![s("com.app.sub")]
        ),
        uris::NO_SUCH_PROCEDURE
    );
    assert_eq!(
        h.meta_err(
            admin,
            "wamp.reflection.topic.describe",
            vec![s("com.app.tock")]
        ),
        uris::NO_SUCH_SUBSCRIPTION
    );
    assert_eq!(
        h.meta_err(admin, "wamp.reflection.procedure.describe", vec![]),
        uris::INVALID_ARGUMENT
    );
    let catalog = h.meta_ok(admin, "wamp.reflection.catalog", vec![]);
    assert!(
        matches!(catalog.as_slice(), [Value::Dict(_)]),
        "{catalog:?}"
    );
}

#[test]
fn unknown_meta_procedures_and_malformed_arguments() {
    let mut h = Harness::open();
    let admin = h.join();
    let session = h.join();
    for procedure in ["wamp.session.nope", "wamp.registration", "wamp.x"] {
        assert_eq!(
            h.meta_err(admin, procedure, vec![]),
            uris::NO_SUCH_PROCEDURE,
            "{procedure}"
        );
    }
    for (procedure, args) in [
        ("wamp.session.get", vec![s("abc")]),
        ("wamp.session.get", vec![]),
        ("wamp.session.kill", vec![Value::Int(-1)]),
        ("wamp.registration.lookup", vec![id(1)]),
        ("wamp.subscription.get", vec![Value::Bool(true)]),
        ("wamp.session.kill_by_authrole", vec![id(session)]),
    ] {
        let got = h.meta(admin, procedure, args.clone(), Dict::new());
        assert_eq!(
            got.as_ref().map_err(|(u, _)| u.as_str()),
            Err(uris::INVALID_ARGUMENT),
            "{procedure}({args:?})"
        );
    }
    // Arguments that cannot be read at all.
    h.call(
        admin,
        7,
        "wamp.session.count",
        WireCallOptions::default(),
        Payload::transparent(vec![1u8, 2, 3]),
    );
    assert_error(h.one(admin), MessageType::Call, 7, uris::INVALID_ARGUMENT);
    h.nothing(session);
    assert!(h.closed.is_empty());
}

#[test]
fn meta_calls_need_call_permission() {
    let mut h = guarded();
    let user = h.join_as("alice", "user", full_roles());
    let admin = h.join_as("root", "admin", full_roles());
    for procedure in [
        "wamp.session.count",
        "wamp.session.kill_all",
        "wamp.registration.list",
        "wamp.reflection.procedure.list",
        "wamp.nope",
    ] {
        assert_eq!(
            h.meta_err(user, procedure, vec![]),
            uris::NOT_AUTHORIZED,
            "{procedure}"
        );
    }
    h.nothing(admin);
    assert!(h.closed.is_empty());
    assert_eq!(h.meta_ok(admin, "wamp.session.count", vec![]), vec![id(2)]);
}
