//! The steps of an authentication and what a joining client asked for,
//! shared by the static, dynamic and SCRAM methods.

use super::super::identity::Identity;
use crate::auth::cryptosign::TLS_EXPORTER;
use crate::protocol::id::Id;
use crate::protocol::options::{ChallengeExtra, HelloDetails};
use crate::protocol::uris;
use crate::protocol::{Dict, Value};

/// What to do next in an authentication.
#[derive(Debug)]
pub enum AuthStep {
    /// The client is authenticated as this identity: send WELCOME. Its
    /// authid is the one the authenticator established (never taken from
    /// HELLO unchecked); an empty authid is replaced by a generated one.
    Welcome(Identity),
    /// Ask the client to prove it: send CHALLENGE with this method and extra.
    Challenge {
        /// Method of the challenge.
        method: String,
        /// Challenge data.
        extra: ChallengeExtra,
        /// What the authenticator needs to check the answer.
        state: Dict,
    },
    /// Refuse the client: send ABORT with this reason and message.
    Deny {
        /// Error URI, e.g. `wamp.error.not_authorized`.
        reason: String,
        /// Human-readable message.
        message: String,
    },
}

/// What a joining client asked for.
#[derive(Debug, Clone)]
pub struct AuthRequest<'a> {
    /// The realm.
    pub realm: &'a str,
    /// The method being tried.
    pub method: &'a str,
    /// The HELLO details (authid, authextra, ...).
    pub details: &'a HelloDetails,
    /// The session ID the client will get.
    pub session: Id,
    /// The `tls-exporter` channel binding (RFC 9266, 32 bytes) of the
    /// client's transport when it runs over TLS, for methods that bind to it
    /// (cryptosign).
    pub channel_binding: Option<&'a [u8]>,
}

pub(crate) fn deny(reason: &str, message: impl Into<String>) -> AuthStep {
    AuthStep::Deny {
        reason: reason.to_owned(),
        message: message.into(),
    }
}

/// A static principal's identity.
pub(crate) fn identity(authid: &str, authrole: &str, method: &str) -> Identity {
    Identity {
        authid: authid.to_owned(),
        authrole: authrole.to_owned(),
        authmethod: method.to_owned(),
        authprovider: "static".to_owned(),
        authextra: Dict::new(),
    }
}

/// Whether a cryptosign HELLO asks for the session to be bound to the TLS
/// channel (`authextra.channel_binding`): `tls-exporter` over TLS is;
/// absent or `null` is not; anything else is refused with this message.
pub(crate) fn cryptosign_binding(request: &AuthRequest<'_>) -> Result<bool, String> {
    let asked = request
        .details
        .authextra
        .as_ref()
        .and_then(|e| e.get("channel_binding"));
    match asked {
        None | Some(Value::Null) => Ok(false),
        Some(Value::String(kind)) if kind == TLS_EXPORTER => {
            if request.channel_binding.is_some() {
                Ok(true)
            } else {
                Err("cryptosign channel binding 'tls-exporter' needs a TLS transport (wss:// or rss://); this connection has no TLS".into())
            }
        }
        Some(Value::String(kind)) if kind == "tls-unique" => Err(
            "cryptosign channel binding 'tls-unique' cannot be provided: rustls does not export it and TLS 1.3 has none; this router supports 'tls-exporter' (RFC 9266)".into(),
        ),
        Some(other) => Err(format!(
            "unknown cryptosign channel binding {other:?}; this router supports 'tls-exporter' (RFC 9266)"
        )),
    }
}

/// The SHA-256 fingerprint of the client certificate of the request's TLS
/// connection, or the refusal naming why there is none.
pub(crate) fn client_certificate(request: &AuthRequest<'_>) -> Result<String, Box<AuthStep>> {
    let Some(binding) = request.channel_binding else {
        return Err(Box::new(deny(
            uris::AUTHENTICATION_FAILED,
            "TLS client-certificate authentication needs a TLS transport (wss:// or rss://); this connection has no TLS",
        )));
    };
    #[cfg(feature = "tls")]
    let found = crate::transport::tls::client_certificate_sha256(binding);
    #[cfg(not(feature = "tls"))]
    let found: Option<String> = {
        let _ = binding;
        None
    };
    found.ok_or_else(|| {
        Box::new(deny(
            uris::AUTHENTICATION_FAILED,
            "TLS client-certificate authentication: the client presented no certificate on this connection",
        ))
    })
}

/// An identity kept in a challenge's state until AUTHENTICATE.
pub(crate) fn identity_state(identity: Identity) -> Dict {
    let mut state = Dict::new();
    state.insert("authid".into(), Value::String(identity.authid));
    state.insert("authrole".into(), Value::String(identity.authrole));
    state.insert("authmethod".into(), Value::String(identity.authmethod));
    state.insert("authprovider".into(), Value::String(identity.authprovider));
    state.insert("authextra".into(), Value::Dict(identity.authextra));
    state
}

/// The identity [`identity_state`] kept.
pub(crate) fn state_identity(state: &Dict) -> Identity {
    let text = |key: &str| {
        state
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    Identity {
        authid: text("authid"),
        authrole: text("authrole"),
        authmethod: text("authmethod"),
        authprovider: text("authprovider"),
        authextra: state
            .get("authextra")
            .and_then(Value::as_dict)
            .cloned()
            .unwrap_or_default(),
    }
}
