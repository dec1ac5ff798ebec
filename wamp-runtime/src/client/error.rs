//! [`Error`]: the one error type of applications: an error URI plus
//! arguments, with a [`kind`](Error::kind) to match on and the error it came
//! from as its [`source`](std::error::Error::source). Every error the public
//! API returns converts into it with `?`.

use std::fmt;
use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::error_kind::ErrorKind;
use super::state::Violation;
use crate::auth::AuthError;
use crate::docs::CliError;
use crate::protocol::uri::InvalidUri;
use crate::protocol::uris;
use crate::protocol::{EncodeError, PathError, Payload, PayloadError, ProtocolError, ValueError};
use crate::serializer::UnknownSerializer;
use crate::transport::TransportError;

/// The error a [`source`](std::error::Error::source) is kept as.
type Source = Arc<dyn std::error::Error + Send + Sync + 'static>;

/// An application error: an error URI with positional and keyword arguments,
/// what `ERROR` and `ABORT` carry, and the [`ErrorKind`] it stands for.
///
/// Handlers return it to make the caller receive `ERROR` with its URI and
/// arguments; calls return it for `ERROR` answers and for local outcomes (a
/// local timeout, a lost transport). Errors of the lower layers
/// ([`TransportError`], [`ProtocolError`], [`PayloadError`], [`AuthError`],
/// `std::io::Error`, ...) convert into it with `?`, keep a URI that says what
/// failed (`wamp.error.transport_lost`, ...) and their message as its text,
/// and are its [`source`](std::error::Error::source).
///
/// ```
/// use wamp::{Error, ErrorKind};
///
/// let err = wamp::Error::new("com.shop.out_of_stock").with_args(&("apple", 3)).unwrap();
/// assert_eq!(err.uri(), "com.shop.out_of_stock");
/// assert_eq!(err.kind(), ErrorKind::Application);
/// assert_eq!(err.args::<(String, u32)>().unwrap(), ("apple".into(), 3));
///
/// async fn connect() -> Result<wamp::transport::Transport, Error> {
///     // A `TransportError` becomes an error of kind `Transport`.
///     Ok(wamp::transport::connect("ws://127.0.0.1:1/ws", &Default::default()).await?)
/// }
/// ```
#[derive(Clone)]
pub struct Error(Box<Inner>);

#[derive(Clone)]
struct Inner {
    kind: ErrorKind,
    uri: String,
    payload: Payload,
    source: Option<Source>,
}

impl Error {
    /// An error with a URI and no arguments.
    pub fn new(uri: impl Into<String>) -> Self {
        Error::with_payload(uri, Payload::empty())
    }

    /// An error with a URI and an already encoded payload.
    pub fn with_payload(uri: impl Into<String>, payload: Payload) -> Self {
        let uri = uri.into();
        Error(Box::new(Inner {
            kind: ErrorKind::of_uri(&uri),
            uri,
            payload,
            source: None,
        }))
    }

    /// An error with a URI and one human-readable message as its only argument.
    pub fn message(uri: impl Into<String>, message: impl Into<String>) -> Self {
        let payload = Payload::from_args(&[message.into()]).unwrap_or_default();
        Error::with_payload(uri, payload)
    }

    /// An error of `kind` with a URI, the message of `source` as its only
    /// argument, and `source` kept as its cause.
    fn caused_by(
        kind: ErrorKind,
        uri: &str,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        let mut error = Error::message(uri, source.to_string()).with_source(source);
        error.0.kind = kind;
        error
    }

    /// An error with a URI (and the [`ErrorKind`] it stands for), the message
    /// of `source` as its only argument, and `source` kept as its cause.
    pub(crate) fn wrap(uri: &str, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        Error::caused_by(ErrorKind::of_uri(uri), uri, source)
    }

