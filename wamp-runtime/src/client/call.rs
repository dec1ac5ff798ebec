//! A call in flight: its answer channel, local deadline, cancellation on drop,
//! and the stream of progressive results.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::Stream;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Sleep;

use super::details::CallResult;
use super::error::{Error, uri};
use super::options::CallOptions;
use super::session::Session;
use crate::protocol::Id;
use crate::protocol::options::CancelMode;

type Answer = Result<CallResult, Error>;

/// Where the reader delivers a call's answers.
pub(crate) enum CallSink {
    Once(oneshot::Sender<Answer>),
    Stream(mpsc::UnboundedSender<Answer>),
}

pub(crate) enum CallRx {
    Once(oneshot::Receiver<Answer>),
    Stream(mpsc::UnboundedReceiver<Answer>),
}

impl CallSink {
    pub(crate) fn new(progressive: bool) -> (CallSink, CallRx) {
        if progressive {
            let (tx, rx) = mpsc::unbounded_channel();
            (CallSink::Stream(tx), CallRx::Stream(rx))
        } else {
            let (tx, rx) = oneshot::channel();
            (CallSink::Once(tx), CallRx::Once(rx))
        }
    }

    pub(crate) fn progress(&mut self, result: CallResult) {
        if let CallSink::Stream(tx) = self {
            let _ = tx.send(Ok(result));
        }
    }

    pub(crate) fn finish(self, answer: Answer) {
        match self {
            CallSink::Once(tx) => drop(tx.send(answer)),
            CallSink::Stream(tx) => drop(tx.send(answer)),
        }
    }
}

/// A call that was sent. Await it for the final result (`Future`), or read it
/// as a `Stream` of results when started with
/// [`CallRequest::progressive`](super::CallRequest::progressive) (the last item
/// is the final result).
///
/// Dropping it before the final answer sends CANCEL; so does the local deadline,
/// which then fails the call with `wamp.error.timeout`.
pub struct PendingCall {
    session: Session,
    request: Id,
    rx: CallRx,
    deadline: Option<Pin<Box<Sleep>>>,
    cancel_mode: Option<CancelMode>,
    done: bool,
}

impl std::fmt::Debug for PendingCall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingCall")
            .field("request", &self.request)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl PendingCall {
    pub(crate) fn new(session: Session, request: Id, rx: CallRx, options: &CallOptions) -> Self {
        PendingCall {
            session,
            request,
            rx,
            deadline: options
                .local_deadline()
                .map(|d| Box::pin(tokio::time::sleep(d))),
            cancel_mode: options.cancel_mode,
            done: false,
        }
    }

    /// The CALL's request ID.
    pub fn request_id(&self) -> Id {
        self.request
    }

    /// Sends CANCEL with a mode and keeps waiting: the router answers with
    /// `wamp.error.canceled` (at once for skip and killnowait, after the callee
    /// for kill), or a result that was already on its way.
    pub fn cancel(&self, mode: CancelMode) {
        if !self.done {
            self.session.cancel_now(self.request, Some(mode), false);
        }
    }

    fn poll_answer(&mut self, cx: &mut Context<'_>) -> Poll<Option<Answer>> {
        if self.done {
            return Poll::Ready(None);
        }
        let polled = match &mut self.rx {
            CallRx::Once(rx) => Pin::new(rx)
                .poll(cx)
                .map(|r| Some(r.unwrap_or_else(|_| Err(Error::transport_lost())))),
            CallRx::Stream(rx) => rx
                .poll_recv(cx)
                .map(|r| Some(r.unwrap_or_else(|| Err(Error::transport_lost())))),
        };
        match polled {
            Poll::Ready(Some(answer)) => {
                let last = !matches!(&answer, Ok(r) if r.is_progress());
                if last {
                    self.done = true;
                }
                Poll::Ready(Some(answer))
            }
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => {
                if let Some(deadline) = &mut self.deadline
                    && deadline.as_mut().poll(cx).is_ready()
                {
                    self.done = true;
                    self.session.cancel_now(
                        self.request,
                        Some(self.cancel_mode.unwrap_or(CancelMode::KillNoWait)),
                        true,
                    );
                    return Poll::Ready(Some(Err(Error::message(
                        uri::TIMEOUT,
                        "no answer before the local deadline",
                    ))));
                }
                Poll::Pending
            }
        }
    }
}

impl Future for PendingCall {
    type Output = Result<CallResult, Error>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        loop {
            match self.poll_answer(cx) {
                // Progressive results are skipped when awaited as a future.
                Poll::Ready(Some(Ok(r))) if r.is_progress() => continue,
                Poll::Ready(Some(answer)) => return Poll::Ready(answer),
                Poll::Ready(None) => {
                    return Poll::Ready(Err(Error::message(uri::CANCELED, "already answered")));
                }
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

impl Stream for PendingCall {
    type Item = Result<CallResult, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.poll_answer(cx)
    }
}

impl Drop for PendingCall {
    fn drop(&mut self) {
        if !self.done {
            self.session
                .cancel_now(self.request, self.cancel_mode, true);
        }
    }
}
