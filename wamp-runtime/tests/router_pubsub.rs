//! Router pub/sub over real loopback sockets: matching policies, one delivery
//! per matching subscription, acknowledgements, exclusion and eligibility,
//! publisher disclosure, retained events, mixed serializers.

#[path = "router/peer.rs"]
mod peer;

use peer::*;
use wamp::SerializerKind::{Cbor, Json, MsgPack};
use wamp::protocol::options::*;
use wamp::protocol::*;

#[tokio::test]
async fn events_reach_every_serializer_with_binary_intact() {
    let (_router, addr) = router().await;
    let mut subs = [
        Peer::join(addr, Json).await,
        Peer::join(addr, MsgPack).await,
        Peer::join_url(&format!("rs://{addr}"), Cbor).await,
    ];
    let mut ids = Vec::new();
    for s in subs.iter_mut() {
        ids.push(s.subscribe("com.chat.message").await);
    }
    assert!(
        ids.windows(2).all(|w| w[0] == w[1]),
        "one subscription shared by all subscribers"
    );
    let mut publisher = Peer::join(addr, MsgPack).await;
    let payload = Payload::from_values(
        vec![Value::String("hi".into()), Value::Bytes(vec![0, 255, 7])],
        Dict::new(),
    );
    let request = publisher
        .publish_with(
            "com.chat.message",
            WirePublishOptions {
                acknowledge: Some(true),
                ..Default::default()
            },
            payload,
        )
        .await;
    let publication = match publisher.recv().await {
        Message::Published(p) if p.request == request => p.publication,
        other => panic!("expected PUBLISHED, got {other:?}"),
    };
    for s in subs.iter_mut() {
        let e = s.expect_event().await;
        assert_eq!(e.publication, publication);
        assert_eq!(e.subscription, ids[0]);
        assert_eq!(e.details.topic, None);
        assert_eq!(e.details.publisher, None, "not disclosed unless asked");
        assert_eq!(
            e.payload.args_values().unwrap(),
            vec![Value::String("hi".into()), Value::Bytes(vec![0, 255, 7])]
        );
    }
}

#[tokio::test]
async fn one_delivery_per_matching_subscription_with_concrete_topic() {
    let (_router, addr) = router().await;
    let mut s = Peer::join(addr, Json).await;
    let exact = s.subscribe("com.app.user.created").await;
    let prefix = s
        .subscribe_with(
            "com.app.",
            WireSubscribeOptions {
                match_: Some(MatchPolicy::Prefix),
                ..Default::default()
            },
        )
        .await;
    let wildcard = s
        .subscribe_with(
            "com..user.created",
            WireSubscribeOptions {
                match_: Some(MatchPolicy::Wildcard),
                ..Default::default()
            },
        )
        .await;
    let mut p = Peer::join(addr, Json).await;
    p.publish_with(
        "com.app.user.created",
        WirePublishOptions::default(),
        args(Json, &[1]),
    )
    .await;
    let mut got = Vec::new();
    for _ in 0..3 {
        let e = s.expect_event().await;
        got.push((e.subscription, e.details.topic.clone()));
    }
    got.sort();
    let mut want = vec![
        (exact, None),
        (prefix, Some("com.app.user.created".to_owned())),
        (wildcard, Some("com.app.user.created".to_owned())),
    ];
    want.sort();
    assert_eq!(got, want);
    // Not matching anything: nothing arrives.
    p.publish_with("org.other", WirePublishOptions::default(), Payload::empty())
        .await;
    assert!(s.quiet(150).await);
}

#[tokio::test]
async fn exclude_me_and_black_white_lists() {
    let (_router, addr) = router().await;
    let mut a = Peer::join(addr, Json).await;
    let mut b = Peer::join(addr, Json).await;
    let mut c = Peer::join(addr, Json).await;
    for p in [&mut a, &mut b, &mut c] {
        p.subscribe("com.topic").await;
    }
    // Default: the publisher does not get its own event.
    a.publish_with(
        "com.topic",
        WirePublishOptions::default(),
        args(Json, &["x"]),
    )
    .await;
    b.expect_event().await;
    c.expect_event().await;
    assert!(a.quiet(150).await);
    // exclude_me = false: it does.
    a.publish_with(
        "com.topic",
        WirePublishOptions {
            exclude_me: Some(false),
            ..Default::default()
        },
        Payload::empty(),
    )
    .await;
    a.expect_event().await;
    b.expect_event().await;
    c.expect_event().await;
    // exclude by session ID.
    a.publish_with(
        "com.topic",
        WirePublishOptions {
            exclude: Some(vec![b.session]),
            ..Default::default()
        },
        Payload::empty(),
    )
    .await;
    c.expect_event().await;
    assert!(b.quiet(150).await);
    // eligible by session ID.
    a.publish_with(
        "com.topic",
        WirePublishOptions {
            eligible: Some(vec![b.session]),
            ..Default::default()
        },
        Payload::empty(),
    )
    .await;
    b.expect_event().await;
    assert!(c.quiet(150).await);
    // exclude by authrole: everyone here is `anonymous`.
    a.publish_with(
        "com.topic",
        WirePublishOptions {
            exclude_authrole: Some(vec!["anonymous".into()]),
            ..Default::default()
        },
        Payload::empty(),
    )
    .await;
    assert!(b.quiet(100).await && c.quiet(100).await);
    // eligible by authid.
    let c_authid = c.welcome.as_ref().unwrap().details.authid.clone().unwrap();
    a.publish_with(
        "com.topic",
        WirePublishOptions {
            eligible_authid: Some(vec![c_authid]),
            ..Default::default()
        },
        Payload::empty(),
    )
    .await;
    c.expect_event().await;
    assert!(b.quiet(150).await);
}

