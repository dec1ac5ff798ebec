//! CALL → INVOCATION, YIELD → RESULT and ERROR → ERROR: routing calls to
//! callees and answers back to callers.

use std::time::Duration;

use crate::protocol::id::Id;
use crate::protocol::options::{InvocationDetails, MatchPolicy, ResultDetails};
use crate::protocol::trace_context;
use crate::protocol::uris;
use crate::protocol::{
    Call, ErrorMessage, Invocation, Message, MessageType, Payload, ResultMessage, Uri, Yield,
};

use super::super::env::Env;
use super::super::errors::error_reply;
use super::super::output::NotRoutable;
use super::calls::InFlight;
use super::reroute;
use super::retries::Retry;
use super::tables::Dealer;

impl Dealer {
    /// Handles a CALL of a routed (not `wamp.*`) procedure.
    pub(crate) fn call(
        &mut self,
        env: &mut Env<'_>,
        caller: Id,
        msg: Call,
    ) -> Result<(), NotRoutable> {
        if let Some(key) = self.calls.key_of_call(caller, msg.request) {
            return self.call_chunk(env, key, msg);
        }
        if self.chunk_of_ended_call(env, caller, &msg) {
            return Ok(());
        }
        let uri = msg.procedure.as_str();
        let reply =
            |error: &str, text: String| error_reply(MessageType::Call, msg.request, error, text);
        let limit = env.limits.calls_per_session;
        if self.calls.count_of(caller) >= limit {
            tracing::info!(
                session = caller,
                limit,
                "CALL refused: calls_per_session limit reached"
            );
            let text = format!("calls_per_session limit ({limit}) reached");
            env.out.send(caller, reply(uris::LIMIT_EXCEEDED, text));
            return Ok(());
        }
        let Some(reg_id) = self.registrations.lookup(uri) else {
            let text = format!("no callee registered for procedure <{uri}>");
            env.out.send(caller, reply(uris::NO_SUCH_PROCEDURE, text));
            return Ok(());
        };
        let Some(reg) = self.registrations.get_mut(reg_id) else {
            return Ok(());
        };
        let Some(index) = reg.pick(env.rng) else {
            let text = format!("all callees of <{uri}> are at their concurrency limit");
            env.out.send(caller, reply(uris::NO_AVAILABLE_CALLEE, text));
            return Ok(());
        };
        let shared = reroute::reroutable(reg);
        let entry = &reg.callees[index];
        let callee = entry.session;
        let (disclose_caller, forward_timeout) = (entry.disclose_caller, entry.forward_timeout);
        let pattern = reg.policy != MatchPolicy::Exact;
        let Some(caller_member) = env.members.get(caller) else {
            return Ok(());
        };
        let disclose = msg.options.disclose_me == Some(true)
            || disclose_caller
            || env
                .permissions
                .discloses_caller(&caller_member.identity.authrole, uri);
        let timeout = msg.options.timeout.filter(|t| *t > 0);
        let receive_progress = msg.options.receive_progress == Some(true)
            && env.members.features(callee).progressive_call_results;
        let caller_progress = msg.options.progress == Some(true);
        let streams = env.members.features(callee);
        if caller_progress && !(streams.progressive_call_invocations && streams.call_canceling) {
            let text = format!(
                "the callee of <{uri}> does not support progressive call invocations \
                 (it must announce progressive_call_invocations and call_canceling)"
            );
            env.out
                .send(caller, reply(uris::FEATURE_NOT_SUPPORTED, text));
            return Ok(());
        }

        let mut details = InvocationDetails::default();
        if pattern {
            details.procedure = Some(uri.to_owned());
        }
        if disclose {
            details.caller = Some(caller);
            details.caller_authid = Some(caller_member.identity.authid.clone());
            details.caller_authrole = Some(caller_member.identity.authrole.clone());
        }
        if receive_progress {
            details.receive_progress = Some(true);
        }
        if caller_progress {
            details.progress = Some(true);
        }
        if forward_timeout {
            details.timeout = timeout;
        }
        details.enc_algo = msg.options.enc_algo;
        details.enc_key = msg.options.enc_key;
        details.enc_serializer = msg.options.enc_serializer;
        details.transaction_hash = msg.options.transaction_hash;
        // The caller's trace context (checked), and no other extra option.
        trace_context::forward(&msg.options.extra, &mut details.extra);

        let Some(invocation) = env.members.get_mut(callee).map(|m| m.next_request_id()) else {
            return Ok(());
        };
        // Counted only once nothing can end the call early.
        if let Some(reg) = self.registrations.get_mut(reg_id) {
            reg.callees[index].in_flight += 1;
        }
        let deadline = timeout.map(|ms| env.now + Duration::from_millis(ms));
        if deadline.is_some() {
            env.out.rearm = true;
        }
        self.calls.insert(
            (callee, invocation),
            InFlight {
                caller,
                call_request: msg.request,
                callee,
                registration: reg_id,
                receive_progress,
                caller_progress,
                killed: false,
                deadline,
            },
        );
        if shared && !caller_progress {
            let retry = Retry {
                details: details.clone(),
                payload: msg.payload.clone(),
                wants_progress: msg.options.receive_progress == Some(true),
                declined: Vec::new(),
            };
            self.reroutes.remember((callee, invocation), retry);
        }
        if caller_progress {
            self.progressive
                .started(caller, msg.request, msg.procedure.clone());
        }
        env.out.send(
            callee,
            Message::Invocation(Invocation {
                request: invocation,
                registration: reg_id,
                details,
                payload: msg.payload,
            }),
        );
        Ok(())
    }

