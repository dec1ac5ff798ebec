//! Router sessions over real loopback sockets: joining realms, authentication,
//! authorization, the meta API, protocol violations, shutdown.

#[path = "router/peer.rs"]
mod peer;

use peer::*;
use wamp::SerializerKind::{Cbor, Json, MsgPack};
use wamp::protocol::options::*;
use wamp::protocol::roles::{Role, feature};
use wamp::protocol::*;
use wamp::router::*;

#[tokio::test]
async fn welcome_announces_router_roles_and_identity() {
    let (_router, addr) = router().await;
    let p = Peer::join(addr, Json).await;
    let w = p.welcome.unwrap();
    let roles = w.details.roles.unwrap();
    assert!(roles.has_feature(Role::Dealer, feature::CALL_CANCELING));
    assert!(roles.has_feature(Role::Dealer, feature::PROGRESSIVE_CALL_RESULTS));
    assert!(roles.has_feature(Role::Broker, feature::PATTERN_BASED_SUBSCRIPTION));
    assert!(roles.has_feature(Role::Broker, feature::SESSION_META_API));
    assert_eq!(w.details.authmethod.as_deref(), Some("anonymous"));
    assert_eq!(w.details.authrole.as_deref(), Some("anonymous"));
    assert_eq!(w.details.realm.as_deref(), Some("realm1"));
    assert!((1..=wamp::protocol::id::MAX_ID).contains(&w.session));
}

#[tokio::test]
async fn unknown_realm_is_refused_unless_auto_created() {
    let (_router, addr) = router().await;
    let mut p = Peer::connect(&format!("ws://{addr}/ws"), Json).await;
    p.hello("nope.realm", HelloDetails::default()).await;
    match p.recv().await {
        Message::Abort(a) => assert_eq!(a.reason, "wamp.error.no_such_realm"),
        other => panic!("expected ABORT, got {other:?}"),
    }
    let router = Router::builder().auto_create_realms(true).build();
    let addr = router.listen("127.0.0.1:0").await.unwrap();
    let mut p = Peer::connect(&format!("rs://{addr}"), Cbor).await;
    p.hello("some.realm", HelloDetails::default()).await;
    assert!(matches!(p.recv().await, Message::Welcome(_)));
}

