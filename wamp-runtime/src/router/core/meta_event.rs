//! Meta events (`wamp.session.on_join`, `wamp.registration.on_create`, ...)
//! that dealer and broker report; the realm publishes them after the change.

use crate::protocol::Value;

/// One meta event to publish.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct MetaEvent {
    /// The `wamp.*` topic.
    pub(crate) topic: &'static str,
    /// Positional arguments.
    pub(crate) args: Vec<Value>,
}

impl MetaEvent {
    /// A meta event on `topic`.
    pub(crate) fn new(topic: &'static str, args: Vec<Value>) -> Self {
        MetaEvent { topic, args }
    }
}
