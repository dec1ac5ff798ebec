//! Turning what a handler returns into its answer.

use serde::Serialize;

use crate::client::details::CallResult;
use crate::client::error::Error;
use crate::client::session::Session;
use crate::protocol::Payload;

/// `()`: no results.
pub fn ret_unit(_: ()) -> Result<CallResult, Error> {
    Ok(CallResult::empty())
}

/// A value, sent as `[value]` with the session's serializer.
pub fn ret_value<T: Serialize>(value: &T, session: &Session) -> Result<CallResult, Error> {
    Payload::encode_args(session.serializer(), &[value])
        .map(CallResult::from_payload)
        .map_err(Error::from)
}

/// A [`CallResult`] as it is.
pub fn ret_call_result(result: CallResult) -> Result<CallResult, Error> {
    Ok(result)
}

/// An error of the handler, mapped to its URI.
pub fn ret_error<E: Into<Error>>(error: E) -> Error {
    error.into()
}

/// `()` of a subscriber.
pub fn event_unit(_: ()) -> Result<(), Error> {
    Ok(())
}

/// `Result<(), E>` of a subscriber.
pub fn event_result<E: Into<Error>>(r: Result<(), E>) -> Result<(), Error> {
    r.map_err(Into::into)
}
