//! The Rust side of the interop test API (the same procedures as the callee of
//! `tests/interop/peer.py`), served by a Rust component, and helpers that check
//! a peer's results against it.
//!
//! The procedures are plain functions annotated with `#[wamp::register]`
//! under `interop.api.`, served under each test's prefix with
//! `Component::collected_renamed`. Three handlers stay hand-written with the
//! client API because they work on the raw payload: `echo` (returns the
//! payload as it came), `binary` (raw bytes, which have no JSON Schema) and the
//! event recorder of `topic` (records any args/kwargs shape for the checks).

use std::collections::HashMap;
use std::time::Duration;

use serde_bytes::ByteBuf;
use serde_json::{Value as J, json};
use tokio::sync::mpsc;
use wamp::client::{
    MatchPolicy, RetryPolicy, TransportConfig, event_handler, procedure, typed_procedure,
};
use wamp::transport::ClientOptions;
use wamp::{CallResult, Component, Error, RegisterOptions, SerializerKind, SubscribeOptions};

use crate::interop::Checks;

/// Where handlers report to the test (shared state of the component).
type Reporter = mpsc::UnboundedSender<Report>;

/// Adds two integers.
#[wamp::register("interop.api.add2")]
fn add2(a: i64, b: i64) -> i64 {
    a + b
}

/// Sends `0..n` as progressive results, then `"done"`.
#[wamp::register("interop.api.progress")]
async fn progress(n: u32, progress: wamp::Progress<u32>) -> Result<&'static str, Error> {
    for i in 0..n {
        progress.send(&i).await?;
    }
    Ok("done")
}

/// Always fails with an application error carrying args and kwargs.
#[wamp::register("interop.api.fail", errors = ["com.example.error.custom"])]
fn fail() -> Result<(), Error> {
    Err(Error::new("com.example.error.custom")
        .with_args(&("bad", 42))?
        .with_kwargs(&json!({"reason": "because"}))?)
}

/// Waits until the caller cancels, then reports it.
#[wamp::register("interop.api.slow")]
async fn slow(cancel: wamp::CancellationToken, reporter: wamp::State<Reporter>) -> &'static str {
    cancel.cancelled().await;
    let _ = reporter.send(Report::Interrupted);
    "not canceled"
}

/// The caller's session ID, when disclosed.
#[wamp::register("interop.api.whoami")]
fn whoami(details: wamp::CallDetails) -> Option<u64> {
    details.caller
}

/// The concrete procedure called under this prefix (the peers pass one
/// string argument, which must be there).
#[wamp::register("interop.api.pattern", match = "prefix")]
fn pattern(item: String, details: wamp::CallDetails) -> String {
    assert_eq!(item, "x", "the peers call pattern with \"x\"");
    details.procedure
}

/// The concrete procedure called through this wildcard.
#[wamp::register("interop.api..wild", match = "wildcard")]
fn wild(details: wamp::CallDetails) -> String {
    details.procedure
}

/// What the Rust component reports to the test.
#[derive(Debug)]
pub enum Report {
    /// The component joined (session ID).
    Joined(u64),
    /// A handler of `P.slow` was canceled by an INTERRUPT.
    Interrupted,
    /// An event on the `P.topic` prefix subscription: topic, args, kwargs (JSON), publisher.
    Event(String, J, J, Option<u64>),
}

