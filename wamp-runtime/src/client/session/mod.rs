//! The session runtime around the sans-I/O state machine
//! ([`client::state`](crate::client::state)): the [`Session`] handle, its
//! request table, its reader and writer tasks, and the dispatch of what
//! arrives to answers, procedures and event handlers.
//!
//! - `handle`: the handle and the types that refer back to it (defined together);
//! - `lifecycle`: join, leave; `io`: the reader and writer tasks;
//! - `outbox`, `requests`: queueing frames, the table of requests waiting for answers;
//! - `calls`, `registrations`, `subscriptions`, `publish`, `progress`: the roles;
//! - `dispatch`, `invocation`, `events`, `inline`: what the reader does with messages.

mod answer;
mod calls;
mod close;
mod dispatch;
mod events;
mod handle;
mod inline;
mod invocation;
mod io;
mod lifecycle;
mod outbox;
mod progress;
mod publish;
mod registrations;
mod requests;
mod subscriptions;

pub use calls::{CallRequest, PendingCall};
pub use close::CloseReason;
pub use handle::{
    EventContext, EventHandler, Invocation, ProcedureHandler, ProgressSender, Session,
};
pub use progress::Progress;
pub use registrations::Registration;
pub use subscriptions::Subscription;
