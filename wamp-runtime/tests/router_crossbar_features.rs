//! Session testaments, event history, acknowledged event delivery and call
//! re-routing over real loopback sockets against the embedded router, with
//! the bad input of each.

#[path = "router/peer.rs"]
mod peer;

use std::time::Duration;

use peer::*;
use wamp::SerializerKind::{Cbor, Json, MsgPack};
use wamp::client::{JoinConfig, typed_procedure};
use wamp::protocol::options::*;
use wamp::protocol::roles::{Role, RoleDetails, feature};
use wamp::protocol::*;
use wamp::router::{EventHistoryConfig, RealmConfig, StoreConfig};
use wamp::transport::ClientOptions;
use wamp::{Error, RegisterOptions, Session};

fn s(text: &str) -> Value {
    Value::from(text)
}

fn kw(pairs: &[(&str, Value)]) -> Dict {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

/// Calls a meta procedure with keyword arguments.
async fn meta_kw(p: &mut Peer, procedure: &str, args: Vec<Value>, kwargs: Dict) -> Message {
    let request = p.call(procedure, Payload::from_values(args, kwargs)).await;
    let reply = p.recv().await;
    match &reply {
        Message::Result(r) => assert_eq!(r.request, request),
        Message::Error(e) => assert_eq!(e.request, request),
        other => panic!("unexpected reply to {procedure}: {other:?}"),
    }
    reply
}

/// The first positional argument of a payload.
fn first(p: &Payload) -> Value {
    p.args_values().unwrap().into_iter().next().unwrap()
}

// ---- testaments ----

async fn add_testament(p: &mut Peer, topic: &str, text: &str, scope: &str) {
    let reply = meta_kw(
        p,
        "wamp.session.add_testament",
        vec![
            s(topic),
            Value::List(vec![s(text)]),
            Value::Dict(Dict::new()),
        ],
        kw(&[("scope", s(scope))]),
    )
    .await;
    assert!(matches!(reply, Message::Result(_)), "{reply:?}");
}

#[tokio::test]
async fn testaments_are_published_on_goodbye_lost_transport_and_kill() {
    let (_router, addr) = router().await;
    let mut watcher = Peer::join(addr, Json).await;
    watcher.subscribe("com.example.gone").await;

    // GOODBYE: detached first, then destroyed.
    let mut a = Peer::join(addr, MsgPack).await;
    add_testament(&mut a, "com.example.gone", "a-destroyed", "destroyed").await;
    add_testament(&mut a, "com.example.gone", "a-detached", "detached").await;
    assert!(
        watcher.quiet(100).await,
        "nothing before the session leaves"
    );
    a.goodbye().await;
    assert_eq!(
        first(&watcher.expect_event().await.payload),
        s("a-detached")
    );
    assert_eq!(
        first(&watcher.expect_event().await.payload),
        s("a-destroyed")
    );

    // The transport is lost.
    let mut b = Peer::join(addr, Cbor).await;
    add_testament(&mut b, "com.example.gone", "b", "destroyed").await;
    drop(b);
    assert_eq!(first(&watcher.expect_event().await.payload), s("b"));

    // Killed through the meta API; a flushed testament is not published.
    let mut c = Peer::join(addr, Json).await;
    add_testament(&mut c, "com.example.gone", "c-flushed", "detached").await;
    add_testament(&mut c, "com.example.gone", "c", "destroyed").await;
    let flushed = meta_kw(
        &mut c,
        "wamp.session.flush_testaments",
        vec![],
        kw(&[("scope", s("detached"))]),
    )
    .await;
    match flushed {
        Message::Result(r) => assert_eq!(first(&r.payload), Value::UInt(1)),
        other => panic!("{other:?}"),
    }
    let c_id = c.session;
    watcher
        .meta("wamp.session.kill", vec![Value::UInt(c_id)])
        .await
        .unwrap();
    assert_eq!(first(&watcher.expect_event().await.payload), s("c"));
    assert!(watcher.quiet(100).await);
}

#[tokio::test]
async fn bad_testaments_get_clear_errors_and_the_router_serves_on() {
    let (_router, addr) = router().await;
    let mut a = Peer::join(addr, Json).await;
    let reply = meta_kw(
        &mut a,
        "wamp.session.add_testament",
        vec![s("com.example.t"), Value::List(vec![])],
        kw(&[("scope", s("eventually"))]),
    )
    .await;
    match reply {
        Message::Error(e) => {
            assert_eq!(e.error, uris::INVALID_ARGUMENT);
            assert!(format!("{:?}", first(&e.payload)).contains("eventually"));
        }
        other => panic!("{other:?}"),
    }
    let e = a
        .meta("wamp.session.flush_testaments", vec![s("never")])
        .await
        .unwrap_err();
    assert_eq!(e.error, uris::INVALID_ARGUMENT);
    let e = a
        .meta(
            "wamp.session.add_testament",
            vec![s("bad uri!"), Value::List(vec![])],
        )
        .await
        .unwrap_err();
    assert_eq!(e.error, uris::INVALID_URI);
    // Past the limit of testaments per session.
    let mut refused = None;
    for _ in 0..100 {
        if let Err(e) = a
            .meta(
                "wamp.session.add_testament",
                vec![s("com.example.t"), Value::List(vec![])],
            )
            .await
        {
            refused = Some(e);
            break;
        }
    }
    assert_eq!(refused.expect("a limit").error, uris::LIMIT_EXCEEDED);
    assert!(a.meta("wamp.session.count", vec![]).await.is_ok());
}

// ---- event history ----

fn history_realm() -> RealmConfig {
    RealmConfig {
        store: StoreConfig {
            event_history: vec![EventHistoryConfig::exact("com.example.history", 2)],
            ..StoreConfig::default()
        },
        ..RealmConfig::open("realm1")
    }
}

fn field(event: &Value, key: &str) -> Value {
    event
        .as_dict()
        .unwrap()
        .get(key)
        .cloned()
        .unwrap_or_default()
}

#[tokio::test]
async fn event_history_returns_the_newest_events_of_configured_topics() {
    let (_router, addr) = router_with(vec![history_realm()]).await;
    let mut publisher = Peer::join(addr, MsgPack).await;
    for i in 0..3 {
        let options = WirePublishOptions {
            acknowledge: Some(true),
            ..Default::default()
        };
        let payload = args(publisher.kind(), &[i]);
        let request = publisher
            .publish_with("com.example.history", options, payload)
            .await;
        assert!(matches!(publisher.recv().await, Message::Published(p) if p.request == request));
    }
    let mut reader = Peer::join(addr, Json).await;
    let sub = reader.subscribe("com.example.history").await;
    let events = reader
        .meta(
            "wamp.subscription.get_events",
            vec![Value::UInt(sub), Value::UInt(10)],
        )
        .await
        .unwrap();
    let events = events[0].as_list().unwrap().to_vec();
    let seen: Vec<Value> = events.iter().map(|e| field(e, "args")).collect();
    assert_eq!(
        seen,
        vec![
            Value::List(vec![Value::UInt(2)]),
            Value::List(vec![Value::UInt(1)])
        ]
    );
    assert_eq!(field(&events[0], "topic"), s("com.example.history"));
    assert_eq!(
        field(&events[0], "session_id"),
        Value::UInt(publisher.session)
    );

    // An unconfigured topic, an unknown subscription, a bad limit.
    let other = reader.subscribe("com.example.other").await;
    let e = reader
        .meta("wamp.subscription.get_events", vec![Value::UInt(other)])
        .await
        .unwrap_err();
    assert_eq!(e.error, "wamp.error.history_unavailable");
    let e = reader
        .meta("wamp.subscription.get_events", vec![Value::UInt(99)])
        .await
        .unwrap_err();
    assert_eq!(e.error, uris::NO_SUCH_SUBSCRIPTION);
    let e = reader
        .meta(
            "wamp.subscription.get_events",
            vec![Value::UInt(sub), s("all")],
        )
        .await
        .unwrap_err();
    assert_eq!(e.error, uris::INVALID_ARGUMENT);
}

// ---- acknowledged event delivery ----

/// A peer whose publisher role announces `x_acknowledged_event_delivery`.
async fn acking_publisher(addr: std::net::SocketAddr) -> Peer {
    let mut p = Peer::connect(&format!("ws://{addr}/ws"), Json).await;
    let roles = client_roles().with(
        Role::Publisher,
        RoleDetails::with_features([feature::X_ACKNOWLEDGED_EVENT_DELIVERY]),
    );
    p.send(Message::Hello(Hello {
        realm: Uri::new("realm1").unwrap(),
        details: HelloDetails {
            roles: Some(roles),
            ..Default::default()
        },
    }))
    .await;
    match p.recv().await {
        Message::Welcome(w) => {
            assert!(
                w.details
                    .roles
                    .unwrap()
                    .has_feature(Role::Broker, feature::X_ACKNOWLEDGED_EVENT_DELIVERY)
            );
            p.session = w.session;
        }
        other => panic!("expected WELCOME, got {other:?}"),
    }
    p
}

fn acknowledged() -> WirePublishOptions {
    let mut extra = Dict::new();
    extra.insert("x_acknowledged_delivery".into(), Value::Bool(true));
    WirePublishOptions {
        extra,
        ..Default::default()
    }
}

#[tokio::test]
async fn event_received_reaches_the_publisher_and_bad_acks_are_discarded() {
    let (_router, addr) = router().await;
    let mut publisher = acking_publisher(addr).await;
    let mut sub = Peer::join(addr, Cbor).await;
    sub.subscribe("com.example.ack").await;
    let payload = args(publisher.kind(), &["hi"]);
    publisher
        .publish_with("com.example.ack", acknowledged(), payload)
        .await;
    let ev = sub.expect_event().await;
    assert_eq!(ev.details.x_acknowledged_delivery, Some(true));
    // An unknown publication first: no reply, nothing to the publisher.
    sub.send(Message::EventReceived(EventReceived { publication: 12345 }))
        .await;
    sub.send(Message::EventReceived(EventReceived {
        publication: ev.publication,
    }))
    .await;
    match publisher.recv().await {
        Message::EventReceived(r) => assert_eq!(r.publication, ev.publication),
        other => panic!("expected EVENT_RECEIVED, got {other:?}"),
    }
    // A second acknowledgement of the same event is discarded.
    sub.send(Message::EventReceived(EventReceived {
        publication: ev.publication,
    }))
    .await;
    assert!(publisher.quiet(150).await);
    assert!(sub.quiet(50).await, "no reply to EVENT_RECEIVED");
    assert!(sub.meta("wamp.session.count", vec![]).await.is_ok());
}

#[tokio::test]
async fn our_subscriber_acknowledges_events_after_its_handler() {
    let (_router, addr) = router().await;
    let mut publisher = acking_publisher(addr).await;
    let transport = wamp::transport::connect(
        &format!("rs://{addr}"),
        &ClientOptions::with_serializers([MsgPack]),
    )
    .await
    .unwrap();
    let subscriber = Session::join(transport, JoinConfig::new("realm1"))
        .await
        .unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    subscriber
        .subscribe(
            "com.example.ack",
            Default::default(),
            wamp::client::event_handler(move |_| {
                let tx = tx.clone();
                async move {
                    tx.send(()).unwrap();
                    Ok(())
                }
            }),
        )
        .await
        .unwrap();
    let payload = args(publisher.kind(), &[1]);
    publisher
        .publish_with("com.example.ack", acknowledged(), payload)
        .await;
    assert!(matches!(publisher.recv().await, Message::EventReceived(_)));
    rx.recv().await.unwrap();
}

// ---- call re-routing ----

async fn client(addr: std::net::SocketAddr) -> Session {
    let transport = wamp::transport::connect(
        &format!("ws://{addr}/ws"),
        &ClientOptions::with_serializers([Json]),
    )
    .await
    .unwrap();
    Session::join(transport, JoinConfig::new("realm1"))
        .await
        .unwrap()
}

#[tokio::test]
async fn an_unavailable_callee_passes_the_call_to_the_next_one() {
    let (_router, addr) = router().await;
    let shared = || RegisterOptions {
        invoke: Some(InvokePolicy::RoundRobin),
        ..Default::default()
    };
    let busy = client(addr).await;
    busy.register(
        "com.example.work",
        shared(),
        typed_procedure(|(_,): (i64,)| async { Err::<i64, _>(Error::unavailable()) }),
    )
    .await
    .unwrap();
    let caller = client(addr).await;
    // Alone, the busy callee makes the call end without a callee.
    let err = caller.call("com.example.work", &(1,)).await.unwrap_err();
    assert_eq!(err.uri(), uris::NO_AVAILABLE_CALLEE);

    let worker = client(addr).await;
    worker
        .register(
            "com.example.work",
            shared(),
            typed_procedure(|(n,): (i64,)| async move { Ok(n * 2) }),
        )
        .await
        .unwrap();
    for n in 0..4 {
        let got: i64 = tokio::time::timeout(
            Duration::from_secs(5),
            caller.call("com.example.work", &(n,)),
        )
        .await
        .unwrap()
        .unwrap()
        .get()
        .unwrap();
        assert_eq!(got, n * 2, "every call is answered by the worker");
    }
}

#[tokio::test]
async fn unavailable_for_an_unknown_invocation_is_discarded() {
    let (_router, addr) = router().await;
    let mut callee = Peer::join(addr, Json).await;
    callee.register("com.example.one").await;
    callee
        .send(Message::Error(ErrorMessage {
            request_type: MessageType::Invocation,
            request: 777,
            details: Default::default(),
            error: Uri::new(uris::UNAVAILABLE).unwrap(),
            payload: Payload::empty(),
        }))
        .await;
    assert!(callee.quiet(100).await);
    let mut caller = Peer::join(addr, Json).await;
    let request = caller.call("com.example.one", Payload::empty()).await;
    let inv = callee.expect_invocation().await;
    callee.yield_(inv.request, Payload::empty()).await;
    caller.expect_result(request).await;
}

#[tokio::test]
async fn our_publisher_learns_which_events_were_processed() {
    let (_router, addr) = router().await;
    let publisher = client(addr).await;
    let mut acks = publisher.event_acknowledgements();
    let subscribers = [client(addr).await, client(addr).await];
    for (i, s) in subscribers.iter().enumerate() {
        s.subscribe(
            "com.example.acked",
            Default::default(),
            wamp::client::event_handler(move |_| async move {
                // The second subscriber's handler fails: no acknowledgement.
                if i == 1 {
                    Err(Error::new("com.example.failed"))
                } else {
                    Ok(())
                }
            }),
        )
        .await
        .unwrap();
    }
    let payload = Payload::encode_args(publisher.serializer(), &[1]).unwrap();
    let publication = publisher
        .publish_with(
            "com.example.acked",
            payload,
            wamp::PublishOptions::default().acknowledged_delivery(),
        )
        .await
        .unwrap()
        .expect("a publication ID");
    let acked = tokio::time::timeout(Duration::from_secs(5), acks.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(acked, publication);
    assert!(
        tokio::time::timeout(Duration::from_millis(200), acks.recv())
            .await
            .is_err(),
        "a failed handler does not acknowledge"
    );
}