#[tokio::test]
async fn protocol_violation_aborts_only_that_session() {
    let (_router, addr) = router().await;
    let mut good = Peer::join(addr, Json).await;
    let mut bad = Peer::join(addr, Json).await;
    good.register("com.ok").await;
    // A message that only routers send.
    bad.send(Message::Welcome(Welcome {
        session: 1,
        details: WelcomeDetails {
            roles: Some(client_roles()),
            ..Default::default()
        },
    }))
    .await;
    match bad.recv().await {
        Message::Abort(a) => assert_eq!(a.reason, "wamp.error.protocol_violation"),
        other => panic!("expected ABORT, got {other:?}"),
    }
    assert!(bad.closed().await);
    // Garbage bytes.
    let mut garbage = Peer::join(addr, Json).await;
    futures_util::SinkExt::send(
        &mut garbage.t.sink,
        bytes::Bytes::from_static(br#"[48, 1, {"timeout": "soon"}, "com.ok"]"#),
    )
    .await
    .unwrap();
    match garbage.recv().await {
        Message::Abort(a) => {
            assert_eq!(a.reason, "wamp.error.protocol_violation");
            assert!(a.details.message.unwrap().contains("timeout"));
        }
        other => panic!("expected ABORT, got {other:?}"),
    }
    // The good session still works.
    let mut caller = Peer::join(addr, MsgPack).await;
    let request = caller.call("com.ok", Payload::empty()).await;
    let inv = good.expect_invocation().await;
    good.yield_(inv.request, Payload::empty()).await;
    caller.expect_result(request).await;
}

#[tokio::test]
async fn goodbye_then_a_new_session_on_the_same_transport() {
    let (_router, addr) = router().await;
    let mut p = Peer::join(addr, Json).await;
    let first = p.session;
    p.goodbye().await;
    p.hello("realm1", HelloDetails::default()).await;
    match p.recv().await {
        Message::Welcome(w) => assert_ne!(w.session, first),
        other => panic!("expected WELCOME, got {other:?}"),
    }
}

#[tokio::test]
async fn meta_api_sessions_registrations_subscriptions() {
    let (_router, addr) = router().await;
    let mut watcher = Peer::join(addr, Json).await;
    watcher.subscribe("wamp.session.on_join").await;
    watcher.subscribe("wamp.session.on_leave").await;
    let mut other = Peer::join(addr, MsgPack).await;
    let joined = watcher.expect_event().await;
    let info = &joined.payload.args_values().unwrap()[0];
    assert_eq!(
        info.as_dict().unwrap()["session"],
        Value::UInt(other.session)
    );

    assert_eq!(
        watcher.meta("wamp.session.count", vec![]).await.unwrap(),
        vec![Value::UInt(2)]
    );
    let Value::List(mut listed) = watcher
        .meta("wamp.session.list", vec![])
        .await
        .unwrap()
        .remove(0)
    else {
        panic!("a list")
    };
    listed.sort_by_key(|v| v.as_u64());
    let mut want = vec![Value::UInt(watcher.session), Value::UInt(other.session)];
    want.sort_by_key(|v| v.as_u64());
    assert_eq!(listed, want);
    let by_role = watcher
        .meta(
            "wamp.session.count",
            vec![Value::List(vec!["nobody".into()])],
        )
        .await
        .unwrap();
    assert_eq!(by_role, vec![Value::UInt(0)]);
    let got = watcher
        .meta("wamp.session.get", vec![Value::UInt(other.session)])
        .await
        .unwrap();
    assert_eq!(
        got[0].as_dict().unwrap()["authrole"],
        Value::String("anonymous".into())
    );
    let err = watcher
        .meta("wamp.session.get", vec![Value::UInt(42)])
        .await
        .unwrap_err();
    assert_eq!(err.error, "wamp.error.no_such_session");

    let reg = other.register("com.meta.proc").await;
    let sub = other
        .subscribe_with(
            "com.meta.",
            WireSubscribeOptions {
                match_: Some(MatchPolicy::Prefix),
                ..Default::default()
            },
        )
        .await;
    let list = watcher
        .meta("wamp.registration.list", vec![])
        .await
        .unwrap();
    assert_eq!(
        list[0].as_dict().unwrap()["exact"],
        Value::List(vec![Value::UInt(reg)])
    );
    assert_eq!(
        watcher
            .meta("wamp.registration.lookup", vec!["com.meta.proc".into()])
            .await
            .unwrap(),
        vec![Value::UInt(reg)]
    );
    assert_eq!(
        watcher
            .meta("wamp.registration.match", vec!["com.meta.proc".into()])
            .await
            .unwrap(),
        vec![Value::UInt(reg)]
    );
    assert_eq!(
        watcher
            .meta("wamp.registration.list_callees", vec![Value::UInt(reg)])
            .await
            .unwrap(),
        vec![Value::List(vec![Value::UInt(other.session)])]
    );
    assert_eq!(
        watcher
            .meta("wamp.registration.count_callees", vec![Value::UInt(reg)])
            .await
            .unwrap(),
        vec![Value::UInt(1)]
    );
    let got = watcher
        .meta("wamp.registration.get", vec![Value::UInt(reg)])
        .await
        .unwrap();
    assert_eq!(
        got[0].as_dict().unwrap()["uri"],
        Value::String("com.meta.proc".into())
    );
    assert_eq!(
        watcher
            .meta("wamp.subscription.match", vec!["com.meta.x".into()])
            .await
            .unwrap(),
        vec![Value::List(vec![Value::UInt(sub)])]
    );
    // Pattern lookups take their options as the second positional argument
    // (Crossbar; Autobahn|Python can pass them no other way).
    let prefix: Value = Value::Dict(Dict::from_iter([(
        "match".to_owned(),
        Value::String("prefix".into()),
    )]));
    assert_eq!(
        watcher
            .meta(
                "wamp.subscription.lookup",
                vec!["com.meta.".into(), prefix.clone()]
            )
            .await
            .unwrap(),
        vec![Value::UInt(sub)]
    );
    assert_eq!(
        watcher
            .meta("wamp.subscription.lookup", vec!["com.meta.".into()])
            .await
            .unwrap(),
        vec![Value::Null],
        "exact by default"
    );
    assert_eq!(
        watcher
            .meta(
                "wamp.registration.lookup",
                vec!["com.meta.proc".into(), prefix]
            )
            .await
            .unwrap(),
        vec![Value::Null],
        "no prefix registration"
    );
    assert_eq!(
        watcher
            .meta(
                "wamp.subscription.count_subscribers",
                vec![Value::UInt(sub)]
            )
            .await
            .unwrap(),
        vec![Value::UInt(1)]
    );
    let got = watcher
        .meta("wamp.subscription.get", vec![Value::UInt(sub)])
        .await
        .unwrap();
    assert_eq!(
        got[0].as_dict().unwrap()["match"],
        Value::String("prefix".into())
    );

    // Kill: the victim gets GOODBYE wamp.close.killed, the watcher on_leave.
    assert_eq!(
        watcher
            .meta("wamp.session.kill", vec![Value::UInt(other.session)])
            .await
            .unwrap(),
        vec![]
    );
    match other.recv().await {
        Message::Goodbye(g) => assert_eq!(g.reason, "wamp.close.killed"),
        other => panic!("expected GOODBYE, got {other:?}"),
    }
    assert!(other.closed().await);
    let left = watcher.expect_event().await;
    assert_eq!(
        left.payload.args_values().unwrap()[0].as_dict().unwrap()["session"],
        Value::UInt(other.session)
    );
    assert_eq!(
        watcher.meta("wamp.session.count", vec![]).await.unwrap(),
        vec![Value::UInt(1)]
    );
    // Its registration went with it.
    assert_eq!(
        watcher
            .meta("wamp.registration.lookup", vec!["com.meta.proc".into()])
            .await
            .unwrap(),
        vec![Value::Null]
    );
}

fn secured_realm() -> RealmConfig {
    let mut realm = RealmConfig::open("realm1");
    realm.auth = AuthConfig {
        anonymous: Some(AnonymousConfig {
            role: "guest".into(),
        }),
        ticket: vec![TicketPrincipal::new("joe", "secret!!!", "user")],
        ..Default::default()
    };
    let allow = |uri: &str, call, register, publish, subscribe| Permission {
        uri: uri.into(),
        match_: MatchPolicy::Prefix,
        call,
        register,
        publish,
        subscribe,
        disclose_caller: false,
        disclose_publisher: false,
    };
    realm.roles = vec![
        RoleConfig {
            name: "user".into(),
            permissions: vec![allow("com.", true, true, true, true)],
        },
        RoleConfig {
            name: "guest".into(),
            permissions: vec![allow("com.public.", true, false, false, true)],
        },
    ];
    realm
}

async fn join_with(addr: std::net::SocketAddr, details: HelloDetails) -> (Peer, Message) {
    let mut p = Peer::connect(&format!("ws://{addr}/ws"), Json).await;
    p.hello("realm1", details).await;
    let mut reply = p.recv().await;
    if let Message::Challenge(c) = &reply {
        assert_eq!(c.authmethod, "ticket");
        p.send(Message::Authenticate(Authenticate {
            signature: "secret!!!".into(),
            extra: Default::default(),
        }))
        .await;
        reply = p.recv().await;
    }
    if let Message::Welcome(w) = &reply {
        p.session = w.session;
    }
    (p, reply)
}

#[tokio::test]
async fn ticket_and_anonymous_authentication_with_role_permissions() {
    let (_router, addr) = router_with(vec![secured_realm()]).await;
    // Ticket.
    let (mut user, reply) = join_with(
        addr,
        HelloDetails {
            authmethods: Some(vec!["ticket".into()]),
            authid: Some("joe".into()),
            ..Default::default()
        },
    )
    .await;
    let Message::Welcome(w) = reply else {
        panic!("expected WELCOME, got {reply:?}")
    };
    assert_eq!(w.details.authid.as_deref(), Some("joe"));
    assert_eq!(w.details.authrole.as_deref(), Some("user"));
    assert_eq!(w.details.authmethod.as_deref(), Some("ticket"));
    // Wrong ticket.
    let mut p = Peer::connect(&format!("ws://{addr}/ws"), Json).await;
    p.hello(
        "realm1",
        HelloDetails {
            authmethods: Some(vec!["ticket".into()]),
            authid: Some("joe".into()),
            ..Default::default()
        },
    )
    .await;
    assert!(matches!(p.recv().await, Message::Challenge(_)));
    p.send(Message::Authenticate(Authenticate {
        signature: "wrong".into(),
        extra: Default::default(),
    }))
    .await;
    assert!(matches!(p.recv().await, Message::Abort(a) if a.reason == "wamp.error.not_authorized"));
    // Unknown principal.
    let (_, reply) = join_with(
        addr,
        HelloDetails {
            authmethods: Some(vec!["ticket".into()]),
            authid: Some("eve".into()),
            ..Default::default()
        },
    )
    .await;
    assert!(matches!(reply, Message::Abort(a) if a.reason == "wamp.error.no_such_principal"));
    // No acceptable method.
    let (_, reply) = join_with(
        addr,
        HelloDetails {
            authmethods: Some(vec!["wampcra-nope".into()]),
            ..Default::default()
        },
    )
    .await;
    assert!(matches!(reply, Message::Abort(a) if a.reason == "wamp.error.no_auth_method"));
    // Anonymous guest: may call and subscribe under com.public., nothing else.
    let (mut guest, reply) = join_with(addr, HelloDetails::default()).await;
    let Message::Welcome(w) = reply else {
        panic!("expected WELCOME, got {reply:?}")
    };
    assert_eq!(w.details.authrole.as_deref(), Some("guest"));
    let e = guest
        .register_with("com.public.x", WireRegisterOptions::default())
        .await
        .unwrap_err();
    assert_eq!(e.error, "wamp.error.not_authorized");
    user.register("com.public.x").await;
    let request = guest.call("com.public.x", Payload::empty()).await;
    let inv = user.expect_invocation().await;
    user.yield_(inv.request, Payload::empty()).await;
    guest.expect_result(request).await;
    let request = guest.call("com.private.y", Payload::empty()).await;
    assert_eq!(
        guest.expect_error(request).await.error,
        "wamp.error.not_authorized"
    );
    let request = guest
        .publish_with(
            "com.public.news",
            WirePublishOptions {
                acknowledge: Some(true),
                ..Default::default()
            },
            Payload::empty(),
        )
        .await;
    assert_eq!(
        guest.expect_error(request).await.error,
        "wamp.error.not_authorized"
    );
}

struct OnlyAlice;

impl AuthProvider for OnlyAlice {
    fn handles(&self, _realm: &str, method: &str) -> bool {
        method == "ticket"
    }
    fn hello<'a>(&'a self, request: AuthRequest<'a>) -> AuthFuture<'a> {
        Box::pin(async move {
            if request.details.authid.as_deref() == Some("alice") {
                AuthStep::Challenge {
                    method: "ticket".into(),
                    extra: Default::default(),
                    state: Default::default(),
                }
            } else {
                AuthStep::Deny {
                    reason: "wamp.error.not_authorized".into(),
                    message: "only alice".into(),
                }
            }
        })
    }
    fn authenticate<'a>(
        &'a self,
        _request: AuthRequest<'a>,
        _state: Dict,
        reply: &'a Authenticate,
    ) -> AuthFuture<'a> {
        Box::pin(async move {
            if reply.signature == "secret!!!" {
                AuthStep::Welcome(Identity {
                    authid: "alice".into(),
                    authrole: "user".into(),
                    authmethod: "ticket".into(),
                    authprovider: "custom".into(),
                    authextra: Default::default(),
                })
            } else {
                AuthStep::Deny {
                    reason: "wamp.error.not_authorized".into(),
                    message: "bad ticket".into(),
                }
            }
        })
    }
}

