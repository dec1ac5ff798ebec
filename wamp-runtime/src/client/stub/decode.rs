//! Reading the result of a typed call as the function's success type.

use serde::de::DeserializeOwned;

use crate::client::details::CallResult;
use crate::client::error::Error;

/// Decodes the result of a call to `procedure`.
pub type Decode<R> = fn(&str, CallResult) -> Result<R, Error>;

/// The result as one value `T` (what a function returning `T` sends).
pub fn decode_value<T: DeserializeOwned>(procedure: &str, result: CallResult) -> Result<T, Error> {
    result.get::<T>().map_err(|e| {
        Error::invalid_argument(format!(
            "{procedure}: the result is not a {}: {e}",
            std::any::type_name::<T>()
        ))
        .with_source(e)
    })
}

/// No result expected (a function returning `()`): whatever came is ignored.
pub fn decode_unit(_procedure: &str, _result: CallResult) -> Result<(), Error> {
    Ok(())
}

/// The result as it came (a function returning `CallResult`).
pub fn decode_raw(_procedure: &str, result: CallResult) -> Result<CallResult, Error> {
    Ok(result)
}
