//! Acknowledged event delivery (`x_acknowledged_event_delivery`, an
//! Autobahn|Crossbar extension): a publisher that announced the feature and
//! publishes with `PUBLISH.Options.x_acknowledged_delivery = true` gets one
//! `[EVENT_RECEIVED, Publication]` per subscriber that processed the event.
//! The EVENTs carry `Details.x_acknowledged_delivery = true`, which asks the
//! subscriber to answer with EVENT_RECEIVED once its handler succeeded.
//!
//! The broker remembers, per acknowledged publication, its publisher and the
//! subscribers still to answer. Bounded: at most [`MAX_PENDING_PUBLICATIONS`]
//! publications and [`MAX_WAITING`] awaited acknowledgements per realm (the
//! oldest publications are forgotten first, and logged), and at most
//! [`MAX_WAITING_PER_PUBLISHER`] awaited acknowledgements per publisher (past
//! it a publication's acknowledgements are not tracked, and that is logged),
//! so that one publisher cannot push out the others. An EVENT_RECEIVED for a
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

/// Most acknowledgements (one per subscriber and publication) a realm waits for.
pub(crate) const MAX_WAITING: usize = 65_536;

/// Most acknowledgements a realm waits for on behalf of one publisher.
pub(crate) const MAX_WAITING_PER_PUBLISHER: usize = 8192;

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
    /// Awaited acknowledgements in all.
    waiting: usize,
    /// Awaited acknowledgements per publisher.
    per_publisher: HashMap<Id, usize>,
}

impl Acks {
    /// Waits for the acknowledgements of `receivers` for a publication.
    pub(crate) fn expect(&mut self, publication: Id, publisher: Id, receivers: Vec<Id>) {
        let waiting: HashSet<Id> = receivers.into_iter().collect();
        let n = waiting.len();
        if n == 0 {
            return;
        }
        let own = self.per_publisher.get(&publisher).copied().unwrap_or(0);
        if own + n > MAX_WAITING_PER_PUBLISHER || n > MAX_WAITING {
            tracing::info!(
                session = publisher,
                publication,
                waiting = own,
                receivers = n,
                limit = MAX_WAITING_PER_PUBLISHER,
                "acknowledgements of this publication not tracked: the publisher waits for too many"
            );
            return;
        }
        while self.by_publication.len() >= MAX_PENDING_PUBLICATIONS
            || self.waiting + n > MAX_WAITING
        {
            let Some(oldest) = self.order.front().copied() else {
                break;
            };
            let unanswered = self
                .by_publication
                .get(&oldest)
                .map_or(0, |p| p.waiting.len());
            tracing::info!(
                publication = oldest,
                unanswered,
                "stopped waiting for event acknowledgements: too many wait in this realm"
            );
            self.forget(oldest);
        }
        *self.per_publisher.entry(publisher).or_default() += n;
        self.waiting += n;
        self.order.push_back(publication);
        self.by_publication
            .insert(publication, Pending { publisher, waiting });
    }

    /// Counts one awaited acknowledgement of `publisher` as done.
    fn answered(&mut self, publisher: Id, count: usize) {
        self.waiting -= count;
        if let Some(n) = self.per_publisher.get_mut(&publisher) {
            *n -= count;
            if *n == 0 {
                self.per_publisher.remove(&publisher);
            }
        }
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
        let (publisher, done) = (pending.publisher, pending.waiting.is_empty());
        out.send(
            publisher,
            Message::EventReceived(EventReceived { publication }),
        );
        self.answered(publisher, 1);
        if done {
            self.forget(publication);
        }
    }

    /// Stops waiting for a publication's acknowledgements.
    fn forget(&mut self, publication: Id) {
        if let Some(p) = self.by_publication.remove(&publication) {
            self.answered(p.publisher, p.waiting.len());
        }
        if self.order.front() == Some(&publication) {
            self.order.pop_front();
        } else if let Some(at) = self.order.iter().position(|p| *p == publication) {
            self.order.remove(at);
        }
    }

    /// A session left: it acknowledges nothing more, and its publications
    /// wait no longer.
    pub(crate) fn remove_session(&mut self, session: Id) {
        let mut released = Vec::new();
        self.by_publication.retain(|_, p| {
            let mut count = usize::from(p.waiting.remove(&session));
            let keep = p.publisher != session && !p.waiting.is_empty();
            if !keep {
                count += p.waiting.len();
            }
            if count > 0 {
                released.push((p.publisher, count));
            }
            keep
        });
        for (publisher, count) in released {
            self.answered(publisher, count);
        }
        let by_publication = &self.by_publication;
        self.order.retain(|p| by_publication.contains_key(p));
    }

    /// How many publications wait.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        debug_assert_eq!(
            self.waiting,
            self.by_publication
                .values()
                .map(|p| p.waiting.len())
                .sum::<usize>()
        );
        debug_assert_eq!(self.waiting, self.per_publisher.values().sum::<usize>());
        self.by_publication.len()
    }
}
