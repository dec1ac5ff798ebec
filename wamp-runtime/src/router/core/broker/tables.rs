//! The broker's state for one realm: subscriptions and retained events.

use std::collections::HashMap;

use crate::protocol::Payload;
use crate::protocol::id::Id;
use crate::protocol::options::WirePublishOptions;

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

/// The last retained event of a topic.
#[derive(Debug, Clone)]
pub(crate) struct Retained {
    /// Publication ID.
    pub(crate) publication: Id,
    /// Who published it.
    pub(crate) publisher: Option<Publisher>,
    /// Whether the publisher is disclosed.
    pub(crate) disclose: bool,
    /// The PUBLISH options (lists, encryption).
    pub(crate) options: WirePublishOptions,
    /// The event payload.
    pub(crate) payload: Payload,
}

/// The broker's state for one realm.
#[derive(Debug, Default)]
pub(crate) struct Broker {
    /// Subscriptions by ID and URI.
    pub(crate) subscriptions: Subscriptions,
    /// The last retained event per topic.
    pub(crate) retained: HashMap<String, Retained>,
}