    /// Handles YIELD.
    pub(crate) fn yield_(&mut self, env: &mut Env<'_>, callee: Id, msg: Yield) {
        let key = (callee, msg.request);
        let Some(call) = self.calls.get(key) else {
            tracing::debug!(
                session = callee,
                request = msg.request,
                "YIELD for an invocation not in flight (canceled or timed out); discarded"
            );
            return;
        };
        let details = ResultDetails {
            enc_algo: msg.options.enc_algo,
            enc_key: msg.options.enc_key,
            enc_serializer: msg.options.enc_serializer,
            ..Default::default()
        };
        if msg.options.progress == Some(true) {
            if call.receive_progress && !call.killed {
                let details = ResultDetails {
                    progress: Some(true),
                    ..details
                };
                env.out.send(
                    call.caller,
                    Message::Result(ResultMessage {
                        request: call.call_request,
                        details,
                        payload: msg.payload,
                    }),
                );
            }
            return;
        }
        let Some(call) = self.finish(key) else {
            return;
        };
        let answer = if call.killed {
            error_reply(
                MessageType::Call,
                call.call_request,
                uris::CANCELED,
                "call canceled",
            )
        } else {
            Message::Result(ResultMessage {
                request: call.call_request,
                details,
                payload: msg.payload,
            })
        };
        env.out.send(call.caller, answer);
    }

    /// Handles ERROR for an INVOCATION: the caller gets it as the call's error.
    /// `wamp.error.unavailable` re-routes the call (see [`super::reroute`]).
    pub(crate) fn invocation_error(&mut self, env: &mut Env<'_>, callee: Id, msg: ErrorMessage) {
        if msg.error.as_str() == uris::UNAVAILABLE && self.reroute(env, callee, &msg) {
            return;
        }
        let Some(call) = self.finish((callee, msg.request)) else {
            tracing::debug!(
                session = callee,
                request = msg.request,
                "ERROR for an invocation not in flight; discarded"
            );
            return;
        };
        let (error, payload) = if call.killed {
            (Uri::from_trusted(uris::CANCELED), Payload::empty())
        } else {
            (msg.error, msg.payload)
        };
        env.out.send(
            call.caller,
            Message::Error(ErrorMessage {
                request_type: MessageType::Call,
                request: call.call_request,
                details: msg.details,
                error,
                payload,
            }),
        );
    }
}
