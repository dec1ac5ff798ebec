//! The invocation runner: an INVOCATION finds its registration, its handler
//! runs (inline until it first waits) under the registration's concurrency
//! limit, the call's timeout and INTERRUPT, a panic is caught, and the
//! outcome goes back as YIELD or ERROR.
//!
//! At most [`SessionLimits::max_invocations`](super::SessionLimits::max_invocations)
//! invocations run (or wait for their registration's concurrency) at once;
//! one more is answered at once with ERROR `wamp.error.limit_exceeded`. A
//! YIELD (or ERROR) larger than the transport's limit is replaced by an ERROR
//! `wamp.error.payload_size_exceeded`, so the caller always gets an answer.

use std::panic::AssertUnwindSafe;

use futures_util::FutureExt as _;
use tokio_util::sync::CancellationToken;
use tracing::Instrument as _;

use super::handle::{Core, InvocationContext, ProgressSender, Session};
use super::inline::{panic_message, run_inline};
use super::input::{InputFeed, InputSlot};
use crate::client::details::CallDetails;
use crate::client::error::Error;
use crate::client::trace_context;
use crate::protocol::options::{ErrorDetails, YieldOptions};
use crate::protocol::uris;
use crate::protocol::{self, ErrorMessage, Id, Message, MessageType, Payload, Uri, Yield};

/// How long an interrupted handler may take to finish after its cancellation
/// token fired, before its future is dropped.
const INTERRUPT_GRACE: std::time::Duration = std::time::Duration::from_millis(100);

