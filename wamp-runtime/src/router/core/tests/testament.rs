//! Session testaments through the core: added, flushed, published when the
//! session leaves, bounded, and refused with clear errors.

use crate::protocol::options::WireSubscribeOptions;
use crate::protocol::uris;
use crate::protocol::{Dict, Value};
use crate::router::config::{Permission, RealmConfig, RoleConfig};

use super::super::testament::{MAX_TESTAMENT_BYTES, MAX_TESTAMENTS};
use super::harness::*;

fn s(text: &str) -> Value {
    Value::from(text)
}

#[test]
fn testaments_are_published_when_the_session_leaves_detached_first() {
    let mut h = Harness::open();
    let (dying, watcher) = (h.join(), h.join());
    let sub = h.subscribe(watcher, "com.example.gone", WireSubscribeOptions::default());
    let added = h.meta_ok(
        dying,
        "wamp.session.add_testament",
        vec![
            s("com.example.gone"),
            value(["destroyed"]),
            Value::Dict(Dict::new()),
        ],
    );
    assert!(added[0].as_u64().is_some_and(|id| id > 0), "{added:?}");
    h.meta(
        dying,
        "wamp.session.add_testament",
        vec![s("com.example.gone"), value(["detached"])],
        dict([("scope", s("detached"))]),
    )
    .expect("detached testament");
    h.nothing(watcher);
    h.leave(dying);
    let got: Vec<Vec<Value>> = h
        .take(watcher)
        .into_iter()
        .filter_map(|m| match m {
            crate::protocol::Message::Event(e) if e.subscription == sub => {
                Some(args_of(&e.payload))
            }
            _ => None,
        })
        .collect();
    assert_eq!(got, vec![vec![s("detached")], vec![s("destroyed")]]);
}

#[test]
fn flushed_testaments_are_not_published() {
    let mut h = Harness::open();
    let (dying, watcher) = (h.join(), h.join());
    h.subscribe(watcher, "com.example.gone", WireSubscribeOptions::default());
    for _ in 0..2 {
        h.meta_ok(
            dying,
            "wamp.session.add_testament",
            vec![s("com.example.gone"), value([1])],
        );
    }
    let flushed = h.meta_ok(dying, "wamp.session.flush_testaments", vec![]);
    assert_eq!(flushed, vec![Value::UInt(2)]);
    let again = h.meta_ok(dying, "wamp.session.flush_testaments", vec![s("detached")]);
    assert_eq!(again, vec![Value::UInt(0)]);
    h.leave(dying);
    assert!(
        !h.take(watcher).iter().any(|m| matches!(m, crate::protocol::Message::Event(e) if args_of(&e.payload) == vec![Value::UInt(1)])),
        "a flushed testament was published"
    );
}

#[test]
fn an_unknown_scope_is_an_invalid_argument_naming_it() {
    let mut h = Harness::open();
    let a = h.join();
    let err = h
        .meta(
            a,
            "wamp.session.add_testament",
            vec![s("com.example.t"), value([1])],
            dict([("scope", s("forever"))]),
        )
        .expect_err("unknown scope");
    assert_eq!(err.0, uris::INVALID_ARGUMENT);
    assert!(err.1.contains("forever"), "{err:?}");
    let err = h
        .meta(
            a,
            "wamp.session.flush_testaments",
            vec![s("sometimes")],
            Dict::new(),
        )
        .expect_err("unknown scope");
    assert_eq!(err.0, uris::INVALID_ARGUMENT);
    assert!(err.1.contains("sometimes"), "{err:?}");
}

#[test]
fn bad_testaments_are_refused() {
    let mut h = Harness::open();
    let a = h.join();
    assert_eq!(
        h.meta_err(a, "wamp.session.add_testament", vec![]),
        uris::INVALID_ARGUMENT
    );
    assert_eq!(
        h.meta_err(a, "wamp.session.add_testament", vec![s("not a uri!")]),
        uris::INVALID_URI
    );
    assert_eq!(
        h.meta_err(
            a,
            "wamp.session.add_testament",
            vec![s("wamp.session.on_leave")]
        ),
        uris::INVALID_URI
    );
    assert_eq!(
        h.meta_err(
            a,
            "wamp.session.add_testament",
            vec![s("com.x"), s("no list")]
        ),
        uris::INVALID_ARGUMENT
    );
    assert_eq!(
        h.meta_err(
            a,
            "wamp.session.add_testament",
            vec![
                s("com.x"),
                value([1]),
                Value::Dict(Dict::new()),
                value({
                    let mut d = Dict::new();
                    d.insert("exclude".into(), s("nope"));
                    d
                })
            ]
        ),
        uris::INVALID_ARGUMENT
    );
}

#[test]
fn testaments_are_bounded_per_session() {
    let mut h = Harness::open();
    let a = h.join();
    for _ in 0..MAX_TESTAMENTS {
        h.meta_ok(
            a,
            "wamp.session.add_testament",
            vec![s("com.x"), value([1])],
        );
    }
    assert_eq!(
        h.meta_err(
            a,
            "wamp.session.add_testament",
            vec![s("com.x"), value([1])]
        ),
        uris::LIMIT_EXCEEDED
    );
    let b = h.join();
    let big = "x".repeat(MAX_TESTAMENT_BYTES);
    assert_eq!(
        h.meta_err(
            b,
            "wamp.session.add_testament",
            vec![s("com.x"), value([big])]
        ),
        uris::LIMIT_EXCEEDED
    );
    let (members, _, _) = h.core.parts();
    assert_eq!(members.get(b).expect("b").testaments.len(), 0);
}

#[test]
fn a_testament_the_role_may_not_publish_is_not_published() {
    let no_publish = Permission {
        publish: false,
        ..Permission::all()
    };
    let config = RealmConfig {
        roles: vec![
            RoleConfig {
                name: "quiet".into(),
                permissions: vec![no_publish],
            },
            RoleConfig {
                name: "anonymous".into(),
                permissions: vec![Permission::all()],
            },
        ],
        ..RealmConfig::open("realm1")
    };
    let mut h = Harness::with_config(config, 3);
    let quiet = h.join_as("q", "quiet", full_roles());
    let watcher = h.join();
    h.subscribe(watcher, "com.example.gone", WireSubscribeOptions::default());
    h.meta_ok(
        quiet,
        "wamp.session.add_testament",
        vec![s("com.example.gone"), value([1])],
    );
    h.leave(quiet);
    assert!(
        !h.take(watcher)
            .iter()
            .any(|m| matches!(m, crate::protocol::Message::Event(_))),
        "testament published without permission"
    );
}
