//! The client's bounds against the embedded router over real loopback
//! sockets (WebSocket and RawSocket): a message larger than the transport's
//! limit fails that request only and the session stays up; pending requests,
//! running invocations, events in hand and unread progressive results are
//! bounded, with the documented error or count when full.

#![cfg(feature = "router")]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures_util::StreamExt as _;
use tokio::sync::{Semaphore, mpsc};
use wamp::client::{JoinConfig, SessionLimits, event_handler, procedure, typed_procedure};
use wamp::protocol::uris;
use wamp::router::{RealmConfig, Router};
use wamp::transport::{Acceptor, ClientOptions, ServerOptions};
use wamp::{
    CallResult, Error, PublishOptions, RegisterOptions, SerializerKind, Session, SubscribeOptions,
};

/// Bounded wait for anything that must happen.
const WAIT: Duration = Duration::from_secs(10);
/// The client's outgoing limit in the size tests.
const LIMIT: usize = 4096;

/// An embedded router on a loopback port, with its WebSocket and RawSocket URLs.
async fn router() -> (Router, [String; 2]) {
    let (router, addr) = Router::builder()
        .realm(RealmConfig::open("realm1"))
        .start("127.0.0.1:0")
        .await
        .unwrap();
    (router, [format!("ws://{addr}/ws"), format!("rs://{addr}")])
}

/// Joins realm1 over `url` with `serializer`, an outgoing limit and session limits.
async fn join(
    url: &str,
    serializer: SerializerKind,
    max_outgoing: usize,
    limits: SessionLimits,
) -> Session {
    let mut options = ClientOptions::with_serializers([serializer]);
    options.max_outgoing = max_outgoing;
    let transport = wamp::transport::connect(url, &options).await.unwrap();
    if max_outgoing != 0 {
        assert_eq!(transport.details.max_outgoing, max_outgoing);
    }
    Session::join(transport, JoinConfig::new("realm1").with_limits(limits))
        .await
        .unwrap()
}

/// Every (URL, serializer) pair the tests run over.
fn wires(urls: &[String; 2]) -> [(String, SerializerKind); 3] {
    [
        (urls[0].clone(), SerializerKind::Json),
        (urls[1].clone(), SerializerKind::MsgPack),
        (urls[0].clone(), SerializerKind::Cbor),
    ]
}

/// A string argument of `n` bytes.
fn big(n: usize) -> String {
    "x".repeat(n)
}

/// Asserts `e` is `payload_size_exceeded` with a message naming the limit.
fn assert_too_large(e: &Error, limit: usize) {
    assert!(e.is(uris::PAYLOAD_SIZE_EXCEEDED), "{e}");
    let text = e.text().unwrap_or_default();
    assert!(
        text.contains(&format!("limit of {limit} bytes")),
        "the message names the limit: {text}"
    );
}

/// Registers `com.echo` (returns its argument) on `session`.
async fn register_echo(session: &Session) {
    session
        .register(
            "com.echo",
            RegisterOptions::default(),
            typed_procedure(|(s,): (String,)| async move { Ok(s) }),
        )
        .await
        .unwrap();
}

/// Registers `name`, which signals each start on `started` and then waits for a
/// permit of `gate` (kept, so each call takes one).
async fn register_gated(
    session: &Session,
    name: &str,
    gate: Arc<Semaphore>,
) -> mpsc::UnboundedReceiver<()> {
    let (started, rx) = mpsc::unbounded_channel();
    session
        .register(
            name,
            RegisterOptions::default(),
            procedure(move |_inv| {
                let gate = gate.clone();
                let started = started.clone();
                async move {
                    let _ = started.send(());
                    gate.acquire().await.unwrap().forget();
                    Ok(CallResult::args(&("done",)).unwrap())
                }
            }),
        )
        .await
        .unwrap();
    rx
}

