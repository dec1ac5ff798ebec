//! Event delivery: an EVENT goes to every local handler of its subscription,
//! each run inline until it first waits; failures and panics are logged.
//!
//! Each local handler has at most
//! [`SessionLimits::max_queued_events`](super::SessionLimits::max_queued_events)
//! events in hand at once; beyond that the newest event is dropped for that
//! handler, counted in its [`HandlerLoad`] and logged (at most once a second).
//! Events are never back-pressured: the reader delivering them also delivers
//! RPC results, which a slow event handler must not hold up.

use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::FutureExt as _;

use super::handle::{EventContext, Session};
use super::inline::{panic_message, run_inline};
use crate::client::details::EventDetails;
use crate::protocol::{Event, EventReceived, Message};

/// The least time between two warnings about dropped events of one handler.
const WARN_EVERY: Duration = Duration::from_secs(1);

/// One local handler's events in hand and events dropped.
#[derive(Debug, Default)]
pub(super) struct HandlerLoad {
    /// Events being handled (running or waiting in their handler's future).
    queued: AtomicUsize,
    /// Events dropped because `queued` was at the limit.
    dropped: AtomicU64,
    /// When a drop was last logged.
    last_warn: Mutex<Option<Instant>>,
}

impl HandlerLoad {
    /// Events being handled now.
    pub(super) fn queued(&self) -> usize {
        self.queued.load(Ordering::Acquire)
    }

    /// Events dropped so far.
    pub(super) fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Acquire)
    }

    /// Takes a place for one event, or counts it as dropped when `max` are in hand.
    fn admit(self: &Arc<Self>, max: usize) -> Option<InHand> {
        let taken = self
            .queued
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < max).then_some(n + 1)
            });
        match taken {
            Ok(_) => Some(InHand(self.clone())),
            Err(_) => {
                self.dropped.fetch_add(1, Ordering::AcqRel);
                None
            }
        }
    }

    /// Whether a drop should be logged now (at most once per [`WARN_EVERY`]).
    fn should_warn(&self) -> bool {
        let mut last = self.last_warn.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        if last.is_some_and(|t| now.duration_since(t) < WARN_EVERY) {
            return false;
        }
        *last = Some(now);
        true
    }
}

/// A place taken in a [`HandlerLoad`], given back when dropped.
struct InHand(Arc<HandlerLoad>);

impl Drop for InHand {
    fn drop(&mut self) {
        self.0.queued.fetch_sub(1, Ordering::AcqRel);
    }
}

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
            payload: ev.payload.clone(),
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
