//! Keepalive: ping a silent peer, and fail the transport if it stays silent.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use tokio::time::{Instant, Sleep};

/// Keepalive settings: after `interval` without any incoming data, send a
/// ping; if nothing at all arrives within `timeout` after that, the transport
/// fails with a timed-out I/O error. Pings only go out while the transport is
/// being read (as it always is in a session).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keepalive {
    /// Silence after which a ping is sent.
    pub interval: Duration,
    /// Time allowed for any answer to that ping.
    pub timeout: Duration,
}

/// Whether the current task has coop budget left, so that a Pending poll of
/// the timer registered its waker. Without tokio's `rt` (no client, no router
/// feature) this is not known, and the timer is polled on every read.
fn budget_left() -> bool {
    #[cfg(any(feature = "client", feature = "router"))]
    {
        tokio::task::coop::has_budget_remaining()
    }
    #[cfg(not(any(feature = "client", feature = "router")))]
    {
        false
    }
}

/// What the transport must do, as told by [`KeepaliveTimer::poll`].
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Action {
    /// Send a ping now.
    Ping,
    /// The peer did not answer in time.
    TimedOut,
}

/// The per-connection keepalive state. Incoming traffic only sets a flag, so
/// the timer is reset once per interval, not once per message; and the timer
/// is only polled (which costs a waker registration and coop budget) when it
/// is due or the polling task changed, not on every read.
pub(crate) struct KeepaliveTimer {
    settings: Keepalive,
    sleep: Pin<Box<Sleep>>,
    seen: bool,
    awaiting_answer: bool,
    /// The waker the timer last registered, while it stands.
    registered: Option<Waker>,
}

impl KeepaliveTimer {
    pub(crate) fn new(settings: Keepalive) -> Self {
        Self {
            settings,
            sleep: Box::pin(tokio::time::sleep(settings.interval)),
            seen: false,
            awaiting_answer: false,
            registered: None,
        }
    }

    /// Records incoming traffic of any kind.
    pub(crate) fn seen(&mut self) {
        self.seen = true;
    }

    /// Polls the timer; `Ready` when the transport must act.
    pub(crate) fn poll(&mut self, cx: &mut Context<'_>) -> Poll<Action> {
        if let Some(waker) = &self.registered
            && waker.will_wake(cx.waker())
            && !self.sleep.is_elapsed()
        {
            // Not due, and the timer will wake this very task when it is.
            return Poll::Pending;
        }
        self.registered = None;
        while self.sleep.as_mut().poll(cx).is_ready() {
            let now = Instant::now();
            if self.seen {
                self.seen = false;
                self.awaiting_answer = false;
                self.sleep.as_mut().reset(now + self.settings.interval);
            } else if self.awaiting_answer {
                return Poll::Ready(Action::TimedOut);
            } else {
                self.awaiting_answer = true;
                self.sleep.as_mut().reset(now + self.settings.timeout);
                return Poll::Ready(Action::Ping);
            }
        }
        // A task out of coop budget gets Pending without a registration:
        // then the timer must be polled again next time.
        self.registered = budget_left().then(|| cx.waker().clone());
        Poll::Pending
    }

    /// The error of a peer that did not answer.
    pub(crate) fn timeout_error(&self) -> super::TransportError {
        super::TransportError::Io(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            format!(
                "peer silent for {:?} and no answer to a keepalive ping within {:?}",
                self.settings.interval, self.settings.timeout
            ),
        ))
    }
}
