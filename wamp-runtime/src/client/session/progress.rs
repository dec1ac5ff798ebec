//! Progressive results of an invocation: the [`ProgressSender`] a procedure
//! gets when its caller asked for them, and the typed [`Progress`] parameter
//! of `#[wamp::register]` functions.

use std::marker::PhantomData;

use serde::Serialize;

use super::handle::{ProgressSender, Session};
use super::invocation::invocation_error;
use super::outbox::encode_args;
use crate::client::error::Error;
use crate::protocol::options::YieldOptions;
use crate::protocol::uris;
use crate::protocol::{Id, Message, Payload, Yield};

impl Session {
    /// Sends one progressive result of a running invocation. One larger than
    /// the transport's limit ends the invocation: the caller gets ERROR
    /// `wamp.error.payload_size_exceeded`, the handler this error and its
    /// cancellation token fires.
    async fn send_progress(&self, request: Id, payload: Payload) -> Result<(), Error> {
        if !self.lock().invocations.contains_key(&request) {
            return Err(Error::message(uris::CANCELED, "the invocation is over"));
        }
        let msg = Message::Yield(Yield {
            request,
            options: YieldOptions {
                progress: Some(true),
                ..YieldOptions::default()
            },
            payload,
        });
        let frame = match self.encode(&msg) {
            Ok(frame) => frame,
            Err(e) if e.is(uris::PAYLOAD_SIZE_EXCEEDED) => {
                let token = self.lock().invocations.remove(&request);
                if let Some(token) = token {
                    tracing::warn!(request, error = %e, "progressive result too large: the invocation ends with an ERROR");
                    token.cancel();
                    self.send(&invocation_error(request, &e)).await?;
                }
                return Err(e);
            }
            Err(e) => return Err(e),
        };
        self.queue(frame).await
    }
}

impl ProgressSender {
    /// Sends one progressive result with positional arguments.
    pub async fn send<A: Serialize + ?Sized>(&self, args: &A) -> Result<(), Error> {
        let payload = encode_args(self.session.serializer(), args)?;
        self.send_payload(payload).await
    }

    /// Sends one progressive result with an encoded payload.
    pub async fn send_payload(&self, payload: Payload) -> Result<(), Error> {
        self.session.send_progress(self.request, payload).await
    }
}

/// A typed sender of progressive results, a special parameter of
/// `#[wamp::register]` procedures: each [`Progress::send`] is one `YIELD` with
/// `progress: true` carrying `[value]`. When the caller did not ask for
/// progressive results, sending does nothing.
pub struct Progress<T> {
    sender: Option<ProgressSender>,
    _type: PhantomData<fn(&T)>,
}

impl<T> Progress<T> {
    /// A progress of the invocation `sender` sends for (none when the caller
    /// did not ask for progressive results).
    pub(crate) fn new(sender: Option<ProgressSender>) -> Self {
        Progress {
            sender,
            _type: PhantomData,
        }
    }
}

impl<T> Clone for Progress<T> {
    fn clone(&self) -> Self {
        Progress::new(self.sender.clone())
    }
}

impl<T> std::fmt::Debug for Progress<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Progress")
            .field("requested", &self.sender.is_some())
            .finish()
    }
}

impl<T: Serialize> Progress<T> {
    /// Whether the caller asked for progressive results.
    pub fn is_requested(&self) -> bool {
        self.sender.is_some()
    }

    /// Sends one progressive result (nothing when the caller did not ask for them).
    pub async fn send(&self, value: &T) -> Result<(), Error> {
        match &self.sender {
            Some(sender) => sender.send(&[value]).await,
            None => Ok(()),
        }
    }
}
