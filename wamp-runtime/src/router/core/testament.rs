//! Session testaments (`wamp.session.add_testament`): events a session asks
//! the router to publish on its behalf when it goes away, kept per session
//! and bounded.
//!
//! As in Crossbar.io, a testament is a PUBLISH of the session itself: when the
//! session leaves (GOODBYE, ABORT, lost transport, killed), the router
//! publishes its `detached` testaments, then its `destroyed` ones, each under
//! the session's role (authorization, disclosure and black/white lists apply
//! as for a PUBLISH it sent), never acknowledged and never to itself. This
//! router has no session resumption, so a session is detached and destroyed
//! at once and both scopes are published when it leaves.

use crate::protocol::id::Id;
use crate::protocol::options::WirePublishOptions;
use crate::protocol::{Payload, Publish, Uri};

/// Most testaments one session may keep (both scopes together).
pub(crate) const MAX_TESTAMENTS: usize = 32;

/// Most bytes the testaments of one session may take, each counted as its
/// PUBLISH encoded in the session's serializer.
pub(crate) const MAX_TESTAMENT_BYTES: usize = 64 * 1024;

/// When a testament is published.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope {
    /// When the session is destroyed (the default).
    Destroyed,
    /// When the session is detached from its transport.
    Detached,
}

impl Scope {
    /// The scope a name names (`destroyed`, `detached`).
    pub(crate) fn parse(name: &str) -> Option<Self> {
        match name {
            "destroyed" => Some(Scope::Destroyed),
            "detached" => Some(Scope::Detached),
            _ => None,
        }
    }
}

/// One testament: what to publish, and its size.
#[derive(Debug, Clone)]
pub(crate) struct Testament {
    /// The topic to publish to.
    pub(crate) topic: Uri,
    /// The PUBLISH options (never `acknowledge` nor `exclude_me`).
    pub(crate) options: WirePublishOptions,
    /// The arguments.
    pub(crate) payload: Payload,
    /// Its size, counted against [`MAX_TESTAMENT_BYTES`].
    pub(crate) bytes: usize,
}

impl Testament {
    /// The PUBLISH the router processes for the session when it leaves.
    pub(crate) fn into_publish(self, request: Id) -> Publish {
        Publish {
            request,
            options: self.options,
            topic: self.topic,
            payload: self.payload,
        }
    }
}

/// Why a testament was not added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refused {
    /// The session already keeps [`MAX_TESTAMENTS`].
    TooMany,
    /// It would take the session's testaments over [`MAX_TESTAMENT_BYTES`].
    TooLarge(usize),
}

/// The testaments of one session, by scope.
#[derive(Debug, Default)]
pub(crate) struct Testaments {
    destroyed: Vec<Testament>,
    detached: Vec<Testament>,
    bytes: usize,
}

impl Testaments {
    fn list_mut(&mut self, scope: Scope) -> &mut Vec<Testament> {
        match scope {
            Scope::Destroyed => &mut self.destroyed,
            Scope::Detached => &mut self.detached,
        }
    }

    /// Adds a testament, within the limits.
    pub(crate) fn add(&mut self, scope: Scope, testament: Testament) -> Result<(), Refused> {
        if self.destroyed.len() + self.detached.len() >= MAX_TESTAMENTS {
            return Err(Refused::TooMany);
        }
        let total = self.bytes + testament.bytes;
        if total > MAX_TESTAMENT_BYTES {
            return Err(Refused::TooLarge(testament.bytes));
        }
        self.bytes = total;
        self.list_mut(scope).push(testament);
        Ok(())
    }

    /// Forgets the testaments of a scope; returns how many there were.
    pub(crate) fn flush(&mut self, scope: Scope) -> usize {
        let flushed = std::mem::take(self.list_mut(scope));
        self.bytes -= flushed.iter().map(|t| t.bytes).sum::<usize>();
        flushed.len()
    }

    /// Every testament, in the order the router publishes them: detached,
    /// then destroyed, each in the order added.
    pub(crate) fn take_all(&mut self) -> Vec<Testament> {
        let mut all = std::mem::take(&mut self.detached);
        all.append(&mut self.destroyed);
        self.bytes = 0;
        all
    }

    /// How many testaments are kept.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.destroyed.len() + self.detached.len()
    }
}
