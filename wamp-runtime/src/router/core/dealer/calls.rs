//! The dealer's table of calls in flight, by (callee, invocation ID) and by
//! (caller, call request ID), with their deadlines.

use std::collections::BTreeSet;
use std::time::Instant;

use crate::protocol::id::Id;
use crate::router::core::hash::HashMap;

/// (callee session, invocation request ID): how a call in flight is named.
pub(crate) type InvocationKey = (Id, Id);

/// A call in flight.
#[derive(Debug, Clone)]
pub(crate) struct InFlight {
    /// The caller's session.
    pub(crate) caller: Id,
    /// The caller's CALL request ID.
    pub(crate) call_request: Id,
    /// The callee's session.
    pub(crate) callee: Id,
    /// The registration invoked.
    pub(crate) registration: Id,
    /// The caller takes progressive results and the callee sends them.
    pub(crate) receive_progress: bool,
    /// The caller sends more chunks (progressive call invocations).
    pub(crate) caller_progress: bool,
    /// Canceled with `kill`: the caller gets ERROR when the callee answers.
    pub(crate) killed: bool,
    /// When the call times out.
    pub(crate) deadline: Option<Instant>,
}

/// Every call in flight of a realm.
#[derive(Debug, Default)]
pub(crate) struct Calls {
    by_invocation: HashMap<InvocationKey, InFlight>,
    by_call: HashMap<(Id, Id), InvocationKey>,
    deadlines: BTreeSet<(Instant, InvocationKey)>,
    /// How many calls each caller has in flight.
    per_caller: HashMap<Id, usize>,
}

impl Calls {
    /// Adds a call.
    pub(crate) fn insert(&mut self, key: InvocationKey, call: InFlight) {
        self.by_call.insert((call.caller, call.call_request), key);
        *self.per_caller.entry(call.caller).or_default() += 1;
        if let Some(at) = call.deadline {
            self.deadlines.insert((at, key));
        }
        self.by_invocation.insert(key, call);
    }

    /// The call of an invocation.
    pub(crate) fn get(&self, key: InvocationKey) -> Option<&InFlight> {
        self.by_invocation.get(&key)
    }

    /// The call of an invocation, to change.
    pub(crate) fn get_mut(&mut self, key: InvocationKey) -> Option<&mut InFlight> {
        self.by_invocation.get_mut(&key)
    }

    /// The invocation of a caller's call request.
    pub(crate) fn key_of_call(&self, caller: Id, request: Id) -> Option<InvocationKey> {
        self.by_call.get(&(caller, request)).copied()
    }

    /// How many calls a caller has in flight.
    pub(crate) fn count_of(&self, caller: Id) -> usize {
        self.per_caller.get(&caller).copied().unwrap_or(0)
    }

    /// Removes a call.
    pub(crate) fn remove(&mut self, key: InvocationKey) -> Option<InFlight> {
        let call = self.by_invocation.remove(&key)?;
        self.by_call.remove(&(call.caller, call.call_request));
        if let Some(n) = self.per_caller.get_mut(&call.caller) {
            *n -= 1;
            if *n == 0 {
                self.per_caller.remove(&call.caller);
            }
        }
        if let Some(at) = call.deadline {
            self.deadlines.remove(&(at, key));
        }
        Some(call)
    }

    /// The calls a session makes or serves.
    pub(crate) fn of_session(&self, session: Id) -> Vec<InvocationKey> {
        self.by_invocation
            .iter()
            .filter(|(_, c)| c.caller == session || c.callee == session)
            .map(|(k, _)| *k)
            .collect()
    }

    /// The earliest deadline.
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        self.deadlines.first().map(|(at, _)| *at)
    }

    /// The calls whose deadline is at or before `now`, earliest first.
    pub(crate) fn expired(&self, now: Instant) -> Vec<InvocationKey> {
        self.deadlines
            .iter()
            .take_while(|(at, _)| *at <= now)
            .map(|(_, key)| *key)
            .collect()
    }

    #[cfg(test)]
    /// Number of calls in flight.
    pub(crate) fn len(&self) -> usize {
        self.by_invocation.len()
    }

    #[cfg(test)]
    /// Number of pending deadlines (each belongs to a call in flight).
    pub(crate) fn deadline_count(&self) -> usize {
        self.deadlines.len()
    }

    #[cfg(test)]
    /// Every call in flight.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&InvocationKey, &InFlight)> {
        self.by_invocation.iter()
    }
}
