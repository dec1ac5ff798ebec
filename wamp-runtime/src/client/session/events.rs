//! Event delivery: an EVENT goes to every local handler of its subscription,
//! each run inline until it first waits; failures and panics are logged.

use std::panic::AssertUnwindSafe;

use futures_util::FutureExt as _;

use super::handle::{EventContext, Session};
use super::inline::{panic_message, run_inline};
use crate::client::details::EventDetails;
use crate::protocol::{Event, EventReceived, Message};

/// Runs every local handler of the EVENT's subscription; sends
/// EVENT_RECEIVED after each that succeeds when the publisher asked for it.
pub(super) fn on_event(session: &Session, ev: Event) {
    let (handlers, topic) = {
        let core = session.lock();
        match core.subscriptions.get(&ev.subscription) {
            Some(s) => (
                s.handlers
                    .iter()
                    .map(|(_, h)| h.clone())
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
    for handler in handlers {
        let ctx = EventContext {
            payload: ev.payload.clone(),
            details: details.clone(),
            session: session.clone(),
        };
        let session = session.clone();
        let publication = ev.publication;
        run_inline(async move {
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
