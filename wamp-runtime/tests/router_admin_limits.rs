//! The admin listener's metrics at the limits, over real sockets: label
//! values stay bounded against a peer registering many procedures (and the
//! live page's feed too); an event a subscriber cannot take counts as
//! dropped; a stalled subscriber counts as a slow consumer and its outbox
//! bytes go with it. (Apart from `router_admin.rs`, whose exact
//! process-wide counts these would disturb.)

#![cfg(feature = "metrics")]

mod admin_common;

use std::time::Duration;

use admin_common::{WAIT, get, join, sample};
use wamp::client::{JoinConfig, event_handler, typed_procedure};
use wamp::router::{AdminConfig, RealmConfig, Router};
use wamp::transport::ClientOptions;
use wamp::{PublishOptions, RegisterOptions, Session, SubscribeOptions};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn labels_stay_bounded_against_a_peer_registering_many_procedures() {
    let realm = "hostile1";
    let router = Router::builder().realm(RealmConfig::open(realm)).build();
    let admin = router
        .serve_admin("127.0.0.1:0", AdminConfig::default())
        .await
        .unwrap();
    let addr = router.listen("127.0.0.1:0").await.unwrap();
    let ws = format!("ws://{addr}/ws");
    // Two callees: one session may register 1000 procedures.
    let callees = [join(&ws, realm).await, join(&ws, realm).await];
    let caller = join(&ws, realm).await;
    const N: usize = 1100;
    let mut registrations = Vec::new();
    for i in 0..N {
        let r = callees[i % 2]
            .register(
                &format!("com.hostile.p{i}"),
                RegisterOptions::default(),
                typed_procedure(|(a,): (i64,)| async move { Ok(a) }),
            )
            .await
            .unwrap();
        registrations.push(r);
    }
    for i in 0..N {
        let _: i64 = caller
            .call(&format!("com.hostile.p{i}"), &(1,))
            .await
            .unwrap()
            .get()
            .unwrap();
    }
    let (status, text) = get(admin, "/metrics", "").await;
    assert_eq!(status, 200);
    let series: Vec<&str> = text
        .lines()
        .filter(|l| {
            l.starts_with("wamp_router_calls_total{")
                && l.contains("realm=\"hostile1\"")
                && l.contains("outcome=\"result\"")
        })
        .collect();
    assert!(series.len() <= 1001, "{} series", series.len());
    assert!(series.iter().any(|l| l.contains("procedure=\"<other>\"")));
    let total = sample(
        &text,
        "wamp_router_calls_total",
        &[("realm", realm), ("outcome", "result")],
    );
    assert_eq!(
        total, N as f64,
        "every call is counted, under its name or <other>"
    );

    // The feed is bounded too, its counts complete.
    let (_, body) = get(admin, "/api/state", "").await;
    let state: serde_json::Value = serde_json::from_str(&body).unwrap();
    let hostile = state["realms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == realm)
        .unwrap();
    assert_eq!(hostile["registration_count"], N);
    assert_eq!(hostile["registrations"].as_array().unwrap().len(), 500);
    router.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_a_subscriber_cannot_take_is_counted_as_dropped() {
    use wamp::SerializerKind::{Json, MsgPack};
    let realm = "dropped1";
    let router = Router::builder().realm(RealmConfig::open(realm)).build();
    let admin = router
        .serve_admin("127.0.0.1:0", AdminConfig::default())
        .await
        .unwrap();
    let addr = router.listen("127.0.0.1:0").await.unwrap();
    let connect = |serializer| {
        let url = format!("rs://{addr}");
        async move {
            let options = ClientOptions::with_serializers([serializer]);
            let transport = wamp::transport::connect(&url, &options).await.unwrap();
            Session::join(transport, JoinConfig::new(realm))
                .await
                .unwrap()
        }
    };
    let subscriber = connect(Json).await;
    let publisher = connect(MsgPack).await;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    subscriber
        .subscribe(
            "com.test.mixed",
            SubscribeOptions::default(),
            event_handler(move |ev| {
                let tx = tx.clone();
                async move {
                    let (text,): (String,) = ev.payload.args()?;
                    tx.send(text).unwrap();
                    Ok(())
                }
            }),
        )
        .await
        .unwrap();
    // A map with integer keys cannot be written in JSON.
    let map: std::collections::BTreeMap<u32, String> = [(1, "one".to_owned())].into();
    for payload in [
        wamp::protocol::Payload::encode_args(MsgPack, &(map,)).unwrap(),
        wamp::protocol::Payload::encode_args(MsgPack, &("fine",)).unwrap(),
    ] {
        publisher
            .publish_with(
                "com.test.mixed",
                payload,
                PublishOptions::default().acknowledge(),
            )
            .await
            .unwrap();
    }
    let only = tokio::time::timeout(WAIT, rx.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(only, "fine");
    let (_, text) = get(admin, "/metrics", "").await;
    let r = ("realm", realm);
    assert_eq!(
        sample(
            &text,
            "wamp_router_deliveries_dropped_total",
            &[r, ("reason", "not_encodable")]
        ),
        1.0,
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            "wamp_router_deliveries_dropped_total",
            &[r, ("reason", "too_large")]
        ),
        0.0
    );
    router.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_subscriber_counts_as_a_slow_consumer_and_frees_its_outbox_bytes() {
    use futures_util::{SinkExt, StreamExt};
    use wamp::protocol::options::{HelloDetails, WireSubscribeOptions};
    use wamp::protocol::roles::{Role, RoleDetails, Roles};
    use wamp::protocol::{Hello, Message, Subscribe, Uri};

    let realm = "stalled1";
    let router = Router::builder()
        .realm(RealmConfig::open(realm))
        .outbox_bytes(64 * 1024)
        .slow_consumer_timeout(Duration::from_millis(300))
        .build();
    let admin = router
        .serve_admin("127.0.0.1:0", AdminConfig::default())
        .await
        .unwrap();
    let addr = router.listen("127.0.0.1:0").await.unwrap();

    // A subscriber on a tiny in-memory transport that stops reading.
    let mut stalled = router.connect_memory(wamp::SerializerKind::Json);
    let roles = Roles::default().with(Role::Subscriber, RoleDetails::default());
    let hello = Message::Hello(Hello {
        realm: Uri::new(realm).unwrap(),
        details: HelloDetails {
            roles: Some(roles),
            ..HelloDetails::default()
        },
    });
    let subscribe = Message::Subscribe(Subscribe {
        request: 1,
        options: WireSubscribeOptions::default(),
        topic: Uri::new("com.test.flood").unwrap(),
    });
    for (message, expected) in [(hello, "WELCOME"), (subscribe, "SUBSCRIBED")] {
        let frame = stalled.serializer.encode(&message).unwrap();
        stalled.sink.send(frame).await.unwrap();
        let reply = tokio::time::timeout(WAIT, stalled.stream.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        let reply = stalled.serializer.decode(reply).unwrap();
        assert_eq!(reply.message_type().name(), expected, "{reply:?}");
    }

    let publisher = join(&format!("ws://{addr}/ws"), realm).await;
    let text = "x".repeat(1000);
    let deadline = tokio::time::Instant::now() + WAIT;
    let mut published = 0;
    loop {
        publisher
            .publish("com.test.flood", &(&text,))
            .await
            .unwrap();
        published += 1;
        if published % 100 == 0 {
            let (_, metrics) = get(admin, "/metrics", "").await;
            if sample(&metrics, "wamp_router_slow_consumer_disconnects_total", &[]) >= 1.0 {
                break;
            }
        }
        assert!(tokio::time::Instant::now() < deadline, "never disconnected");
    }
    // Its queue goes with its connection (closed once the peer is gone):
    // no byte waits in an outbox any more.
    drop(stalled);
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let (_, metrics) = get(admin, "/metrics", "").await;
        assert_eq!(
            sample(&metrics, "wamp_router_slow_consumer_disconnects_total", &[]),
            1.0
        );
        if sample(&metrics, "wamp_router_outbox_bytes", &[]) == 0.0 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "outbox bytes stuck:\n{metrics}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    router.shutdown();
}
