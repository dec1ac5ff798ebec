//! Interop of session testaments and event history (issue 16): our client
//! against Crossbar.io and against our router, with the same checks, and
//! Autobahn|Python peers against our router. Every process a test starts is
//! killed when its guard drops, also when the test fails.

use std::time::Duration;

use serde_json::{Value as J, json};
use tokio::sync::mpsc;
use wamp::client::{JoinConfig, event_handler};
use wamp::router::{EventHistoryConfig, RealmConfig, Router, StoreConfig};
use wamp::transport::ClientOptions;
use wamp::{PublishOptions, SerializerKind, Session, SubscribeOptions};
use wamp_tests::interop::{Checks, Crossbar, python_peer, require_peers, scratch};

const PEER: Duration = Duration::from_secs(60);
const WAIT: Duration = Duration::from_secs(10);

async fn join(url: &str, serializer: SerializerKind) -> Session {
    let transport = wamp::transport::connect(url, &ClientOptions::with_serializers([serializer]))
        .await
        .unwrap_or_else(|e| panic!("connect {url}: {e}"));
    Session::join(transport, JoinConfig::new("realm1"))
        .await
        .unwrap()
}

/// A subscription whose events (first positional argument, as JSON) arrive on
/// the returned channel.
async fn watch(session: &Session, topic: &str) -> (wamp::Subscription, mpsc::UnboundedReceiver<J>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let sub = session
        .subscribe(
            topic,
            SubscribeOptions::default(),
            event_handler(move |ev| {
                let tx = tx.clone();
                async move {
                    let args: Vec<J> = ev.payload.args()?;
                    tx.send(args.into_iter().next().unwrap_or(J::Null)).unwrap();
                    Ok(())
                }
            }),
        )
        .await
        .unwrap();
    (sub, rx)
}

/// Testaments and history as our client sees them on a router (Crossbar.io
/// or ours): the same behaviour is expected of both.
async fn client_checks(router: &str, ws: &str, rs: &str, checks: &mut Checks) {
    // Testament published when the session leaves; flushed ones are not.
    let watcher = join(rs, SerializerKind::MsgPack).await;
    let (_gone, mut gone) = watch(&watcher, "com.rsfeat.gone").await;
    let dying = join(ws, SerializerKind::Json).await;
    let id: J = dying
        .call(
            "wamp.session.add_testament",
            &("com.rsfeat.gone", ["bye"], json!({})),
        )
        .await
        .unwrap()
        .get()
        .unwrap();
    checks.ok(
        &format!("{router}: add_testament returns an ID"),
        id.as_u64().is_some(),
    );
    for _ in 0..2 {
        dying
            .call(
                "wamp.session.add_testament",
                &("com.rsfeat.gone", ["flushed"], json!({})),
            )
            .kwargs(&json!({"scope": "detached"}))
            .await
            .unwrap();
    }
    let flushed: u64 = dying
        .call("wamp.session.flush_testaments", &())
        .kwargs(&json!({"scope": "detached"}))
        .await
        .unwrap()
        .get()
        .unwrap();
    checks.eq(&format!("{router}: flush_testaments count"), flushed, 2);
    dying.leave().await;
    let got = tokio::time::timeout(WAIT, gone.recv()).await.ok().flatten();
    checks.eq(
        &format!("{router}: testament published"),
        got,
        Some(json!("bye")),
    );
    let more = tokio::time::timeout(Duration::from_millis(300), gone.recv()).await;
    checks.ok(
        &format!("{router}: flushed testaments not published"),
        more.is_err(),
    );

    // History: Crossbar keeps events only while the topic has a subscriber,
    // so the reader subscribes first.
    let reader = join(ws, SerializerKind::Cbor).await;
    let (sub, mut events) = watch(&reader, "com.rsfeat.history").await;
    let publisher = join(rs, SerializerKind::Json).await;
    for i in 0..3 {
        let payload = wamp::Payload::encode_args(publisher.serializer(), &[i]).unwrap();
        publisher
            .publish_with(
                "com.rsfeat.history",
                payload,
                PublishOptions::default().acknowledge(),
            )
            .await
            .unwrap();
    }
    for _ in 0..3 {
        tokio::time::timeout(WAIT, events.recv()).await.unwrap();
    }
    let history: Vec<J> = reader
        .call("wamp.subscription.get_events", &(sub.id(), 10))
        .await
        .unwrap()
        .get()
        .unwrap();
    let args: Vec<J> = history.iter().map(|e| e["args"].clone()).collect();
    checks.eq(
        &format!("{router}: get_events newest first"),
        args,
        vec![json!([2]), json!([1]), json!([0])],
    );
    let first = history.first().cloned().unwrap_or(J::Null);
    for key in [
        "publication",
        "topic",
        "args",
        "kwargs",
        "session_id",
        "authid",
        "authrole",
    ] {
        checks.ok(
            &format!("{router}: event has {key}"),
            first.get(key).is_some(),
        );
    }
    checks.eq(
        &format!("{router}: event topic"),
        first["topic"].clone(),
        json!("com.rsfeat.history"),
    );
    let (other, _rx) = watch(&reader, "com.rsfeat.nohistory").await;
    let err = reader
        .call("wamp.subscription.get_events", &(other.id(),))
        .await
        .unwrap_err();
    checks.eq(
        &format!("{router}: history of an unconfigured topic"),
        err.uri(),
        "wamp.error.history_unavailable",
    );
}

