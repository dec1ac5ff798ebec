//! The router's spans, in the I/O shell (the core stays sans-I/O and only
//! forwards the trace context as data):
//!
//! - `wamp.session` (INFO) for each session: session ID, realm, authid,
//!   authrole, transport, serializer;
//! - `wamp.route` (DEBUG) for each CALL and PUBLISH: caller/publisher, the
//!   procedure (`rpc.method`) or topic, the request ID, and once routed the
//!   callee and the invocation's request ID (or the number of receivers).
//!
//! A `wamp.route` span is a child of the caller's `x_traceparent` (see
//! [`crate::protocol::trace_context`]), and the router rewrites the
//! traceparent with the span's own ID before the core forwards it in the
//! INVOCATION or EVENT, so the callee's span becomes the router span's
//! child. When no subscriber takes the span, nothing is rewritten: the
//! callee's span is then a child of the caller's.

use std::fmt::Debug;

use tracing::Span;
use tracing::field::Empty;

use super::core::{Outgoing, Output};
use crate::protocol::id::Id;
use crate::protocol::trace_context::{TRACESTATE_KEY, TraceParent};
use crate::protocol::trace_span::{self, Parent};
use crate::protocol::{Dict, Message, Value};

/// The span of one session of the router.
pub(crate) fn session_span(
    session: Id,
    realm: &str,
    authid: &str,
    authrole: &str,
    transport: impl Debug,
    serializer: impl Debug,
) -> Span {
    tracing::info_span!(
        parent: None,
        "wamp.session",
        wamp.session = session,
        wamp.realm = realm,
        wamp.authid = authid,
        wamp.authrole = authrole,
        wamp.transport = ?transport,
        wamp.serializer = ?serializer,
    )
}

/// The span of routing one message of session `session` (CALL and PUBLISH;
/// a disabled span for the others), its trace context rewritten to name
/// the span.
pub(crate) fn route_span(realm: &str, session: Id, msg: &mut Message) -> Span {
    // Asked of the current subscriber itself (a span's callsite may be
    // enabled for another one): nothing is made when it takes no span here.
    if !matches!(msg, Message::Call(_) | Message::Publish(_))
        || !tracing::enabled!(tracing::Level::DEBUG)
    {
        return Span::none();
    }
    match msg {
        Message::Call(call) => {
            let span = tracing::debug_span!(
                parent: None,
                "wamp.route",
                otel.kind = "server",
                rpc.system = "wamp",
                rpc.method = %call.procedure,
                wamp.realm = realm,
                wamp.caller = session,
                wamp.request_id = call.request,
                wamp.callee = Empty,
                wamp.invocation_id = Empty,
                trace_id = Empty,
                span_id = Empty,
                parent_span_id = Empty,
            );
            relink(&span, &mut call.options.extra);
            span
        }
        Message::Publish(publish) => {
            let span = tracing::debug_span!(
                parent: None,
                "wamp.route",
                otel.kind = "internal",
                messaging.system = "wamp",
                messaging.destination.name = %publish.topic,
                wamp.realm = realm,
                wamp.publisher = session,
                wamp.request_id = publish.request,
                wamp.receivers = Empty,
                trace_id = Empty,
                span_id = Empty,
                parent_span_id = Empty,
            );
            relink(&span, &mut publish.options.extra);
            span
        }
        _ => Span::none(),
    }
}

/// Makes the span a child of the options' traceparent and writes the
/// span's own context in its place (nothing when the span is disabled).
fn relink(span: &Span, options: &mut Dict) {
    if span.is_disabled() {
        return;
    }
    let parent = TraceParent::from_dict(options);
    let state = options
        .get(TRACESTATE_KEY)
        .and_then(Value::as_str)
        .map(str::to_owned);
    if let Some(out) = trace_span::link(span, parent, state.as_deref(), Parent::Remote) {
        out.write_to(options);
    }
}

/// Records where the core routed the message: the callee and invocation
/// request ID of a CALL, the number of receivers of a PUBLISH.
pub(crate) fn record_routed(span: &Span, out: &Output) {
    if span.is_disabled() {
        return;
    }
    let mut receivers = 0;
    for item in &out.items {
        match item {
            Outgoing::Send(callee, Message::Invocation(inv)) => {
                span.record("wamp.callee", callee);
                span.record("wamp.invocation_id", inv.request);
            }
            Outgoing::Send(_, Message::Event(_)) => receivers += 1,
            Outgoing::Fanout(to, Message::Event(_)) => receivers += to.len(),
            _ => {}
        }
    }
    span.record("wamp.receivers", receivers);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::trace_context::TRACEPARENT_KEY;
    use crate::protocol::{Call, Payload, Uri};

    const GOOD: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    fn call(traceparent: &str) -> Message {
        let mut call = Call::new(1, Uri::new("com.x").unwrap(), Payload::empty());
        let extra = &mut call.options.extra;
        extra.insert(TRACEPARENT_KEY.into(), Value::String(traceparent.into()));
        extra.insert(TRACESTATE_KEY.into(), Value::String("a=b".into()));
        Message::Call(call)
    }

    fn traceparent(msg: &Message) -> Option<TraceParent> {
        let Message::Call(call) = msg else {
            unreachable!()
        };
        TraceParent::from_dict(&call.options.extra)
    }

    #[test]
    fn without_a_subscriber_no_span_is_made_and_the_context_is_untouched() {
        let mut msg = call(GOOD);
        let span = route_span("realm1", 7, &mut msg);
        assert!(span.is_disabled());
        assert_eq!(traceparent(&msg).unwrap().to_string(), GOOD);
    }

    #[test]
    fn a_routing_span_names_itself_as_the_parent_of_the_invocation() {
        let _guard = tracing::subscriber::set_default(tracing_subscriber::registry());
        let incoming = TraceParent::parse(GOOD).unwrap();
        let mut msg = call(GOOD);
        let span = route_span("realm1", 7, &mut msg);
        assert!(!span.is_disabled());
        let sent = traceparent(&msg).unwrap();
        assert_eq!(sent.trace_id, incoming.trace_id);
        assert_ne!(sent.span_id, incoming.span_id);
        let Message::Call(sent_call) = &msg else {
            unreachable!()
        };
        let state = &sent_call.options.extra[TRACESTATE_KEY];
        assert_eq!(state.as_str(), Some("a=b"));

        // An invalid incoming context is replaced by a new trace.
        let mut msg = call("00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01");
        route_span("realm1", 7, &mut msg);
        let sent = traceparent(&msg).unwrap();
        assert_ne!(sent.trace_id, incoming.trace_id);
    }
}