/// Runs the handler of an INVOCATION (behind its concurrency limit, until it
/// finishes, is interrupted or times out) and answers with YIELD or ERROR.
pub(super) async fn on_invocation(session: &Session, inv: protocol::Invocation) {
    let progress = inv.details.progress == Some(true);
    let (entry, chunk) = {
        let mut core = session.lock();
        if let Some(at) = core.refused_inputs.iter().position(|r| *r == inv.request) {
            // A later chunk of a refused progressive invocation.
            if !progress {
                core.refused_inputs.remove(at);
            }
            tracing::debug!(
                request = inv.request,
                "input chunk of a refused invocation dropped"
            );
            return;
        }
        (
            core.registrations.get(&inv.registration).cloned(),
            core.invocations.contains_key(&inv.request),
        )
    };
    if chunk {
        // A further chunk of a running invocation's input, opened like the
        // first one when encrypted.
        let mut inv = inv;
        let key_uri = inv
            .details
            .procedure
            .clone()
            .or_else(|| entry.map(|e| e.procedure))
            .unwrap_or_default();
        let d = &mut inv.details;
        let payload = crate::client::codec::open(
            session.codec().as_deref(),
            false,
            &key_uri,
            std::mem::take(&mut inv.payload),
            d.enc_algo.take().as_ref(),
            d.enc_key.take().as_ref(),
            d.enc_serializer.take().as_ref(),
        );
        let mut core = session.lock();
        match payload {
            Ok(payload) => feed_input(&mut core, inv.request, payload, !progress),
            Err(e) => {
                tracing::warn!(procedure = %key_uri, error = %e, "input chunk cannot be opened; the input ends");
                if let Some(feed) = core.inputs.remove(&inv.request) {
                    feed.fail();
                }
            }
        }
        return;
    }
    let Some(entry) = entry else {
        let err = invocation_error(inv.request, &Error::new(uris::NO_SUCH_REGISTRATION));
        let _ = session.send(&err).await;
        return;
    };
    if progress && !entry.progressive_input {
        refuse_input(&mut session.lock(), inv.request);
        let e = Error::message(
            uris::FEATURE_NOT_SUPPORTED,
            format!(
                "procedure <{}> does not take its input in chunks (progressive call invocations)",
                entry.procedure
            ),
        );
        let _ = session.send(&invocation_error(inv.request, &e)).await;
        return;
    }
    // The procedure keys an encrypted payload (the concrete one of a pattern
    // registration, as the caller encrypted it).
    let key_uri = inv
        .details
        .procedure
        .clone()
        .unwrap_or_else(|| entry.procedure.clone());
    let mut inv = inv;
    if inv.details.enc_algo.is_some() {
        let d = &mut inv.details;
        let opened = crate::client::codec::open(
            session.codec().as_deref(),
            false,
            &key_uri,
            std::mem::take(&mut inv.payload),
            d.enc_algo.take().as_ref(),
            d.enc_key.take().as_ref(),
            d.enc_serializer.take().as_ref(),
        );
        match opened {
            Ok(payload) => inv.payload = payload,
            Err(e) => {
                tracing::warn!(procedure = %key_uri, error = %e, "invocation payload cannot be opened; refused");
                let _ = session.send(&invocation_error(inv.request, &e)).await;
                return;
            }
        }
    }
    let token = CancellationToken::new();
    let max = session.shared.limits.max_invocations;
    let mut input = None;
    let admitted = {
        let mut core = session.lock();
        let admitted = core.invocations.len() < max;
        if admitted {
            core.invocations.insert(inv.request, token.clone());
            if entry.progressive_input {
                let (feed, chunks) = InputFeed::new(session.shared.limits.max_queued_progress);
                if feed.push(inv.payload.clone(), !progress) {
                    core.inputs.insert(inv.request, feed);
                }
                input = Some(chunks);
            }
        }
        admitted
    };
    if !admitted {
        if session.shared.refused_warn.open() {
            tracing::warn!(
                procedure = %entry.procedure,
                max,
                "too many invocations running: refused (SessionLimits::max_invocations)"
            );
        }
        let e = Error::message(
            uris::LIMIT_EXCEEDED,
            format!("the callee already runs {max} invocations (SessionLimits::max_invocations)"),
        );
        let _ = session.send(&invocation_error(inv.request, &e)).await;
        return;
    }
    let (span, trace_cx) = trace_context::invocation_span(
        inv.details.procedure.as_deref().unwrap_or(&entry.procedure),
        inv.request,
        inv.details.caller,
        &inv.details.extra,
    );
    let d = inv.details;
    let details = CallDetails {
        registration: inv.registration,
        procedure: d.procedure.unwrap_or_else(|| entry.procedure.clone()),
        caller: d.caller,
        caller_authid: d.caller_authid,
        caller_authrole: d.caller_authrole,
        timeout: d
            .timeout
            .filter(|t| *t > 0)
            .map(std::time::Duration::from_millis),
        receive_progress: d.receive_progress == Some(true),
    };
    let request = inv.request;
    let timeout = details.timeout;
    let ctx = InvocationContext {
        payload: inv.payload,
        progress: details.receive_progress.then(|| ProgressSender {
            session: session.clone(),
            request,
        }),
        details,
        session: session.clone(),
        cancel: token.clone(),
        input: InputSlot::new(input),
    };
    let session = session.clone();
    run_inline(async move {
        let limit = entry.limit.clone();
        let handler = entry.handler.clone();
        let work = async move {
            // Queued behind the concurrency limit, if any; INTERRUPT still applies.
            let _permit = match limit {
                Some(limit) => limit.acquire_owned().await.ok(),
                None => None,
            };
            let run = trace_context::scope(trace_cx, async move { handler(ctx).await });
            AssertUnwindSafe(run.instrument(span)).catch_unwind().await
        };
        let deadline = async move {
            match timeout {
                Some(t) => tokio::time::sleep(t).await,
                None => std::future::pending().await,
            }
        };
        tokio::pin!(work);
        let outcome = tokio::select! {
            biased;
            r = &mut work => r,
            () = token.cancelled() => {
                // The handler sees the token first and may finish; past a grace
                // period its future is dropped.
                match tokio::time::timeout(INTERRUPT_GRACE, &mut work).await {
                    Ok(r) => r,
                    Err(_) => Ok(Err(Error::message(uris::CANCELED, "interrupted"))),
                }
            }
            () = deadline => Ok(Err(Error::message(uris::TIMEOUT, "the call timed out at the callee"))),
        };
        let outcome = match outcome {
            Ok(r) => r,
            Err(panic) => {
                let text = panic_message(&*panic);
                tracing::error!(procedure = %entry.procedure, panic = %text, "procedure panicked");
                Err(Error::message(uris::RUNTIME_ERROR, text))
            }
        };
        crate::client::metrics::invocation_handled(&entry.procedure, outcome.is_ok());
        // Not running any more: the session ended, or a too large progressive
        // result already ended the invocation with an ERROR.
        let still_running = {
            let mut core = session.lock();
            if core.inputs.remove(&request).is_some() {
                // Ended before its final chunk: later chunks are dropped.
                refuse_input(&mut core, request);
            }
            core.invocations.remove(&request).is_some()
        };
        if !still_running {
            return;
        }
        let message = match outcome.and_then(|result| {
            let (payload, enc) = session.seal(false, &key_uri, result.payload)?;
            let options = YieldOptions {
                enc_algo: enc.algo,
                enc_key: enc.key,
                enc_serializer: enc.serializer,
                ..YieldOptions::default()
            };
            Ok(Message::Yield(Yield {
                request,
                options,
                payload,
            }))
        }) {
            Ok(message) => message,
            Err(e) => {
                if !e.is(uris::CANCELED) {
                    tracing::warn!(procedure = %entry.procedure, error = %e, "procedure failed");
                }
                sealed_invocation_error(&session, request, &e)
            }
        };
        if let Err(e) = session.send(&message).await
            && !session.is_closed()
        {
            tracing::warn!(procedure = %entry.procedure, error = %e, "cannot send the answer of an invocation");
            let fallback = if e.is(uris::PAYLOAD_SIZE_EXCEEDED) {
                e
            } else {
                Error::new(uris::INVALID_PAYLOAD)
            };
            let _ = session.send(&invocation_error(request, &fallback)).await;
        }
    });
}