    /// Keeps `source` as the cause of this error, returned by
    /// [`source`](std::error::Error::source); the URI, arguments and kind stay.
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.0.source = Some(Arc::new(source));
        self
    }

    /// Sets the positional arguments (a tuple, a `Vec`, an array).
    pub fn with_args<A: Serialize + ?Sized>(mut self, args: &A) -> Result<Self, PayloadError> {
        self.0.payload = self.0.payload.with_args(args)?;
        Ok(self)
    }

    /// Sets the keyword arguments (a struct, a map).
    pub fn with_kwargs<K: Serialize + ?Sized>(mut self, kwargs: &K) -> Result<Self, PayloadError> {
        self.0.payload = self.0.payload.with_kwargs(kwargs)?;
        Ok(self)
    }

    /// What sort of failure this is.
    pub fn kind(&self) -> ErrorKind {
        self.0.kind
    }

    /// The error URI.
    pub fn uri(&self) -> &str {
        &self.0.uri
    }

    /// The arguments as received or set.
    pub fn payload(&self) -> &Payload {
        &self.0.payload
    }

    /// Decodes the positional arguments.
    pub fn args<T: DeserializeOwned>(&self) -> Result<T, PayloadError> {
        self.0.payload.args()
    }

    /// Decodes the keyword arguments.
    pub fn kwargs<T: DeserializeOwned>(&self) -> Result<T, PayloadError> {
        self.0.payload.kwargs()
    }

    /// The first positional argument if it is a string (the usual message).
    pub fn text(&self) -> Option<String> {
        let args: Vec<crate::protocol::Value> = self.0.payload.args().ok()?;
        args.first()?.as_str().map(str::to_owned)
    }

    /// Whether the error has this URI.
    pub fn is(&self, uri: &str) -> bool {
        self.0.uri == uri
    }

    /// Whether the request failed because the transport was lost (kind
    /// [`Transport`](ErrorKind::Transport)).
    pub fn is_transport_lost(&self) -> bool {
        self.kind() == ErrorKind::Transport
    }

    /// Whether the request timed out, locally or at the router (kind
    /// [`Timeout`](ErrorKind::Timeout)).
    pub fn is_timeout(&self) -> bool {
        self.kind() == ErrorKind::Timeout
    }

    /// Whether the request was canceled (kind [`Canceled`](ErrorKind::Canceled)).
    pub fn is_canceled(&self) -> bool {
        self.kind() == ErrorKind::Canceled
    }

    /// Converts into a user error type that maps to this URI (see [`ApplicationError`]).
    pub fn to_app<E: ApplicationError>(&self) -> Option<E> {
        if self.0.uri == E::URI {
            E::from_error(self)
        } else {
            None
        }
    }

    /// `wamp.error.transport_lost`.
    pub(crate) fn transport_lost() -> Self {
        Error::message(uris::TRANSPORT_LOST, "the transport was lost")
    }

    /// `wamp.error.not_joined`.
    pub(crate) fn not_joined() -> Self {
        Error::message(uris::NOT_JOINED, "the session is not established")
    }

    /// `wamp.error.invalid_argument` with a message.
    pub fn invalid_argument(message: impl fmt::Display) -> Self {
        Error::message(uris::INVALID_ARGUMENT, message.to_string())
    }

    /// `wamp.error.unavailable`: a callee's answer that it cannot take this
    /// call now; a dealer with `call_reroute` passes the call to another
    /// callee of the shared registration (the caller gets
    /// `wamp.error.no_available_callee` when none is left).
    pub fn unavailable() -> Self {
        Error::message(uris::UNAVAILABLE, "the callee is unavailable")
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Error({:?}, {}", self.0.kind, self.0.uri)?;
        if let Ok(args) = self.0.payload.args_values()
            && !args.is_empty()
        {
            write!(f, ", args {args:?}")?;
        }
        if let Ok(kwargs) = self.0.payload.kwargs_values()
            && !kwargs.is_empty()
        {
            write!(f, ", kwargs {kwargs:?}")?;
        }
        if let Some(source) = &self.0.source {
            write!(f, ", source {source:?}")?;
        }
        write!(f, ")")
    }
}

