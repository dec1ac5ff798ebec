//! The dealer's state for one realm: its registrations and its calls in flight.

use crate::protocol::id::Id;

use super::calls::{Calls, InFlight, InvocationKey};
use super::progressive_calls::Progressive;
use super::registrations::Registrations;
use super::retries::Reroutes;

/// The dealer's state for one realm.
#[derive(Debug, Default)]
pub(crate) struct Dealer {
    /// Registrations by ID and URI.
    pub(crate) registrations: Registrations,
    /// Calls in flight.
    pub(crate) calls: Calls,
    /// What calls to shared registrations need to be re-routed.
    pub(crate) reroutes: Reroutes,
    /// Progressive call invocations: their procedures and request-ID rules.
    pub(crate) progressive: Progressive,
}

impl Dealer {
    /// Ends a call in flight: forgets it and frees its callee's slot.
    pub(crate) fn finish(&mut self, key: InvocationKey) -> Option<InFlight> {
        self.reroutes.forget(key);
        let call = self.calls.remove(key)?;
        self.progressive.finished(&call);
        self.registrations.finished(call.registration, call.callee);
        Some(call)
    }

    /// The call a caller's request ID names, if in flight.
    pub(crate) fn call_of(&self, caller: Id, request: Id) -> Option<InvocationKey> {
        self.calls.key_of_call(caller, request)
    }
}
