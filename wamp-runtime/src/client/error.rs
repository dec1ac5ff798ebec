//! [`Error`]: the one error type of applications: an error URI plus arguments.

use std::fmt;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::protocol::{Payload, PayloadError};

/// Standard error URIs (spec, Autobahn and Crossbar), plus the local ones this
/// client produces without a message on the wire.
pub mod uri {
    /// Unknown procedure.
    pub const NO_SUCH_PROCEDURE: &str = "wamp.error.no_such_procedure";
    /// A procedure with that URI is already registered.
    pub const PROCEDURE_ALREADY_EXISTS: &str = "wamp.error.procedure_already_exists";
    /// Unknown registration.
    pub const NO_SUCH_REGISTRATION: &str = "wamp.error.no_such_registration";
    /// Unknown subscription.
    pub const NO_SUCH_SUBSCRIPTION: &str = "wamp.error.no_such_subscription";
    /// Bad arguments.
    pub const INVALID_ARGUMENT: &str = "wamp.error.invalid_argument";
    /// Invalid URI.
    pub const INVALID_URI: &str = "wamp.error.invalid_uri";
    /// A handler failed unexpectedly (panic or unmapped error).
    pub const RUNTIME_ERROR: &str = "wamp.error.runtime_error";
    /// The call was canceled.
    pub const CANCELED: &str = "wamp.error.canceled";
    /// The call timed out.
    pub const TIMEOUT: &str = "wamp.error.timeout";
    /// Not authorized.
    pub const NOT_AUTHORIZED: &str = "wamp.error.not_authorized";
    /// The realm does not exist.
    pub const NO_SUCH_REALM: &str = "wamp.error.no_such_realm";
    /// The peer broke the protocol.
    pub const PROTOCOL_VIOLATION: &str = "wamp.error.protocol_violation";
    /// A result could not be serialized.
    pub const INVALID_PAYLOAD: &str = "wamp.error.invalid_payload";
    /// A payload is too large for the transport.
    pub const PAYLOAD_SIZE_EXCEEDED: &str = "wamp.error.payload_size_exceeded";
    /// The callee cannot serve the call now.
    pub const UNAVAILABLE: &str = "wamp.error.unavailable";
    /// No callee is left to serve the call.
    pub const NO_AVAILABLE_CALLEE: &str = "wamp.error.no_available_callee";
    /// The target does not support a feature the request needs.
    pub const FEATURE_NOT_SUPPORTED: &str = "wamp.error.feature_not_supported";
    /// Authentication failed.
    pub const AUTHENTICATION_FAILED: &str = "wamp.error.authentication_failed";
    /// Local: the transport was lost before the request got an answer.
    pub const TRANSPORT_LOST: &str = "wamp.error.transport_lost";
    /// Local: the session is not (or no longer) established.
    pub const NOT_JOINED: &str = "wamp.error.not_joined";
    /// Close reason of a normal leave (Autobahn's default).
    pub const CLOSE_NORMAL: &str = "wamp.close.normal";
    /// Close reason of a leave (the spec's default).
    pub const CLOSE_GOODBYE_AND_OUT: &str = "wamp.close.goodbye_and_out";
    /// Close reason of a router shutting down.
    pub const CLOSE_SYSTEM_SHUTDOWN: &str = "wamp.close.system_shutdown";
}

/// An application error: an error URI with positional and keyword arguments,
/// what `ERROR` and `ABORT` carry.
///
/// Handlers return it to make the caller receive `ERROR` with its URI and
/// arguments; calls return it for `ERROR` answers and for local outcomes (a
/// local timeout, a lost transport).
///
/// ```
/// let err = wamp::Error::new("com.shop.out_of_stock").with_args(&("apple", 3)).unwrap();
/// assert_eq!(err.uri(), "com.shop.out_of_stock");
/// assert_eq!(err.args::<(String, u32)>().unwrap(), ("apple".into(), 3));
/// ```
#[derive(Clone)]
pub struct Error {
    uri: String,
    payload: Payload,
}

impl Error {
    /// An error with a URI and no arguments.
    pub fn new(uri: impl Into<String>) -> Self {
        Error {
            uri: uri.into(),
            payload: Payload::empty(),
        }
    }

    /// An error with a URI and an already encoded payload.
    pub fn with_payload(uri: impl Into<String>, payload: Payload) -> Self {
        Error {
            uri: uri.into(),
            payload,
        }
    }

    /// An error with a URI and one human-readable message as its only argument.
    pub fn message(uri: impl Into<String>, message: impl Into<String>) -> Self {
        let payload = Payload::from_args(&[message.into()]).unwrap_or_default();
        Error::with_payload(uri, payload)
    }

