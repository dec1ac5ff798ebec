//! Progressive call invocations (`CALL.Options.progress`) over real sockets
//! against the embedded router: the dealer's rules with scripted peers
//! (chunks pinned to one invocation, `feature_not_supported`, a chunk after
//! the final one, a chunk naming another procedure, chunks of a call that
//! ended early), then our client end to end: [`wamp::InputCall`] on the
//! caller and `wamp::ProgressiveInput<T>` in a `#[wamp::register]` callee.

#[path = "router/peer.rs"]
mod peer;

use std::net::SocketAddr;
use std::time::Duration;

use futures_util::StreamExt as _;
use peer::{Peer, args, router, uri};
use serde_json::json;
use tokio::sync::mpsc;
use wamp::SerializerKind::{self, Json, MsgPack};
use wamp::client::{JoinConfig, TransportConfig};
use wamp::protocol::options::{HelloDetails, WireCallOptions};
use wamp::protocol::roles::{Role, RoleDetails, feature};
use wamp::protocol::{Call, Hello, Message, MessageType, Payload, Uri, uris};
use wamp::transport::ClientOptions;
use wamp::{Component, Error, ProgressiveInput, RegisterOptions, Session};

const WAIT: Duration = Duration::from_secs(5);

/// A scripted peer whose callee role announces `progressive_call_invocations`.
async fn streaming_callee(addr: SocketAddr) -> Peer {
    let mut p = Peer::connect(&format!("ws://{addr}/ws"), Json).await;
    let roles = peer::client_roles().with(
        Role::Callee,
        RoleDetails::with_features([
            feature::PROGRESSIVE_CALL_INVOCATIONS,
            feature::CALL_CANCELING,
        ]),
    );
    let details = HelloDetails {
        roles: Some(roles),
        ..Default::default()
    };
    p.send(Message::Hello(Hello {
        realm: Uri::new("realm1").unwrap(),
        details,
    }))
    .await;
    match p.recv().await {
        Message::Welcome(w) => p.session = w.session,
        other => panic!("expected WELCOME, got {other:?}"),
    }
    p
}

fn chunk(request: u64, procedure: &str, more: bool, payload: Payload) -> Message {
    Message::Call(Call {
        request,
        options: WireCallOptions {
            progress: more.then_some(true),
            ..Default::default()
        },
        procedure: uri(procedure),
        payload,
    })
}

fn error_uri(m: Message, request: u64) -> String {
    match m {
        Message::Error(e) => {
            assert_eq!((e.request_type, e.request), (MessageType::Call, request));
            e.error.to_string()
        }
        other => panic!("expected ERROR, got {other:?}"),
    }
}

async fn expect_interrupt(callee: &mut Peer, request: u64) {
    match callee.recv().await {
        Message::Interrupt(i) => assert_eq!(i.request, request),
        other => panic!("expected INTERRUPT, got {other:?}"),
    }
}

fn abort_of(m: Message) -> String {
    match m {
        Message::Abort(a) => {
            assert_eq!(a.reason, uris::PROTOCOL_VIOLATION);
            a.details.message.unwrap_or_default()
        }
        other => panic!("expected ABORT, got {other:?}"),
    }
}

#[tokio::test]
async fn chunks_reach_one_invocation_in_order() {
    let (_router, addr) = router().await;
    let mut callee = streaming_callee(addr).await;
    callee.register("com.up.load").await;
    let mut caller = Peer::join(addr, Json).await;
    for (i, more) in [(0, true), (1, true), (2, false)] {
        caller
            .send(chunk(9, "com.up.load", more, args(Json, &[i])))
            .await;
    }
    let mut invocation = None;
    for (i, more) in [(0u64, true), (1, true), (2, false)] {
        let inv = callee.expect_invocation().await;
        assert_eq!(*invocation.get_or_insert(inv.request), inv.request);
        assert_eq!(inv.details.progress, more.then_some(true));
        assert_eq!(inv.payload.args::<Vec<u64>>().unwrap(), vec![i]);
    }
    callee
        .yield_(invocation.unwrap(), args(Json, &["done"]))
        .await;
    assert_eq!(
        caller
            .expect_result(9)
            .await
            .payload
            .args::<Vec<String>>()
            .unwrap(),
        vec!["done"]
    );
}

#[tokio::test]
async fn a_callee_without_the_feature_is_not_sent_chunks() {
    let (_router, addr) = router().await;
    // The scripted peer's roles do not announce progressive_call_invocations.
    let mut callee = Peer::join(addr, Json).await;
    callee.register("com.up.load").await;
    let mut caller = Peer::join(addr, MsgPack).await;
    caller
        .send(chunk(1, "com.up.load", true, args(MsgPack, &[1])))
        .await;
    assert_eq!(
        error_uri(caller.recv().await, 1),
        uris::FEATURE_NOT_SUPPORTED
    );
    assert!(callee.quiet(100).await);
    // A plain call still goes through.
    let request = caller.call("com.up.load", Payload::empty()).await;
    let inv = callee.expect_invocation().await;
    callee.yield_(inv.request, Payload::empty()).await;
    caller.expect_result(request).await;
}

