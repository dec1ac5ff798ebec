//! Links the crate's `tracing` spans (a call, a routed message, an
//! invocation, an event) to the W3C trace context of
//! [`trace_context`](super::trace_context), for the client and the router's
//! shell alike. Pure data in, data out: no I/O.
//!
//! With the `opentelemetry` feature and an OpenTelemetry layer installed, a
//! span's parent is the incoming context (`OpenTelemetrySpanExt::set_parent`)
//! and the context sent on is the span's own OpenTelemetry span context.
//! Otherwise a span gets a built-in context, recorded in its `trace_id`,
//! `span_id` and `parent_span_id` fields: the parent's trace with a fresh
//! random span ID, or a fresh trace. A disabled span (no subscriber
//! interested) costs nothing: the incoming context is passed on unchanged.

use tracing::Span;

use super::trace_context::{TRACESTATE_KEY, TraceParent};
use crate::serializer::{Dict, Value};

/// How a span relates to the context it is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Parent {
    /// The context came from a peer: it is the span's parent.
    Remote,
    /// The context is the ambient one of the task (the handler this code
    /// runs in): the parent unless the span already has a `tracing` parent
    /// with an OpenTelemetry context.
    #[cfg_attr(not(feature = "client"), allow(dead_code))]
    Ambient,
}

/// The trace context to send on: a traceparent, and (with OpenTelemetry) the
/// span context's tracestate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Outgoing {
    /// The traceparent naming the span that sends.
    pub(crate) parent: TraceParent,
    /// A tracestate to send, if any (otherwise one already in the dict stays).
    pub(crate) state: Option<String>,
}

impl Outgoing {
    /// Writes the context into CALL/PUBLISH options (or INVOCATION/EVENT details).
    pub(crate) fn write_to(&self, dict: &mut Dict) {
        self.parent.write_to(dict);
        if let Some(state) = &self.state {
            dict.insert(TRACESTATE_KEY.to_owned(), Value::String(state.clone()));
        }
    }
}

/// Links `span` to `parent` (see [`Parent`]) and returns the context the
/// span's work sends on: the span's own when it is enabled, `parent`
/// unchanged when it is disabled.
pub(crate) fn link(
    span: &Span,
    parent: Option<TraceParent>,
    state: Option<&str>,
    how: Parent,
) -> Option<Outgoing> {
    if span.is_disabled() {
        return parent.map(|parent| Outgoing {
            parent,
            state: None,
        });
    }
    #[cfg(feature = "opentelemetry")]
    if let Some(out) = otel::link(span, parent, state, how) {
        return Some(out);
    }
    let _ = (state, how);
    Some(builtin(span, parent))
}

/// The built-in context: the parent's trace (or a new one) with a fresh
/// span ID, recorded in the span's fields.
fn builtin(span: &Span, parent: Option<TraceParent>) -> Outgoing {
    let own = parent.map_or_else(TraceParent::new_root, |p| p.new_child());
    span.record("trace_id", tracing::field::display(own.trace_id_hex()));
    span.record("span_id", tracing::field::display(own.span_id_hex()));
    if let Some(p) = parent {
        span.record("parent_span_id", tracing::field::display(p.span_id_hex()));
    }
    Outgoing {
        parent: own,
        state: None,
    }
}

/// The OpenTelemetry side: only when the span has an OpenTelemetry context
/// (an OpenTelemetry layer is installed and takes the span).
#[cfg(feature = "opentelemetry")]
mod otel {
    use opentelemetry::trace::{
        SpanContext, SpanId, TraceContextExt as _, TraceFlags, TraceId, TraceState,
    };
    use tracing::Span;
    use tracing_opentelemetry::OpenTelemetrySpanExt as _;

    use super::{Outgoing, Parent, TraceParent};

    /// Sets the span's OpenTelemetry parent and reads its span context;
    /// `None` when it has none (no OpenTelemetry layer).
    pub(super) fn link(
        span: &Span,
        parent: Option<TraceParent>,
        state: Option<&str>,
        how: Parent,
    ) -> Option<Outgoing> {
        if let Some(p) = parent {
            let set = match how {
                Parent::Remote => true,
                Parent::Ambient => !Span::current().context().has_active_span(),
            };
            if set {
                let remote = opentelemetry::Context::new()
                    .with_remote_span_context(to_span_context(p, state));
                // Refused only when the layer is missing or the span started:
                // then the context read below says what the span belongs to.
                let _ = span.set_parent(remote);
            }
        }
        let cx = span.context();
        let sc = cx.span().span_context().clone();
        sc.is_valid().then(|| Outgoing {
            parent: from_span_context(&sc),
            state: Some(sc.trace_state().header()).filter(|s| !s.is_empty()),
        })
    }

    /// A remote OpenTelemetry span context from a traceparent (and tracestate).
    pub(super) fn to_span_context(p: TraceParent, state: Option<&str>) -> SpanContext {
        let state = state
            .and_then(|s| s.parse::<TraceState>().ok())
            .unwrap_or_default();
        SpanContext::new(
            TraceId::from_bytes(p.trace_id.to_be_bytes()),
            SpanId::from_bytes(p.span_id.to_be_bytes()),
            TraceFlags::new(p.flags),
            true,
            state,
        )
    }

    /// The traceparent of an OpenTelemetry span context.
    pub(super) fn from_span_context(sc: &SpanContext) -> TraceParent {
        TraceParent {
            trace_id: u128::from_be_bytes(sc.trace_id().to_bytes()),
            span_id: u64::from_be_bytes(sc.span_id().to_bytes()),
            flags: sc.trace_flags().to_u8(),
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn converts_both_ways() {
            let p = TraceParent::parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
                .unwrap();
            let sc = to_span_context(p, Some("congo=t61rcWkgMzE"));
            assert_eq!(
                sc.trace_id().to_string(),
                "4bf92f3577b34da6a3ce929d0e0e4736"
            );
            assert_eq!(sc.span_id().to_string(), "00f067aa0ba902b7");
            assert!(sc.is_sampled() && sc.is_remote());
            assert_eq!(sc.trace_state().header(), "congo=t61rcWkgMzE");
            assert_eq!(from_span_context(&sc), p);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_disabled_span_passes_the_parent_on_unchanged() {
        let p = TraceParent::new_root();
        let out = link(&Span::none(), Some(p), None, Parent::Remote).unwrap();
        assert_eq!(out.parent, p);
        assert_eq!(link(&Span::none(), None, None, Parent::Ambient), None);
    }
}
