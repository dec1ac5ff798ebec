//! Acknowledged event delivery (`x_acknowledged_event_delivery`, an
//! Autobahn|Crossbar extension): a publisher that announced the feature and
//! publishes with `PUBLISH.Options.x_acknowledged_delivery = true` gets one
//! `[EVENT_RECEIVED, Publication]` per subscriber that processed the event.
//! The EVENTs carry `Details.x_acknowledged_delivery = true`, which asks the
//! subscriber to answer with EVENT_RECEIVED once its handler succeeded.
//!
//! The broker remembers, per acknowledged publication, its publisher and the
//! subscribers still to answer; bounded by [`MAX_PENDING_PUBLICATIONS`] per
//! realm (the oldest is forgotten first, and logged). An EVENT_RECEIVED for a
//! publication the broker does not wait for (unknown, already answered,
//! forgotten, or from a session that did not receive it) has no reply in the
//! protocol: it is discarded and logged.

use std::collections::VecDeque;

use crate::protocol::id::Id;
use crate::protocol::options::WirePublishOptions;
use crate::protocol::{EventReceived, Message, Value};
use crate::router::core::hash::{HashMap, HashSet};

use super::super::output::Output;

/// Most publications waiting for acknowledgements in a realm.
pub(crate) const MAX_PENDING_PUBLICATIONS: usize = 4096;

/// The PUBLISH option that asks for acknowledgements.
pub(crate) const OPTION: &str = "x_acknowledged_delivery";

/// Whether a PUBLISH asks for acknowledged delivery.
pub(crate) fn asked(options: &WirePublishOptions) -> bool {
    matches!(options.extra.get(OPTION), Some(Value::Bool(true)))
}

#[derive(Debug)]
struct Pending {
    publisher: Id,
    waiting: HashSet<Id>,
}

/// The publications waiting for acknowledgements.
#[derive(Debug, Default)]
pub(crate) struct Acks {
    by_publication: HashMap<Id, Pending>,
    order: VecDeque<Id>,
}

impl Acks {
    /// Waits for the acknowledgements of `receivers` for a publication.
    pub(crate) fn expect(&mut self, publication: Id, publisher: Id, receivers: Vec<Id>) {
        if receivers.is_empty() {
            return;
        }
        while self.by_publication.len() >= MAX_PENDING_PUBLICATIONS {
            let Some(oldest) = self.order.pop_front() else {
                break;
            };
            if let Some(p) = self.by_publication.remove(&oldest) {
                tracing::info!(
                    publication = oldest,
                    unanswered = p.waiting.len(),
                    limit = MAX_PENDING_PUBLICATIONS,
                    "stopped waiting for event acknowledgements: too many publications wait"
                );
            }
        }
        self.order.push_back(publication);
        self.by_publication.insert(
            publication,
            Pending {
                publisher,
                waiting: receivers.into_iter().collect(),
            },
        );
    }

    /// A subscriber acknowledged an event: its publisher is told.
    pub(crate) fn received(&mut self, out: &mut Output, subscriber: Id, publication: Id) {
        let Some(pending) = self.by_publication.get_mut(&publication) else {
            tracing::debug!(
                session = subscriber,
                publication,
                "EVENT_RECEIVED for a publication not waiting for acknowledgements; discarded"
            );
            return;
        };
        if !pending.waiting.remove(&subscriber) {
            tracing::debug!(
                session = subscriber,
                publication,
                "EVENT_RECEIVED from a session not expected to acknowledge; discarded"
            );
            return;
        }
        out.send(
            pending.publisher,
            Message::EventReceived(EventReceived { publication }),
        );
        if pending.waiting.is_empty() {
            self.forget(publication);
        }
    }

    fn forget(&mut self, publication: Id) {
        self.by_publication.remove(&publication);
        if let Some(at) = self.order.iter().position(|p| *p == publication) {
            self.order.remove(at);
        }
    }

    /// A session left: it acknowledges nothing more, and its publications
    /// wait no longer.
    pub(crate) fn remove_session(&mut self, session: Id) {
        self.by_publication.retain(|_, p| {
            p.waiting.remove(&session);
            p.publisher != session && !p.waiting.is_empty()
        });
        let by_publication = &self.by_publication;
        self.order.retain(|p| by_publication.contains_key(p));
    }

    /// How many publications wait.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.by_publication.len()
    }
}
