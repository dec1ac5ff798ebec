//! OpenTelemetry across WAMP (feature `opentelemetry`): the embedded router,
//! a callee component and a caller in one process over real WebSocket
//! connections, their spans exported to an in-memory exporter. One trace
//! holds the caller's span, the router's and the callee's, linked
//! caller → router → callee; a publication links publisher → router →
//! subscriber the same way.
//!
//! `cargo test -p wamp-runtime --features opentelemetry --test trace_otel`

use std::time::Duration;

use opentelemetry::trace::{SpanKind, TracerProvider as _};
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider, SpanData};
use tokio::sync::mpsc;
use tracing::Instrument as _;
use tracing::subscriber::DefaultGuard;
use tracing_subscriber::layer::SubscriberExt as _;
use wamp::client::{JoinConfig, TransportConfig, event_handler, typed_procedure};
use wamp::router::{RealmConfig, Router};
use wamp::transport::ClientOptions;
use wamp::{Component, RegisterOptions, Session, SubscribeOptions};

/// Installs (for this test's thread) a subscriber exporting spans to the
/// returned exporter; without `router`, the router's spans are filtered out.
fn otel(router: bool) -> (InMemorySpanExporter, SdkTracerProvider, DefaultGuard) {
    let exporter = InMemorySpanExporter::default();
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(exporter.clone())
        .build();
    let layer = tracing_opentelemetry::layer().with_tracer(provider.tracer("wamp-test"));
    let filter = tracing_subscriber::filter::filter_fn(move |m| {
        router || !m.target().starts_with("wamp::router")
    });
    let subscriber = tracing_subscriber::registry().with(filter).with(layer);
    let guard = tracing::subscriber::set_default(subscriber);
    (exporter, provider, guard)
}

async fn router() -> (Router, String) {
    let (router, addr) = Router::builder()
        .realm(RealmConfig::open("realm1"))
        .start("127.0.0.1:0")
        .await
        .unwrap();
    (router, format!("ws://{addr}/ws"))
}

async fn join(url: &str) -> Session {
    let transport = wamp::transport::connect(url, &ClientOptions::default())
        .await
        .unwrap();
    Session::join(transport, JoinConfig::new("realm1"))
        .await
        .unwrap()
}

/// Waits until every span named in `names` has ended, and returns them.
async fn finished(exporter: &InMemorySpanExporter, names: &[&str]) -> Vec<SpanData> {
    let wait = async {
        loop {
            let spans = exporter.get_finished_spans().unwrap();
            let found: Vec<SpanData> = names
                .iter()
                .filter_map(|n| spans.iter().find(|s| s.name == *n).cloned())
                .collect();
            if found.len() == names.len() {
                return found;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(10), wait)
        .await
        .unwrap_or_else(|_| {
            let all = exporter.get_finished_spans().unwrap();
            let ended: Vec<_> = all.iter().map(|s| s.name.clone()).collect();
            panic!("spans {names:?} did not all end; ended: {ended:?}")
        })
}

fn attribute(span: &SpanData, key: &str) -> Option<String> {
    span.attributes
        .iter()
        .find(|kv| kv.key.as_str() == key)
        .map(|kv| kv.value.to_string())
}

/// Runs one call from a caller session (inside an `app.request` span) to a
/// callee component through the embedded router.
async fn call_through_the_router() {
    let (_router, url) = router().await;
    let (joined_tx, mut joined) = mpsc::unbounded_channel();
    let callee = Component::builder("realm1")
        .transport_config(TransportConfig::url(url.as_str(), Default::default()))
        .procedure(
            "com.trace.add",
            RegisterOptions::default(),
            typed_procedure(|(a, b): (i64, i64)| async move { Ok(a + b) }),
        )
        .on_join(move |_| {
            let tx = joined_tx.clone();
            async move { tx.send(()).unwrap() }
        })
        .build();
    let (stop, task) = callee.start();
    joined.recv().await.unwrap();
    let caller = join(&url).await;
    let sum = async { caller.call("com.trace.add", &(2, 3)).await }
        .instrument(tracing::info_span!("app.request"))
        .await
        .unwrap();
    assert_eq!(sum.payload.args::<(i64,)>().unwrap(), (5,));
    stop.stop();
    let _ = task.await;
}

#[tokio::test]
async fn one_trace_links_caller_router_and_callee() {
    let (exporter, _provider, _guard) = otel(true);
    call_through_the_router().await;
    let spans = finished(
        &exporter,
        &["app.request", "wamp.call", "wamp.route", "wamp.invocation"],
    )
    .await;
    let [app, call, route, invocation] = &spans[..] else {
        unreachable!()
    };
    let trace = app.span_context.trace_id();
    for span in [call, route, invocation] {
        assert_eq!(span.span_context.trace_id(), trace, "{}", span.name);
    }
    assert_eq!(call.parent_span_id, app.span_context.span_id());
    assert_eq!(route.parent_span_id, call.span_context.span_id());
    assert!(route.parent_span_is_remote);
    assert_eq!(invocation.parent_span_id, route.span_context.span_id());
    assert!(invocation.parent_span_is_remote);
    assert_eq!(call.span_kind, SpanKind::Client);
    assert_eq!(invocation.span_kind, SpanKind::Server);
    for span in [call, route, invocation] {
        assert_eq!(attribute(span, "rpc.system").as_deref(), Some("wamp"));
        assert_eq!(
            attribute(span, "rpc.method").as_deref(),
            Some("com.trace.add")
        );
    }
}

#[tokio::test]
async fn without_router_spans_the_callee_is_a_child_of_the_caller() {
    let (exporter, _provider, _guard) = otel(false);
    call_through_the_router().await;
    let spans = finished(&exporter, &["wamp.call", "wamp.invocation"]).await;
    let [call, invocation] = &spans[..] else {
        unreachable!()
    };
    assert_eq!(
        invocation.span_context.trace_id(),
        call.span_context.trace_id()
    );
    assert_eq!(invocation.parent_span_id, call.span_context.span_id());
    let ended = exporter.get_finished_spans().unwrap();
    assert!(!ended.iter().any(|s| s.name == "wamp.route"));
}

#[tokio::test]
async fn a_publication_links_publisher_router_and_subscriber() {
    let (exporter, _provider, _guard) = otel(true);
    let (_router, url) = router().await;
    let subscriber = join(&url).await;
    let publisher = join(&url).await;
    let (tx, mut rx) = mpsc::unbounded_channel();
    subscriber
        .subscribe(
            "com.trace.news",
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
    publisher
        .publish("com.trace.news", &("hello",))
        .instrument(tracing::info_span!("app.announce"))
        .await
        .unwrap();
    rx.recv().await.unwrap();
    let spans = finished(
        &exporter,
        &["app.announce", "wamp.publish", "wamp.route", "wamp.event"],
    )
    .await;
    let [app, publish, route, event] = &spans[..] else {
        unreachable!()
    };
    let trace = app.span_context.trace_id();
    for span in [publish, route, event] {
        assert_eq!(span.span_context.trace_id(), trace, "{}", span.name);
    }
    assert_eq!(publish.parent_span_id, app.span_context.span_id());
    assert_eq!(route.parent_span_id, publish.span_context.span_id());
    assert_eq!(event.parent_span_id, route.span_context.span_id());
    assert_eq!(publish.span_kind, SpanKind::Producer);
    assert_eq!(event.span_kind, SpanKind::Consumer);
    assert_eq!(
        attribute(event, "messaging.destination.name").as_deref(),
        Some("com.trace.news")
    );
}
