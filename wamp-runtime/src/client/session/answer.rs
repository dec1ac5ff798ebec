//! The channel a call's answers travel through, from the reader to the
//! [`PendingCall`](super::PendingCall): one final answer, or a stream of
//! progressive results ending with the final one.

use std::future::Future as _;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::sync::{mpsc, oneshot};

use crate::client::details::CallResult;
use crate::client::error::Error;

/// One answer to a call: a (progressive or final) result, or the error.
pub(super) type Answer = Result<CallResult, Error>;

/// Where the reader delivers a call's answers.
pub(super) enum CallSink {
    /// The final answer only.
    Once(oneshot::Sender<Answer>),
    /// Progressive results, then the final answer.
    Stream(mpsc::UnboundedSender<Answer>),
}

/// Where the caller receives a call's answers.
pub(super) enum CallRx {
    /// The final answer only.
    Once(oneshot::Receiver<Answer>),
    /// Progressive results, then the final answer.
    Stream(mpsc::UnboundedReceiver<Answer>),
}

impl CallSink {
    /// A sink and its receiver; `progressive` calls get a stream.
    pub(super) fn new(progressive: bool) -> (CallSink, CallRx) {
        if progressive {
            let (tx, rx) = mpsc::unbounded_channel();
            (CallSink::Stream(tx), CallRx::Stream(rx))
        } else {
            let (tx, rx) = oneshot::channel();
            (CallSink::Once(tx), CallRx::Once(rx))
        }
    }

    /// Delivers a progressive result (dropped unless the call streams).
    pub(super) fn progress(&mut self, result: CallResult) {
        if let CallSink::Stream(tx) = self {
            let _ = tx.send(Ok(result));
        }
    }

    /// Delivers the final answer.
    pub(super) fn finish(self, answer: Answer) {
        match self {
            CallSink::Once(tx) => drop(tx.send(answer)),
            CallSink::Stream(tx) => drop(tx.send(answer)),
        }
    }
}

impl CallRx {
    /// The next answer; a sink dropped without an answer (the session ended)
    /// reads as `wamp.error.transport_lost`.
    pub(super) fn poll_answer(&mut self, cx: &mut Context<'_>) -> Poll<Answer> {
        match self {
            CallRx::Once(rx) => Pin::new(rx)
                .poll(cx)
                .map(|r| r.unwrap_or_else(|_| Err(Error::transport_lost()))),
            CallRx::Stream(rx) => rx
                .poll_recv(cx)
                .map(|r| r.unwrap_or_else(|| Err(Error::transport_lost()))),
        }
    }
}
