//! Special parameters, recognised by type: what a procedure or subscriber
//! takes from its invocation or event besides the arguments.

use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio_util::sync::CancellationToken;

use crate::client::details::{CallDetails, EventDetails, State};
use crate::client::error::Error;
use crate::client::session::{
    EventContext, InvocationContext, Progress, ProgressiveInput, Session,
};
use crate::protocol::uris;

/// Special parameters of procedures, recognised by type.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a special parameter of a procedure",
    label = "not available to procedures",
    note = "procedures can take `wamp::CallDetails`, `wamp::State<T>`, `wamp::Session`, `wamp::Progress<T>`, `wamp::ProgressiveInput<T>` and `wamp::CancellationToken`"
)]
pub trait FromCall: Sized {
    /// Extracts the value from the invocation.
    fn from_call(inv: &InvocationContext) -> Result<Self, Error>;
}

/// Special parameters of subscribers, recognised by type.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a special parameter of a subscriber",
    label = "not available to subscribers",
    note = "subscribers can take `wamp::EventDetails`, `wamp::State<T>` and `wamp::Session`"
)]
pub trait FromEvent: Sized {
    /// Extracts the value from the event.
    fn from_event(ev: &EventContext) -> Result<Self, Error>;
}

impl FromCall for CallDetails {
    fn from_call(inv: &InvocationContext) -> Result<Self, Error> {
        Ok(inv.details.clone())
    }
}

impl FromEvent for EventDetails {
    fn from_event(ev: &EventContext) -> Result<Self, Error> {
        Ok(ev.details.clone())
    }
}

impl FromCall for Session {
    fn from_call(inv: &InvocationContext) -> Result<Self, Error> {
        Ok(inv.session.clone())
    }
}

impl FromEvent for Session {
    fn from_event(ev: &EventContext) -> Result<Self, Error> {
        Ok(ev.session.clone())
    }
}

impl FromCall for CancellationToken {
    fn from_call(inv: &InvocationContext) -> Result<Self, Error> {
        Ok(inv.cancel.clone())
    }
}

fn no_state<T>() -> Error {
    let ty = std::any::type_name::<T>();
    tracing::error!(
        state = ty,
        "a handler needs shared state that was never added"
    );
    Error::message(
        uris::RUNTIME_ERROR,
        format!("no shared state of type {ty} (add it with `.state(..)`)"),
    )
}

impl<T: Send + Sync + 'static> FromCall for State<T> {
    fn from_call(inv: &InvocationContext) -> Result<Self, Error> {
        inv.state::<T>().ok_or_else(no_state::<T>)
    }
}

impl<T: Send + Sync + 'static> FromEvent for State<T> {
    fn from_event(ev: &EventContext) -> Result<Self, Error> {
        ev.state::<T>().ok_or_else(no_state::<T>)
    }
}

impl<T: DeserializeOwned> FromCall for ProgressiveInput<T> {
    fn from_call(inv: &InvocationContext) -> Result<Self, Error> {
        inv.input.take().map(ProgressiveInput::new).ok_or_else(|| {
            Error::message(
                uris::RUNTIME_ERROR,
                "the invocation has no input stream (register with `progressive_input`)",
            )
        })
    }
}

impl<T: Serialize> FromCall for Progress<T> {
    fn from_call(inv: &InvocationContext) -> Result<Self, Error> {
        Ok(Progress::new(inv.progress.clone()))
    }
}
