//! Trace context across WAMP with a plain `tracing` subscriber capturing
//! span fields (no OpenTelemetry layer): the callee's and subscriber's
//! handler spans get the caller's trace ID, with the router's span in
//! between (or directly when the router does not trace), over WebSocket
//! with the embedded router.

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::sync::{Arc, Mutex};

use tokio::sync::mpsc;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Instrument as _, Metadata, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt as _};
use tracing_subscriber::registry::LookupSpan;
use wamp::client::{JoinConfig, current_trace_parent, event_handler, typed_procedure};
use wamp::protocol::trace_context::TraceParent;
use wamp::router::{RealmConfig, Router};
use wamp::transport::ClientOptions;
use wamp::{RegisterOptions, Session, SubscribeOptions};

/// A span: its ID, name and fields.
type Captured = (Id, &'static str, BTreeMap<String, String>);

/// The fields of every span created, by span name, in creation order;
/// without `router`, the router's spans are not taken.
#[derive(Clone)]
struct Spans {
    spans: Arc<Mutex<Vec<Captured>>>,
    router: bool,
}

impl Spans {
    fn new(router: bool) -> Self {
        Spans {
            spans: Arc::default(),
            router,
        }
    }
}

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Spans {
    fn register_callsite(&self, _: &'static Metadata<'static>) -> Interest {
        Interest::sometimes()
    }

    fn enabled(&self, meta: &Metadata<'_>, _: Context<'_, S>) -> bool {
        self.router || !meta.target().starts_with("wamp::router")
    }

    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, _: Context<'_, S>) {
        let mut fields = BTreeMap::new();
        attrs.record(&mut Fields(&mut fields));
        let name = attrs.metadata().name();
        self.spans.lock().unwrap().push((id.clone(), name, fields));
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, _: Context<'_, S>) {
        let mut spans = self.spans.lock().unwrap();
        if let Some((_, _, fields)) = spans.iter_mut().rev().find(|(i, _, _)| i == id) {
            values.record(&mut Fields(fields));
        }
    }
}

impl Spans {
    /// The fields of every span named `name`, in creation order.
    fn all(&self, name: &str) -> Vec<BTreeMap<String, String>> {
        let spans = self.spans.lock().unwrap();
        spans
            .iter()
            .filter(|(_, n, _)| *n == name)
            .map(|(_, _, fields)| fields.clone())
            .collect()
    }

    /// The fields of the only span named `name`.
    fn one(&self, name: &str) -> BTreeMap<String, String> {
        let spans = self.spans.lock().unwrap();
        let found: Vec<_> = spans.iter().filter(|(_, n, _)| *n == name).collect();
        assert_eq!(found.len(), 1, "spans named {name}: {found:?}");
        found[0].2.clone()
    }
}

async fn join(url: &str) -> Session {
    let transport = wamp::transport::connect(url, &ClientOptions::default())
        .await
        .unwrap();
    Session::join(transport, JoinConfig::new("realm1"))
        .await
        .unwrap()
}

/// Runs one call over WebSocket (caller and callee sessions, embedded
/// router) under a subscriber that takes the router's spans or not;
/// returns the callee's `current_trace_parent`.
async fn traced_call(router_traces: bool) -> (Spans, Option<TraceParent>) {
    let spans = Spans::new(router_traces);
    let _guard =
        tracing::subscriber::set_default(tracing_subscriber::registry().with(spans.clone()));

    let (_router, addr) = Router::builder()
        .realm(RealmConfig::open("realm1"))
        .start("127.0.0.1:0")
        .await
        .unwrap();
    let url = format!("ws://{addr}/ws");
    let callee = join(&url).await;
    let caller = join(&url).await;
    callee
        .register(
            "com.trace.where",
            RegisterOptions::default(),
            typed_procedure(|(): ()| async { Ok(current_trace_parent().map(|p| p.to_string())) }),
        )
        .await
        .unwrap();
    let result = caller.call("com.trace.where", &()).await.unwrap();
    let seen: Option<String> = result.payload.args::<(Option<String>,)>().unwrap().0;
    (spans, seen.map(|s| TraceParent::parse(&s).unwrap()))
}

