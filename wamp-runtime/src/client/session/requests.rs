//! The request table at work: a request is entered in the protocol state
//! (which gives it its ID) before its message goes out, and whatever waits
//! for it is failed when it cannot be sent or the session ends; a CALL is
//! canceled and forgotten.

use super::handle::{Pending, Session};
use crate::client::error::Error;
use crate::client::state::PendingRequest;
use crate::protocol::options::CancelMode;
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
    /// new request ID.
    pub(super) async fn request(
        &self,
        pending: Pending,
        build: impl FnOnce(Id) -> Message,
    ) -> Result<Id, Error> {
        let (id, frame) = {
            let mut core = self.lock();
            let Some(id) = core.proto.request(pending) else {
                return Err(self.not_established());
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
