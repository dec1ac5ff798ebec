//! Progressive call invocations (`CALL.Options.progress`): the request-ID
//! rules of a caller sending its input in chunks.
//!
//! Every chunk reuses the CALL's request ID and is pinned to the callee of
//! the first chunk. The dealer checks that:
//! - the callee announced `progressive_call_invocations` and, as the spec
//!   requires, `call_canceling` (else the caller
//!   gets `wamp.error.feature_not_supported`, see `Dealer::call`);
//! - a chunk names the procedure of its first chunk (else ABORT with
//!   `wamp.error.protocol_violation`);
//! - no chunk follows the final one while the call is in flight (ABORT);
//! - a chunk for a call that ended before its final chunk (the callee
//!   answered or failed early, the call was canceled or timed out) is not
//!   taken for a new call: the caller gets `wamp.error.canceled` for it.
//!
//! Memory is bounded: one URI per streaming call (calls in flight are
//! bounded per session), and at most `ENDED_PER_CALLER` ended calls
//! remembered per caller (forgotten with the caller's final chunk or when
//! the caller leaves).

use crate::protocol::id::Id;
use crate::protocol::options::InvocationDetails;
use crate::protocol::uris;
use crate::protocol::{Call, Invocation, Message, MessageType};

use super::super::env::Env;
use super::super::errors::error_reply;
use super::super::output::NotRoutable;
use super::calls::InvocationKey;
use super::tables::Dealer;

impl Dealer {
    /// A further chunk of a progressive call invocation (a CALL reusing the
    /// request ID of a call in flight).
    pub(super) fn call_chunk(
        &mut self,
        env: &mut Env<'_>,
        key: InvocationKey,
        msg: Call,
    ) -> Result<(), NotRoutable> {
        let Some(call) = self.calls.get_mut(key) else {
            return Ok(());
        };
        let Some(procedure) = self.progressive.procedure(call.caller, call.call_request) else {
            return Err(NotRoutable(format!(
                "CALL reuses request ID {} of a call in flight that takes no more progressive chunks \
                 (its final chunk was sent, or it was not a progressive call)",
                msg.request
            )));
        };
        if *procedure != msg.procedure {
            return Err(NotRoutable(format!(
                "progressive CALL chunk of request {} names procedure <{}>, but the call is to <{}>",
                msg.request, msg.procedure, procedure
            )));
        }
        let more = msg.options.progress == Some(true);
        call.caller_progress = more;
        if !more {
            self.progressive.last_chunk(call.caller, call.call_request);
        }
        let details = InvocationDetails {
            progress: msg.options.progress,
            enc_algo: msg.options.enc_algo,
            enc_key: msg.options.enc_key,
            enc_serializer: msg.options.enc_serializer,
            ..Default::default()
        };
        env.out.send(
            key.0,
            Message::Invocation(Invocation {
                request: key.1,
                registration: call.registration,
                details,
                payload: msg.payload,
            }),
        );
        Ok(())
    }

    /// A chunk for a progressive call that already ended (before its final
    /// chunk): answered with `wamp.error.canceled`, not taken for a new call.
    /// Returns whether `msg` was such a chunk.
    pub(super) fn chunk_of_ended_call(
        &mut self,
        env: &mut Env<'_>,
        caller: Id,
        msg: &Call,
    ) -> bool {
        let last = msg.options.progress != Some(true);
        if !self.progressive.ended(caller, msg.request, last) {
            return false;
        }
        tracing::debug!(
            session = caller,
            request = msg.request,
            "progressive CALL chunk for a call that already ended"
        );
        let text = format!(
            "progressive call {} already ended; its further chunks are discarded",
            msg.request
        );
        env.out.send(
            caller,
            error_reply(MessageType::Call, msg.request, uris::CANCELED, text),
        );
        true
    }
}
