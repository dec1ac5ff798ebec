//! Call re-routing (`call_reroute`): a callee that answers an INVOCATION with
//! `wamp.error.unavailable` passes the call to another callee of the shared
//! registration, chosen by the registration's invocation policy as if the
//! callees that declined did not exist; when none is left (or the policy is
//! `single`), the caller gets `wamp.error.no_available_callee`.
//!
//! To invoke another callee the dealer keeps, per call to a shared
//! registration, the INVOCATION's details and payload (the payload shares the
//! received bytes) and the callees that declined; forgotten when the call
//! ends. A progressive call invocation (chunks already sent) is not re-routed.

use rand::Rng;

use crate::protocol::id::Id;
use crate::protocol::options::InvokePolicy;
use crate::protocol::uris;
use crate::protocol::{ErrorMessage, Invocation, Message, MessageType};

use super::super::env::Env;
use super::super::errors::error_reply;
use super::calls::InFlight;
use super::registrations::Registration;
use super::tables::Dealer;

/// Whether calls of `reg` can be re-routed: a shared registration whose
/// policy picks another callee.
pub(crate) fn reroutable(reg: &Registration) -> bool {
    reg.callees.len() > 1 && reg.invoke != InvokePolicy::Single
}

/// The callee index that takes a call `declined` by some callees, the last of
/// which is at index `from`: by the registration's policy, among the free
/// callees that did not decline.
fn next_callee(
    reg: &Registration,
    from: Option<usize>,
    declined: &[Id],
    rng: &mut rand::rngs::StdRng,
) -> Option<usize> {
    let n = reg.callees.len();
    let open = |i: &usize| {
        let c = &reg.callees[*i];
        !declined.contains(&c.session) && (c.concurrency == 0 || c.in_flight < c.concurrency)
    };
    let from = from.unwrap_or(0);
    match reg.invoke {
        InvokePolicy::Single => None,
        // The callee registered after the one that declined (first), or
        // before it (last); round-robin goes on in queue order.
        InvokePolicy::First => (from + 1..n).chain(0..from).find(open),
        InvokePolicy::Last => (0..from).rev().chain((from + 1..n).rev()).find(open),
        InvokePolicy::RoundRobin => (1..n).map(|k| (from + k) % n).find(open),
        InvokePolicy::Random => {
            let candidates: Vec<usize> = (0..n).filter(open).collect();
            (!candidates.is_empty()).then(|| candidates[rng.random_range(0..candidates.len())])
        }
    }
}

impl Dealer {
    /// A callee answered an INVOCATION with `wamp.error.unavailable`: the call
    /// goes to the next callee, or ends with `wamp.error.no_available_callee`.
    /// Returns `false` when the ERROR is not for a call in flight.
    pub(crate) fn reroute(&mut self, env: &mut Env<'_>, callee: Id, msg: &ErrorMessage) -> bool {
        let key = (callee, msg.request);
        let retry = self.reroutes.forget(key);
        let Some(call) = self.finish(key) else {
            return false;
        };
        if call.killed {
            env.out.send(
                call.caller,
                error_reply(
                    MessageType::Call,
                    call.call_request,
                    uris::CANCELED,
                    "call canceled",
                ),
            );
            return true;
        }
        let Some(mut retry) = retry else {
            no_callee_left(env, &call, 1);
            return true;
        };
        retry.declined.push(callee);
        let Some(reg) = self.registrations.get_mut(call.registration) else {
            no_callee_left(env, &call, retry.declined.len());
            return true;
        };
        let from = reg.callees.iter().position(|c| c.session == callee);
        let Some(index) = next_callee(reg, from, &retry.declined, env.rng) else {
            no_callee_left(env, &call, retry.declined.len());
            return true;
        };
        let next = reg.callees[index].session;
        let Some(request) = env.members.get_mut(next).map(|m| m.next_request_id()) else {
            no_callee_left(env, &call, retry.declined.len());
            return true;
        };
        reg.callees[index].in_flight += 1;
        let receive_progress =
            retry.wants_progress && env.members.features(next).progressive_call_results;
        let mut details = retry.details.clone();
        details.receive_progress = receive_progress.then_some(true);
        tracing::debug!(
            caller = call.caller,
            declined = callee,
            next,
            "call re-routed: the callee answered wamp.error.unavailable"
        );
        let new_key = (next, request);
        self.calls.insert(
            new_key,
            InFlight {
                callee: next,
                receive_progress,
                ..call
            },
        );
        env.out.send(
            next,
            Message::Invocation(Invocation {
                request,
                registration: call.registration,
                details,
                payload: retry.payload.clone(),
            }),
        );
        self.reroutes.remember(new_key, retry);
        true
    }
}

/// Ends a call whose callees all declined.
fn no_callee_left(env: &mut Env<'_>, call: &InFlight, declined: usize) {
    env.out.send(
        call.caller,
        error_reply(
            MessageType::Call,
            call.call_request,
            uris::NO_AVAILABLE_CALLEE,
            format!("no callee is available: {declined} callee(s) answered wamp.error.unavailable"),
        ),
    );
}
