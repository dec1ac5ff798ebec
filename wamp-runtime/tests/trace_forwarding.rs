//! The router forwards a valid `x_traceparent` (and `x_tracestate`) of a
//! CALL or PUBLISH in the INVOCATION or EVENT, re-formatted, and drops
//! invalid ones and every other extra option. No subscriber is installed in
//! this test binary: the router has no span of its own and forwards the
//! caller's context as it is.

#[path = "router/peer.rs"]
mod peer;

use peer::{Peer, args};
use wamp::SerializerKind;
use wamp::protocol::options::{WireCallOptions, WirePublishOptions};
use wamp::protocol::trace_context::{TRACEPARENT_KEY, TRACESTATE_KEY, TraceParent};
use wamp::protocol::{Dict, Value};

const GOOD: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

fn dict(entries: &[(&str, Value)]) -> Dict {
    entries
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

fn text(s: &str) -> Value {
    Value::String(s.to_owned())
}

#[tokio::test]
async fn the_router_forwards_a_valid_trace_context_and_no_other_extra_option() {
    let (_router, addr) = peer::router().await;
    let mut callee = Peer::join(addr, SerializerKind::Json).await;
    let mut caller = Peer::join(addr, SerializerKind::MsgPack).await;
    callee.register("com.trace").await;

    let valid = dict(&[
        (TRACEPARENT_KEY, text(GOOD)),
        (TRACESTATE_KEY, text("congo=t61rcWkgMzE")),
        ("x_secret", text("not for the callee")),
    ]);
    let long_state = "a=b,".repeat(200);
    let cases = [
        (valid, Some("congo=t61rcWkgMzE")),
        // Hostile values are dropped, with whatever tracestate came along.
        (
            dict(&[
                (TRACEPARENT_KEY, text(&GOOD.to_uppercase())),
                (TRACESTATE_KEY, text("a=b")),
            ]),
            None,
        ),
        (
            dict(&[(
                TRACEPARENT_KEY,
                text(&format!("{GOOD}{}", "-x".repeat(5000))),
            )]),
            None,
        ),
        (dict(&[(TRACEPARENT_KEY, Value::UInt(7))]), None),
        (
            dict(&[
                (TRACEPARENT_KEY, text(GOOD)),
                (TRACESTATE_KEY, text(&long_state)),
            ]),
            None,
        ),
    ];
    for (i, (extra, state)) in cases.into_iter().enumerate() {
        let forwarded = TraceParent::from_dict(&extra).is_some();
        let options = WireCallOptions {
            extra,
            ..Default::default()
        };
        let request = caller
            .call_with("com.trace", options, args(caller.kind(), &(i,)))
            .await;
        let inv = callee.expect_invocation().await;
        let mut expected = Dict::new();
        if forwarded {
            expected.insert(TRACEPARENT_KEY.into(), text(GOOD));
        }
        if let Some(state) = state {
            expected.insert(TRACESTATE_KEY.into(), text(state));
        }
        assert_eq!(inv.details.extra, expected, "case {i}");
        callee.yield_(inv.request, args(callee.kind(), &(i,))).await;
        caller.expect_result(request).await;
    }

    // A PUBLISH's trace context reaches the subscriber; its other extra
    // options do not.
    let mut subscriber = Peer::join(addr, SerializerKind::Cbor).await;
    subscriber.subscribe("com.trace.news").await;
    let options = WirePublishOptions {
        extra: dict(&[(TRACEPARENT_KEY, text(GOOD)), ("x_secret", text("no"))]),
        ..Default::default()
    };
    caller
        .publish_with("com.trace.news", options, args(caller.kind(), &("hi",)))
        .await;
    let event = subscriber.expect_event().await;
    assert_eq!(event.details.extra, dict(&[(TRACEPARENT_KEY, text(GOOD))]));
}
