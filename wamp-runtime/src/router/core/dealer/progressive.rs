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
//! bounded per session), and at most [`ENDED_PER_CALLER`] ended calls
//! remembered per caller (forgotten with the caller's final chunk or when
//! the caller leaves).

use std::collections::VecDeque;

use crate::protocol::id::Id;
use crate::protocol::options::InvocationDetails;
use crate::protocol::uris;
use crate::protocol::{Call, Invocation, Message, MessageType, Uri};
use crate::router::core::hash::HashMap;

use super::super::env::Env;
use super::super::errors::error_reply;
use super::super::output::NotRoutable;
use super::calls::{InFlight, InvocationKey};
use super::tables::Dealer;

/// How many calls that ended while their caller was still sending chunks
/// are remembered per caller.
pub(crate) const ENDED_PER_CALLER: usize = 16;

/// The dealer's state for progressive call invocations.
#[derive(Debug, Default)]
pub(crate) struct Progressive {
    /// Calls in flight whose caller sends more chunks: their procedure, by
    /// (caller, CALL request ID).
    streaming: HashMap<(Id, Id), Uri>,
    /// Calls that ended before their final chunk, by caller (oldest first).
    ended: HashMap<Id, VecDeque<Id>>,
}

impl Progressive {
    /// A progressive call started.
    pub(crate) fn started(&mut self, caller: Id, request: Id, procedure: Uri) {
        self.streaming.insert((caller, request), procedure);
    }

    /// A call ended: if its caller was still sending chunks, remember it.
    pub(crate) fn finished(&mut self, call: &InFlight) {
        if self
            .streaming
            .remove(&(call.caller, call.call_request))
            .is_none()
        {
            return;
        }
        let ended = self.ended.entry(call.caller).or_default();
        if ended.len() == ENDED_PER_CALLER {
            ended.pop_front();
        }
        ended.push_back(call.call_request);
    }

    /// Whether `request` of `caller` names a call that ended before its
    /// final chunk; forgets it when `last` (the caller sent its final chunk).
    fn ended(&mut self, caller: Id, request: Id, last: bool) -> bool {
        let Some(ended) = self.ended.get_mut(&caller) else {
            return false;
        };
        let Some(at) = ended.iter().position(|r| *r == request) else {
            return false;
        };
        if last {
            ended.remove(at);
            if ended.is_empty() {
                self.ended.remove(&caller);
            }
        }
        true
    }

    /// Forgets a session that left.
    pub(crate) fn forget(&mut self, session: Id) {
        self.ended.remove(&session);
        self.streaming.retain(|(caller, _), _| *caller != session);
    }

    #[cfg(test)]
    /// How many calls are remembered (streaming and ended), for tests.
    pub(crate) fn len(&self) -> usize {
        self.streaming.len() + self.ended.values().map(VecDeque::len).sum::<usize>()
    }
}

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
        let Some(procedure) = self
            .progressive
            .streaming
            .get(&(call.caller, call.call_request))
        else {
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
            self.progressive
                .streaming
                .remove(&(call.caller, call.call_request));
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