#[tokio::test]
async fn user_supplied_authenticator() {
    let router = Router::builder()
        .realm(RealmConfig::open("realm1"))
        .auth_provider(OnlyAlice)
        .build();
    let addr = router.listen("127.0.0.1:0").await.unwrap();
    let (_, reply) = join_with(
        addr,
        HelloDetails {
            authmethods: Some(vec!["ticket".into()]),
            authid: Some("alice".into()),
            ..Default::default()
        },
    )
    .await;
    let Message::Welcome(w) = reply else {
        panic!("expected WELCOME, got {reply:?}")
    };
    assert_eq!(w.details.authprovider.as_deref(), Some("custom"));
    let (_, reply) = join_with(
        addr,
        HelloDetails {
            authmethods: Some(vec!["ticket".into()]),
            authid: Some("bob".into()),
            ..Default::default()
        },
    )
    .await;
    assert!(matches!(reply, Message::Abort(a) if a.reason == "wamp.error.not_authorized"));
}

#[tokio::test]
async fn shutdown_says_goodbye_to_every_session() {
    let (router, addr) = router().await;
    let mut a = Peer::join(addr, Json).await;
    let mut b = Peer::join_url(&format!("rs://{addr}"), MsgPack).await;
    let mut c = Peer {
        t: router.connect_memory(Cbor),
        session: 0,
        welcome: None,
        next: 0,
    };
    c.hello("realm1", HelloDetails::default()).await;
    assert!(matches!(c.recv().await, Message::Welcome(_)));
    router.shutdown();
    for p in [&mut a, &mut b, &mut c] {
        match p.recv().await {
            Message::Goodbye(g) => assert_eq!(g.reason, "wamp.close.system_shutdown"),
            other => panic!("expected GOODBYE, got {other:?}"),
        }
        assert!(p.closed().await);
    }
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err() || {
            // The listener may still be winding down: a new client must not get a session.
            let mut late = Peer::connect(&format!("ws://{addr}/ws"), Json).await;
            late.hello("realm1", HelloDetails::default()).await;
            late.closed().await
        }
    );
}

