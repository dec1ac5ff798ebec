//! The client against the embedded router over real loopback sockets:
//! RPC and pub/sub across serializers and transports, authentication, and a
//! component coming back with its registrations after the router kills its session.

use std::time::Duration;

use futures_util::StreamExt;
use tokio::sync::mpsc;
use wamp::auth::{CryptoSign, Ticket, WampCra, cryptosign};
use wamp::client::{
    CancelMode, JoinConfig, MatchPolicy, RetryPolicy, TransportConfig, event_handler, procedure,
    typed_procedure,
};
use wamp::protocol::uris;
use wamp::router::{
    AuthConfig, CraPrincipal, CryptosignPrincipal, Permission, RealmConfig, RoleConfig, Router,
    TicketPrincipal,
};
use wamp::transport::ClientOptions;
use wamp::{
    CallOptions, CallResult, Error, PublishOptions, RegisterOptions, SerializerKind, Session,
    SubscribeOptions,
};

const WAIT: Duration = Duration::from_secs(5);

async fn router() -> (Router, String, String) {
    let (router, addr) = Router::builder()
        .realm(RealmConfig::open("realm1"))
        .start("127.0.0.1:0")
        .await
        .unwrap();
    (router, format!("ws://{addr}/ws"), format!("rs://{addr}"))
}

