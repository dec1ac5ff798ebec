//! The dealer: registrations, routing CALL → INVOCATION → YIELD → RESULT,
//! progressive results and invocations, cancellation, call timeouts and call
//! re-routing; as tables and handlers with no I/O.

mod calls;
mod cancel;
mod progressive;
mod progressive_calls;
mod register;
mod registrations;
mod reroute;
mod retries;
mod route;
mod tables;

#[cfg(test)]
pub(crate) use progressive_calls::ENDED_PER_CALLER;
pub(crate) use registrations::Registration;
pub(crate) use tables::Dealer;
