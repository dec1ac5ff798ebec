//! A switch that ends something (a session, a connection, the router): read
//! without a lock on every message, awaited where a task waits.
//!
//! A `CancellationToken` alone takes a mutex to read, and awaiting it
//! registers a waiter under another; on the path of every message that cost
//! the router about a fifth of its time.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio_util::sync::{CancellationToken, WaitForCancellationFuture};

/// A switch, shared by its clones; once thrown, it stays thrown.
#[derive(Debug, Clone, Default)]
pub(crate) struct Switch(Arc<Inner>);

#[derive(Debug, Default)]
struct Inner {
    thrown: AtomicBool,
    token: CancellationToken,
}

impl Switch {
    /// A switch not yet thrown.
    pub(crate) fn new() -> Self {
        Switch::default()
    }

    /// Throws it, waking whoever awaits [`Switch::cancelled`].
    pub(crate) fn cancel(&self) {
        self.0.thrown.store(true, Ordering::Release);
        self.0.token.cancel();
    }

    /// Whether it was thrown (an atomic load).
    pub(crate) fn is_cancelled(&self) -> bool {
        self.0.thrown.load(Ordering::Acquire)
    }

    /// Completes once it is thrown. Make it once and poll it many times:
    /// each one made registers a waiter.
    pub(crate) fn cancelled(&self) -> WaitForCancellationFuture<'_> {
        self.0.token.cancelled()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_thrown_switch_is_seen_by_its_clones_and_wakes_waiters() {
        let switch = Switch::new();
        let clone = switch.clone();
        let waiter = tokio::spawn(async move { clone.cancelled().await });
        tokio::task::yield_now().await;
        assert!(!switch.is_cancelled());
        switch.cancel();
        assert!(switch.is_cancelled());
        tokio::time::timeout(std::time::Duration::from_secs(5), waiter)
            .await
            .expect("the waiter was woken")
            .unwrap();
    }
}
