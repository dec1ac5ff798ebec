//! Handlers from closures: [`procedure`] and [`event_handler`] take the whole
//! context, [`typed_procedure`] and [`typed_event_handler`] typed positional
//! arguments ([`decode_args`]).

use std::future::Future;
use std::sync::Arc;

use futures_util::FutureExt as _;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::details::{CallResult, EventDetails};
use super::error::Error;
use super::session::{EventContext, EventHandler, Invocation, ProcedureHandler};
use crate::protocol::{Payload, PayloadError, Value};

/// Decodes positional arguments; when there are none, `()` (and other types
/// that accept `null`, such as `Option<T>`) decode too.
pub fn decode_args<A: DeserializeOwned>(payload: &Payload) -> Result<A, PayloadError> {
    match payload.args() {
        Ok(a) => Ok(a),
        Err(e) if !payload.has_args() => Value::Null.deserialize_into().map_err(|_| e),
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
