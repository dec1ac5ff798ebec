//! The request table at work: a request is entered in the protocol state
//! (which gives it its ID) before its message goes out, and whatever waits
//! for it is failed when it cannot be sent or the session ends; a CALL is
//! canceled and forgotten.

use super::handle::{Pending, Session};
use crate::client::error::Error;
use crate::client::state::{PendingRequest, Refused};
use crate::protocol::options::CancelMode;
use crate::protocol::uris;
use crate::protocol::{Cancel, Id, Message, MessageType};

impl PendingRequest for Pending {
    fn request_type(&self) -> MessageType {
        match self {
            Pending::Call(_) => MessageType::Call,
            Pending::Register { .. } => MessageType::Register,
            Pending::Unregister(_) => MessageType::Unregister,
            Pending::Subscribe { .. } => MessageType::Subscribe,
            Pending::Unsubscribe(_) => MessageType::Unsubscribe,
            Pending::Publish(_) => MessageType::Publish,
        }
    }
}

impl Pending {
    /// Answers whoever waits with `error`.
    pub(super) fn fail(self, error: Error) {
        match self {
            Pending::Call(sink) => sink.finish(Err(error)),
            Pending::Register { tx, .. } => drop(tx.send(Err(error))),
            Pending::Unregister(tx) | Pending::Unsubscribe(tx) => drop(tx.send(Err(error))),
            Pending::Subscribe { tx, .. } => drop(tx.send(Err(error))),
            Pending::Publish(tx) => drop(tx.send(Err(error))),
        }
    }
}

impl Session {
    /// The error of a request made when there is no joined session.
    pub(super) fn not_established(&self) -> Error {
        if self.is_closed() {
            Error::transport_lost()
        } else {
            Error::not_joined()
        }
    }

    /// Enters a request in the table and sends its message, built from the
    /// new request ID. Fails with `wamp.error.limit_exceeded` when the table
    /// is full, and with `wamp.error.payload_size_exceeded` when the message
    /// is too large for the transport (then forgotten, nothing sent).
    pub(super) async fn request(
        &self,
        pending: Pending,
        build: impl FnOnce(Id) -> Message,
    ) -> Result<Id, Error> {
        let (id, frame) = {
            let mut core = self.lock();
            let id = match core.proto.request(pending) {
                Ok(id) => id,
                Err(Refused::NotJoined) => return Err(self.not_established()),
                Err(Refused::Full(max)) => {
                    return Err(Error::message(
                        uris::LIMIT_EXCEEDED,
                        format!(
                            "{max} requests already wait for an answer on this session (SessionLimits::max_pending_requests)"
                        ),
                    ));
                }
            };
            match self.encode(&build(id)) {
                Ok(frame) => (id, frame),
                Err(e) => {
                    core.proto.forget(id);
                    return Err(e);
                }
            }
        };
        if let Err(e) = self.queue(frame).await {
            if let Some(p) = self.lock().proto.forget(id) {
                p.fail(e.clone());
            }
            return Err(e);
        }
        Ok(id)
    }

    /// Sends CANCEL for a call (without waiting), and forgets the call when
    /// `forget` (its answer, if any, is then ignored).
    pub(super) fn cancel_now(&self, request: Id, mode: Option<CancelMode>, forget: bool) {
        if forget {
            self.lock().proto.forget(request);
        }
        if self.is_closed() {
            return;
        }
        let mut cancel = Cancel {
            request,
            options: Default::default(),
        };
        cancel.options.mode = mode;
        self.send_now(&Message::Cancel(cancel));
    }
}
