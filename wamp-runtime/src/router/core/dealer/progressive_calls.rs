//! The table of progressive call invocations: which calls in flight still
//! take chunks (and their procedure), and which ended before their final
//! chunk; the rules that use it are in `progressive.rs`.

use std::collections::VecDeque;

use crate::protocol::Uri;
use crate::protocol::id::Id;
use crate::router::core::hash::HashMap;

use super::calls::InFlight;

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
    pub(crate) fn ended(&mut self, caller: Id, request: Id, last: bool) -> bool {
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

    /// The procedure of a call whose caller still sends chunks.
    pub(crate) fn procedure(&self, caller: Id, request: Id) -> Option<&Uri> {
        self.streaming.get(&(caller, request))
    }

    /// The caller sent the final chunk of a call in flight.
    pub(crate) fn last_chunk(&mut self, caller: Id, request: Id) {
        self.streaming.remove(&(caller, request));
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