fn crypto_realm(pubkey: &str) -> RealmConfig {
    let mut realm = RealmConfig::open("realm1");
    realm.auth = AuthConfig {
        wampcra: vec![
            CraPrincipal {
                authid: "plain".into(),
                secret: "L3L1YUE8Txlw".into(),
                role: "user".into(),
                salt: None,
                iterations: 1000,
                keylen: 32,
            },
            CraPrincipal {
                authid: "salted".into(),
                secret: "L3L1YUE8Txlw".into(),
                role: "user".into(),
                salt: Some("salt123".into()),
                iterations: 1000,
                keylen: 32,
            },
        ],
        cryptosign: vec![CryptosignPrincipal {
            authid: "device-1".into(),
            authorized_keys: vec![pubkey.into()],
            role: "device".into(),
        }],
        ..Default::default()
    };
    realm
}

/// Joins with one method, answering the challenge with `answer`.
async fn join_answering(
    addr: std::net::SocketAddr,
    details: HelloDetails,
    answer: impl FnOnce(&Challenge) -> String,
) -> Message {
    let mut p = Peer::connect(&format!("rs://{addr}"), MsgPack).await;
    p.hello("realm1", details).await;
    match p.recv().await {
        Message::Challenge(c) => {
            let signature = answer(&c);
            p.send(Message::Authenticate(Authenticate {
                signature,
                extra: Default::default(),
            }))
            .await;
            p.recv().await
        }
        other => other,
    }
}

