//! Progressive call invocations at the callee: the chunks of a call's input
//! (`INVOCATION.Details.progress`) reach the running handler as a stream.
//!
//! The first INVOCATION starts the handler; it and every later INVOCATION
//! with the same request ID are the stream's items, the one without
//! `progress` the last. At most
//! [`SessionLimits::max_queued_progress`](super::SessionLimits::max_queued_progress)
//! chunks wait unread; one more ends the stream with
//! `wamp.error.limit_exceeded` (the handler decides how to answer). A stream
//! whose invocation ends (interrupted, session closed) before the final chunk
//! ends with `wamp.error.canceled`, so a partial input never looks complete.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::task::{Context, Poll};

use futures_util::Stream;
use tokio::sync::mpsc;

use crate::client::error::Error;
use crate::protocol::Payload;
use crate::protocol::uris;

const OPEN: u8 = 0;
const COMPLETE: u8 = 1;
const OVERFLOW: u8 = 2;
const UNREADABLE: u8 = 3;

/// The session's end of one invocation's input: where chunks are pushed.
pub(super) struct InputFeed {
    tx: mpsc::Sender<Payload>,
    state: Arc<AtomicU8>,
}

impl InputFeed {
    /// A feed and its stream, holding at most `capacity` unread chunks.
    pub(super) fn new(capacity: usize) -> (Self, InputChunks) {
        let (tx, rx) = mpsc::channel(capacity.max(1));
        let state = Arc::new(AtomicU8::new(OPEN));
        let chunks = InputChunks {
            rx,
            state: state.clone(),
            ended: false,
        };
        (InputFeed { tx, state }, chunks)
    }

    /// Ends the input with an error (a chunk that cannot be opened): the
    /// stream yields `wamp.error.encryption.decrypt_error` after the chunks
    /// already queued.
    pub(super) fn fail(self) {
        self.state.store(UNREADABLE, Ordering::Release);
    }

    /// Pushes a chunk; `last` when it is the final one. Returns whether the
    /// feed stays open (false: it was the last chunk, or too many are unread).
    pub(super) fn push(&self, chunk: Payload, last: bool) -> bool {
        if self.tx.try_send(chunk).is_err() {
            self.state.store(OVERFLOW, Ordering::Release);
            return false;
        }
        if last {
            self.state.store(COMPLETE, Ordering::Release);
        }
        !last
    }
}

/// The chunks of a progressive call invocation, as encoded payloads, in the
/// order the caller sent them (the first INVOCATION's included). Ends after
/// the final chunk, or with an error when the input is cut short.
pub struct InputChunks {
    rx: mpsc::Receiver<Payload>,
    state: Arc<AtomicU8>,
    ended: bool,
}

impl std::fmt::Debug for InputChunks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InputChunks").finish_non_exhaustive()
    }
}

impl Stream for InputChunks {
    type Item = Result<Payload, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.ended {
            return Poll::Ready(None);
        }
        match self.rx.poll_recv(cx) {
            Poll::Ready(Some(chunk)) => Poll::Ready(Some(Ok(chunk))),
            Poll::Ready(None) => {
                self.ended = true;
                Poll::Ready(match self.state.load(Ordering::Acquire) {
                    COMPLETE => None,
                    UNREADABLE => Some(Err(Error::message(
                        uris::ENCRYPTION_DECRYPT_ERROR,
                        "an input chunk could not be decrypted",
                    ))),
                    OVERFLOW => Some(Err(Error::message(
                        uris::LIMIT_EXCEEDED,
                        "too many input chunks unread (SessionLimits::max_queued_progress)",
                    ))),
                    _ => Some(Err(Error::message(
                        uris::CANCELED,
                        "the call's input ended before its final chunk",
                    ))),
                })
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

/// Where an [`InvocationContext`](super::InvocationContext) keeps its input
/// until a handler takes it.
#[derive(Debug, Default)]
pub struct InputSlot(std::sync::Mutex<Option<InputChunks>>);

impl InputSlot {
    pub(super) fn new(chunks: Option<InputChunks>) -> Self {
        InputSlot(std::sync::Mutex::new(chunks))
    }

    /// Takes the input chunks; `None` when the procedure was not registered
    /// with [`RegisterOptions::progressive_input`](crate::client::RegisterOptions::progressive_input)
    /// or when already taken.
    pub fn take(&self) -> Option<InputChunks> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).take()
    }
}

/// The chunks of a progressive call invocation, each decoded as `T` from its
/// only positional argument: the special parameter of a
/// `#[wamp::register]` procedure that takes its input in chunks.
///
/// ```no_run
/// use futures_util::StreamExt as _;
///
/// /// Adds up the numbers sent in chunks.
/// #[wamp::register("com.example.sum")]
/// async fn sum(mut input: wamp::ProgressiveInput<i64>) -> Result<i64, wamp::Error> {
///     let mut total = 0;
///     while let Some(n) = input.next().await {
///         total += n?;
///     }
///     Ok(total)
/// }
/// ```
///
/// A chunk that is not one `T` gives an item `Err` with
/// `wamp.error.invalid_argument`; the stream goes on with the next chunk.
pub struct ProgressiveInput<T> {
    chunks: InputChunks,
    _item: std::marker::PhantomData<fn() -> T>,
}

impl<T> std::fmt::Debug for ProgressiveInput<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProgressiveInput").finish_non_exhaustive()
    }
}

impl<T> ProgressiveInput<T> {
    /// Decodes `chunks` as `T` each.
    pub fn new(chunks: InputChunks) -> Self {
        ProgressiveInput {
            chunks,
            _item: std::marker::PhantomData,
        }
    }

    /// The chunks, still encoded.
    pub fn into_inner(self) -> InputChunks {
        self.chunks
    }
}

impl<T: serde::de::DeserializeOwned> Stream for ProgressiveInput<T> {
    type Item = Result<T, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Pin::new(&mut self.chunks).poll_next(cx).map(|item| {
            item.map(|chunk| {
                let chunk = chunk?;
                match chunk.single_arg::<T>()? {
                    Ok(value) => Ok(value),
                    Err(n) => Err(Error::message(
                        uris::INVALID_ARGUMENT,
                        format!(
                            "an input chunk must have exactly one positional argument (a {}), it has {n}",
                            std::any::type_name::<T>()
                        ),
                    )),
                }
            })
        })
    }
}