async fn join(url: &str, serializer: SerializerKind, config: JoinConfig) -> Result<Session, Error> {
    let transport = wamp::transport::connect(url, &ClientOptions::with_serializers([serializer]))
        .await
        .unwrap();
    assert_eq!(transport.serializer, serializer);
    Session::join(transport, config).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rpc_across_serializers_and_transports() {
    let (_router, ws, rs) = router().await;
    let callee = join(&rs, SerializerKind::MsgPack, JoinConfig::new("realm1"))
        .await
        .unwrap();
    let caller = join(&ws, SerializerKind::Json, JoinConfig::new("realm1"))
        .await
        .unwrap();

    callee
        .register(
            "com.math.add",
            RegisterOptions::default(),
            typed_procedure(|(a, b): (i64, i64)| async move { Ok(a + b) }),
        )
        .await
        .unwrap();
    callee
        .register(
            "com.fail",
            RegisterOptions::default(),
            typed_procedure(|(): ()| async {
                Err::<(), _>(Error::new("com.app.failed").with_args(&("nope", 7))?)
            }),
        )
        .await
        .unwrap();
    let (who_tx, mut who_rx) = mpsc::unbounded_channel();
    callee
        .register(
            "com.long",
            RegisterOptions::default(),
            procedure(move |inv| {
                let who = who_tx.clone();
                async move {
                    who.send(inv.details.clone()).unwrap();
                    let progress = inv.progress.clone().expect("caller asked for progress");
                    for i in 0..3 {
                        progress.send(&[i]).await?;
                    }
                    Ok(CallResult::value(&"done")?)
                }
            }),
        )
        .await
        .unwrap();
    let (canceled_tx, mut canceled_rx) = mpsc::unbounded_channel();
    let (started_tx, mut started_rx) = mpsc::unbounded_channel();
    callee
        .register(
            "com.slow",
            RegisterOptions::default(),
            procedure(move |inv| {
                let canceled = canceled_tx.clone();
                let started = started_tx.clone();
                async move {
                    started.send(()).unwrap();
                    inv.cancel.cancelled().await;
                    canceled.send(()).unwrap();
                    Ok(CallResult::empty())
                }
            }),
        )
        .await
        .unwrap();

    let sum: i64 = caller
        .call("com.math.add", &(2, 3))
        .await
        .unwrap()
        .get()
        .unwrap();
    assert_eq!(sum, 5);

    let err = caller.call("com.fail", &()).await.unwrap_err();
    assert_eq!(err.uri(), "com.app.failed");
    assert_eq!(err.args::<(String, i32)>().unwrap(), ("nope".into(), 7));

    let err = caller.call("com.nothing", &()).await.unwrap_err();
    assert_eq!(err.uri(), uris::NO_SUCH_PROCEDURE);

    let mut stream = caller
        .call("com.long", &())
        .options(CallOptions::default().disclose_me())
        .progressive()
        .await
        .unwrap();
    let mut items = Vec::new();
    while let Some(item) = stream.next().await {
        items.push(item.unwrap());
    }
    assert_eq!(items.len(), 4);
    for (i, item) in items.iter().take(3).enumerate() {
        assert!(item.is_progress());
        assert_eq!(item.get::<usize>().unwrap(), i);
    }
    assert_eq!(items[3].get::<String>().unwrap(), "done");
    let details = who_rx.recv().await.unwrap();
    assert_eq!(
        details.caller,
        Some(caller.id()),
        "disclose_me discloses the caller"
    );
    assert_eq!(details.procedure, "com.long");

    // Dropping a call interrupts the callee.
    let pending = caller.call("com.slow", &()).start().await.unwrap();
    started_rx.recv().await.unwrap(); // the INVOCATION reached the callee
    drop(pending);
    tokio::time::timeout(WAIT, canceled_rx.recv())
        .await
        .unwrap()
        .unwrap();

    // Explicit kill: the caller gets canceled once the callee answers.
    let pending = caller.call("com.slow", &()).start().await.unwrap();
    started_rx.recv().await.unwrap();
    pending.cancel(CancelMode::Kill);
    let err = tokio::time::timeout(WAIT, pending)
        .await
        .unwrap()
        .unwrap_err();
    assert!(err.is_canceled(), "{err}");
    tokio::time::timeout(WAIT, canceled_rx.recv())
        .await
        .unwrap()
        .unwrap();

    // A timeout ends the call, whoever notices first.
    let err = caller
        .call("com.slow", &())
        .timeout(Duration::from_millis(100))
        .await
        .unwrap_err();
    assert!(err.is_timeout() || err.is_canceled(), "{err}");
    tokio::time::timeout(WAIT, canceled_rx.recv())
        .await
        .unwrap()
        .unwrap();

    assert!(caller.leave().await.is_clean());
    assert!(callee.leave().await.is_clean());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pubsub_with_details_and_retention() {
    let (_router, ws, rs) = router().await;
    let subscriber = join(&ws, SerializerKind::Cbor, JoinConfig::new("realm1"))
        .await
        .unwrap();
    let publisher = join(&rs, SerializerKind::Json, JoinConfig::new("realm1"))
        .await
        .unwrap();

    let retained = PublishOptions::default().acknowledge().retain();
    let payload = wamp::Payload::encode_args(publisher.serializer(), &["old news"]).unwrap();
    publisher
        .publish_with("com.news.sports", payload, retained)
        .await
        .unwrap();

    let (tx, mut rx) = mpsc::unbounded_channel();
    let handler = event_handler(move |ev| {
        let tx = tx.clone();
        async move {
            let (text,): (String,) = ev.payload.args()?;
            tx.send((text, ev.details)).unwrap();
            Ok(())
        }
    });
    let sub = subscriber
        .subscribe(
            "com.news",
            SubscribeOptions::default()
                .match_policy(MatchPolicy::Prefix)
                .get_retained(),
            handler,
        )
        .await
        .unwrap();
    let (text, details) = tokio::time::timeout(WAIT, rx.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(text, "old news");
    assert!(details.retained);
    assert_eq!(details.topic, "com.news.sports");

    let payload = wamp::Payload::encode_args(publisher.serializer(), &["fresh"]).unwrap();
    let publication = publisher
        .publish_with(
            "com.news.weather",
            payload,
            PublishOptions::default().acknowledge().disclose_me(),
        )
        .await
        .unwrap()
        .expect("acknowledged");
    let (text, details) = tokio::time::timeout(WAIT, rx.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(text, "fresh");
    assert_eq!(details.publication, publication);
    assert_eq!(details.topic, "com.news.weather");
    assert_eq!(details.publisher, Some(publisher.id()));
    assert!(!details.retained);

    // Excluded subscribers get nothing; the next event proves it.
    let payload = wamp::Payload::encode_args(publisher.serializer(), &["hidden"]).unwrap();
    let excluded = PublishOptions {
        exclude: vec![subscriber.id()],
        ..PublishOptions::default().acknowledge()
    };
    publisher
        .publish_with("com.news.x", payload, excluded)
        .await
        .unwrap();
    publisher.publish("com.news.y", &["visible"]).await.unwrap();
    let (text, _) = tokio::time::timeout(WAIT, rx.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(text, "visible");

    sub.unsubscribe().await.unwrap();
    let gone = publisher.publish_with(
        "com.news.z",
        wamp::Payload::empty(),
        PublishOptions::default().acknowledge(),
    );
    gone.await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authentication_methods_against_the_router() {
    let key = cryptosign::SigningKey::generate();
    let realm = RealmConfig {
        name: "secure".into(),
        roles: vec![RoleConfig {
            name: "user".into(),
            permissions: vec![Permission::all()],
        }],
        auth: AuthConfig {
            ticket: vec![TicketPrincipal::new("tom", "t1ck3t", "user")],
            wampcra: vec![
                CraPrincipal {
                    authid: "carl".into(),
                    secret: "s3cret".into(),
                    role: "user".into(),
                    salt: None,
                    iterations: 1000,
                    keylen: 32,
                },
                CraPrincipal {
                    authid: "sally".into(),
                    secret: "salty".into(),
                    role: "user".into(),
                    salt: Some("cra-salt".into()),
                    iterations: 1000,
                    keylen: 32,
                },
            ],
            cryptosign: vec![CryptosignPrincipal {
                authid: "cris".into(),
                authorized_keys: vec![key.public_key_hex()],
                role: "user".into(),
            }],
            ..AuthConfig::default()
        },
        store: Default::default(),
    };
    let (_router, addr) = Router::builder()
        .realm(realm)
        .start("127.0.0.1:0")
        .await
        .unwrap();
    let ws = format!("ws://{addr}/ws");
    let cases: Vec<(JoinConfig, &str, &str)> = vec![
        (
            JoinConfig::new("secure").auth(Ticket::new("tom", "t1ck3t")),
            "tom",
            "ticket",
        ),
        (
            JoinConfig::new("secure").auth(WampCra::new("carl", "s3cret")),
            "carl",
            "wampcra",
        ),
        (
            JoinConfig::new("secure").auth(WampCra::new("sally", "salty")),
            "sally",
            "wampcra",
        ),
        (
            JoinConfig::new("secure").auth(CryptoSign::new(key.clone())),
            "cris",
            "cryptosign",
        ),
    ];
    for (config, authid, method) in cases {
        let session = join(&ws, SerializerKind::Json, config).await.unwrap();
        assert_eq!(session.details().authid.as_deref(), Some(authid));
        assert_eq!(session.details().authrole.as_deref(), Some("user"));
        assert_eq!(session.details().authmethod.as_deref(), Some(method));
        session.leave().await;
    }
    let bad = join(
        &ws,
        SerializerKind::Json,
        JoinConfig::new("secure").auth(WampCra::new("carl", "wrong")),
    )
    .await;
    assert!(bad.is_err());
    let bad = join(
        &ws,
        SerializerKind::Json,
        JoinConfig::new("secure").auth(Ticket::new("tom", "nope")),
    )
    .await;
    assert!(bad.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn component_comes_back_after_the_router_kills_its_session() {
    let (_router, ws, _rs) = router().await;
    let (joined_tx, mut joined) = mpsc::unbounded_channel();
    let (left_tx, mut left) = mpsc::unbounded_channel();
    let component = wamp::Component::builder("realm1")
        .transport_config(
            TransportConfig::url(&ws, ClientOptions::default()).retry(RetryPolicy {
                initial_delay: Duration::from_millis(10),
                ..RetryPolicy::default()
            }),
        )
        .procedure(
            "com.echo",
            RegisterOptions::default(),
            typed_procedure(|(s,): (String,)| async move { Ok(s) }),
        )
        .on_join(move |s| {
            let tx = joined_tx.clone();
            async move { tx.send(s.id()).unwrap() }
        })
        .on_leave(move |r| {
            let tx = left_tx.clone();
            async move { tx.send(r.reason).unwrap() }
        })
        .build();
    let (stop, task) = component.start();
    let first = tokio::time::timeout(WAIT, joined.recv())
        .await
        .unwrap()
        .unwrap();

    let admin = join(&ws, SerializerKind::Json, JoinConfig::new("realm1"))
        .await
        .unwrap();
    let echo: String = admin
        .call("com.echo", &("one",))
        .await
        .unwrap()
        .get()
        .unwrap();
    assert_eq!(echo, "one");
    admin.call("wamp.session.kill", &(first,)).await.unwrap();
    let reason = tokio::time::timeout(WAIT, left.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(reason, "wamp.close.killed");

    let second = tokio::time::timeout(WAIT, joined.recv())
        .await
        .unwrap()
        .unwrap();
    assert_ne!(first, second, "a new session");
    let echo: String = admin
        .call("com.echo", &("two",))
        .await
        .unwrap()
        .get()
        .unwrap();
    assert_eq!(echo, "two", "registered again on the new session");

    stop.stop();
    tokio::time::timeout(WAIT, task)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(
        admin
            .call("com.echo", &("three",))
            .await
            .unwrap_err()
            .is(uris::NO_SUCH_PROCEDURE)
    );
}