#[tokio::test]
async fn wampcra_plain_and_salted() {
    let key = wamp::auth::cryptosign::SigningKey::generate();
    let (_router, addr) = router_with(vec![crypto_realm(&key.public_key_hex())]).await;
    let cra = |authid: &str| HelloDetails {
        authmethods: Some(vec!["wampcra".into()]),
        authid: Some(authid.into()),
        ..Default::default()
    };

    let reply = join_answering(addr, cra("plain"), |c| {
        assert_eq!(c.authmethod, "wampcra");
        assert!(c.extra.salt.is_none());
        let challenge = c.extra.challenge.as_deref().unwrap();
        let parsed: serde_json::Value = serde_json::from_str(challenge).unwrap();
        assert_eq!(parsed["authid"], "plain");
        assert_eq!(parsed["authmethod"], "wampcra");
        wamp::auth::wampcra::sign(b"L3L1YUE8Txlw", challenge)
    })
    .await;
    assert!(
        matches!(&reply, Message::Welcome(w) if w.details.authmethod.as_deref() == Some("wampcra") && w.details.authrole.as_deref() == Some("user")),
        "{reply:?}"
    );

    let reply = join_answering(addr, cra("salted"), |c| {
        assert_eq!(c.extra.salt.as_deref(), Some("salt123"));
        assert_eq!((c.extra.iterations, c.extra.keylen), (Some(1000), Some(32)));
        let key = wamp::auth::wampcra::derive_key("L3L1YUE8Txlw", "salt123", 1000, 32);
        wamp::auth::wampcra::sign(key.as_bytes(), c.extra.challenge.as_deref().unwrap())
    })
    .await;
    assert!(matches!(&reply, Message::Welcome(_)), "{reply:?}");

    let reply = join_answering(addr, cra("plain"), |c| {
        wamp::auth::wampcra::sign(b"wrong secret", c.extra.challenge.as_deref().unwrap())
    })
    .await;
    assert!(
        matches!(&reply, Message::Abort(a) if a.reason == "wamp.error.not_authorized"),
        "{reply:?}"
    );
}

