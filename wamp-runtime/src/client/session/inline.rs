//! Running handler futures: inline until they first wait, and the text of a
//! handler's panic.

use std::future::Future;
use std::pin::Pin;
use std::task::Context;

/// Runs a future inline until it first waits; only then is a task spawned.
/// Handlers that finish at once cost no task and no thread hop.
pub(super) fn run_inline(fut: impl Future<Output = ()> + Send + 'static) {
    let mut fut: Pin<Box<dyn Future<Output = ()> + Send>> = Box::pin(fut);
    let mut cx = Context::from_waker(std::task::Waker::noop());
    if fut.as_mut().poll(&mut cx).is_pending() {
        tokio::spawn(fut);
    }
}

/// The message a panic was raised with.
pub(super) fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "handler panicked".into())
}