/// Our router with event history on the topics the checks use.
async fn our_router() -> (Router, String, String) {
    let realm = RealmConfig {
        store: StoreConfig {
            event_history: vec![
                EventHistoryConfig::exact("com.rsfeat.history", 5),
                EventHistoryConfig::exact("com.pyfeat.history", 5),
            ],
            ..StoreConfig::default()
        },
        ..RealmConfig::open("realm1")
    };
    let (router, addr) = Router::builder()
        .realm(realm)
        .start("127.0.0.1:0")
        .await
        .unwrap();
    (router, format!("ws://{addr}/ws"), format!("rs://{addr}"))
}

/// Our client against Crossbar.io and against our router.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn testament_and_history_with_crossbar_and_our_router() {
    let dir = scratch();
    let cb = Crossbar::start(dir.path());
    let mut checks = Checks::new("testament_and_history_with_crossbar_and_our_router");
    client_checks("crossbar", &cb.ws(), &cb.rs(), &mut checks).await;
    let (_router, ws, rs) = our_router().await;
    client_checks("ours", &ws, &rs, &mut checks).await;
}

/// Autobahn|Python adds and flushes testaments and reads history on our router.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_testament_and_history_on_our_router() {
    require_peers();
    let dir = scratch();
    let mut checks = Checks::new("python_testament_and_history_on_our_router");
    let (_router, ws, rs) = our_router().await;
    let watcher = join(&rs, SerializerKind::Cbor).await;
    let (_t, mut testament) = watch(&watcher, "com.pyfeat.testament").await;
    let (_f, mut flushed) = watch(&watcher, "com.pyfeat.flushed").await;
    for i in 0..3 {
        let payload = wamp::Payload::encode_args(watcher.serializer(), &[i]).unwrap();
        watcher
            .publish_with(
                "com.pyfeat.history",
                payload,
                PublishOptions::default().acknowledge(),
            )
            .await
            .unwrap();
    }
    for (url, serializer) in [(&ws, "json"), (&rs, "msgpack")] {
        let caller = python_peer(
            dir.path(),
            &[
                "caller",
                "--url",
                url,
                "--serializer",
                serializer,
                "--prefix",
                "com.pyfeat",
                "--checks",
                "testament,testament_flush,history",
            ],
        );
        let results = tokio::task::block_in_place(|| caller.results(PEER));
        checks.eq(
            &format!("{serializer}: add_testament"),
            results["testament"]["value"].clone(),
            json!(true),
        );
        checks.eq(
            &format!("{serializer}: flush_testaments"),
            results["testament_flush"]["value"].clone(),
            json!(2),
        );
        checks.eq(
            &format!("{serializer}: unknown scope"),
            results["testament_flush"]["bad_scope"].clone(),
            json!("wamp.error.invalid_argument"),
        );
        checks.eq(
            &format!("{serializer}: history newest first"),
            results["history"]["value"].clone(),
            json!([[2], [1], [0]]),
        );
        let keys = results["history"]["keys"].clone();
        for key in ["publication", "timestamp", "topic", "args", "kwargs"] {
            checks.ok(
                &format!("{serializer}: event has {key}"),
                keys.as_array().is_some_and(|k| k.contains(&json!(key))),
            );
        }
        checks.eq(
            &format!("{serializer}: unconfigured history"),
            results["history"]["unconfigured"].clone(),
            json!("wamp.error.history_unavailable"),
        );
        let got = tokio::time::timeout(WAIT, testament.recv())
            .await
            .ok()
            .flatten();
        checks.eq(
            &format!("{serializer}: testament after leaving"),
            got,
            Some(json!("from python")),
        );
    }
    let none = tokio::time::timeout(Duration::from_millis(300), flushed.recv()).await;
    checks.ok("flushed testaments are not published", none.is_err());
}

/// An Autobahn|Python subscriber acknowledges the events our publisher asked
/// acknowledgements for (EVENT_RECEIVED through our router).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_subscriber_acknowledges_events_on_our_router() {
    require_peers();
    let dir = scratch();
    let mut checks = Checks::new("python_subscriber_acknowledges_events_on_our_router");
    let (_router, ws, rs) = our_router().await;
    let mut subscriber = python_peer(
        dir.path(),
        &[
            "subscriber",
            "--url",
            &rs,
            "--serializer",
            "msgpack",
            "--topic",
            "com.pyfeat.acked",
            // More than published: the peer leaves inside its handler after
            // the last one, before Autobahn could acknowledge it.
            "--count",
            "3",
        ],
    );
    tokio::task::block_in_place(|| subscriber.ready(PEER));
    let publisher = join(&ws, SerializerKind::Json).await;
    let mut acks = publisher.event_acknowledgements();
    let mut published = Vec::new();
    for i in 0..2 {
        let payload = wamp::Payload::encode_args(publisher.serializer(), &[i]).unwrap();
        let id = publisher
            .publish_with(
                "com.pyfeat.acked",
                payload,
                PublishOptions::default().acknowledged_delivery(),
            )
            .await
            .unwrap();
        published.push(id.expect("a publication ID"));
    }
    let mut acked = Vec::new();
    for _ in 0..2 {
        let id = tokio::time::timeout(WAIT, acks.recv()).await;
        acked.push(id.ok().and_then(Result::ok));
    }
    acked.sort();
    let mut expected: Vec<Option<u64>> = published.into_iter().map(Some).collect();
    expected.sort();
    checks.eq(
        "every event acknowledged by the Python subscriber",
        acked,
        expected,
    );
    let line = tokio::task::block_in_place(|| subscriber.json_line(PEER));
    checks.eq(
        "the Python handler got the event",
        line["args"].clone(),
        json!([0]),
    );
}