#[tokio::test]
async fn the_callee_span_continues_the_callers_trace_through_the_routers_span() {
    let (spans, seen) = traced_call(true).await;
    let call = spans.one("wamp.call");
    let route = spans.one("wamp.route");
    let invocation = spans.one("wamp.invocation");
    assert_eq!(call["rpc.method"], "com.trace.where");
    assert!(
        !call.contains_key("parent_span_id"),
        "the caller starts the trace"
    );
    assert_eq!(route["trace_id"], call["trace_id"]);
    assert_eq!(route["parent_span_id"], call["span_id"]);
    assert_eq!(invocation["trace_id"], call["trace_id"]);
    assert_eq!(invocation["parent_span_id"], route["span_id"]);
    assert_eq!(invocation["rpc.method"], "com.trace.where");
    // The handler runs in its span's context.
    let seen = seen.expect("the handler has a trace context");
    assert_eq!(seen.trace_id_hex().to_string(), call["trace_id"]);
    assert_eq!(seen.span_id_hex().to_string(), invocation["span_id"]);
}

#[tokio::test]
async fn without_router_spans_the_callee_span_is_a_child_of_the_callers() {
    let (spans, _) = traced_call(false).await;
    let call = spans.one("wamp.call");
    let invocation = spans.one("wamp.invocation");
    assert_eq!(invocation["trace_id"], call["trace_id"]);
    assert_eq!(invocation["parent_span_id"], call["span_id"]);
}

#[tokio::test]
async fn a_publication_carries_the_trace_context_to_the_event_handler() {
    let spans = Spans::new(true);
    let _guard =
        tracing::subscriber::set_default(tracing_subscriber::registry().with(spans.clone()));
    let (_router, addr) = Router::builder()
        .realm(RealmConfig::open("realm1"))
        .start("127.0.0.1:0")
        .await
        .unwrap();
    let url = format!("ws://{addr}/ws");
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
                    tx.send(current_trace_parent()).unwrap();
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
    let seen = rx
        .recv()
        .await
        .unwrap()
        .expect("the handler has a trace context");

    let publish = spans.one("wamp.publish");
    let route = spans.one("wamp.route");
    let event = spans.one("wamp.event");
    assert_eq!(route["trace_id"], publish["trace_id"]);
    assert_eq!(route["parent_span_id"], publish["span_id"]);
    assert_eq!(event["trace_id"], publish["trace_id"]);
    assert_eq!(event["parent_span_id"], route["span_id"]);
    assert_eq!(event["messaging.destination.name"], "com.trace.news");
    assert_eq!(seen.trace_id_hex().to_string(), publish["trace_id"]);
}

#[tokio::test]
async fn a_call_made_by_a_handler_continues_the_trace() {
    let spans = Spans::new(true);
    let _guard =
        tracing::subscriber::set_default(tracing_subscriber::registry().with(spans.clone()));
    let (_router, addr) = Router::builder()
        .realm(RealmConfig::open("realm1"))
        .start("127.0.0.1:0")
        .await
        .unwrap();
    let url = format!("ws://{addr}/ws");
    let callee = join(&url).await;
    let caller = join(&url).await;
    callee
        .register(
            "com.trace.inner",
            RegisterOptions::default(),
            typed_procedure(|(): ()| async { Ok(1) }),
        )
        .await
        .unwrap();
    let inner = callee.clone();
    callee
        .register(
            "com.trace.outer",
            RegisterOptions::default(),
            typed_procedure(move |(): ()| {
                let inner = inner.clone();
                async move {
                    let r = inner.call("com.trace.inner", &()).await?;
                    Ok(r.payload.args::<(i64,)>()?.0 + 1)
                }
            }),
        )
        .await
        .unwrap();
    let r = caller.call("com.trace.outer", &()).await.unwrap();
    assert_eq!(r.payload.args::<(i64,)>().unwrap(), (2,));

    let calls = spans.all("wamp.call");
    let invocations = spans.all("wamp.invocation");
    assert_eq!((calls.len(), invocations.len()), (2, 2));
    let by_method = |list: &[BTreeMap<String, String>], m: &str| {
        list.iter().find(|f| f["rpc.method"] == m).cloned().unwrap()
    };
    let outer_call = by_method(&calls, "com.trace.outer");
    let outer = by_method(&invocations, "com.trace.outer");
    let inner_call = by_method(&calls, "com.trace.inner");
    let inner = by_method(&invocations, "com.trace.inner");
    for span in [&outer, &inner_call, &inner] {
        assert_eq!(span["trace_id"], outer_call["trace_id"]);
    }
    // The handler's call is a child of the handler's span.
    assert_eq!(inner_call["parent_span_id"], outer["span_id"]);
}