/// The URI and the text (the first argument, when it is a string); a source's
/// message is that text for converted errors.
impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.text() {
            Some(text) => write!(f, "{}: {}", self.0.uri, text),
            None => f.write_str(&self.0.uri),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0
            .source
            .as_deref()
            .map(|s| s as &(dyn std::error::Error + 'static))
    }
}

/// Kind [`Transport`](ErrorKind::Transport), `wamp.error.transport_lost`.
impl From<TransportError> for Error {
    fn from(e: TransportError) -> Self {
        Error::caused_by(ErrorKind::Transport, uris::TRANSPORT_LOST, e)
    }
}

/// Kind [`Protocol`](ErrorKind::Protocol), `wamp.error.protocol_violation`.
impl From<ProtocolError> for Error {
    fn from(e: ProtocolError) -> Self {
        Error::caused_by(ErrorKind::Protocol, uris::PROTOCOL_VIOLATION, e)
    }
}

/// Kind [`Protocol`](ErrorKind::Protocol), `wamp.error.protocol_violation`.
impl From<Violation> for Error {
    fn from(e: Violation) -> Self {
        Error::message(uris::PROTOCOL_VIOLATION, e.0.clone()).with_source(e)
    }
}

/// Kind [`InvalidArgument`](ErrorKind::InvalidArgument): arguments that do
/// not decode are `wamp.error.invalid_argument`, values that do not encode
/// `wamp.error.invalid_payload`.
impl From<PayloadError> for Error {
    fn from(e: PayloadError) -> Self {
        let uri = match e {
            PayloadError::Encode { .. } => uris::INVALID_PAYLOAD,
            _ => uris::INVALID_ARGUMENT,
        };
        Error::caused_by(ErrorKind::InvalidArgument, uri, e)
    }
}

/// Kind [`InvalidArgument`](ErrorKind::InvalidArgument), `wamp.error.invalid_argument`.
impl From<PathError> for Error {
    fn from(e: PathError) -> Self {
        Error::invalid_argument(format!("{} (at path {})", e.message, e.path))
    }
}

/// Kind [`InvalidArgument`](ErrorKind::InvalidArgument), `wamp.error.invalid_argument`.
impl From<ValueError> for Error {
    fn from(e: ValueError) -> Self {
        Error::caused_by(ErrorKind::InvalidArgument, uris::INVALID_ARGUMENT, e)
    }
}

/// Kind [`InvalidArgument`](ErrorKind::InvalidArgument), `wamp.error.invalid_payload`.
impl From<EncodeError> for Error {
    fn from(e: EncodeError) -> Self {
        Error::caused_by(ErrorKind::InvalidArgument, uris::INVALID_PAYLOAD, e)
    }
}

/// Kind [`InvalidArgument`](ErrorKind::InvalidArgument), `wamp.error.invalid_uri`.
impl From<InvalidUri> for Error {
    fn from(e: InvalidUri) -> Self {
        Error::caused_by(ErrorKind::InvalidArgument, uris::INVALID_URI, e)
    }
}

/// Kind [`InvalidArgument`](ErrorKind::InvalidArgument), `wamp.error.invalid_argument`.
impl From<UnknownSerializer> for Error {
    fn from(e: UnknownSerializer) -> Self {
        Error::caused_by(ErrorKind::InvalidArgument, uris::INVALID_ARGUMENT, e)
    }
}

/// Kind [`Authentication`](ErrorKind::Authentication), `wamp.error.authentication_failed`.
impl From<AuthError> for Error {
    fn from(e: AuthError) -> Self {
        Error::message(uris::AUTHENTICATION_FAILED, e.0.clone()).with_source(e)
    }
}

/// Kind [`Io`](ErrorKind::Io), `wamp.error.runtime_error` (what a caller
/// receives when a handler fails with it).
impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::caused_by(ErrorKind::Io, uris::RUNTIME_ERROR, e)
    }
}

/// A bad docs flag is of kind [`InvalidArgument`](ErrorKind::InvalidArgument),
/// a failure to print or write the docs of kind [`Io`](ErrorKind::Io).
impl From<CliError> for Error {
    fn from(e: CliError) -> Self {
        match e {
            CliError::Usage(_) => {
                Error::caused_by(ErrorKind::InvalidArgument, uris::INVALID_ARGUMENT, e)
            }
            _ => Error::caused_by(ErrorKind::Io, uris::RUNTIME_ERROR, e),
        }
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