#[tokio::test]
async fn cryptosign_with_authorized_and_unknown_keys() {
    let key = wamp::auth::cryptosign::SigningKey::generate();
    let (_router, addr) = router_with(vec![crypto_realm(&key.public_key_hex())]).await;
    let details = |pubkey: String| {
        let mut extra = Dict::new();
        extra.insert("pubkey".into(), Value::String(pubkey));
        HelloDetails {
            authmethods: Some(vec!["cryptosign".into()]),
            authextra: Some(extra),
            ..Default::default()
        }
    };
    let reply = join_answering(addr, details(key.public_key_hex()), |c| {
        assert_eq!(c.authmethod, "cryptosign");
        assert_eq!(c.extra.challenge.as_ref().unwrap().len(), 64);
        key.sign_challenge(c.extra.challenge.as_deref().unwrap(), None)
            .unwrap()
    })
    .await;
    let Message::Welcome(w) = &reply else {
        panic!("expected WELCOME, got {reply:?}")
    };
    assert_eq!(w.details.authid.as_deref(), Some("device-1"));
    assert_eq!(w.details.authrole.as_deref(), Some("device"));

    // A key that signs, but not the announced one.
    let other = wamp::auth::cryptosign::SigningKey::generate();
    let reply = join_answering(addr, details(key.public_key_hex()), |c| {
        other
            .sign_challenge(c.extra.challenge.as_deref().unwrap(), None)
            .unwrap()
    })
    .await;
    assert!(
        matches!(&reply, Message::Abort(a) if a.reason == "wamp.error.not_authorized"),
        "{reply:?}"
    );
    // An unknown key.
    let reply = join_answering(addr, details(other.public_key_hex()), |_| {
        unreachable!("no challenge for an unknown key")
    })
    .await;
    assert!(
        matches!(&reply, Message::Abort(a) if a.reason == "wamp.error.no_such_principal"),
        "{reply:?}"
    );
}

