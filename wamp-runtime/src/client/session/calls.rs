//! Calling: [`Session::call`] makes a [`CallRequest`] to configure, which
//! sends the CALL when awaited or started; the [`PendingCall`] then waits for
//! the answer (or streams progressive results) under a local deadline, and
//! sends CANCEL when dropped before the end.

use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::future::BoxFuture;
use futures_util::{FutureExt as _, Stream};
use serde::Serialize;
use tokio::time::Sleep;

use super::answer::{Answer, CallRx, CallSink};
use super::handle::{Pending, Session};
use super::outbox::encode_args;
use crate::client::details::CallResult;
use crate::client::error::Error;
use crate::client::metrics::CallTimer;
use crate::client::options::CallOptions;
use crate::client::trace_context;
use crate::protocol::options::CancelMode;
use crate::protocol::uris;
use crate::protocol::{Call, Id, Message, Payload, Uri};

impl Session {
    /// Calls a procedure with positional arguments (a tuple, a `Vec`, an array;
    /// `&()` for none); `.await` it for the result, or configure it first (see
    /// [`CallRequest`]).
    pub fn call<A: Serialize + ?Sized>(&self, procedure: &str, args: &A) -> CallRequest {
        CallRequest {
            session: self.clone(),
            procedure: Uri::new(procedure).map_err(Error::from),
            payload: encode_args(self.serializer(), args),
            options: CallOptions::default(),
        }
    }

    /// Calls a procedure with an encoded payload.
    pub fn call_payload(&self, procedure: &str, payload: Payload) -> CallRequest {
        CallRequest {
            session: self.clone(),
            procedure: Uri::new(procedure).map_err(Error::from),
            payload: Ok(payload),
            options: CallOptions::default(),
        }
    }
}

/// A call being configured; `.await` it to run it.
#[must_use = "a call does nothing until awaited"]
pub struct CallRequest {
    session: Session,
    procedure: Result<Uri, Error>,
    payload: Result<Payload, Error>,
    options: CallOptions,
}

impl CallRequest {
    /// The procedure called, when its URI is valid.
    pub fn procedure(&self) -> Option<&str> {
        self.procedure.as_ref().ok().map(|uri| uri.as_str())
    }

    /// Sets all options.
    pub fn options(mut self, options: CallOptions) -> Self {
        self.options = options;
        self
    }

    /// Sets the timeout (router-side in ms, and local deadline).
    pub fn timeout(mut self, timeout: std::time::Duration) -> Self {
        self.options.timeout = Some(timeout);
        self
    }

    /// Sets keyword arguments (positional ones stay).
    pub fn kwargs<K: Serialize + ?Sized>(mut self, kwargs: &K) -> Self {
        let kind = self.session.serializer();
        self.payload = self.payload.and_then(|p| {
            let kw = Payload::encode_kwargs(kind, kwargs)?;
            Ok(Payload::from_raw(
                kind,
                p.raw_args().cloned(),
                kw.raw_kwargs().cloned(),
            ))
        });
        self
    }

    /// Sends the CALL and returns the pending call, which can be canceled
    /// explicitly; dropping it before the answer sends CANCEL.
    pub async fn start(self) -> Result<PendingCall, Error> {
        self.start_inner(false).await
    }

    /// Sends the CALL asking for progressive results: a stream of results whose
    /// last item is the final result.
    pub async fn progressive(self) -> Result<PendingCall, Error> {
        self.start_inner(true).await
    }

    /// Sends the CALL as the first chunk of a progressive call invocation
    /// (`CALL.Options.progress`): push further chunks into the returned
    /// [`InputCall`], then [`finish`](InputCall::finish) it with the last one
    /// for the result. The callee must take its input in chunks (a
    /// `wamp::ProgressiveInput<T>` parameter, or
    /// [`RegisterOptions::progressive_input`](crate::client::RegisterOptions::progressive_input));
    /// otherwise the call fails with `wamp.error.feature_not_supported`.
    pub async fn start_input(self) -> Result<InputCall, Error> {
        let procedure = self.procedure.clone()?;
        let session = self.session.clone();
        let pending = self.start_with(false, true).await?;
        Ok(InputCall {
            session,
            procedure,
            pending,
        })
    }

    async fn start_inner(self, progress: bool) -> Result<PendingCall, Error> {
        self.start_with(progress, false).await
    }

    async fn start_with(self, progress: bool, input: bool) -> Result<PendingCall, Error> {
        let payload = self.payload?;
        let procedure = self.procedure?;
        let (payload, enc) = self.session.seal(true, procedure.as_str(), payload)?;
        let (sink, rx) = CallSink::new(progress, self.session.shared.limits.max_queued_progress);
        let mut wire = self.options.to_wire(progress);
        let span = trace_context::call_span(&procedure);
        trace_context::inject(&span, &mut wire.extra);
        wire.enc_algo = enc.algo;
        wire.enc_key = enc.key;
        wire.enc_serializer = enc.serializer;
        let key_uri = procedure.to_string();
        if input {
            wire.progress = Some(true);
        }
        let id = self
            .session
            .request(Pending::Call(sink), |request| {
                span.record("wamp.request_id", request);
                Message::Call(Call {
                    request,
                    options: wire,
                    procedure,
                    payload,
                })
            })
            .await?;
        Ok(PendingCall::new(
            self.session,
            id,
            rx,
            &self.options,
            key_uri,
            span,
        ))
    }
}

