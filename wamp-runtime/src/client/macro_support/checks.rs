//! Compile-time checks of handler signatures: never called, the bounds are
//! the check, and their diagnostics say what to derive or implement.

use std::marker::PhantomData;

use schemars::JsonSchema;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::special::{FromCall, FromEvent};
use crate::client::error::Error;
use crate::client::session::Progress;

/// Parameter types must decode from WAMP arguments.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be decoded from WAMP arguments",
    label = "this parameter type does not implement `serde::Deserialize`",
    note = "derive `serde::Deserialize` (and `schemars::JsonSchema`) for it, or use a special parameter type"
)]
pub trait Decodable {}
impl<T: DeserializeOwned> Decodable for T {}

/// Parameter, result and progress types must describe themselves as JSON Schema.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be described as a JSON Schema",
    label = "this type does not implement `schemars::JsonSchema`",
    note = "derive `schemars::JsonSchema` for it (the catalog of procedures and topics describes every parameter)"
)]
pub trait Describable {}
impl<T: JsonSchema> Describable for T {}

/// Results must encode as WAMP arguments.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be sent as a WAMP result",
    label = "this result type does not implement `serde::Serialize`",
    note = "derive `serde::Serialize` (and `schemars::JsonSchema`) for it"
)]
pub trait Encodable {}
impl<T: Serialize> Encodable for T {}

/// Error types must map to an error URI.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be turned into a WAMP error",
    label = "this error type does not convert into `wamp::Error`",
    note = "implement `wamp::ApplicationError` (or `Into<wamp::Error>`) for it"
)]
pub trait IntoWampError {}
impl<E: Into<Error>> IntoWampError for E {}

/// Checks a parameter type.
pub fn check_arg<T: Decodable + Describable>() {}
/// Checks a result type.
pub fn check_result<T: Encodable + Describable>() {}
/// Checks an error type.
pub fn check_error<E: IntoWampError>() {}
/// Checks a special parameter of a procedure.
pub fn check_call_special<T: FromCall>() {}
/// Checks a special parameter of a subscriber.
pub fn check_event_special<T: FromEvent>() {}
/// Checks a progress type.
pub fn check_progress<T: Encodable + Describable>(_: PhantomData<Progress<T>>) {}
