//! The session runtime around the sans-I/O state machine
//! ([`client::state`](crate::client::state)): the [`Session`] handle, its
//! request table, its reader and writer tasks, and the dispatch of what
//! arrives to answers, procedures and event handlers.
//!
//! - `handle`: the handle and the types that refer back to it (defined together);
//! - `lifecycle`: join, leave; `io`: the reader and writer tasks;
//! - `outbox`, `requests`: queueing frames, the table of requests waiting for answers;
//! - `calls`, `registrations`, `subscriptions`, `publish`, `progress`: the roles;
//! - `dispatch`, `invocation`, `events`, `inline`: what the reader does with messages;
//! - `limits`: [`SessionLimits`], the bounds of every client-side queue.
//!
//! Every queue is bounded, with a documented behaviour when full:
//!
//! | Queue | When full |
//! |---|---|
//! | message size (`max_outgoing`) | that request fails with `wamp.error.payload_size_exceeded` (a YIELD becomes an ERROR) |
//! | pending requests | the request fails with `wamp.error.limit_exceeded` |
//! | outbox (1024 frames) | senders wait (back-pressure); `Drop` CANCELs wait in at most 1024 tasks |
//! | running invocations | ERROR `wamp.error.limit_exceeded` to the caller |
//! | events per handler | newest dropped, counted and logged |
//! | unread progressive results | the call fails with `wamp.error.limit_exceeded` and is canceled |

mod answer;
mod calls;
mod close;
mod dispatch;
mod events;
mod handle;
mod inline;
mod input;
mod invocation;
mod io;
mod lifecycle;
mod limits;
mod outbox;
mod progress;
mod publish;
mod registrations;
mod requests;
mod subscriptions;

pub use calls::{CallRequest, InputCall, PendingCall};
pub use close::CloseReason;
pub use handle::{
    EventContext, EventHandler, InvocationContext, ProcedureHandler, ProgressSender, Session,
};
pub use input::{InputChunks, InputSlot, ProgressiveInput};
pub use limits::SessionLimits;
pub use progress::Progress;
pub use registrations::Registration;
pub use subscriptions::Subscription;
