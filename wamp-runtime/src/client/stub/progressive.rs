//! [`ProgressiveCall`]: a typed call with progressive results, read as a
//! stream of [`Update`]s.

use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::future::BoxFuture;
use futures_util::{FutureExt as _, Stream, StreamExt as _};
use serde::de::DeserializeOwned;

use super::decode::{Decode, decode_value};
use crate::client::error::Error;
use crate::client::session::{CallRequest, PendingCall};

/// One item of a [`ProgressiveCall`]: a progressive result, or the final
/// result (always the last item).
#[derive(Debug, Clone, PartialEq)]
pub enum Update<P, R> {
    /// A progressive result (what the procedure sent with `Progress::send`).
    Progress(P),
    /// The final result; the stream ends after it.
    Final(R),
}

enum State {
    Starting(BoxFuture<'static, Result<PendingCall, Error>>),
    Running(Pin<Box<PendingCall>>),
    Done,
}

/// A typed call asking for progressive results, from `.progressive()` on a
/// generated call: a `Stream` of [`Update::Progress`] items, then one
/// [`Update::Final`], or an error, after which it ends. The CALL is sent when
/// the stream is first polled; dropping the stream before the end cancels the
/// call. A progressive result that does not decode as `P` ends the stream
/// with `wamp.error.invalid_argument` (and cancels the call).
#[must_use = "a call does nothing until its stream is polled"]
pub struct ProgressiveCall<P, R> {
    state: State,
    procedure: String,
    decode: Decode<R>,
    _progress: PhantomData<fn() -> P>,
}

impl<P, R> std::fmt::Debug for ProgressiveCall<P, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProgressiveCall")
            .field("procedure", &self.procedure)
            .finish_non_exhaustive()
    }
}

impl<P: DeserializeOwned, R> ProgressiveCall<P, R> {
    pub(crate) fn new(
        start: BoxFuture<'static, Result<PendingCall, Error>>,
        procedure: String,
        decode: Decode<R>,
    ) -> Self {
        ProgressiveCall {
            state: State::Starting(start),
            procedure,
            decode,
            _progress: PhantomData,
        }
    }

    /// Sends `request` asking for progressive results (as the clients
    /// `wamp-codegen` generates do): progress items are decoded as `P`, the
    /// final result by `decode` (such as [`decode_value`]).
    pub fn from_request(request: CallRequest, decode: Decode<R>) -> Self {
        let procedure = request.procedure().unwrap_or_default().to_owned();
        ProgressiveCall::new(request.progressive().boxed(), procedure, decode)
    }

    /// Waits for the final result, skipping the progressive ones.
    pub async fn result(mut self) -> Result<R, Error> {
        while let Some(item) = self.next().await {
            if let Update::Final(r) = item? {
                return Ok(r);
            }
        }
        Err(Error::message(
            crate::protocol::uris::CANCELED,
            "the call ended without a result",
        ))
    }
}

impl<P: DeserializeOwned, R> Stream for ProgressiveCall<P, R> {
    type Item = Result<Update<P, R>, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            match &mut this.state {
                State::Done => return Poll::Ready(None),
                State::Starting(start) => match start.poll_unpin(cx) {
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(Ok(pending)) => this.state = State::Running(Box::pin(pending)),
                    Poll::Ready(Err(e)) => {
                        this.state = State::Done;
                        return Poll::Ready(Some(Err(e)));
                    }
                },
                State::Running(pending) => {
                    let item = match pending.as_mut().poll_next(cx) {
                        Poll::Pending => return Poll::Pending,
                        Poll::Ready(None) => {
                            this.state = State::Done;
                            return Poll::Ready(None);
                        }
                        Poll::Ready(Some(Err(e))) => Err(e),
                        Poll::Ready(Some(Ok(r))) if r.is_progress() => {
                            decode_value::<P>(&this.procedure, r).map(Update::Progress)
                        }
                        Poll::Ready(Some(Ok(r))) => {
                            (this.decode)(&this.procedure, r).map(Update::Final)
                        }
                    };
                    if !matches!(item, Ok(Update::Progress(_))) {
                        // The end, or an error: drop the call (a CANCEL if
                        // it is still running).
                        this.state = State::Done;
                    }
                    return Poll::Ready(Some(item));
                }
            }
        }
    }
}