/// Builds the component serving the test API under `prefix` on `url`, plus a
/// prefix subscription to `<prefix>.topic`; its reports go to the returned channel.
pub fn rust_api_component(
    url: &str,
    serializer: SerializerKind,
    prefix: &str,
) -> (Component, mpsc::UnboundedReceiver<Report>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let p = |name: &str| format!("{prefix}.{name}");
    let events = tx.clone();
    let joined = tx.clone();
    let component = Component::builder("realm1")
        .transport_config(
            TransportConfig::url(url, ClientOptions::with_serializers([serializer])).retry(
                RetryPolicy {
                    initial_delay: Duration::from_millis(100),
                    max_delay: Duration::from_millis(500),
                    ..RetryPolicy::default()
                },
            ),
        )
        .procedure(
            &p("echo"),
            RegisterOptions::default(),
            procedure(|inv| async move { Ok(CallResult::from_payload(inv.payload)) }),
        )
        .procedure(
            &p("binary"),
            RegisterOptions::default(),
            typed_procedure(|(b,): (ByteBuf,)| async move {
                let mut v = b.into_vec();
                v.reverse();
                Ok(ByteBuf::from(v))
            }),
        )
        .state(tx)
        .collected_renamed("interop.api.", &format!("{prefix}."))
        .subscription(
            &p("topic"),
            SubscribeOptions::default().match_policy(MatchPolicy::Prefix),
            event_handler(move |ev| {
                let events = events.clone();
                async move {
                    let args: Vec<wamp::Value> = ev.payload.args().unwrap_or_default();
                    let kwargs: wamp::protocol::Dict = ev.payload.kwargs().unwrap_or_default();
                    let args = J::Array(args.iter().map(crate::value_to_json).collect());
                    let kwargs = J::Object(
                        kwargs
                            .iter()
                            .map(|(k, v)| (k.clone(), crate::value_to_json(v)))
                            .collect(),
                    );
                    let _ = events.send(Report::Event(
                        ev.details.topic,
                        args,
                        kwargs,
                        ev.details.publisher,
                    ));
                    Ok(())
                }
            }),
        )
        .on_join(move |s| {
            let joined = joined.clone();
            async move {
                let _ = joined.send(Report::Joined(s.id()));
            }
        })
        .build();
    (component, rx)
}

/// The next report, within `timeout`.
pub async fn next_report(rx: &mut mpsc::UnboundedReceiver<Report>, timeout: Duration) -> Report {
    tokio::time::timeout(timeout, rx.recv())
        .await
        .expect("no report from the Rust component in time")
        .expect("the Rust component is gone")
}

/// Checks a caller peer's results of the common checks against a callee of
/// the test API under `prefix`.
pub fn check_common(checks: &mut Checks, who: &str, prefix: &str, results: &HashMap<String, J>) {
    let get = |name: &str| -> &J {
        results
            .get(name)
            .unwrap_or_else(|| panic!("{who}: no result for check {name}: {results:?}"))
    };
    for (name, expected) in [
        ("add2", json!({"check": "add2", "value": 5})),
        (
            "echo",
            json!({"check": "echo", "args": [1, "two", [3.5, true, null]], "kwargs": {"k": "v", "n": {"x": 1}}}),
        ),
        (
            "binary",
            json!({"check": "binary", "value": {"hex": "fffe020100"}}),
        ),
        (
            "progress",
            json!({"check": "progress", "progress": [[0], [1], [2]], "value": "done"}),
        ),
        (
            "fail",
            json!({"check": "fail", "error": "com.example.error.custom", "args": ["bad", 42], "kwargs": {"reason": "because"}}),
        ),
        (
            "pattern",
            json!({"check": "pattern", "value": format!("{prefix}.pattern.one.two")}),
        ),
        ("cancel", json!({"check": "cancel", "value": "canceled"})),
        ("publish", json!({"check": "publish", "value": 3})),
    ] {
        if results.contains_key(name) {
            checks.eq(&format!("{who}: {name}"), get(name), &expected);
        }
    }
    if let Some(r) = results.get("no_such_procedure") {
        checks.eq(
            &format!("{who}: no_such_procedure"),
            &r["error"],
            &json!("wamp.error.no_such_procedure"),
        );
    }
    if let Some(r) = results.get("invalid_argument") {
        checks.eq(
            &format!("{who}: invalid_argument"),
            &r["error"],
            &json!("wamp.error.invalid_argument"),
        );
    }
    if let Some(r) = results.get("cancel_kill") {
        checks.eq(
            &format!("{who}: cancel (kill)"),
            &r["error"],
            &json!("wamp.error.canceled"),
        );
    }
    if let Some(r) = results.get("wildcard") {
        checks.eq(
            &format!("{who}: wildcard registration"),
            &r["value"],
            &json!(format!("{prefix}.anything.wild")),
        );
    }
    if let Some(r) = results.get("whoami") {
        checks.eq(
            &format!("{who}: caller disclosed"),
            &r["value"],
            &r["session"],
        );
    }
}