    /// Sets the positional arguments (a tuple, a `Vec`, an array).
    pub fn with_args<A: Serialize + ?Sized>(mut self, args: &A) -> Result<Self, PayloadError> {
        self.payload = self.payload.with_args(args)?;
        Ok(self)
    }

    /// Sets the keyword arguments (a struct, a map).
    pub fn with_kwargs<K: Serialize + ?Sized>(mut self, kwargs: &K) -> Result<Self, PayloadError> {
        self.payload = self.payload.with_kwargs(kwargs)?;
        Ok(self)
    }

    /// The error URI.
    pub fn uri(&self) -> &str {
        &self.uri
    }

    /// The arguments as received or set.
    pub fn payload(&self) -> &Payload {
        &self.payload
    }

    /// Decodes the positional arguments.
    pub fn args<T: DeserializeOwned>(&self) -> Result<T, PayloadError> {
        self.payload.args()
    }

    /// Decodes the keyword arguments.
    pub fn kwargs<T: DeserializeOwned>(&self) -> Result<T, PayloadError> {
        self.payload.kwargs()
    }

    /// The first positional argument if it is a string (the usual message).
    pub fn text(&self) -> Option<String> {
        let args: Vec<crate::protocol::Value> = self.payload.args().ok()?;
        args.first()?.as_str().map(str::to_owned)
    }

    /// Whether the error has this URI.
    pub fn is(&self, uri: &str) -> bool {
        self.uri == uri
    }

    /// Whether the request failed because the transport was lost.
    pub fn is_transport_lost(&self) -> bool {
        self.is(uri::TRANSPORT_LOST)
    }

    /// Whether the request timed out (locally or at the router).
    pub fn is_timeout(&self) -> bool {
        self.is(uri::TIMEOUT)
    }

    /// Whether the request was canceled.
    pub fn is_canceled(&self) -> bool {
        self.is(uri::CANCELED)
    }

    /// Converts into a user error type that maps to this URI (see [`ApplicationError`]).
    pub fn to_app<E: ApplicationError>(&self) -> Option<E> {
        if self.uri == E::URI {
            E::from_error(self)
        } else {
            None
        }
    }

    /// `wamp.error.transport_lost`.
    pub(crate) fn transport_lost() -> Self {
        Error::message(uri::TRANSPORT_LOST, "the transport was lost")
    }

    /// `wamp.error.not_joined`.
    pub(crate) fn not_joined() -> Self {
        Error::message(uri::NOT_JOINED, "the session is not established")
    }

    /// `wamp.error.invalid_argument` with a message.
    pub fn invalid_argument(message: impl fmt::Display) -> Self {
        Error::message(uri::INVALID_ARGUMENT, message.to_string())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Error({}", self.uri)?;
        if let Ok(args) = self.payload.args_values()
            && !args.is_empty()
        {
            write!(f, ", args {args:?}")?;
        }
        if let Ok(kwargs) = self.payload.kwargs_values()
            && !kwargs.is_empty()
        {
            write!(f, ", kwargs {kwargs:?}")?;
        }
        write!(f, ")")
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.text() {
            Some(text) => write!(f, "{}: {}", self.uri, text),
            None => f.write_str(&self.uri),
        }
    }
}

impl std::error::Error for Error {}

impl From<PayloadError> for Error {
    fn from(e: PayloadError) -> Self {
        Error::invalid_argument(e)
    }
}

/// A user error type with its own error URI, converted to and from [`Error`]
/// (what Autobahn's `define` does): handlers return it with `?`, callers get it
/// back with [`Error::to_app`].
///
/// ```
/// use wamp::{ApplicationError, Error};
///
/// #[derive(Debug, PartialEq)]
/// struct OutOfStock { item: String }
///
/// impl ApplicationError for OutOfStock {
///     const URI: &'static str = "com.shop.out_of_stock";
///     fn to_error(&self) -> Error {
///         Error::new(Self::URI).with_args(&[&self.item]).unwrap_or_else(|_| Error::new(Self::URI))
///     }
///     fn from_error(error: &Error) -> Option<Self> {
///         let (item,): (String,) = error.args().ok()?;
///         Some(OutOfStock { item })
///     }
/// }
///
/// let wire: Error = OutOfStock { item: "apple".into() }.into();
/// assert_eq!(wire.uri(), "com.shop.out_of_stock");
/// assert_eq!(wire.to_app::<OutOfStock>(), Some(OutOfStock { item: "apple".into() }));
/// ```
pub trait ApplicationError: Sized {
    /// The error URI of this type.
    const URI: &'static str;
    /// Builds the wire error.
    fn to_error(&self) -> Error;
    /// Reads the type back from a wire error with [`Self::URI`].
    fn from_error(error: &Error) -> Option<Self>;
}

impl<E: ApplicationError> From<E> for Error {
    fn from(e: E) -> Self {
        e.to_error()
    }
}
