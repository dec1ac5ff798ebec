//! How a session ended: [`CloseReason`].

use crate::protocol::uris;

/// How a session ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloseReason {
    /// The close or error URI (`wamp.close.normal`, `wamp.error.transport_lost`, ...).
    pub reason: String,
    /// A human-readable message, if any.
    pub message: Option<String>,
}

impl CloseReason {
    /// Whether this is a clean leave (`wamp.close.normal` or `wamp.close.goodbye_and_out`).
    pub fn is_clean(&self) -> bool {
        self.reason == uris::CLOSE_NORMAL || self.reason == uris::CLOSE_GOODBYE_AND_OUT
    }
}

/// The reason of a session that ended because its transport was lost.
pub(super) fn lost_reason() -> CloseReason {
    CloseReason {
        reason: uris::TRANSPORT_LOST.into(),
        message: None,
    }
}
