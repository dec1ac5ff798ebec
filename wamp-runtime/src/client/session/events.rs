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

use futures_util::FutureExt as _;

use super::handle::{EventContext, Session};
use super::inline::{panic_message, run_inline};
use crate::client::details::EventDetails;
use crate::protocol::{Event, EventReceived, Message};

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
    let d = ev.details;
    let ack = d.x_acknowledged_delivery == Some(true);
    let mut details = Some(EventDetails {
        subscription: ev.subscription,
        publication: ev.publication,
        topic: d.topic.or(topic).unwrap_or_default(),
        publisher: d.publisher,
        publisher_authid: d.publisher_authid,
        publisher_authrole: d.publisher_authrole,
        retained: d.retained == Some(true),
    });
    let mut payload = Some(ev.payload);
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
        let ctx = EventContext {
            payload,
            details,
            session: session.clone(),
        };
        let session = session.clone();
        let handler = handler.clone();
        let (publication, subscription) = (ev.publication, ev.subscription);
        run_inline(async move {
            let _in_hand = in_hand;
            let work = AssertUnwindSafe(async { handler(ctx).await }).catch_unwind();
            let outcome = work.await;
            if let Ok(Ok(())) = outcome {
                if ack {
                    let _ = session
                        .send(&Message::EventReceived(EventReceived { publication }))
                        .await;
                }
                return;
            }
            // The topic is looked up only to report a failure.
            let topic = session
                .lock()
                .subscriptions
                .get(&subscription)
                .map(|s| s.topic.clone())
                .unwrap_or_default();
            match outcome {
                Ok(Err(e)) => {
                    tracing::warn!(%topic, publication, error = %e, "event handler failed")
                }
                Err(panic) => {
                    tracing::error!(%topic, publication, panic = %panic_message(&*panic), "event handler panicked")
                }
                Ok(Ok(())) => {}
            }
        });
    }
}
