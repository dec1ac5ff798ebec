//! Type-erased handlers (what the macros and hand-written code register) and
//! the contexts they receive.

use std::future::Future;
use std::sync::Arc;

use futures_util::FutureExt as _;
use futures_util::future::BoxFuture;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio_util::sync::CancellationToken;

use super::details::{CallDetails, CallResult, EventDetails, State};
use super::error::Error;
use super::session::Session;
use crate::protocol::{Id, Payload};

/// A procedure: takes an invocation, returns the result or an error.
pub type ProcedureHandler =
    Arc<dyn Fn(Invocation) -> BoxFuture<'static, Result<CallResult, Error>> + Send + Sync>;

/// An event handler: takes an event; an error is logged (and withholds EVENT_RECEIVED).
pub type EventHandler =
    Arc<dyn Fn(EventContext) -> BoxFuture<'static, Result<(), Error>> + Send + Sync>;

/// Everything a procedure gets for one call.
pub struct Invocation {
    /// The arguments, still encoded (decode with `payload.args::<T>()`).
    pub payload: Payload,
    /// Who called what.
    pub details: CallDetails,
    /// The session the call arrived on: call and publish from a handler.
    pub session: Session,
    /// Sends progressive results, when the caller asked for them.
    pub progress: Option<ProgressSender>,
    /// Canceled when the router interrupts the call (the future is dropped too).
    pub cancel: CancellationToken,
}

impl Invocation {
    /// Shared state of type `T`, if the component or session holds one.
    pub fn state<T: Send + Sync + 'static>(&self) -> Option<State<T>> {
        self.session.state::<T>()
    }
}

/// Everything an event handler gets for one event.
pub struct EventContext {
    /// The arguments, still encoded.
    pub payload: Payload,
    /// Who published what.
    pub details: EventDetails,
    /// The session the event arrived on.
    pub session: Session,
}

impl EventContext {
    /// Shared state of type `T`, if the component or session holds one.
    pub fn state<T: Send + Sync + 'static>(&self) -> Option<State<T>> {
        self.session.state::<T>()
    }
}

/// Sends progressive results (`YIELD` with `progress: true`) for one invocation.
#[derive(Clone)]
pub struct ProgressSender {
    pub(crate) session: Session,
    pub(crate) request: Id,
}

impl ProgressSender {
    /// Sends one progressive result with positional arguments.
    pub async fn send<A: Serialize + ?Sized>(&self, args: &A) -> Result<(), Error> {
        let payload = super::session::encode_args(self.session.serializer(), args)?;
        self.send_payload(payload).await
    }

    /// Sends one progressive result with an encoded payload.
    pub async fn send_payload(&self, payload: Payload) -> Result<(), Error> {
        self.session.send_progress(self.request, payload).await
    }
}

/// A typed sender of progressive results, a special parameter of
/// `#[wamp::register]` procedures: each [`Progress::send`] is one `YIELD` with
/// `progress: true` carrying `[value]`. When the caller did not ask for
/// progressive results, sending does nothing.
pub struct Progress<T> {
    pub(crate) sender: Option<ProgressSender>,
    pub(crate) _type: std::marker::PhantomData<fn(&T)>,
}

impl<T> Clone for Progress<T> {
    fn clone(&self) -> Self {
        Progress {
            sender: self.sender.clone(),
            _type: std::marker::PhantomData,
        }
    }
}

impl<T> std::fmt::Debug for Progress<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Progress")
            .field("requested", &self.sender.is_some())
            .finish()
    }
}

impl<T: Serialize> Progress<T> {
    /// Whether the caller asked for progressive results.
    pub fn is_requested(&self) -> bool {
        self.sender.is_some()
    }

    /// Sends one progressive result (nothing when the caller did not ask for them).
    pub async fn send(&self, value: &T) -> Result<(), Error> {
        match &self.sender {
            Some(sender) => sender.send(&[value]).await,
            None => Ok(()),
        }
    }
}

/// Decodes positional arguments; when there are none, `()` (and other types
/// that accept `null`, such as `Option<T>`) decode too.
pub fn decode_args<A: DeserializeOwned>(
    payload: &Payload,
) -> Result<A, crate::protocol::PayloadError> {
    match payload.args() {
        Ok(a) => Ok(a),
        Err(e) if !payload.has_args() => crate::protocol::Value::Null
            .deserialize_into()
            .map_err(|_| e),
        Err(e) => Err(e),
    }
}

/// Wraps an async closure taking the whole [`Invocation`] as a [`ProcedureHandler`].
pub fn procedure<F, Fut>(f: F) -> ProcedureHandler
where
    F: Fn(Invocation) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<CallResult, Error>> + Send + 'static,
{
    Arc::new(move |inv| f(inv).boxed())
}

/// Wraps an async closure taking typed positional arguments and returning one
/// value (sent as `[value]`). Arguments that do not decode are answered with
/// `wamp.error.invalid_argument` and the closure does not run.
///
/// ```
/// let add = wamp::client::typed_procedure(|(a, b): (i64, i64)| async move { Ok(a + b) });
/// # let _ = add;
/// ```
pub fn typed_procedure<A, R, F, Fut>(f: F) -> ProcedureHandler
where
    A: DeserializeOwned + Send + 'static,
    R: Serialize + Send + 'static,
    F: Fn(A) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<R, Error>> + Send + 'static,
{
    let f = Arc::new(f);
    Arc::new(move |inv: Invocation| {
        let f = f.clone();
        async move {
            let args: A = decode_args(&inv.payload)
                .map_err(|e| Error::invalid_argument(format!("{}: {e}", inv.details.procedure)))?;
            let value = f(args).await?;
            Ok(CallResult::from_payload(Payload::encode_args(
                inv.session.serializer(),
                &[value],
            )?))
        }
        .boxed()
    })
}

/// Wraps an async closure taking the whole [`EventContext`] as an [`EventHandler`].
pub fn event_handler<F, Fut>(f: F) -> EventHandler
where
    F: Fn(EventContext) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), Error>> + Send + 'static,
{
    Arc::new(move |ev| f(ev).boxed())
}

/// Wraps an async closure taking typed positional arguments and the details.
/// Events whose arguments do not decode are logged and dropped.
pub fn typed_event_handler<A, F, Fut>(f: F) -> EventHandler
where
    A: DeserializeOwned + Send + 'static,
    F: Fn(A, EventDetails) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let f = Arc::new(f);
    Arc::new(move |ev: EventContext| {
        let f = f.clone();
        async move {
            let args: A = decode_args(&ev.payload).map_err(|e| {
                tracing::warn!(topic = %ev.details.topic, error = %e, "event arguments do not decode");
                Error::invalid_argument(e)
            })?;
            f(args, ev.details).await;
            Ok(())
        }
        .boxed()
    })
}

#[cfg(test)]
mod tests {
    use super::decode_args;
    use crate::protocol::Payload;

    #[test]
    fn no_arguments_decode_as_unit_or_none() {
        decode_args::<()>(&Payload::empty()).unwrap();
        assert_eq!(decode_args::<Option<i32>>(&Payload::empty()).unwrap(), None);
        assert!(decode_args::<(i32,)>(&Payload::empty()).is_err());
        let two = Payload::from_args(&(1, 2)).unwrap();
        assert_eq!(decode_args::<(i32, i32)>(&two).unwrap(), (1, 2));
        assert!(decode_args::<()>(&two).is_err());
    }
}