#[tokio::test]
async fn a_chunk_after_the_final_one_or_to_another_procedure_aborts_only_the_caller() {
    let (_router, addr) = router().await;
    let mut callee = streaming_callee(addr).await;
    callee.register("com.up.load").await;
    callee.register("com.up.other").await;

    let mut late = Peer::join(addr, Json).await;
    late.send(chunk(1, "com.up.load", true, Payload::empty()))
        .await;
    late.send(chunk(1, "com.up.load", false, Payload::empty()))
        .await;
    let first = callee.expect_invocation().await;
    callee.expect_invocation().await;
    // The call is still in flight (no YIELD yet): one more chunk is refused.
    late.send(chunk(1, "com.up.load", true, Payload::empty()))
        .await;
    let text = abort_of(late.recv().await);
    assert!(text.contains("takes no more progressive chunks"), "{text}");
    assert!(late.closed().await);
    // The aborted caller's call is interrupted at the callee, which got no
    // further chunk.
    expect_interrupt(&mut callee, first.request).await;

    let mut other = Peer::join(addr, Json).await;
    other
        .send(chunk(4, "com.up.load", true, Payload::empty()))
        .await;
    let second = callee.expect_invocation().await;
    other
        .send(chunk(4, "com.up.other", true, Payload::empty()))
        .await;
    let text = abort_of(other.recv().await);
    assert!(
        text.contains("names procedure <com.up.other>, but the call is to <com.up.load>"),
        "{text}"
    );
    assert!(other.closed().await);

    expect_interrupt(&mut callee, second.request).await;
    // The router still serves.
    let mut caller = Peer::join(addr, Json).await;
    let request = caller.call("com.up.other", Payload::empty()).await;
    let inv = callee.expect_invocation().await;
    callee.yield_(inv.request, Payload::empty()).await;
    caller.expect_result(request).await;
}

#[tokio::test]
async fn chunks_of_a_call_that_ended_early_get_an_error_not_a_new_call() {
    let (_router, addr) = router().await;
    let mut callee = streaming_callee(addr).await;
    callee.register("com.up.load").await;
    let mut caller = Peer::join(addr, Json).await;
    caller
        .send(chunk(3, "com.up.load", true, args(Json, &[1])))
        .await;
    let inv = callee.expect_invocation().await;
    // The callee refuses the input before the final chunk.
    callee
        .send(Message::Error(wamp::protocol::ErrorMessage {
            request_type: MessageType::Invocation,
            request: inv.request,
            details: Default::default(),
            error: uri("com.up.too_big"),
            payload: Payload::empty(),
        }))
        .await;
    assert_eq!(error_uri(caller.recv().await, 3), "com.up.too_big");
    caller
        .send(chunk(3, "com.up.load", true, args(Json, &[2])))
        .await;
    assert_eq!(error_uri(caller.recv().await, 3), uris::CANCELED);
    caller
        .send(chunk(3, "com.up.load", false, args(Json, &[3])))
        .await;
    assert_eq!(error_uri(caller.recv().await, 3), uris::CANCELED);
    assert!(callee.quiet(100).await);
}

// ---------------------------------------------------------------------------
// Our client on both ends
// ---------------------------------------------------------------------------

/// Joins the chunks it is sent, in order.
#[wamp::register("org.pi.join")]
async fn join_chunks(mut input: ProgressiveInput<String>) -> Result<Vec<String>, Error> {
    let mut all = Vec::new();
    while let Some(part) = input.next().await {
        all.push(part?);
    }
    Ok(all)
}

/// Not taking its input in chunks.
#[wamp::register("org.pi.plain")]
fn plain(n: i64) -> i64 {
    n
}

async fn component(url: &str, serializer: SerializerKind) -> wamp::client::StopHandle {
    let (joined_tx, mut joined) = mpsc::unbounded_channel();
    let component = Component::builder("realm1")
        .transport_config(TransportConfig::url(
            url.to_owned(),
            ClientOptions::with_serializers([serializer]),
        ))
        .collected_prefix("org.pi.")
        .on_join(move |_| {
            let joined = joined_tx.clone();
            async move {
                let _ = joined.send(());
            }
        })
        .build();
    let (stop, _task) = component.start();
    tokio::time::timeout(WAIT, joined.recv())
        .await
        .unwrap()
        .unwrap();
    stop
}

