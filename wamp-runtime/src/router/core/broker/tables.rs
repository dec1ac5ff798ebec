//! The broker's state for one realm: subscriptions and retained events.

use super::acks::Acks;
use super::history::History;
use super::retained::RetainedEvents;
use super::subscriptions::Subscriptions;

/// The broker's state for one realm.
#[derive(Debug, Default)]
pub(crate) struct Broker {
    /// Subscriptions by ID and URI.
    pub(crate) subscriptions: Subscriptions,
    /// The last retained event per topic, bounded.
    pub(crate) retained: RetainedEvents,
    /// The event histories the realm config lists.
    pub(crate) history: History,
    /// The publications waiting for event acknowledgements.
    pub(crate) acks: Acks,
}
