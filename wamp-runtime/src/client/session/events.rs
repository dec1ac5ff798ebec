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
                s.handlers
                    .iter()
                    .map(|(_, h, load)| (h.clone(), load.clone()))
                    .collect::<Vec<_>>(),
                s.topic.clone(),
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
    let key_uri = d.topic.clone().unwrap_or_else(|| topic.clone());
    let payload = match crate::client::codec::open(
        session.codec().as_deref(),
        false,
        &key_uri,
        ev.payload,
        d.enc_algo.as_ref(),
        d.enc_key.as_ref(),
        d.enc_serializer.as_ref(),
    ) {
        Ok(p) => p,
        Err(e) => {
            tracing::warn!(topic = %key_uri, error = %e, "event payload cannot be opened; handlers not run");
            return;
        }
    };
    let ack = d.x_acknowledged_delivery == Some(true);
    let details = EventDetails {
        subscription: ev.subscription,
        publication: ev.publication,
        topic: d.topic.unwrap_or(topic),
        publisher: d.publisher,
        publisher_authid: d.publisher_authid,
        publisher_authrole: d.publisher_authrole,
        retained: d.retained == Some(true),
    };
    let max = session.shared.limits.max_queued_events;
    for (handler, load) in handlers {
        let Some(in_hand) = load.admit(max) else {
            if load.should_warn() {
                tracing::warn!(
                    topic = %details.topic,
                    subscription = ev.subscription,
                    dropped = load.dropped(),
                    max,
                    "event handler too slow: events dropped (SessionLimits::max_queued_events)"
                );
            }
            continue;
        };
        let ctx = EventContext {
            payload: payload.clone(),
            details: details.clone(),
            session: session.clone(),
        };
        let session = session.clone();
        let publication = ev.publication;
        run_inline(async move {
            let _in_hand = in_hand;
            let topic = ctx.details.topic.clone();
            let work = AssertUnwindSafe(async move { handler(ctx).await }).catch_unwind();
            match work.await {
                Ok(Ok(())) => {
                    if ack {
                        let _ = session
                            .send(&Message::EventReceived(EventReceived { publication }))
                            .await;
                    }
                }
                Ok(Err(e)) => tracing::warn!(%topic, error = %e, "event handler failed"),
                Err(panic) => {
                    tracing::error!(%topic, panic = %panic_message(&*panic), "event handler panicked")
                }
            }
        });
    }
}
