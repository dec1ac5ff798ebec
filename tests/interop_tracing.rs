//! Trace context through Crossbar.io: a traced caller and publisher send
//! `x_traceparent` in CALL and PUBLISH options; Crossbar.io accepts them
//! (the call and the publication go through) and does not forward them:
//! the callee's and the subscriber's handlers get no trace context. The
//! embedded router forwards it (wamp-runtime's `trace_context` tests).

use std::time::Duration;

use tokio::sync::mpsc;
use tracing_subscriber::layer::SubscriberExt as _;
use wamp::client::{JoinConfig, current_trace_parent, event_handler, typed_procedure};
use wamp::protocol::trace_context::TraceParent;
use wamp::router::{RealmConfig, Router};
use wamp::transport::ClientOptions;
use wamp::{RegisterOptions, SerializerKind, Session, SubscribeOptions};
use wamp_tests::interop::{Crossbar, scratch};

const WAIT: Duration = Duration::from_secs(10);

async fn join(url: &str) -> Session {
    let options = ClientOptions::with_serializers([SerializerKind::Json]);
    let transport = wamp::transport::connect(url, &options).await.unwrap();
    Session::join(transport, JoinConfig::new("realm1"))
        .await
        .unwrap()
}

/// A call and a publication from traced sessions to a callee/subscriber
/// session through the router at `url`: the trace contexts the handlers got.
async fn handlers_contexts(url: &str) -> (Option<String>, Option<TraceParent>) {
    let callee = join(url).await;
    let caller = join(url).await;
    callee
        .register(
            "com.trace.where",
            RegisterOptions::default(),
            typed_procedure(|(): ()| async { Ok(current_trace_parent().map(|p| p.to_string())) }),
        )
        .await
        .unwrap();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let _sub = callee
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
    let result = caller
        .call("com.trace.where", &())
        .await
        .expect("the router accepts a CALL with x_traceparent");
    let in_callee = result.payload.args::<(Option<String>,)>().unwrap().0;
    caller
        .publish("com.trace.news", &("hello",))
        .await
        .expect("the router accepts a PUBLISH with x_traceparent");
    let in_subscriber = tokio::time::timeout(WAIT, rx.recv())
        .await
        .expect("the event arrives")
        .unwrap();
    (in_callee, in_subscriber)
}

#[tokio::test]
async fn crossbar_accepts_and_does_not_forward_the_trace_context() {
    // The senders' spans (`wamp.call`, `wamp.publish`) are taken, so they
    // send `x_traceparent`; the handlers' and the embedded router's are
    // not, so a handler's context is what the router forwarded.
    let only_senders = tracing_subscriber::filter::filter_fn(|m| {
        !m.is_span() || m.name() == "wamp.call" || m.name() == "wamp.publish"
    });
    let _guard =
        tracing::subscriber::set_default(tracing_subscriber::registry().with(only_senders));

    // The embedded router forwards: the callers do send a context.
    let (_router, addr) = Router::builder()
        .realm(RealmConfig::open("realm1"))
        .start("127.0.0.1:0")
        .await
        .unwrap();
    let (in_callee, in_subscriber) = handlers_contexts(&format!("ws://{addr}/ws")).await;
    assert!(in_callee.is_some() && in_subscriber.is_some());

    let dir = scratch();
    let cb = Crossbar::start(dir.path());
    let (in_callee, in_subscriber) = handlers_contexts(&cb.ws()).await;
    assert_eq!(
        in_callee, None,
        "Crossbar.io forwarded x_traceparent in INVOCATION"
    );
    assert_eq!(
        in_subscriber, None,
        "Crossbar.io forwarded x_traceparent in EVENT"
    );
}
