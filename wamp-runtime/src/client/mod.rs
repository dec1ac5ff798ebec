//! The client: a [`Session`] to call, register, publish and subscribe, and a
//! [`Component`] that keeps one joined with reconnects.
//!
//! - [`state`]: the sans-I/O session state machine;
//! - [`Session`]: the runtime (one reader task dispatching, one writer task batching);
//! - handlers: [`ProcedureHandler`] and [`EventHandler`] are type-erased
//!   closures over an [`Invocation`] / [`EventContext`]; [`typed_procedure`]
//!   and [`typed_event_handler`] wrap closures with typed arguments.

mod call;
pub mod collect;
pub mod component;
mod details;
mod error;
mod handler;
mod join;
#[doc(hidden)]
pub mod macro_support;
mod options;
mod session;
pub mod state;

pub use call::PendingCall;
pub use collect::{catalog, serve};
pub use component::{Component, ComponentBuilder, RetryPolicy, StopHandle, TransportConfig, run};
pub use details::{CallDetails, CallResult, EventDetails, Extensions, SessionDetails, State};
pub use error::{ApplicationError, Error, uri};
pub use handler::{
    EventContext, EventHandler, Invocation, ProcedureHandler, Progress, ProgressSender,
    decode_args, event_handler, procedure, typed_event_handler, typed_procedure,
};
pub use join::{JoinConfig, client_roles};
pub use options::{
    CallOptions, CancelMode, InvokePolicy, MatchPolicy, PublishOptions, RegisterOptions,
    SubscribeOptions,
};
pub use session::{CallRequest, CloseReason, Registration, Session, Subscription};
pub use tokio_util::sync::CancellationToken;
