//! The router's admin listener over real sockets: a scripted scenario
//! (calls with every outcome, joins, publishes) scraped from `/metrics` with
//! exact counts (router and client runtime); `/healthz`, `/readyz` before and after a listener is
//! bound; the bearer token; the live page's JSON feed; messages not
//! delivered; labels bounded against a peer registering many procedures.

#![cfg(feature = "metrics")]

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use wamp::client::{JoinConfig, event_handler, typed_procedure};
use wamp::router::{AdminConfig, RealmConfig, Router};
use wamp::transport::ClientOptions;
use wamp::{CallOptions, Error, PublishOptions, RegisterOptions, Session, SubscribeOptions};

const WAIT: Duration = Duration::from_secs(10);

/// `GET path` with optional extra header lines; (status, body).
async fn get(addr: std::net::SocketAddr, path: &str, headers: &str) -> (u16, String) {
    let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request =
        format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n{headers}Connection: close\r\n\r\n");
    tcp.write_all(request.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    tokio::time::timeout(WAIT, tcp.read_to_end(&mut raw))
        .await
        .expect("reply in time")
        .unwrap();
    let raw = String::from_utf8(raw).unwrap();
    let status: u16 = raw[9..12].parse().unwrap();
    let body = raw
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

/// The value of the sample `name` whose labels include every one of `labels`
/// (summed over the samples that match); 0 when there is none.
fn sample(text: &str, name: &str, labels: &[(&str, &str)]) -> f64 {
    let mut total = 0.0;
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let (series, value) = match line.rsplit_once(' ') {
            Some(s) => s,
            None => continue,
        };
        let (metric, rest) = series.split_once('{').unwrap_or((series, ""));
        if metric != name {
            continue;
        }
        if labels
            .iter()
            .all(|(k, v)| rest.contains(&format!("{k}=\"{v}\"")))
        {
            total += value.parse::<f64>().unwrap();
        }
    }
    total
}

async fn join(url: &str, realm: &str) -> Session {
    let transport = wamp::transport::connect(url, &ClientOptions::default())
        .await
        .unwrap();
    Session::join(transport, JoinConfig::new(realm))
        .await
        .unwrap()
}

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
