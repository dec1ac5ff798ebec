//! The broker's state for one realm: subscriptions and retained events.

use crate::protocol::id::Id;

use super::retained::RetainedEvents;
use super::subscriptions::Subscriptions;

/// Who published an event, for disclosure and exclusion.
#[derive(Debug, Clone)]
pub(crate) struct Publisher {
    /// Publisher session.
    pub(crate) session: Id,
    /// Its authid.
    pub(crate) authid: String,
    /// Its authrole.
    pub(crate) authrole: String,
}

/// The broker's state for one realm.
#[derive(Debug, Default)]
pub(crate) struct Broker {
    /// Subscriptions by ID and URI.
    pub(crate) subscriptions: Subscriptions,
    /// The last retained event per topic, bounded.
    pub(crate) retained: RetainedEvents,
}
