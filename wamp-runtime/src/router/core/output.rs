//! What the router core asks its I/O shell to do after one input: messages to
//! send to whom, and sessions to close, in order.

use crate::protocol::Message;
use crate::protocol::id::Id;

/// One thing for the shell to do.
#[derive(Debug)]
pub(crate) enum Outgoing {
    /// Send a message to one session.
    Send(Id, Message),
    /// Send the same message to several sessions (an EVENT): the shell
    /// encodes it once per serializer.
    Fanout(Vec<Id>, Message),
    /// Close a session's connection after what is already queued for it.
    Close(Id),
}

/// Everything one input produced, in the order it must happen.
#[derive(Debug, Default)]
pub(crate) struct Output {
    /// What to send and close.
    pub(crate) items: Vec<Outgoing>,
    /// The earliest deadline of the core may have moved earlier: the shell
    /// re-arms its timer.
    pub(crate) rearm: bool,
}

impl Output {
    /// Queues a message to one session.
    pub(crate) fn send(&mut self, to: Id, message: Message) {
        self.items.push(Outgoing::Send(to, message));
    }

    /// Queues one message to several sessions; nothing when `to` is empty.
    pub(crate) fn fanout(&mut self, to: Vec<Id>, message: Message) {
        match to.len() {
            0 => {}
            1 => self.items.push(Outgoing::Send(to[0], message)),
            _ => self.items.push(Outgoing::Fanout(to, message)),
        }
    }

    /// Queues the closing of a session.
    pub(crate) fn close(&mut self, session: Id) {
        self.items.push(Outgoing::Close(session));
    }
}

/// A message a client may not send in an established session (or may not
/// send now); the text names the problem. The shell answers with ABORT
/// (`wamp.error.protocol_violation`) and ends the session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NotRoutable(pub(crate) String);