#[tokio::test]
async fn registration_and_subscription_revocation() {
    let (_router, addr) = router().await;
    let mut admin = Peer::join(addr, Json).await;
    let mut callee = Peer::join(addr, MsgPack).await;
    let reg = callee.register("com.revoke.me").await;
    let sub = callee.subscribe("com.revoke.topic").await;

    let mut kwargs = Dict::new();
    kwargs.insert(
        "reason".into(),
        Value::String("com.admin.maintenance".into()),
    );
    let request = admin
        .call(
            "wamp.registration.remove_callee",
            Payload::from_values(
                vec![Value::UInt(reg), Value::UInt(callee.session)],
                kwargs.clone(),
            ),
        )
        .await;
    admin.expect_result(request).await;
    match callee.recv().await {
        Message::Unregistered(u) => {
            assert_eq!(u.request, 0);
            let d = u.details.unwrap();
            assert_eq!(d.registration, Some(reg));
            assert_eq!(d.reason.as_deref(), Some("com.admin.maintenance"));
        }
        other => panic!("expected UNREGISTERED revocation, got {other:?}"),
    }
    let request = admin.call("com.revoke.me", Payload::empty()).await;
    assert_eq!(
        admin.expect_error(request).await.error,
        "wamp.error.no_such_procedure"
    );

    let request = admin
        .call(
            "wamp.subscription.remove_subscriber",
            Payload::from_values(vec![Value::UInt(sub), Value::UInt(callee.session)], kwargs),
        )
        .await;
    admin.expect_result(request).await;
    match callee.recv().await {
        Message::Unsubscribed(u) => {
            assert_eq!(u.request, 0);
            assert_eq!(u.details.unwrap().subscription, Some(sub));
        }
        other => panic!("expected UNSUBSCRIBED revocation, got {other:?}"),
    }
    admin
        .publish_with(
            "com.revoke.topic",
            WirePublishOptions::default(),
            Payload::empty(),
        )
        .await;
    assert!(callee.quiet(150).await);

    // force_reregister only takes over registrations of the same authid:
    // two anonymous sessions have different (generated) authids, so the
    // second is refused and the first keeps the procedure (the takeover
    // itself is tested in the hostile suite, with two sessions of one
    // ticket principal).
    let mut first = Peer::join(addr, Json).await;
    let old = first.register("com.takeover").await;
    let mut second = Peer::join(addr, Json).await;
    let refused = second
        .register_with(
            "com.takeover",
            WireRegisterOptions {
                force_reregister: Some(true),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(refused.error, "wamp.error.procedure_already_exists");
    let request = admin.call("com.takeover", Payload::empty()).await;
    let inv = first.expect_invocation().await;
    assert_eq!(inv.registration, old);
    first.yield_(inv.request, Payload::empty()).await;
    admin.expect_result(request).await;
}

#[tokio::test]
async fn oversize_messages_end_only_the_offending_connection() {
    let router = Router::builder().realm(RealmConfig::open("realm1")).build();
    let mut options = wamp::transport::ServerOptions::with_serializers(wamp::SerializerKind::ALL);
    options.max_incoming = 64 * 1024;
    let addr = router
        .listen_with("127.0.0.1:0", wamp::transport::Acceptor::new(options))
        .await
        .unwrap();
    let mut callee = Peer::join(addr, Json).await;
    callee.register("com.echo").await;
    let mut big = Peer::join(addr, Json).await;
    let blob = "x".repeat(100 * 1024);
    big.call("com.echo", args(Json, &[blob])).await;
    assert!(
        big.closed().await,
        "the router closes a connection that sends too much"
    );
    // Others are unaffected.
    let mut caller = Peer::join_url(&format!("rs://{addr}"), Cbor).await;
    let request = caller.call("com.echo", args(Cbor, &["small"])).await;
    let inv = callee.expect_invocation().await;
    callee.yield_(inv.request, inv.payload).await;
    let r = caller.expect_result(request).await;
    assert_eq!(r.payload.args::<(String,)>().unwrap().0, "small");
}

#[tokio::test]
async fn realm_disclosure_policy_and_kill_by_authid() {
    let mut realm = RealmConfig::open("realm1");
    realm.auth = AuthConfig {
        anonymous: Some(AnonymousConfig {
            role: "anonymous".into(),
        }),
        ticket: vec![TicketPrincipal::new("joe", "secret!!!", "user")],
        ..Default::default()
    };
    let mut all = Permission::all();
    all.disclose_caller = true;
    all.disclose_publisher = true;
    realm.roles = vec![
        RoleConfig {
            name: "user".into(),
            permissions: vec![all.clone()],
        },
        RoleConfig {
            name: "anonymous".into(),
            permissions: vec![Permission::all()],
        },
    ];
    let (_router, addr) = router_with(vec![realm]).await;
    let ticket = HelloDetails {
        authmethods: Some(vec!["ticket".into()]),
        authid: Some("joe".into()),
        ..Default::default()
    };
    let (mut joe, reply) = join_with(addr, ticket.clone()).await;
    assert!(matches!(reply, Message::Welcome(_)));
    let (mut guest, reply) = join_with(addr, HelloDetails::default()).await;
    assert!(matches!(reply, Message::Welcome(_)));

    // joe's role discloses him as a caller and publisher without being asked.
    guest.register("com.who").await;
    guest.subscribe("com.news").await;
    let request = joe.call("com.who", Payload::empty()).await;
    let inv = guest.expect_invocation().await;
    assert_eq!(inv.details.caller, Some(joe.session));
    assert_eq!(inv.details.caller_authid.as_deref(), Some("joe"));
    guest.yield_(inv.request, Payload::empty()).await;
    joe.expect_result(request).await;
    joe.publish_with("com.news", WirePublishOptions::default(), Payload::empty())
        .await;
    assert_eq!(
        guest.expect_event().await.details.publisher,
        Some(joe.session)
    );
    // The anonymous role does not disclose.
    joe.register("com.who2").await;
    let request = guest.call("com.who2", Payload::empty()).await;
    let inv = joe.expect_invocation().await;
    assert_eq!(inv.details.caller, None);
    joe.yield_(inv.request, Payload::empty()).await;
    guest.expect_result(request).await;

    // Two sessions as joe; kill_by_authid ends both and returns their IDs.
    let (mut joe2, _) = join_with(addr, ticket).await;
    let killed = guest
        .meta("wamp.session.kill_by_authid", vec!["joe".into()])
        .await
        .unwrap();
    let Value::List(mut ids) = killed[0].clone() else {
        panic!("a list of IDs")
    };
    ids.sort_by_key(|v| v.as_u64());
    let mut want = vec![Value::UInt(joe.session), Value::UInt(joe2.session)];
    want.sort_by_key(|v| v.as_u64());
    assert_eq!(ids, want);
    for p in [&mut joe, &mut joe2] {
        assert!(matches!(p.recv().await, Message::Goodbye(g) if g.reason == "wamp.close.killed"));
        assert!(p.closed().await);
    }
    let killed = guest
        .meta("wamp.session.kill_by_authrole", vec!["user".into()])
        .await
        .unwrap();
    assert_eq!(killed, vec![Value::List(vec![])]);
}