#[tokio::test]
async fn publisher_disclosure_and_retained_events() {
    let (_router, addr) = router().await;
    let mut p = Peer::join(addr, Cbor).await;
    let mut s = Peer::join(addr, Json).await;
    s.subscribe("com.news").await;
    p.publish_with(
        "com.news",
        WirePublishOptions {
            disclose_me: Some(true),
            retain: Some(true),
            ..Default::default()
        },
        args(Cbor, &["first"]),
    )
    .await;
    let e = s.expect_event().await;
    assert_eq!(e.details.publisher, Some(p.session));
    assert_eq!(e.details.publisher_authrole.as_deref(), Some("anonymous"));
    p.publish_with(
        "com.news",
        WirePublishOptions {
            retain: Some(true),
            ..Default::default()
        },
        args(Cbor, &["latest"]),
    )
    .await;
    s.expect_event().await;

    // A late subscriber asking for the retained event gets only the latest.
    let mut late = Peer::join(addr, MsgPack).await;
    let sub = late
        .subscribe_with(
            "com.news",
            WireSubscribeOptions {
                get_retained: Some(true),
                ..Default::default()
            },
        )
        .await;
    let e = late.expect_event().await;
    assert_eq!(e.subscription, sub);
    assert_eq!(e.details.retained, Some(true));
    assert_eq!(e.payload.args::<(String,)>().unwrap().0, "latest");
    assert!(late.quiet(150).await);
    // Without get_retained, nothing.
    let mut other = Peer::join(addr, Json).await;
    other.subscribe("com.news").await;
    assert!(other.quiet(150).await);
}

#[tokio::test]
async fn unsubscribe_stops_delivery() {
    let (_router, addr) = router().await;
    let mut s = Peer::join(addr, Json).await;
    let mut p = Peer::join(addr, Json).await;
    let id = s.subscribe("com.t").await;
    let request = s.next_id();
    s.send(Message::Unsubscribe(Unsubscribe {
        request,
        subscription: id,
    }))
    .await;
    assert!(matches!(s.recv().await, Message::Unsubscribed(u) if u.request == request));
    p.publish_with("com.t", WirePublishOptions::default(), Payload::empty())
        .await;
    assert!(s.quiet(150).await);
    let request = s.next_id();
    s.send(Message::Unsubscribe(Unsubscribe {
        request,
        subscription: id,
    }))
    .await;
    assert_eq!(
        s.expect_error(request).await.error,
        "wamp.error.no_such_subscription"
    );
}

#[tokio::test]
async fn a_stalled_subscriber_is_disconnected_and_does_not_slow_the_others() {
    let router = wamp::router::Router::builder()
        .realm(wamp::router::RealmConfig::open("realm1"))
        .outbox_bytes(64 * 4096)
        .slow_consumer_timeout(std::time::Duration::from_millis(300))
        .build();
    let addr = router.listen("127.0.0.1:0").await.unwrap();
    // The stalled subscriber uses an in-memory transport with a tiny buffer and never reads.
    let mut stalled = Peer {
        t: router.connect_memory(Json),
        session: 0,
        welcome: None,
        next: 0,
    };
    stalled.hello("realm1", HelloDetails::default()).await;
    assert!(matches!(stalled.recv().await, Message::Welcome(_)));
    stalled.subscribe("com.flood").await;
    let mut healthy = Peer::join(addr, MsgPack).await;
    healthy.subscribe("com.flood").await;
    let mut p = Peer::join(addr, MsgPack).await;
    let n = 5000;
    let reader = tokio::spawn(async move {
        for i in 0..n {
            let e = healthy.expect_event().await;
            assert_eq!(e.payload.args::<(u32,)>().unwrap().0, i);
        }
        healthy
    });
    for i in 0..n {
        p.publish_with(
            "com.flood",
            WirePublishOptions::default(),
            args(MsgPack, &[i]),
        )
        .await;
    }
    let mut healthy = reader.await.unwrap();
    assert!(
        stalled.closed().await,
        "the stalled subscriber is disconnected"
    );
    // The realm no longer counts it.
    let count = healthy.meta("wamp.session.count", vec![]).await.unwrap();
    assert_eq!(
        count,
        vec![Value::UInt(2)],
        "the healthy subscriber and the publisher remain"
    );
}
