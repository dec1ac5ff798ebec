//! Event delivery: an EVENT goes to every local handler of its subscription,
//! each run inline until it first waits; failures and panics are logged.
//!
//! Each local handler has at most
//! [`SessionLimits::max_queued_events`](super::SessionLimits::max_queued_events)
//! events in hand at once; beyond that the newest event is dropped for that
//! handler, counted in its [`HandlerLoad`](super::limits::HandlerLoad) and
//! logged (at most once a second).
//! Events are never back-pressured: the reader delivering them also delivers
//! RPC results, which a slow event handler must not hold up.

use std::panic::AssertUnwindSafe;
use std::task::{Context, Poll, Waker};

use futures_util::FutureExt as _;
use tracing::Instrument as _;

use super::handle::{EventContext, Session};
use super::inline::panic_message;
use crate::client::details::EventDetails;
use crate::client::error::Error;
use crate::client::trace_context;
use crate::protocol::{Event, EventReceived, Id, Message};

/// Runs every local handler of the EVENT's subscription (those with room);
/// sends EVENT_RECEIVED after each that succeeds when the publisher asked for it.
pub(super) fn on_event(session: &Session, ev: Event) {
    let (handlers, topic) = {
        let core = session.lock();
        match core.subscriptions.get(&ev.subscription) {
            Some(s) => (
                s.handlers.clone(),
                // The subscribed URI, unless the router named the topic
                // (pattern subscriptions).
                ev.details.topic.is_none().then(|| s.topic.clone()),
            ),
            None => {
                tracing::debug!(
                    subscription = ev.subscription,
                    "event for an unknown subscription"
                );
                return;
            }
        }
    };
    let mut d = ev.details;
    let topic = d.topic.take().or(topic).unwrap_or_default();
    crate::client::metrics::event_received(&topic);
    let payload = match crate::client::codec::open(
        session.codec().as_deref(),
        false,
        &topic,
        ev.payload,
        d.enc_algo.as_ref(),
        d.enc_key.as_ref(),
        d.enc_serializer.as_ref(),
    ) {
        Ok(p) => p,
        Err(e) => {
            tracing::warn!(%topic, error = %e, "event payload cannot be opened; handlers not run");
            return;
        }
    };
    let ack = d.x_acknowledged_delivery == Some(true);
    let mut details = Some(EventDetails {
        subscription: ev.subscription,
        publication: ev.publication,
        topic,
        publisher: d.publisher,
        publisher_authid: d.publisher_authid,
        publisher_authrole: d.publisher_authrole,
        retained: d.retained == Some(true),
    });
    let mut payload = Some(payload);
    let max = session.shared.limits.max_queued_events;
    let last = handlers.len().saturating_sub(1);
    for (i, (_, handler, load)) in handlers.iter().enumerate() {
        let Some(in_hand) = load.admit(max) else {
            if load.should_warn() {
                tracing::warn!(
                    topic = %details.as_ref().map_or("", |d| d.topic.as_str()),
                    subscription = ev.subscription,
                    dropped = load.dropped(),
                    max,
                    "event handler too slow: events dropped (SessionLimits::max_queued_events)"
                );
            }
            continue;
        };
        // The last handler takes the details and payload; the others clone.
        let (details, payload) = if i == last {
            (details.take(), payload.take())
        } else {
            (details.clone(), payload.clone())
        };
        let (Some(details), Some(payload)) = (details, payload) else {
            break;
        };
        let (span, trace_cx) =
            trace_context::event_span(&details.topic, ev.subscription, ev.publication, &d.extra);
        let ctx = EventContext {
            payload,
            details,
            session: session.clone(),
        };
        // The handler runs inline until it first waits (most finish at once:
        // no task, no second box); only then is a task spawned for it.
        let (publication, subscription) = (ev.publication, ev.subscription);
        let started = std::panic::catch_unwind(AssertUnwindSafe(|| {
            let _entered = span.enter();
            trace_context::sync_scope(trace_cx, || {
                let mut work = handler(ctx);
                let mut cx = Context::from_waker(Waker::noop());
                match work.as_mut().poll(&mut cx) {
                    Poll::Ready(outcome) => Ok(outcome),
                    Poll::Pending => Err(work),
                }
            })
        }));
        match started {
            Ok(Ok(outcome)) => {
                drop(in_hand);
                if succeeded(session, subscription, publication, Ok(outcome)) && ack {
                    session.send_now(&received(publication));
                }
            }
            Ok(Err(work)) => {
                let session = session.clone();
                tokio::spawn(async move {
                    let work =
                        trace_context::scope(trace_cx, AssertUnwindSafe(work).catch_unwind());
                    let outcome = work.instrument(span).await;
                    drop(in_hand);
                    if succeeded(&session, subscription, publication, outcome) && ack {
                        let _ = session.send(&received(publication)).await;
                    }
                });
            }
            Err(panic) => {
                drop(in_hand);
                succeeded(session, subscription, publication, Err(panic));
            }
        }
    }
}

/// The EVENT_RECEIVED of a publication.
fn received(publication: Id) -> Message {
    Message::EventReceived(EventReceived { publication })
}

/// Whether a handler succeeded; a failure or a panic is logged.
fn succeeded(
    session: &Session,
    subscription: Id,
    publication: Id,
    outcome: std::thread::Result<Result<(), Error>>,
) -> bool {
    if let Ok(Ok(())) = outcome {
        return true;
    }
    // The topic is looked up only to report a failure.
    let topic = session
        .lock()
        .subscriptions
        .get(&subscription)
        .map(|s| s.topic.clone())
        .unwrap_or_default();
    match outcome {
        Ok(Err(e)) => tracing::warn!(%topic, publication, error = %e, "event handler failed"),
        Err(panic) => {
            tracing::error!(%topic, publication, panic = %panic_message(&*panic), "event handler panicked")
        }
        Ok(Ok(())) => {}
    }
    false
}
