//! The router's admin listener over real sockets: a scripted scenario
//! (calls with every outcome, joins, publishes, an ABORT) scraped from
//! `/metrics` with exact counts, router and client runtime (alone in its
//! process: the client's metrics and some of the router's are process-wide);
//! `/healthz`, `/readyz` before and after a listener is bound; the bearer
//! token; the live page's JSON feed; the docs page of a realm.

#![cfg(feature = "metrics")]

mod admin_common;

use std::time::Duration;

use admin_common::{WAIT, get, join, sample};
use wamp::client::{JoinConfig, event_handler, typed_procedure};
use wamp::router::{AdminConfig, RealmConfig, Router};
use wamp::transport::ClientOptions;
use wamp::{CallOptions, Error, PublishOptions, RegisterOptions, Session, SubscribeOptions};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_a_scripted_scenario_exactly() {
    let realm = "metrics1";
    let router = Router::builder().realm(RealmConfig::open(realm)).build();
    let admin = router
        .serve_admin("127.0.0.1:0", AdminConfig::default())
        .await
        .unwrap();
    let addr = router.listen("127.0.0.1:0").await.unwrap();
    let ws = format!("ws://{addr}/ws");
    let rs = format!("rs://{addr}");

    let callee = join(&rs, realm).await;
    let caller = join(&ws, realm).await;
    let subscriber = join(&ws, realm).await;
    callee
        .register(
            "com.test.ok",
            RegisterOptions::default(),
            typed_procedure(|(a,): (i64,)| async move { Ok(a + 1) }),
        )
        .await
        .unwrap();
    callee
        .register(
            "com.test.fail",
            RegisterOptions::default(),
            typed_procedure(|(_a,): (i64,)| async move {
                Err::<i64, _>(Error::message("com.test.oops", "no"))
            }),
        )
        .await
        .unwrap();
    callee
        .register(
            "com.test.slow",
            RegisterOptions::default(),
            typed_procedure(|(_a,): (i64,)| async move {
                tokio::time::sleep(Duration::from_secs(30)).await;
                Ok(0i64)
            }),
        )
        .await
        .unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    subscriber
        .subscribe(
            "com.test.topic",
            SubscribeOptions::default(),
            event_handler(move |_| {
                let tx = tx.clone();
                async move {
                    tx.send(()).unwrap();
                    Ok(())
                }
            }),
        )
        .await
        .unwrap();

    for i in 0..5 {
        let r: i64 = caller
            .call("com.test.ok", &(i,))
            .await
            .unwrap()
            .get()
            .unwrap();
        assert_eq!(r, i + 1);
    }
    for i in 0..3 {
        let e = caller.call("com.test.fail", &(i,)).await.unwrap_err();
        assert_eq!(e.uri(), "com.test.oops");
    }
    for uri in ["com.test.nobody", "com.test.nobody2"] {
        let e = caller.call(uri, &(1,)).await.unwrap_err();
        assert_eq!(e.uri(), "wamp.error.no_such_procedure");
    }
    let e = caller
        .call("com.test.slow", &(1,))
        .options(
            CallOptions::default()
                .timeout(Duration::from_millis(200))
                // The router's timeout answers, not the local deadline.
                .deadline(WAIT),
        )
        .await
        .unwrap_err();
    assert_eq!(e.uri(), "wamp.error.timeout");
    for i in 0..4 {
        caller
            .publish_with(
                "com.test.topic",
                wamp::protocol::Payload::encode_args(wamp::SerializerKind::Json, &(i,)).unwrap(),
                PublishOptions::default().acknowledge(),
            )
            .await
            .unwrap();
    }
    for _ in 0..4 {
        tokio::time::timeout(WAIT, rx.recv())
            .await
            .unwrap()
            .unwrap();
    }

    // A join to a realm that does not exist is an ABORT.
    let transport = wamp::transport::connect(&ws, &ClientOptions::default())
        .await
        .unwrap();
    let refused = Session::join(transport, JoinConfig::new("no.such.realm")).await;
    assert!(refused.is_err());

    let (status, text) = get(admin, "/metrics", "").await;
    assert_eq!(status, 200, "{text}");
    let r = ("realm", realm);
    let calls = "wamp_router_calls_total";
    let count = |name: &str, labels: &[(&str, &str)]| sample(&text, name, labels);
    assert_eq!(
        count(
            calls,
            &[r, ("procedure", "com.test.ok"), ("outcome", "result")]
        ),
        5.0,
        "{text}"
    );
    assert_eq!(
        count(
            calls,
            &[
                r,
                ("procedure", "com.test.fail"),
                ("outcome", "error"),
                ("error", "com.test.oops")
            ]
        ),
        3.0
    );
    assert_eq!(
        count(
            calls,
            &[
                r,
                ("procedure", "<unregistered>"),
                ("error", "wamp.error.no_such_procedure")
            ]
        ),
        2.0
    );
    assert_eq!(
        count(
            calls,
            &[r, ("procedure", "com.test.slow"), ("outcome", "timeout")]
        ),
        1.0
    );
    // A URI nobody registered never becomes a label value.
    assert!(!text.contains("com.test.nobody"), "{text}");
    assert_eq!(
        count(
            calls,
            &[r, ("procedure", "com.test.ok"), ("outcome", "error")]
        ),
        0.0
    );
    assert_eq!(
        count(
            "wamp_router_call_duration_seconds_count",
            &[r, ("procedure", "com.test.ok")]
        ),
        5.0
    );
    assert_eq!(
        count("wamp_router_joins_total", &[r, ("authmethod", "anonymous")]),
        3.0
    );
    assert_eq!(
        count("wamp_router_sessions", &[r, ("authmethod", "anonymous")]),
        3.0
    );
    assert_eq!(count("wamp_router_events_published_total", &[r]), 4.0);
    assert_eq!(
        count(
            "wamp_router_events_delivered_total",
            &[r, ("topic", "com.test.topic")]
        ),
        4.0
    );
    assert!(
        count(
            "wamp_router_transport_received_bytes_total",
            &[("transport", "websocket")]
        ) > 0.0
    );
    assert!(
        count(
            "wamp_router_transport_sent_bytes_total",
            &[("transport", "rawsocket")]
        ) > 0.0
    );
    assert!(text.contains("# HELP wamp_router_calls_total"), "{text}");
    // The client runtime's metrics, in the same process and recorder.
    let client = "wamp_client_calls_total";
    assert_eq!(count(client, &[("outcome", "result")]), 5.0, "{text}");
    assert_eq!(count(client, &[("outcome", "error")]), 5.0);
    assert_eq!(count(client, &[("outcome", "timeout")]), 1.0);
    assert_eq!(
        count(
            "wamp_client_call_duration_seconds_count",
            &[("outcome", "result")]
        ),
        5.0
    );
    let invocations = "wamp_client_invocations_total";
    assert_eq!(
        count(
            invocations,
            &[("procedure", "com.test.ok"), ("outcome", "result")]
        ),
        5.0
    );
    assert_eq!(
        count(
            invocations,
            &[("procedure", "com.test.fail"), ("outcome", "error")]
        ),
        3.0
    );
    assert_eq!(
        count(
            "wamp_client_events_received_total",
            &[("topic", "com.test.topic")]
        ),
        4.0
    );

    assert_eq!(
        count(
            "wamp_router_aborts_total",
            &[("reason", "wamp.error.no_such_realm")]
        ),
        1.0
    );

    // Once everything is written, no byte waits in an outbox.
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let (_, text) = get(admin, "/metrics", "").await;
        assert!(text.contains("wamp_router_outbox_bytes "), "{text}");
        if sample(&text, "wamp_router_outbox_bytes", &[]) == 0.0 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "outbox bytes stuck:\n{text}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // A session that leaves is no longer counted.
    subscriber.leave().await;
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let (_, text) = get(admin, "/metrics", "").await;
        if sample(&text, "wamp_router_sessions", &[r]) == 2.0 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "sessions gauge stuck:\n{text}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // The live page's feed lists the sessions and registrations with counts.
    let (status, body) = get(admin, "/api/state", "").await;
    assert_eq!(status, 200);
    let state: serde_json::Value = serde_json::from_str(&body).unwrap();
    let realm_state = state["realms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == realm)
        .unwrap();
    assert_eq!(realm_state["session_count"], 2);
    let ok = realm_state["registrations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["uri"] == "com.test.ok")
        .unwrap();
    assert_eq!(ok["counts"]["calls"], 5);
    assert_eq!(realm_state["totals"]["published"], 4);
    router.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_endpoints_and_the_token() {
    let router = Router::builder()
        .realm(RealmConfig::open("health1"))
        .build();
    let admin = router
        .serve_admin("127.0.0.1:0", AdminConfig::default().token("s3cret"))
        .await
        .unwrap();
    let bearer = "Authorization: Bearer s3cret\r\n";

    // No listener yet: alive but not ready.
    assert_eq!(get(admin, "/healthz", bearer).await.0, 200);
    let (status, body) = get(admin, "/readyz", bearer).await;
    assert_eq!(status, 503, "{body}");

    router.listen("127.0.0.1:0").await.unwrap();
    assert_eq!(get(admin, "/readyz", bearer).await.0, 200);
    assert_eq!(get(admin, "/readyz?token=s3cret", "").await.0, 200);

    // Without the token, or with a wrong one: 401 everywhere.
    for path in ["/healthz", "/readyz", "/metrics", "/", "/api/state"] {
        assert_eq!(get(admin, path, "").await.0, 401, "{path}");
        assert_eq!(
            get(admin, path, "Authorization: Bearer nope\r\n").await.0,
            401,
            "{path}"
        );
        assert_eq!(
            get(admin, &format!("{path}?token=s3cre"), "").await.0,
            401,
            "{path}"
        );
    }
    for path in ["/metrics", "/", "/api/state"] {
        assert_eq!(get(admin, path, bearer).await.0, 200, "{path}");
    }
    assert_eq!(get(admin, "/nothing", bearer).await.0, 404);
    // The API docs page of a realm, rendered as the docs listener does.
    let (status, docs) = get(admin, "/docs/health1", bearer).await;
    assert_eq!(status, 200);
    assert!(docs.contains("Realm health1"), "{docs}");
    assert_eq!(get(admin, "/docs/nope", bearer).await.0, 404);
    assert_eq!(get(admin, "/docs/health1", "").await.0, 401);

    // Shutting down: not ready any more.
    router.shutdown();
}
