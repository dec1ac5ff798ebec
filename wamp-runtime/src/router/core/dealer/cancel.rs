//! Ending calls early: CANCEL from the caller, call timeouts, and sessions
//! that leave with calls in flight.

use std::time::Instant;

use crate::protocol::id::Id;
use crate::protocol::options::{CancelMode, InterruptOptions};
use crate::protocol::uris;
use crate::protocol::{Cancel, Interrupt, Message, MessageType};

use super::super::env::Env;
use super::super::errors::error_reply;
use super::calls::InvocationKey;
use super::tables::Dealer;

impl Dealer {
    /// Handles CANCEL.
    pub(crate) fn cancel(&mut self, env: &mut Env<'_>, caller: Id, msg: Cancel) {
        let Some(key) = self.calls.key_of_call(caller, msg.request) else {
            tracing::debug!(
                session = caller,
                request = msg.request,
                "CANCEL for a call not in flight; ignored"
            );
            return;
        };
        // Without a mode, behave as Crossbar does: interrupt and answer now.
        let mode = msg.options.mode.unwrap_or(CancelMode::KillNoWait);
        self.cancel_call(env, key, mode, uris::CANCELED);
    }

    /// Ends every call whose deadline has passed with `wamp.error.timeout`.
    pub(crate) fn expire(&mut self, env: &mut Env<'_>, now: Instant) {
        for key in self.calls.expired(now) {
            self.cancel_call(env, key, CancelMode::KillNoWait, uris::TIMEOUT);
        }
    }

    /// Cancels a call in flight: the caller gets an ERROR (now, or for `kill`
    /// when the callee answers) and a callee that supports it an INTERRUPT.
    fn cancel_call(
        &mut self,
        env: &mut Env<'_>,
        key: InvocationKey,
        mode: CancelMode,
        reason: &str,
    ) {
        let Some(call) = self.calls.get_mut(key) else {
            return;
        };
        let mode = if env.members.features(call.callee).call_canceling {
            mode
        } else {
            CancelMode::Skip
        };
        if mode != CancelMode::Skip {
            env.out.send(
                call.callee,
                Message::Interrupt(Interrupt {
                    request: key.1,
                    options: InterruptOptions {
                        mode: Some(mode),
                        reason: Some(reason.to_owned()),
                        ..Default::default()
                    },
                }),
            );
        }
        if mode == CancelMode::Kill {
            call.killed = true;
            return;
        }
        if let Some(call) = self.finish(key) {
            let text = if reason == uris::TIMEOUT {
                "call timed out"
            } else {
                "call canceled"
            };
            env.out.send(
                call.caller,
                error_reply(MessageType::Call, call.call_request, reason, text),
            );
        }
    }

    /// Forgets everything of a session that leaves: its registrations, and the
    /// calls it made (its callees get an INTERRUPT) or was serving (their
    /// callers get `wamp.error.canceled`).
    pub(crate) fn remove_session(&mut self, env: &mut Env<'_>, session: Id) {
        for registration in self.registrations.of_session(session) {
            self.registrations
                .remove_callee(registration, session, env.meta);
        }
        for key in self.calls.of_session(session) {
            let Some(call) = self.finish(key) else {
                continue;
            };
            if call.callee == session && call.caller != session {
                env.out.send(
                    call.caller,
                    error_reply(
                        MessageType::Call,
                        call.call_request,
                        uris::CANCELED,
                        "callee disconnected from in-flight request",
                    ),
                );
            } else if call.callee != session && env.members.features(call.callee).call_canceling {
                env.out.send(
                    call.callee,
                    Message::Interrupt(Interrupt {
                        request: key.1,
                        options: InterruptOptions {
                            mode: Some(CancelMode::KillNoWait),
                            reason: Some(uris::CANCELED.into()),
                            ..Default::default()
                        },
                    }),
                );
            }
        }
        self.progressive.forget(session);
    }
}
