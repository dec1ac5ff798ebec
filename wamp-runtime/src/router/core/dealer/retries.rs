//! The table of calls that may be re-routed (`call_reroute`): per call to a
//! shared registration, what it needs to go to another callee; the handlers
//! that use it are in `reroute.rs`.

use crate::protocol::Payload;
use crate::protocol::id::Id;
use crate::protocol::options::InvocationDetails;
use crate::router::core::hash::HashMap;

use super::calls::InvocationKey;

/// What a call needs to go to another callee.
#[derive(Debug, Clone)]
pub(crate) struct Retry {
    /// The INVOCATION's details (the caller's disclosure, timeout, ...).
    pub(crate) details: InvocationDetails,
    /// The call's arguments.
    pub(crate) payload: Payload,
    /// The caller asked for progressive results.
    pub(crate) wants_progress: bool,
    /// The callee sessions that declined, in order.
    pub(crate) declined: Vec<Id>,
}

/// The calls that may be re-routed, by invocation.
#[derive(Debug, Default)]
pub(crate) struct Reroutes {
    by_invocation: HashMap<InvocationKey, Retry>,
}

impl Reroutes {
    /// Keeps what a call needs to be re-routed.
    pub(crate) fn remember(&mut self, key: InvocationKey, retry: Retry) {
        self.by_invocation.insert(key, retry);
    }

    /// Forgets a call (it ended).
    pub(crate) fn forget(&mut self, key: InvocationKey) -> Option<Retry> {
        self.by_invocation.remove(&key)
    }

    /// How many calls could be re-routed.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.by_invocation.len()
    }

    /// The invocations that could be re-routed.
    #[cfg(test)]
    pub(crate) fn keys(&self) -> impl Iterator<Item = &InvocationKey> {
        self.by_invocation.keys()
    }
}
