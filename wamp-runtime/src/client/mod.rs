//! The client: a [`Session`] to call, register, publish and subscribe, and a
//! [`Component`] that keeps one joined with reconnects.
//!
//! - `state`: the sans-I/O session state machine (private: the runtime drives it);
//! - [`Session`]: the runtime around it (one reader task dispatching, one
//!   writer task batching), in `session/`;
//! - handlers: [`ProcedureHandler`] and [`EventHandler`] are type-erased
//!   closures over an [`InvocationContext`] / [`EventContext`]; [`typed_procedure`]
//!   and [`typed_event_handler`] wrap closures with typed arguments;
//! - [`Error`] with its [`ErrorKind`] and the standard error URIs ([`crate::protocol::uris`]);
//! - [`collect`]: the `#[wamp::register]` / `#[wamp::subscribe]` entries of
//!   the binary, their catalog and the docs flags; [`run`] and [`serve`];
//! - [`codec`]: end-to-end payload encryption, [`cryptobox`] its `cryptobox` codec;
//! - `trace_context`: the spans of sessions, calls, invocations, publications
//!   and events, and the W3C trace context they carry (`x_traceparent`), see
//!   [`current_trace_parent`].
//! - [`stub`]: the typed callers and publishers the macros generate.

pub mod codec;
pub mod collect;
mod component;
pub mod cryptobox;
mod details;
mod error;
mod error_kind;
mod handler;
mod join;
#[doc(hidden)]
pub mod macro_support;
mod metrics;
mod options;
mod run;
mod session;
mod state;
pub mod stub;
mod trace_context;

pub use collect::{catalog, handle_docs_cli};
pub use component::{
    Component, ComponentBuilder, ComponentError, ComponentStatus, RetryPolicy, Stage, StopHandle,
    TransportConfig,
};
pub use details::{CallDetails, CallResult, EventDetails, Extensions, SessionDetails, State};
pub use error::{ApplicationError, Error};
pub use error_kind::ErrorKind;
pub use handler::{decode_args, event_handler, procedure, typed_event_handler, typed_procedure};
pub use join::{JoinConfig, client_roles};
pub use options::{
    CallOptions, CancelMode, InvokePolicy, MatchPolicy, PublishOptions, RegisterOptions,
    SubscribeOptions,
};
pub use run::{run, serve};
pub use session::{
    CallRequest, CloseReason, EventContext, EventHandler, InputCall, InputChunks, InputSlot,
    InvocationContext, PendingCall, ProcedureHandler, Progress, ProgressSender, ProgressiveInput,
    Registration, Session, SessionLimits, Subscription,
};
pub use tokio_util::sync::CancellationToken;
pub use trace_context::current_trace_parent;
