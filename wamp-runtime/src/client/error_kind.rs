//! [`ErrorKind`]: what sort of failure an [`Error`](super::Error) is, to
//! match on without comparing URIs.

use crate::protocol::uris;

/// What sort of failure an [`Error`](super::Error) is.
///
/// Errors that travel as an error URI get the kind that URI stands for
/// ([`ErrorKind::of_uri`]): an `ERROR` answer of `wamp.error.timeout` is a
/// [`Timeout`](ErrorKind::Timeout) whether the router, the callee or the local
/// deadline gave it. Errors converted from a lower layer get the kind of that
/// layer and keep it as their [`source`](std::error::Error::source).
///
/// ```
/// use wamp::{Error, ErrorKind};
///
/// assert_eq!(Error::new("com.shop.out_of_stock").kind(), ErrorKind::Application);
/// assert_eq!(Error::new("wamp.error.canceled").kind(), ErrorKind::Canceled);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// An error of the application, or any other error URI a router or callee
    /// answered with: look at [`Error::uri`](super::Error::uri).
    Application,
    /// Arguments, a payload or a URI were invalid, or could not be encoded
    /// or decoded (`wamp.error.invalid_argument`, `invalid_uri`, `invalid_payload`).
    InvalidArgument,
    /// Authentication failed or was refused while joining.
    Authentication,
    /// The request timed out: at the router, at the callee or at the local
    /// deadline (`wamp.error.timeout`).
    Timeout,
    /// The request was canceled (`wamp.error.canceled`).
    Canceled,
    /// The transport could not be set up, failed, or was lost
    /// (`wamp.error.transport_lost`).
    Transport,
    /// The session is not joined, or no longer (`wamp.error.not_joined`).
    Closed,
    /// A peer broke the WAMP protocol (`wamp.error.protocol_violation`).
    Protocol,
    /// A local I/O operation other than the transport failed (writing docs, say).
    Io,
}

impl ErrorKind {
    /// The kind an error URI stands for; [`Application`](ErrorKind::Application)
    /// for any URI this crate gives no other meaning.
    pub fn of_uri(uri: &str) -> ErrorKind {
        match uri {
            uris::TIMEOUT => ErrorKind::Timeout,
            uris::CANCELED => ErrorKind::Canceled,
            uris::TRANSPORT_LOST => ErrorKind::Transport,
            uris::NOT_JOINED => ErrorKind::Closed,
            uris::PROTOCOL_VIOLATION => ErrorKind::Protocol,
            uris::INVALID_ARGUMENT | uris::INVALID_URI | uris::INVALID_PAYLOAD => {
                ErrorKind::InvalidArgument
            }
            uris::AUTHENTICATION_FAILED
            | uris::CANNOT_AUTHENTICATE
            | uris::NO_AUTH_METHOD
            | uris::NO_SUCH_PRINCIPAL => ErrorKind::Authentication,
            _ => ErrorKind::Application,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_have_their_kind() {
        assert_eq!(ErrorKind::of_uri(uris::TIMEOUT), ErrorKind::Timeout);
        assert_eq!(ErrorKind::of_uri(uris::CANCELED), ErrorKind::Canceled);
        assert_eq!(
            ErrorKind::of_uri(uris::TRANSPORT_LOST),
            ErrorKind::Transport
        );
        assert_eq!(ErrorKind::of_uri(uris::NOT_JOINED), ErrorKind::Closed);
        assert_eq!(
            ErrorKind::of_uri(uris::PROTOCOL_VIOLATION),
            ErrorKind::Protocol
        );
        assert_eq!(
            ErrorKind::of_uri(uris::INVALID_URI),
            ErrorKind::InvalidArgument
        );
        assert_eq!(
            ErrorKind::of_uri(uris::NO_SUCH_PRINCIPAL),
            ErrorKind::Authentication
        );
        assert_eq!(
            ErrorKind::of_uri(uris::NO_SUCH_PROCEDURE),
            ErrorKind::Application
        );
        assert_eq!(
            ErrorKind::of_uri("com.example.oops"),
            ErrorKind::Application
        );
    }
}