/// Awaits `f` for at most [`WAIT`].
async fn within<F: std::future::IntoFuture>(f: F) -> F::Output {
    tokio::time::timeout(WAIT, f.into_future())
        .await
        .expect("in time")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_call_fails_alone_and_the_session_stays_up() {
    for wire in 0..3 {
        // A router each, so nothing of the previous round remains.
        let (_router, urls) = router().await;
        let (url, serializer) = wires(&urls)[wire].clone();
        let callee = join(&url, serializer, 0, SessionLimits::default()).await;
        register_echo(&callee).await;
        let gate = Arc::new(Semaphore::new(0));
        let mut started = register_gated(&callee, "com.slow", gate.clone()).await;

        let caller = join(&url, serializer, LIMIT, SessionLimits::default()).await;
        let slow = caller.call("com.slow", &()).start().await.unwrap();
        within(started.recv()).await.unwrap();

        let err = caller
            .call("com.echo", &(big(2 * LIMIT),))
            .await
            .unwrap_err();
        assert_too_large(&err, LIMIT);
        assert!(!caller.is_closed(), "{url} {serializer}");

        // The call in flight and the next one still succeed.
        gate.add_permits(1);
        let done: String = within(slow).await.unwrap().get().unwrap();
        assert_eq!(done, "done");
        let echo: String = within(caller.call("com.echo", &("small",)))
            .await
            .unwrap()
            .get()
            .unwrap();
        assert_eq!(echo, "small");

        // Huge URIs in REGISTER and SUBSCRIBE fail the same way.
        let long = format!("com.{}", big(2 * LIMIT));
        let err = caller
            .register(
                &long,
                RegisterOptions::default(),
                procedure(|_| async { Ok(CallResult::empty()) }),
            )
            .await
            .unwrap_err();
        assert_too_large(&err, LIMIT);
        let err = caller
            .subscribe(
                &long,
                SubscribeOptions::default(),
                event_handler(|_| async { Ok(()) }),
            )
            .await
            .unwrap_err();
        assert_too_large(&err, LIMIT);
        assert!(!caller.is_closed());
        within(caller.call("com.echo", &("again",))).await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_publish_errors_and_the_session_stays_up() {
    for wire in 0..3 {
        // A router each, so nothing of the previous round remains.
        let (_router, urls) = router().await;
        let (url, serializer) = wires(&urls)[wire].clone();
        let publisher = join(&url, serializer, LIMIT, SessionLimits::default()).await;
        let err = publisher
            .publish("com.topic", &(big(2 * LIMIT),))
            .await
            .unwrap_err();
        assert_too_large(&err, LIMIT);
        let acked = PublishOptions {
            acknowledge: true,
            ..PublishOptions::default()
        };
        let payload = wamp::protocol::Payload::from_args(&[big(2 * LIMIT)]).unwrap();
        let err = publisher
            .publish_with("com.topic", payload, acked.clone())
            .await
            .unwrap_err();
        assert_too_large(&err, LIMIT);
        let payload = wamp::protocol::Payload::from_args(&["small"]).unwrap();
        let id = within(publisher.publish_with("com.topic", payload, acked))
            .await
            .unwrap();
        assert!(id.is_some());
        assert!(!publisher.is_closed());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_yield_ends_the_call_with_an_error() {
    for wire in 0..3 {
        // A router each, so nothing of the previous round remains.
        let (_router, urls) = router().await;
        let (url, serializer) = wires(&urls)[wire].clone();
        let callee = join(&url, serializer, LIMIT, SessionLimits::default()).await;
        callee
            .register(
                "com.big",
                RegisterOptions::default(),
                typed_procedure(|(n,): (usize,)| async move { Ok(big(n)) }),
            )
            .await
            .unwrap();
        let (sent_tx, mut sent_rx) = mpsc::unbounded_channel();
        callee
            .register(
                "com.bigprogress",
                RegisterOptions::default(),
                procedure(move |inv| {
                    let sent = sent_tx.clone();
                    async move {
                        let progress = inv.progress.expect("progress asked for");
                        progress.send(&("first",)).await?;
                        let result = progress.send(&(big(2 * LIMIT),)).await;
                        let _ = sent.send(result.map_err(|e| e.uri().to_owned()));
                        Ok(CallResult::args(&("never seen",)).unwrap())
                    }
                }),
            )
            .await
            .unwrap();
        let caller = join(&url, serializer, 0, SessionLimits::default()).await;

        let err = within(caller.call("com.big", &(2 * LIMIT,)))
            .await
            .unwrap_err();
        assert_too_large(&err, LIMIT);
        let small: String = within(caller.call("com.big", &(10,)))
            .await
            .unwrap()
            .get()
            .unwrap();
        assert_eq!(small.len(), 10);

        // A too large progressive result ends the call with the same ERROR,
        // and the handler learns it from `send`.
        let mut stream = caller
            .call("com.bigprogress", &())
            .progressive()
            .await
            .unwrap();
        let first: String = within(stream.next()).await.unwrap().unwrap().get().unwrap();
        assert_eq!(first, "first");
        let err = within(stream.next()).await.unwrap().unwrap_err();
        assert_too_large(&err, LIMIT);
        assert_eq!(
            within(sent_rx.recv()).await.unwrap(),
            Err(uris::PAYLOAD_SIZE_EXCEEDED.to_owned())
        );
        assert!(!callee.is_closed());
        within(caller.call("com.big", &(10,))).await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rawsocket_applies_the_limit_the_router_announced() {
    let router = Router::builder().realm(RealmConfig::open("realm1")).build();
    let mut options = ServerOptions::with_serializers(SerializerKind::ALL);
    options.max_incoming = 64 * 1024;
    let addr = router
        .listen_with("127.0.0.1:0", Acceptor::new(options))
        .await
        .unwrap();
    // The client sets no limit of its own: the router's is in force.
    let transport = wamp::transport::connect(
        &format!("rs://{addr}"),
        &ClientOptions {
            max_outgoing: 0,
            ..ClientOptions::with_serializers([SerializerKind::MsgPack])
        },
    )
    .await
    .unwrap();
    assert_eq!(transport.details.max_outgoing, 64 * 1024);
    let session = Session::join(transport, JoinConfig::new("realm1"))
        .await
        .unwrap();
    register_echo(&session).await;
    let err = session
        .call("com.echo", &(big(100 * 1024),))
        .await
        .unwrap_err();
    assert_too_large(&err, 64 * 1024);
    let echo: String = within(session.call("com.echo", &("small",)))
        .await
        .unwrap()
        .get()
        .unwrap();
    assert_eq!(echo, "small");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pending_requests_beyond_the_limit_fail_at_once() {
    for wire in 0..3 {
        // A router each, so nothing of the previous round remains.
        let (_router, urls) = router().await;
        let (url, serializer) = wires(&urls)[wire].clone();
        let callee = join(&url, serializer, 0, SessionLimits::default()).await;
        let gate = Arc::new(Semaphore::new(0));
        let mut started = register_gated(&callee, "com.slow", gate.clone()).await;
        let limits = SessionLimits {
            max_pending_requests: 3,
            ..SessionLimits::default()
        };
        let caller = join(&url, serializer, 0, limits).await;
        let mut calls = Vec::new();
        for _ in 0..3 {
            calls.push(caller.call("com.slow", &()).start().await.unwrap());
            within(started.recv()).await.unwrap();
        }
        let err = caller.call("com.slow", &()).start().await.unwrap_err();
        assert!(err.is(uris::LIMIT_EXCEEDED), "{err}");
        assert!(
            err.text().unwrap().contains("max_pending_requests"),
            "{err}"
        );
        let err = caller
            .subscribe(
                "com.topic",
                SubscribeOptions::default(),
                event_handler(|_| async { Ok(()) }),
            )
            .await
            .unwrap_err();
        assert!(err.is(uris::LIMIT_EXCEEDED), "{err}");
        // Unacknowledged publications wait for nothing and still go out.
        caller.publish("com.topic", &()).await.unwrap();

        gate.add_permits(3);
        for call in calls {
            within(call).await.unwrap();
        }
        // Places are free again.
        gate.add_permits(1);
        within(caller.call("com.slow", &())).await.unwrap();
        assert!(!caller.is_closed());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invocations_beyond_the_limit_are_refused_with_an_error() {
    for wire in 0..3 {
        // A router each, so nothing of the previous round remains.
        let (_router, urls) = router().await;
        let (url, serializer) = wires(&urls)[wire].clone();
        let limits = SessionLimits {
            max_invocations: 2,
            ..SessionLimits::default()
        };
        let callee = join(&url, serializer, 0, limits).await;
        let gate = Arc::new(Semaphore::new(0));
        let mut started = register_gated(&callee, "com.slow", gate.clone()).await;
        let caller = join(&url, serializer, 0, SessionLimits::default()).await;
        let first = caller.call("com.slow", &()).start().await.unwrap();
        let second = caller.call("com.slow", &()).start().await.unwrap();
        within(started.recv()).await.unwrap();
        within(started.recv()).await.unwrap();

        let err = within(caller.call("com.slow", &())).await.unwrap_err();
        assert!(err.is(uris::LIMIT_EXCEEDED), "{err}");
        assert!(err.text().unwrap().contains("max_invocations"), "{err}");

        gate.add_permits(2);
        within(first).await.unwrap();
        within(second).await.unwrap();
        gate.add_permits(1);
        within(caller.call("com.slow", &())).await.unwrap();
        assert!(!callee.is_closed());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_subscriber_keeps_bounded_events_and_answers_calls() {
    const FLOOD: usize = 300;
    const MAX: usize = 8;
    for wire in 0..3 {
        // A router each, so nothing of the previous round remains.
        let (_router, urls) = router().await;
        let (url, serializer) = wires(&urls)[wire].clone();
        let limits = SessionLimits {
            max_queued_events: MAX,
            ..SessionLimits::default()
        };
        let subscriber = join(&url, serializer, 0, limits).await;
        register_echo(&subscriber).await;
        let gate = Arc::new(Semaphore::new(0));
        let handled = Arc::new(AtomicUsize::new(0));
        let (g, h) = (gate.clone(), handled.clone());
        let subscription = subscriber
            .subscribe(
                "com.flood",
                SubscribeOptions::default(),
                event_handler(move |_ev| {
                    let (gate, handled) = (g.clone(), h.clone());
                    async move {
                        gate.acquire().await.unwrap().forget();
                        handled.fetch_add(1, Ordering::SeqCst);
                        Ok(())
                    }
                }),
            )
            .await
            .unwrap();
        let publisher = join(&url, serializer, 0, SessionLimits::default()).await;
        for i in 0..FLOOD {
            publisher.publish("com.flood", &(i,)).await.unwrap();
        }
        // A call through the router after the flood: its answer comes after
        // every event (one connection, in order), so all of them have arrived.
        let echo: String = within(publisher.call("com.echo", &("alive",)))
            .await
            .unwrap()
            .get()
            .unwrap();
        assert_eq!(echo, "alive");
        assert_eq!(subscription.queued(), MAX);
        assert_eq!(subscription.dropped(), (FLOOD - MAX) as u64);
        // The subscriber itself still calls.
        within(subscriber.call("com.echo", &("me",))).await.unwrap();

        gate.add_permits(FLOOD);
        within(async {
            while subscription.queued() > 0 {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
        .await;
        assert_eq!(handled.load(Ordering::SeqCst), MAX);
        // Room again: the next event is handled.
        publisher.publish("com.flood", &(0,)).await.unwrap();
        within(async {
            while handled.load(Ordering::SeqCst) < MAX + 1 {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
        .await;
        assert_eq!(subscription.dropped(), (FLOOD - MAX) as u64);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unread_progressive_results_beyond_the_limit_fail_the_call() {
    for wire in 0..3 {
        // A router each, so nothing of the previous round remains.
        let (_router, urls) = router().await;
        let (url, serializer) = wires(&urls)[wire].clone();
        let callee = join(&url, serializer, 0, SessionLimits::default()).await;
        register_echo(&callee).await;
        let (sent_tx, mut sent_rx) = mpsc::unbounded_channel();
        callee
            .register(
                "com.chatty",
                RegisterOptions::default(),
                procedure(move |inv| {
                    let sent = sent_tx.clone();
                    async move {
                        let progress = inv.progress.expect("progress asked for");
                        for i in 0..20 {
                            if progress.send(&(i,)).await.is_err() {
                                break;
                            }
                        }
                        let _ = sent.send(());
                        // Wait to be interrupted by the caller's CANCEL.
                        inv.cancel.cancelled().await;
                        Err(Error::new(uris::CANCELED))
                    }
                }),
            )
            .await
            .unwrap();
        let limits = SessionLimits {
            max_queued_progress: 4,
            ..SessionLimits::default()
        };
        let caller = join(&url, serializer, 0, limits).await;
        let mut stream = caller.call("com.chatty", &()).progressive().await.unwrap();
        within(sent_rx.recv()).await.unwrap();
        // Every progressive result has reached the caller once this answer has.
        within(caller.call("com.echo", &("x",))).await.unwrap();
        for i in 0..4 {
            let n: i64 = within(stream.next()).await.unwrap().unwrap().get().unwrap();
            assert_eq!(n, i);
        }
        let err = within(stream.next()).await.unwrap().unwrap_err();
        assert!(err.is(uris::LIMIT_EXCEEDED), "{err}");
        assert!(err.text().unwrap().contains("max_queued_progress"), "{err}");
        assert!(within(stream.next()).await.is_none());
        assert!(!caller.is_closed());
        within(caller.call("com.echo", &("y",))).await.unwrap();
    }
}