impl IntoFuture for CallRequest {
    type Output = Result<CallResult, Error>;
    type IntoFuture = BoxFuture<'static, Result<CallResult, Error>>;

    fn into_future(self) -> Self::IntoFuture {
        async move { self.start().await?.await }.boxed()
    }
}

/// A progressive call invocation under way: its first chunk is sent, more
/// follow with [`InputCall::send`], the last with [`InputCall::finish`],
/// which waits for the result. Every chunk is a CALL with the first one's
/// request ID and procedure. Dropping it before the end cancels the call.
#[must_use = "a progressive call is canceled when dropped before `finish`"]
#[derive(Debug)]
pub struct InputCall {
    session: Session,
    procedure: Uri,
    pending: PendingCall,
}

impl InputCall {
    /// The CALL's request ID (shared by every chunk).
    pub fn request_id(&self) -> Id {
        self.pending.request
    }

    /// Sends a further chunk of positional arguments.
    pub async fn send<A: Serialize + ?Sized>(&mut self, args: &A) -> Result<(), Error> {
        let payload = encode_args(self.session.serializer(), args)?;
        self.send_payload(payload).await
    }

    /// Sends a further chunk, already encoded.
    pub async fn send_payload(&mut self, payload: Payload) -> Result<(), Error> {
        self.chunk(payload, true).await
    }

    /// Sends the final chunk of positional arguments (`&()` for none) and
    /// waits for the result.
    pub async fn finish<A: Serialize + ?Sized>(self, args: &A) -> Result<CallResult, Error> {
        let payload = encode_args(self.session.serializer(), args)?;
        self.finish_payload(payload).await
    }

    /// Sends the final chunk, already encoded, and waits for the result.
    pub async fn finish_payload(mut self, payload: Payload) -> Result<CallResult, Error> {
        self.chunk(payload, false).await?;
        self.pending.await
    }

    /// Cancels the call (see [`PendingCall::cancel`]) and waits for its end.
    pub async fn cancel(self, mode: CancelMode) -> Result<CallResult, Error> {
        self.pending.cancel(mode);
        self.pending.await
    }

    async fn chunk(&mut self, payload: Payload, more: bool) -> Result<(), Error> {
        if self.pending.done {
            return Err(Error::message(uris::CANCELED, "the call already ended"));
        }
        let (payload, enc) = self.session.seal(true, self.procedure.as_str(), payload)?;
        let mut call = Call {
            request: self.pending.request,
            options: Default::default(),
            procedure: self.procedure.clone(),
            payload,
        };
        call.options.progress = more.then_some(true);
        call.options.enc_algo = enc.algo;
        call.options.enc_key = enc.key;
        call.options.enc_serializer = enc.serializer;
        self.session.send(&Message::Call(call)).await
    }
}

/// A call that was sent. Await it for the final result (`Future`), or read it
/// as a `Stream` of results when started with
/// [`CallRequest::progressive`] (the last item
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
    /// The procedure, which keys an encrypted RESULT.
    procedure: String,
    /// The call's `wamp.call` span, which ends with the call.
    _span: tracing::Span,
    /// Times the call for the metrics.
    timer: CallTimer,
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
    fn new(
        session: Session,
        request: Id,
        rx: CallRx,
        options: &CallOptions,
        procedure: String,
        span: tracing::Span,
    ) -> Self {
        PendingCall {
            session,
            request,
            rx,
            deadline: options
                .local_deadline()
                .map(|d| Box::pin(tokio::time::sleep(d))),
            cancel_mode: options.cancel_mode,
            done: false,
            procedure,
            _span: span,
            timer: CallTimer::start(),
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

    /// Opens an encrypted RESULT with the session's payload codec.
    fn open_result(&self, mut r: CallResult) -> Result<CallResult, Error> {
        if r.details.enc_algo.is_some() {
            let payload = std::mem::take(&mut r.payload);
            r.payload = crate::client::codec::open(
                self.session.codec().as_deref(),
                true,
                &self.procedure,
                payload,
                r.details.enc_algo.take().as_ref(),
                r.details.enc_key.take().as_ref(),
                r.details.enc_serializer.take().as_ref(),
            )?;
        }
        Ok(r)
    }

    fn poll_answer(&mut self, cx: &mut Context<'_>) -> Poll<Option<Answer>> {
        if self.done {
            return Poll::Ready(None);
        }
        match self.rx.poll_answer(cx) {
            Poll::Ready(answer) => {
                let last = !matches!(&answer, Ok(r) if r.is_progress());
                if last {
                    self.done = true;
                    self.timer.answered(&answer);
                }
                Poll::Ready(Some(answer.and_then(|r| self.open_result(r))))
            }
            Poll::Pending => {
                if let Some(deadline) = &mut self.deadline
                    && deadline.as_mut().poll(cx).is_ready()
                {
                    self.done = true;
                    self.timer.ended("timeout");
                    self.session.cancel_now(
                        self.request,
                        Some(self.cancel_mode.unwrap_or(CancelMode::KillNoWait)),
                        true,
                    );
                    return Poll::Ready(Some(Err(Error::message(
                        uris::TIMEOUT,
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
                    return Poll::Ready(Err(Error::message(uris::CANCELED, "already answered")));
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
            self.timer.ended("canceled");
            self.session
                .cancel_now(self.request, self.cancel_mode, true);
        }
    }
}
