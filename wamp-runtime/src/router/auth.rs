//! Authentication of joining clients: the static methods of a realm's
//! configuration, and a trait for user-supplied authenticators.

use std::future::Future;
use std::pin::Pin;

use super::config::RealmConfig;
use super::handle::Identity;
use super::uris;
use crate::protocol::id::Id;
use crate::protocol::options::{ChallengeExtra, HelloDetails};
use crate::protocol::{Authenticate, Dict};

/// What to do next in an authentication.
#[derive(Debug)]
pub enum AuthStep {
    /// The client is who it says: send WELCOME.
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
}

/// A boxed future returned by [`Authenticator`] methods.
pub type AuthFuture<'a> = Pin<Box<dyn Future<Output = AuthStep> + Send + 'a>>;

/// A user-supplied authenticator, for methods or principals the static
/// configuration does not cover (a database of users, an external service...).
pub trait Authenticator: Send + Sync + 'static {
    /// Whether this authenticator handles `method` on `realm`.
    fn handles(&self, realm: &str, method: &str) -> bool;
    /// First step, on HELLO.
    fn hello<'a>(&'a self, request: AuthRequest<'a>) -> AuthFuture<'a>;
    /// Second step, on AUTHENTICATE, with the state of the challenge.
    fn authenticate<'a>(
        &'a self,
        request: AuthRequest<'a>,
        state: Dict,
        reply: &'a Authenticate,
    ) -> AuthFuture<'a>;
}

fn deny(reason: &str, message: impl Into<String>) -> AuthStep {
    AuthStep::Deny {
        reason: reason.to_owned(),
        message: message.into(),
    }
}

fn identity(authid: &str, authrole: &str, method: &str) -> Identity {
    Identity {
        authid: authid.to_owned(),
        authrole: authrole.to_owned(),
        authmethod: method.to_owned(),
        authprovider: "static".to_owned(),
        authextra: Dict::new(),
    }
}

/// Whether the realm's static configuration handles a method.
pub(crate) fn static_handles(config: &RealmConfig, method: &str) -> bool {
    let auth = &config.auth;
    match method {
        "anonymous" => auth.anonymous.is_some() || auth.is_empty(),
        "ticket" => !auth.ticket.is_empty(),
        _ => false,
    }
}

/// First step of a static method.
pub(crate) fn static_hello(config: &RealmConfig, request: &AuthRequest<'_>) -> AuthStep {
    let auth = &config.auth;
    match request.method {
        "anonymous" => {
            let role = auth
                .anonymous
                .as_ref()
                .map_or("anonymous", |a| a.role.as_str());
            let authid = request
                .details
                .authid
                .clone()
                .unwrap_or_else(|| format!("anonymous-{}", crate::protocol::id::random_id()));
            let mut id = identity(&authid, role, "anonymous");
            id.authprovider = "static".into();
            AuthStep::Welcome(id)
        }
        "ticket" => {
            let Some(authid) = &request.details.authid else {
                return deny(
                    uris::NO_SUCH_PRINCIPAL,
                    "ticket authentication needs an authid",
                );
            };
            if !auth.ticket.iter().any(|p| &p.authid == authid) {
                return deny(
                    uris::NO_SUCH_PRINCIPAL,
                    format!("no principal with authid '{authid}'"),
                );
            }
            AuthStep::Challenge {
                method: "ticket".into(),
                extra: ChallengeExtra::default(),
                state: Dict::new(),
            }
        }
        other => deny(
            uris::NO_AUTH_METHOD,
            format!("authentication method '{other}' is not configured"),
        ),
    }
}

/// Second step of a static method.
pub(crate) fn static_authenticate(
    config: &RealmConfig,
    request: &AuthRequest<'_>,
    _state: Dict,
    reply: &Authenticate,
) -> AuthStep {
    let auth = &config.auth;
    let authid = request.details.authid.as_deref().unwrap_or_default();
    match request.method {
        "ticket" => match auth.ticket.iter().find(|p| p.authid == authid) {
            Some(p) if p.ticket == reply.signature => {
                AuthStep::Welcome(identity(authid, &p.role, "ticket"))
            }
            _ => deny(uris::NOT_AUTHORIZED, "invalid ticket"),
        },
        other => deny(
            uris::NO_AUTH_METHOD,
            format!("authentication method '{other}' is not configured"),
        ),
    }
}