async fn session(url: &str, serializer: SerializerKind) -> Session {
    let transport = wamp::transport::connect(url, &ClientOptions::with_serializers([serializer]))
        .await
        .unwrap();
    Session::join(transport, JoinConfig::new("realm1"))
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn input_call_streams_typed_chunks_to_a_macro_procedure() {
    let (_router, addr) = router().await;
    let url = format!("ws://{addr}/ws");
    let _stop = component(&url, MsgPack).await;
    let caller = session(&url, Json).await;

    let mut call = caller
        .call("org.pi.join", &["a"])
        .start_input()
        .await
        .unwrap();
    for part in ["b", "c", "d"] {
        call.send(&[part]).await.unwrap();
    }
    let result = tokio::time::timeout(WAIT, call.finish(&["e"]))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        result.args_as::<(Vec<String>,)>().unwrap().0,
        ["a", "b", "c", "d", "e"]
    );

    // A plain CALL is a one-chunk input.
    let result = caller.call("org.pi.join", &["only"]).await.unwrap();
    assert_eq!(result.args_as::<(Vec<String>,)>().unwrap().0, ["only"]);

    // A chunk that is not one String fails the stream's item.
    let mut call = caller
        .call("org.pi.join", &["ok"])
        .start_input()
        .await
        .unwrap();
    call.send(&(1, 2)).await.unwrap();
    let e = call.finish(&["late"]).await.unwrap_err();
    assert_eq!(e.uri(), uris::INVALID_ARGUMENT, "{e}");
    assert!(
        e.text()
            .unwrap()
            .contains("exactly one positional argument"),
        "{e}"
    );

    // A procedure that does not take chunks refuses a progressive call.
    let call = caller
        .call("org.pi.plain", &[1])
        .start_input()
        .await
        .unwrap();
    let e = call.finish(&[2]).await.unwrap_err();
    assert_eq!(e.uri(), uris::FEATURE_NOT_SUPPORTED, "{e}");
    assert!(e.text().unwrap().contains("<org.pi.plain>"), "{e}");

    // Same session still serves ordinary calls.
    let n = caller.call("org.pi.plain", &[7]).await.unwrap();
    assert_eq!(n.args_as::<(i64,)>().unwrap().0, 7);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handler_registered_by_hand_reads_raw_chunks() {
    let (_router, addr) = router().await;
    let url = format!("ws://{addr}/ws");
    let callee = session(&url, MsgPack).await;
    callee
        .register(
            "org.raw.count",
            RegisterOptions::default().progressive_input(),
            wamp::client::procedure(|inv| async move {
                let mut chunks = inv.input.take().expect("input chunks");
                let mut n = 0u64;
                while let Some(c) = chunks.next().await {
                    n += c?.args::<Vec<u64>>()?.iter().sum::<u64>();
                }
                Ok(wamp::CallResult::args(&[n])?)
            }),
        )
        .await
        .unwrap();
    let caller = session(&url, Json).await;
    let mut call = caller
        .call("org.raw.count", &[1, 2])
        .start_input()
        .await
        .unwrap();
    call.send(&[3]).await.unwrap();
    call.send(&()).await.unwrap();
    let r = call.finish(&[4]).await.unwrap();
    assert_eq!(r.args_as::<(u64,)>().unwrap().0, 10);
}

#[test]
fn the_catalog_gives_the_chunk_type_as_input() {
    let catalog = wamp::catalog();
    let join = catalog["procedures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["uri"] == "org.pi.join")
        .unwrap();
    assert_eq!(join["input"], json!({"type": "string", "title": "input"}));
    assert_eq!(
        join["args"]["prefixItems"],
        json!([{"type": "string", "title": "input"}])
    );
    let plain = catalog["procedures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["uri"] == "org.pi.plain")
        .unwrap();
    assert!(plain.get("input").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chunks_after_the_handler_ended_never_start_another_run() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let (_router, addr) = router().await;
    let url = format!("ws://{addr}/ws");
    let callee = session(&url, MsgPack).await;
    let runs = Arc::new(AtomicUsize::new(0));
    let counted = runs.clone();
    callee
        .register(
            "org.raw.refuse",
            RegisterOptions::default().progressive_input(),
            wamp::client::procedure(move |_inv| {
                counted.fetch_add(1, Ordering::SeqCst);
                async { Err(Error::new("org.raw.too_big")) }
            }),
        )
        .await
        .unwrap();
    let caller = session(&url, Json).await;
    for _ in 0..3 {
        let mut call = caller
            .call("org.raw.refuse", &[0])
            .start_input()
            .await
            .unwrap();
        for i in 1..5 {
            call.send(&[i]).await.unwrap();
        }
        let e = call.finish(&[5]).await.unwrap_err();
        assert_eq!(e.uri(), "org.raw.too_big");
    }
    // Round trip through the callee so every chunk has arrived there.
    let plain_done = caller.call("org.raw.refuse", &[9]).await.unwrap_err();
    assert_eq!(plain_done.uri(), "org.raw.too_big");
    assert_eq!(runs.load(Ordering::SeqCst), 4);
}
