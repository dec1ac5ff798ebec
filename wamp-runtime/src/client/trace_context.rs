//! The client's spans and the trace context they carry across WAMP:
//!
//! - `wamp.session` (INFO) around a session's reader: session ID, realm;
//! - `wamp.call` (DEBUG) for each call, from the CALL to its answer:
//!   procedure (`rpc.method`), request ID;
//! - `wamp.publish` (DEBUG) for each publication: topic;
//! - `wamp.invocation` (DEBUG) around a procedure's handler: procedure,
//!   request ID, caller (when disclosed);
//! - `wamp.event` (DEBUG) around an event handler: topic, subscription,
//!   publication.
//!
//! A CALL and a PUBLISH carry the sending span's context as a W3C
//! traceparent under `x_traceparent` (see
//! [`crate::protocol::trace_context`]); an INVOCATION's or EVENT's becomes
//! the parent of the handler's span. Inside a handler,
//! [`current_trace_parent`] is that context, and calls and publications made
//! from the handler continue its trace.

use std::future::Future;

use tracing::Span;
use tracing::field::Empty;

use crate::protocol::trace_context::{TRACESTATE_KEY, TraceParent};
use crate::protocol::trace_span::{self, Parent};
use crate::protocol::{Dict, Id, Uri, Value};

tokio::task_local! {
    /// The trace context of the handler a task runs.
    static CURRENT: Option<TraceParent>;
}

/// The trace context of the procedure or event handler this code runs in:
/// its span's own when a subscriber takes the span, otherwise the one the
/// INVOCATION or EVENT brought. `None` outside a handler, or when neither
/// side traces.
pub fn current_trace_parent() -> Option<TraceParent> {
    CURRENT.try_with(|c| *c).ok().flatten()
}

/// Runs a handler's future with `cx` as its [`current_trace_parent`].
pub(crate) fn scope<F: Future>(cx: Option<TraceParent>, f: F) -> impl Future<Output = F::Output> {
    CURRENT.scope(cx, f)
}

/// Runs `f` (a handler's first poll) with `cx` as its [`current_trace_parent`].
pub(crate) fn sync_scope<R>(cx: Option<TraceParent>, f: impl FnOnce() -> R) -> R {
    CURRENT.sync_scope(cx, f)
}

/// The span of a client session.
pub(crate) fn session_span(session: Id, realm: &str) -> Span {
    tracing::info_span!(
        parent: None,
        "wamp.session",
        wamp.session = session,
        wamp.realm = realm,
    )
}

/// The span of a call (a child of the current span); its request ID is
/// recorded once known.
pub(crate) fn call_span(procedure: &Uri) -> Span {
    if !wanted() {
        return Span::none();
    }
    tracing::debug_span!(
        "wamp.call",
        otel.kind = "client",
        rpc.system = "wamp",
        rpc.method = %procedure,
        wamp.request_id = Empty,
        trace_id = Empty,
        span_id = Empty,
        parent_span_id = Empty,
    )
}

/// The span of a publication (a child of the current span).
pub(crate) fn publish_span(topic: &Uri) -> Span {
    if !wanted() {
        return Span::none();
    }
    tracing::debug_span!(
        "wamp.publish",
        otel.kind = "producer",
        messaging.system = "wamp",
        messaging.destination.name = %topic,
        trace_id = Empty,
        span_id = Empty,
        parent_span_id = Empty,
    )
}

/// Writes the trace context of a call's or publication's span into its
/// options: the span's own, or the handler's context when the span is
/// disabled; nothing when there is none.
pub(crate) fn inject(span: &Span, options: &mut Dict) {
    if let Some(out) = trace_span::link(span, current_trace_parent(), None, Parent::Ambient) {
        out.write_to(options);
    }
}

/// The span of a procedure's handler, a child of the INVOCATION's trace
/// context, and the context its handler runs in.
pub(crate) fn invocation_span(
    procedure: &str,
    request: Id,
    caller: Option<Id>,
    details: &Dict,
) -> (Span, Option<TraceParent>) {
    if !wanted() {
        return (Span::none(), TraceParent::from_dict(details));
    }
    let span = tracing::debug_span!(
        parent: None,
        "wamp.invocation",
        otel.kind = "server",
        rpc.system = "wamp",
        rpc.method = procedure,
        wamp.request_id = request,
        wamp.caller = Empty,
        trace_id = Empty,
        span_id = Empty,
        parent_span_id = Empty,
    );
    if let Some(caller) = caller {
        span.record("wamp.caller", caller);
    }
    let cx = link_remote(&span, details);
    (span, cx)
}

/// The span of an event handler, a child of the EVENT's trace context, and
/// the context the handler runs in.
pub(crate) fn event_span(
    topic: &str,
    subscription: Id,
    publication: Id,
    details: &Dict,
) -> (Span, Option<TraceParent>) {
    if !wanted() {
        return (Span::none(), TraceParent::from_dict(details));
    }
    let span = tracing::debug_span!(
        parent: None,
        "wamp.event",
        otel.kind = "consumer",
        messaging.system = "wamp",
        messaging.destination.name = topic,
        wamp.subscription = subscription,
        wamp.publication = publication,
        trace_id = Empty,
        span_id = Empty,
        parent_span_id = Empty,
    );
    let cx = link_remote(&span, details);
    (span, cx)
}

/// Whether the current subscriber takes this module's DEBUG spans: asked
/// of the subscriber itself, since a span's callsite may be enabled for
/// another subscriber (a thread's own default).
fn wanted() -> bool {
    tracing::enabled!(tracing::Level::DEBUG)
}

/// Makes the span a child of the details' trace context; returns the
/// context its handler runs in.
fn link_remote(span: &Span, details: &Dict) -> Option<TraceParent> {
    let incoming = TraceParent::from_dict(details);
    let state = details.get(TRACESTATE_KEY).and_then(Value::as_str);
    trace_span::link(span, incoming, state, Parent::Remote).map(|out| out.parent)
}
