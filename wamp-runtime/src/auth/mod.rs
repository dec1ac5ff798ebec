//! Authentication: the pure computations of each method (shared by client and
//! router) and the client-side [`Authenticator`] trait with its implementations.
//!
//! | method | client type | pure functions |
//! |---|---|---|
//! | `anonymous` | [`Anonymous`] | — |
//! | `ticket` | [`Ticket`] | — |
//! | `wampcra` | [`WampCra`] | [`wampcra::sign`], [`wampcra::derive_key`], [`wampcra::verify`] |
//! | `cryptosign` | [`CryptoSign`] | [`cryptosign::SigningKey`], [`cryptosign::verify_signature`] |
//! | `tls` | [`TlsCertificate`] | — |
//! | `scram` | [`Scram`] | [`scram::derive_credential`], [`scram::client_proof`], [`scram::verify_client_proof`] |

pub mod cryptosign;
pub mod scram;
pub mod wampcra;

pub use cryptosign::CryptoSign;
pub use scram::Scram;
pub use wampcra::WampCra;

use crate::protocol::options::AuthenticateExtra;
use crate::protocol::{Authenticate, Challenge, Dict};

/// Authentication failed on the client side (bad key, unusable challenge).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("authentication failed: {0}")]
pub struct AuthError(pub String);

impl AuthError {
    /// An error with a message.
    pub fn new(message: impl Into<String>) -> Self {
        AuthError(message.into())
    }
}

/// A client-side authentication method: what it adds to `HELLO` and how it
/// answers a `CHALLENGE`. Implement it for methods this crate does not ship.
pub trait Authenticator: Send + Sync {
    /// The method name announced in `HELLO.Details.authmethods`.
    fn method(&self) -> &str;

    /// The authid to ask for, if any.
    fn authid(&self) -> Option<&str> {
        None
    }

    /// The authrole to ask for, if any.
    fn authrole(&self) -> Option<&str> {
        None
    }

    /// Keys to merge into `HELLO.Details.authextra`.
    fn authextra(&self) -> Dict {
        Dict::new()
    }

    /// Answers the router's challenge for this method.
    fn on_challenge(&self, challenge: &Challenge) -> Result<Authenticate, AuthError>;

    /// Answers the challenge knowing the transport's TLS channel binding
    /// (`tls-exporter`, when the transport runs over TLS). The client runtime
    /// calls this one; the default ignores the binding.
    fn on_challenge_bound(
        &self,
        challenge: &Challenge,
        channel_binding: Option<&[u8]>,
    ) -> Result<Authenticate, AuthError> {
        let _ = channel_binding;
        self.on_challenge(challenge)
    }
}

/// Anonymous authentication: no credentials, never challenged.
#[derive(Debug, Clone, Default)]
pub struct Anonymous {
    authid: Option<String>,
}

impl Anonymous {
    /// Anonymous, optionally asking for an authid.
    pub fn new(authid: Option<String>) -> Self {
        Self { authid }
    }
}

impl Authenticator for Anonymous {
    fn method(&self) -> &str {
        "anonymous"
    }

    fn authid(&self) -> Option<&str> {
        self.authid.as_deref()
    }

    fn on_challenge(&self, _challenge: &Challenge) -> Result<Authenticate, AuthError> {
        Err(AuthError::new(
            "anonymous authentication cannot answer a challenge",
        ))
    }
}

/// TLS client-certificate authentication (authmethod `tls`): the router
/// identifies the client by the certificate its TLS configuration presents
/// ([`client_config_with_certificate`](crate::transport::tls::client_config_with_certificate)
/// in [`ClientOptions::tls`](crate::transport::ClientOptions)); never challenged.
#[derive(Debug, Clone, Default)]
pub struct TlsCertificate {
    authid: Option<String>,
}

impl TlsCertificate {
    /// TLS client-certificate authentication, optionally asking for an authid.
    pub fn new(authid: Option<String>) -> Self {
        Self { authid }
    }
}

impl Authenticator for TlsCertificate {
    fn method(&self) -> &str {
        "tls"
    }

    fn authid(&self) -> Option<&str> {
        self.authid.as_deref()
    }

    fn on_challenge(&self, _challenge: &Challenge) -> Result<Authenticate, AuthError> {
        Err(AuthError::new(
            "TLS client-certificate authentication cannot answer a challenge",
        ))
    }
}

/// Ticket authentication: the ticket is sent as it is (use TLS).
#[derive(Clone)]
pub struct Ticket {
    authid: String,
    ticket: String,
    authrole: Option<String>,
}

impl std::fmt::Debug for Ticket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ticket")
            .field("authid", &self.authid)
            .finish_non_exhaustive()
    }
}

impl Ticket {
    /// Ticket authentication as `authid`.
    pub fn new(authid: impl Into<String>, ticket: impl Into<String>) -> Self {
        Self {
            authid: authid.into(),
            ticket: ticket.into(),
            authrole: None,
        }
    }

    /// Asks for a role.
    pub fn with_authrole(mut self, authrole: impl Into<String>) -> Self {
        self.authrole = Some(authrole.into());
        self
    }
}

impl Authenticator for Ticket {
    fn method(&self) -> &str {
        "ticket"
    }

    fn authid(&self) -> Option<&str> {
        Some(&self.authid)
    }

    fn authrole(&self) -> Option<&str> {
        self.authrole.as_deref()
    }

    fn on_challenge(&self, _challenge: &Challenge) -> Result<Authenticate, AuthError> {
        Ok(Authenticate {
            signature: self.ticket.clone(),
            extra: AuthenticateExtra::default(),
        })
    }
}

/// A shared authenticator (e.g. to read a [`Scram`]'s state after joining).
impl<A: Authenticator + ?Sized> Authenticator for std::sync::Arc<A> {
    fn method(&self) -> &str {
        (**self).method()
    }

    fn authid(&self) -> Option<&str> {
        (**self).authid()
    }

    fn authrole(&self) -> Option<&str> {
        (**self).authrole()
    }

    fn authextra(&self) -> Dict {
        (**self).authextra()
    }

    fn on_challenge(&self, challenge: &Challenge) -> Result<Authenticate, AuthError> {
        (**self).on_challenge(challenge)
    }

    fn on_challenge_bound(
        &self,
        challenge: &Challenge,
        channel_binding: Option<&[u8]>,
    ) -> Result<Authenticate, AuthError> {
        (**self).on_challenge_bound(challenge, channel_binding)
    }
}
