//! The bounds of a session's client-side queues: [`SessionLimits`], the
//! size check every outgoing message passes before it is queued, and the
//! count of events each event handler has in hand.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;

use crate::client::error::Error;
use crate::protocol::uris;

/// Bounds on what one session keeps in memory, set with
/// [`JoinConfig::limits`](crate::client::JoinConfig::limits). Every bound has
/// a documented behaviour when reached, and nothing is dropped silently:
///
/// | Queue | Bound | When full |
/// |---|---|---|
/// | Outgoing message size | the transport's `max_outgoing` ([`TransportDetails::max_outgoing`](crate::transport::TransportDetails::max_outgoing)) | that request fails with `wamp.error.payload_size_exceeded`; nothing is sent, the session stays up. A too large YIELD (or progressive result) is replaced by an ERROR `wamp.error.payload_size_exceeded` to the caller |
/// | Requests waiting for an answer (calls, (un)registrations, (un)subscriptions, acknowledged publications) | [`max_pending_requests`](Self::max_pending_requests) | the new request fails at once with `wamp.error.limit_exceeded` |
/// | Outgoing frames (the outbox) | 1024 frames | senders wait for room (back-pressure); a CANCEL sent from `Drop` waits in at most 1024 background sends, beyond which it is not sent (logged at warn; the call is already forgotten locally) |
/// | Invocations running or waiting for a registration's `concurrency` | [`max_invocations`](Self::max_invocations) | the INVOCATION is answered at once with ERROR `wamp.error.limit_exceeded` (logged at warn, at most once a second) |
/// | Events being handled per local handler | [`max_queued_events`](Self::max_queued_events) | the newest event is dropped for that handler, counted ([`Subscription::dropped`](crate::client::Subscription::dropped)) and logged at warn (at most once a second) |
/// | Progressive results not yet read by the caller | [`max_queued_progress`](Self::max_queued_progress) | the call fails with `wamp.error.limit_exceeded` and is canceled (`killnowait`) |
///
/// Events are not back-pressured: the reader that delivers them also
/// delivers RPC results and every other subscription's events, so a slow
/// handler that blocked it would stall the whole session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLimits {
    /// Requests waiting for their answer at once (default 16384, at least 1).
    pub max_pending_requests: usize,
    /// Invocations of our procedures running (or queued behind a
    /// registration's `concurrency`) at once (default 1024, at least 1).
    pub max_invocations: usize,
    /// Events one local handler is handling at once (default 1024, at least 1);
    /// handlers run concurrently, each event as its own future.
    pub max_queued_events: usize,
    /// Progressive results of one call received but not yet read (default 1024, at least 1).
    pub max_queued_progress: usize,
}

impl Default for SessionLimits {
    fn default() -> Self {
        SessionLimits {
            max_pending_requests: 16 * 1024,
            max_invocations: 1024,
            max_queued_events: 1024,
            max_queued_progress: 1024,
        }
    }
}

impl SessionLimits {
    /// The limits with every bound at least 1.
    pub(super) fn normalized(self) -> Self {
        SessionLimits {
            max_pending_requests: self.max_pending_requests.max(1),
            max_invocations: self.max_invocations.max(1),
            max_queued_events: self.max_queued_events.max(1),
            max_queued_progress: self.max_queued_progress.max(1),
        }
    }
}

/// Checks an encoded frame against the transport's outgoing limit (0: none).
pub(super) fn check_size(frame: &Bytes, limit: usize, what: &str) -> Result<(), Error> {
    if limit != 0 && frame.len() > limit {
        return Err(Error::message(
            uris::PAYLOAD_SIZE_EXCEEDED,
            format!(
                "the {what} message is {} bytes, more than the transport's limit of {limit} bytes; it was not sent",
                frame.len()
            ),
        ));
    }
    Ok(())
}

/// The least time between two warnings of one [`WarnGate`].
const WARN_EVERY: Duration = Duration::from_secs(1);

/// Lets a repeated warning through at most once per [`WARN_EVERY`].
#[derive(Debug, Default)]
pub(super) struct WarnGate(Mutex<Option<Instant>>);

impl WarnGate {
    /// Whether to log now.
    pub(super) fn open(&self) -> bool {
        let mut last = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        if last.is_some_and(|t| now.duration_since(t) < WARN_EVERY) {
            return false;
        }
        *last = Some(now);
        true
    }
}

/// One local handler's events in hand and events dropped.
#[derive(Debug, Default)]
pub(super) struct HandlerLoad {
    /// Events being handled (running or waiting in their handler's future).
    queued: AtomicUsize,
    /// Events dropped because `queued` was at the limit.
    dropped: AtomicU64,
    /// Limits the warnings about drops.
    warn: WarnGate,
}

impl HandlerLoad {
    /// Events being handled now.
    pub(super) fn queued(&self) -> usize {
        self.queued.load(Ordering::Acquire)
    }

    /// Events dropped so far.
    pub(super) fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Acquire)
    }

    /// Takes a place for one event, or counts it as dropped when `max` are in hand.
    pub(super) fn admit(self: &Arc<Self>, max: usize) -> Option<InHand> {
        let taken = self
            .queued
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < max).then_some(n + 1)
            });
        match taken {
            Ok(_) => Some(InHand(self.clone())),
            Err(_) => {
                self.dropped.fetch_add(1, Ordering::AcqRel);
                None
            }
        }
    }

    /// Whether a drop should be logged now (at most once per [`WARN_EVERY`]).
    pub(super) fn should_warn(&self) -> bool {
        self.warn.open()
    }
}

/// A place taken in a [`HandlerLoad`], given back when dropped.
pub(super) struct InHand(Arc<HandlerLoad>);

impl Drop for InHand {
    fn drop(&mut self) {
        self.0.queued.fetch_sub(1, Ordering::AcqRel);
    }
}
