//! Messages a connection's writer could not deliver go back to the realm of
//! their session, which decides what to send instead (see
//! `RealmCore::undeliverable`): nothing is dropped silently.

use std::sync::{Arc, Mutex};

use crate::protocol::Message;
use crate::protocol::id::Id;

use super::core::Undeliverable;
use super::realm::Realm;

/// The session a connection carries now, for its writer to report to.
#[derive(Default)]
pub(crate) struct Returns {
    current: Mutex<Option<(Arc<Realm>, Id)>>,
}

impl Returns {
    /// Session `session` of `realm` joined on the connection.
    pub(crate) fn joined(&self, realm: Arc<Realm>, session: Id) {
        *self.current.lock().unwrap_or_else(|p| p.into_inner()) = Some((realm, session));
    }

    /// The connection's session left.
    pub(crate) fn left(&self) {
        *self.current.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }

    /// `message`, queued for `session`, could not be delivered. Handed to the
    /// session's realm, unless the session has left meanwhile (then nobody
    /// waits for it: the realm already ended what the session had going).
    pub(crate) fn report(&self, session: Id, message: &Message, reason: Undeliverable) {
        let current = self
            .current
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        match current {
            Some((realm, id)) if id == session => realm.undeliverable(session, message, &reason),
            _ => tracing::debug!(
                session,
                %reason,
                "{} not delivered to a session that has left (or to a connection without a session)",
                message.message_type().name()
            ),
        }
    }
}