/// Remembers a progressive invocation that takes no more chunks (refused,
/// or ended before its final chunk), so that its later chunks are dropped
/// rather than taken for new invocations; at most 64.
fn refuse_input(core: &mut Core, request: Id) {
    if core.refused_inputs.len() == 64 {
        core.refused_inputs.pop_front();
    }
    core.refused_inputs.push_back(request);
}

/// Pushes a further input chunk to a running invocation; the feed is
/// dropped after the final chunk or when too many chunks are unread.
fn feed_input(core: &mut Core, request: Id, chunk: Payload, last: bool) {
    let Some(feed) = core.inputs.get(&request) else {
        tracing::warn!(
            request,
            "input chunk for an invocation that takes no more input; discarded"
        );
        return;
    };
    if !feed.push(chunk, last) {
        core.inputs.remove(&request);
        if !last {
            // Too many unread chunks: the stream ends with an error and the
            // chunks still coming are dropped.
            refuse_input(core, request);
        }
    }
}

/// The ERROR answering an invocation with `e`, its payload encrypted (keyed
/// by the error URI) when the session's codec has a key for it.
fn sealed_invocation_error(session: &Session, request: Id, e: &Error) -> Message {
    let mut message = invocation_error(request, e);
    if let Message::Error(m) = &mut message
        && !m.payload.is_empty()
    {
        match session.seal(false, m.error.as_str(), std::mem::take(&mut m.payload)) {
            Ok((payload, enc)) => {
                m.payload = payload;
                m.details.enc_algo = enc.algo;
                m.details.enc_key = enc.key;
                m.details.enc_serializer = enc.serializer;
            }
            Err(seal) => return invocation_error(request, &seal),
        }
    }
    message
}

/// The ERROR answering an invocation with `e`.
pub(super) fn invocation_error(request: Id, e: &Error) -> Message {
    Message::Error(ErrorMessage {
        request_type: MessageType::Invocation,
        request,
        details: ErrorDetails::default(),
        error: Uri::from_trusted(e.uri()),
        payload: e.payload().clone(),
    })
}
