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
    /// Progressive results, then the final answer (bounded: one place is
    /// always kept for the final answer).
    Stream(mpsc::Sender<Answer>),
}

/// Where the caller receives a call's answers.
pub(super) enum CallRx {
    /// The final answer only.
    Once(oneshot::Receiver<Answer>),
    /// Progressive results, then the final answer.
    Stream(mpsc::Receiver<Answer>),
}

impl CallSink {
    /// A sink and its receiver; `progressive` calls get a stream holding at
    /// most `max_progress` unread progressive results.
    pub(super) fn new(progressive: bool, max_progress: usize) -> (CallSink, CallRx) {
        if progressive {
            let (tx, rx) = mpsc::channel(max_progress.max(1) + 1);
            (CallSink::Stream(tx), CallRx::Stream(rx))
        } else {
            let (tx, rx) = oneshot::channel();
            (CallSink::Once(tx), CallRx::Once(rx))
        }
    }

    /// Delivers a progressive result (ignored unless the call streams);
    /// `false` when the caller already has `max_progress` unread ones (the
    /// last place is kept for the final answer).
    pub(super) fn progress(&mut self, result: CallResult) -> bool {
        match self {
            CallSink::Stream(tx) if tx.capacity() <= 1 && !tx.is_closed() => false,
            CallSink::Stream(tx) => {
                let _ = tx.try_send(Ok(result));
                true
            }
            CallSink::Once(_) => true,
        }
    }

    /// Delivers the final answer (the reader is the only sender and keeps
    /// one place for it, so it always fits).
    pub(super) fn finish(self, answer: Answer) {
        match self {
            CallSink::Once(tx) => drop(tx.send(answer)),
            CallSink::Stream(tx) => drop(tx.try_send(answer)),
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
