//! Dynamic authentication: the router calls a WAMP procedure (the
//! realm's configured authenticator) with `(realm, authid, details)`, in
//! Crossbar.io's shapes, and reads the principal it returns.
//!
//! - ticket: called on AUTHENTICATE, with the ticket in `details.ticket`;
//! - WAMP-CRA: called on HELLO; returns `secret` (and `salt`,
//!   `iterations`, `keylen` for salted secrets) besides the role;
//! - cryptosign: called on HELLO with `details.authextra.pubkey`; returns
//!   the `pubkey` the signature is checked with;
//! - SCRAM: called on HELLO; returns `salt`, `kdf`, `iterations`, `memory`,
//!   `stored-key`, `server-key` (hex).
//!
//! A principal is a role (string) or a dict with `role`, `authid` (default:
//! HELLO's) and `extra` (the WELCOME's authextra). An authenticator that
//! raises refuses the client with its error URI and message.

use std::time::Duration;

use super::internal::{self, CallFailure, Connector};
use super::step::{
    AuthRequest, AuthStep, client_certificate, cryptosign_binding, deny, identity_state,
    state_identity,
};
use crate::auth::cryptosign::TLS_EXPORTER;
use crate::protocol::options::ChallengeExtra;
use crate::protocol::uris;
use crate::protocol::{Authenticate, Dict, Value};
use crate::router::clock::now_iso8601;
use crate::router::config::{DynamicAuthenticator, RealmConfig, TRUSTED_ROLE};
use crate::router::identity::Identity;
use crate::transport::{TransportDetails, TransportKind};

/// `wamp.error.no_such_role` (the role a principal names is not defined).
const NO_SUCH_ROLE: &str = "wamp.error.no_such_role";

/// What a dynamic authentication needs besides the request.
pub(crate) struct Dynamic<'a> {
    /// Opens the router's own sessions, to call the authenticator through.
    pub(crate) connect: &'a Connector,
    /// The realm being joined.
    pub(crate) realm: &'a RealmConfig,
    /// The authenticator of the method.
    pub(crate) config: &'a DynamicAuthenticator,
    /// The client's transport.
    pub(crate) transport: &'a TransportDetails,
}

/// The methods a dynamic authenticator can serve.
pub(crate) use crate::router::config::DYNAMIC_METHODS as METHODS;

/// Crossbar's `details.transport`: the kind and the peer.
fn transport_dict(transport: &TransportDetails) -> Dict {
    let kind = match transport.kind {
        TransportKind::WebSocket
        | TransportKind::SecureWebSocket
        | TransportKind::UnixWebSocket => "websocket",
        TransportKind::RawSocket
        | TransportKind::SecureRawSocket
        | TransportKind::UnixRawSocket => "rawsocket",
        TransportKind::Memory => "memory",
    };
    let secure = matches!(
        transport.kind,
        TransportKind::SecureWebSocket | TransportKind::SecureRawSocket
    );
    let mut dict = Dict::new();
    dict.insert("type".into(), Value::String(kind.into()));
    dict.insert("is_secure".into(), Value::Bool(secure));
    if transport.kind.is_unix() {
        dict.insert("peer".into(), Value::String("unix".into()));
    }
    if let Some(peer) = transport.peer {
        let family = if peer.is_ipv4() { "tcp4" } else { "tcp6" };
        dict.insert(
            "peer".into(),
            Value::String(format!("{family}:{}:{}", peer.ip(), peer.port())),
        );
    }
    dict
}

/// The `details` argument of the authenticator call.
fn session_details(request: &AuthRequest<'_>, transport: &TransportDetails) -> Dict {
    let opt = |v: Option<&String>| v.map_or(Value::Null, |s| Value::String(s.clone()));
    let mut d = Dict::new();
    d.insert("session".into(), Value::UInt(request.session));
    d.insert("transport".into(), Value::Dict(transport_dict(transport)));
    d.insert(
        "authmethod".into(),
        Value::String(request.method.to_owned()),
    );
    d.insert("authid".into(), opt(request.details.authid.as_ref()));
    d.insert("authrole".into(), opt(request.details.authrole.as_ref()));
    d.insert(
        "authextra".into(),
        request
            .details
            .authextra
            .clone()
            .map_or(Value::Null, Value::Dict),
    );
    d
}

impl Dynamic<'_> {
    /// Calls the authenticator; its principal as a dict, or the refusal.
    async fn principal(&self, request: &AuthRequest<'_>, details: Dict) -> Result<Dict, AuthStep> {
        let procedure = &self.config.authenticator;
        let on_realm = self
            .config
            .authenticator_realm
            .as_deref()
            .unwrap_or(request.realm);
        let authid = request
            .details
            .authid
            .clone()
            .map_or(Value::Null, Value::String);
        let args = vec![
            Value::String(request.realm.to_owned()),
            authid,
            Value::Dict(details),
        ];
        let timeout = Duration::from_millis(self.config.timeout_ms.max(1));
        let output = match internal::call(self.connect, on_realm, procedure, args, timeout).await {
            Ok(output) => output,
            Err(CallFailure::Error { uri, message }) if uri == uris::NO_SUCH_PROCEDURE => {
                tracing::warn!(
                    procedure,
                    realm = on_realm,
                    "dynamic authenticator is not registered"
                );
                return Err(deny(
                    uris::AUTHENTICATION_FAILED,
                    format!(
                        "dynamic authenticator '{procedure}' is not registered on realm '{on_realm}'{}",
                        message.map(|m| format!(" ({m})")).unwrap_or_default()
                    ),
                ));
            }
            Err(CallFailure::Error { uri, message }) => {
                // The authenticator refused (or crashed): its error and message.
                let message = message
                    .unwrap_or_else(|| format!("dynamic authenticator '{procedure}' raised {uri}"));
                return Err(deny(&uri, message));
            }
            Err(CallFailure::Timeout) => {
                tracing::warn!(
                    procedure,
                    realm = on_realm,
                    ?timeout,
                    "dynamic authenticator timed out"
                );
                return Err(deny(
                    uris::AUTHENTICATION_FAILED,
                    format!(
                        "dynamic authenticator '{procedure}' did not answer within its timeout of {} ms",
                        timeout.as_millis()
                    ),
                ));
            }
            Err(CallFailure::Session(why)) => {
                tracing::warn!(procedure, realm = on_realm, %why, "dynamic authenticator cannot be called");
                return Err(deny(
                    uris::AUTHENTICATION_FAILED,
                    format!("dynamic authenticator '{procedure}' cannot be called: {why}"),
                ));
            }
        };
        let first = output
            .args
            .into_iter()
            .next()
            .or_else(|| (!output.kwargs.is_empty()).then_some(Value::Dict(output.kwargs)));
        match first {
            Some(Value::String(role)) => {
                let mut d = Dict::new();
                d.insert("role".into(), Value::String(role));
                Ok(d)
            }
            Some(Value::Dict(d)) => Ok(d),
            other => Err(deny(
                uris::AUTHENTICATION_FAILED,
                format!(
                    "dynamic authenticator '{procedure}' returned {}; expected a role (string) or a principal (dict)",
                    other.as_ref().map_or("nothing", Value::type_name)
                ),
            )),
        }
    }

    /// The identity a principal establishes, or why it cannot.
    fn identity(
        &self,
        request: &AuthRequest<'_>,
        principal: &Dict,
    ) -> Result<Identity, Box<AuthStep>> {
        if let Some(realm) = principal.get("realm").and_then(Value::as_str)
            && realm != request.realm
        {
            return Err(Box::new(deny(
                uris::NOT_AUTHORIZED,
                format!(
                    "the authenticator assigned realm '{realm}', but this router does not move a joining session to another realm than the one it asked for ('{}')",
                    request.realm
                ),
            )));
        }
        let authid = principal
            .get("authid")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .or_else(|| request.details.authid.clone());
        let Some(authid) = authid.filter(|a| !a.is_empty()) else {
            return Err(Box::new(deny(
                uris::NO_SUCH_PRINCIPAL,
                "the authenticator assigned no authid",
            )));
        };
        let Some(role) = principal.get("role").and_then(Value::as_str) else {
            return Err(Box::new(deny(
                NO_SUCH_ROLE,
                "the authenticator assigned no role",
            )));
        };
        let defined = self.realm.roles.is_empty()
            || role == TRUSTED_ROLE
            || role == "anonymous"
            || self.realm.roles.iter().any(|r| r.name == role);
        if !defined {
            return Err(Box::new(deny(
                NO_SUCH_ROLE,
                format!("realm '{}' has no role '{role}'", request.realm),
            )));
        }
        let authextra = principal
            .get("extra")
            .and_then(Value::as_dict)
            .cloned()
            .unwrap_or_default();
        Ok(Identity {
            authid,
            authrole: role.to_owned(),
            authmethod: request.method.to_owned(),
            authprovider: "dynamic".into(),
            authextra,
        })
    }

    /// First step, on HELLO.
    pub(crate) async fn hello(&self, request: &AuthRequest<'_>) -> AuthStep {
        match request.method {
            "ticket" => AuthStep::Challenge {
                method: "ticket".into(),
                extra: ChallengeExtra::default(),
                state: Dict::new(),
            },
            "wampcra" => self.wampcra_hello(request).await,
            "cryptosign" => self.cryptosign_hello(request).await,
            "scram" => {
                if let Err(step) = super::scram::client_nonce(request) {
                    return *step;
                }
                match self.on_hello(request).await {
                    Ok((principal, identity)) => {
                        super::scram::dynamic_challenge(request, &principal, identity)
                    }
                    Err(step) => step,
                }
            }
            "tls" => self.tls_hello(request).await,
            other => deny(
                uris::NO_AUTH_METHOD,
                format!("authentication method '{other}' cannot be dynamic"),
            ),
        }
    }

    /// Calls the authenticator on HELLO: the principal and its identity.
    pub(crate) async fn on_hello(
        &self,
        request: &AuthRequest<'_>,
    ) -> Result<(Dict, Identity), AuthStep> {
        let principal = self
            .principal(request, session_details(request, self.transport))
            .await?;
        let identity = self.identity(request, &principal).map_err(|step| *step)?;
        Ok((principal, identity))
    }

    /// TLS: the authenticator gets the certificate's fingerprint in
    /// `details.transport.client_cert.sha256` and returns the principal.
    async fn tls_hello(&self, request: &AuthRequest<'_>) -> AuthStep {
        let fingerprint = match client_certificate(request) {
            Ok(f) => f,
            Err(step) => return *step,
        };
        let mut details = session_details(request, self.transport);
        if let Some(Value::Dict(t)) = details.get_mut("transport") {
            let mut cert = Dict::new();
            cert.insert("sha256".into(), Value::String(fingerprint.clone()));
            t.insert("client_cert".into(), Value::Dict(cert));
        }
        let principal = match self.principal(request, details).await {
            Ok(p) => p,
            Err(step) => return step,
        };
        match self.identity(request, &principal) {
            Ok(mut identity) => {
                identity
                    .authextra
                    .insert("fingerprint".into(), Value::String(fingerprint));
                AuthStep::Welcome(identity)
            }
            Err(step) => *step,
        }
    }

    async fn wampcra_hello(&self, request: &AuthRequest<'_>) -> AuthStep {
        let (principal, identity) = match self.on_hello(request).await {
            Ok(p) => p,
            Err(step) => return step,
        };
        let Some(secret) = principal.get("secret").and_then(Value::as_str) else {
            return deny(
                uris::AUTHENTICATION_FAILED,
                "the dynamic authenticator returned no 'secret' for WAMP-CRA",
            );
        };
        let challenge = serde_json::json!({
            "authid": identity.authid,
            "authrole": identity.authrole,
            "authmethod": "wampcra",
            "authprovider": "dynamic",
            "nonce": hex::encode(rand::random::<[u8; 16]>()),
            "timestamp": now_iso8601(),
            "session": request.session,
        })
        .to_string();
        let mut extra = ChallengeExtra {
            challenge: Some(challenge.clone()),
            ..Default::default()
        };
        let key = match principal.get("salt").and_then(Value::as_str) {
            Some(salt) => {
                let iterations = principal
                    .get("iterations")
                    .and_then(Value::as_u64)
                    .unwrap_or(1000);
                let keylen = principal
                    .get("keylen")
                    .and_then(Value::as_u64)
                    .unwrap_or(32);
                if !(1..=10_000_000).contains(&iterations) || !(1..=128).contains(&keylen) {
                    return deny(
                        uris::AUTHENTICATION_FAILED,
                        "the dynamic authenticator returned WAMP-CRA iterations or keylen out of range",
                    );
                }
                extra.salt = Some(salt.to_owned());
                extra.iterations = Some(iterations);
                extra.keylen = Some(keylen);
                let (secret, salt) = (secret.to_owned(), salt.to_owned());
                tokio::task::spawn_blocking(move || {
                    crate::auth::wampcra::derive_key(
                        &secret,
                        &salt,
                        iterations as u32,
                        keylen as usize,
                    )
                })
                .await
                .unwrap_or_default()
            }
            None => secret.to_owned(),
        };
        let mut state = identity_state(identity);
        state.insert("challenge".into(), Value::String(challenge));
        state.insert("key".into(), Value::String(key));
        AuthStep::Challenge {
            method: "wampcra".into(),
            extra,
            state,
        }
    }

    async fn cryptosign_hello(&self, request: &AuthRequest<'_>) -> AuthStep {
        let hello_key = request
            .details
            .authextra
            .as_ref()
            .and_then(|e| e.get("pubkey"))
            .and_then(Value::as_str)
            .map(str::to_ascii_lowercase);
        let bound = match cryptosign_binding(request) {
            Ok(bound) => bound,
            Err(message) => return deny(uris::AUTHENTICATION_FAILED, message),
        };
        let (principal, identity) = match self.on_hello(request).await {
            Ok(p) => p,
            Err(step) => return step,
        };
        let pubkey = principal
            .get("pubkey")
            .and_then(Value::as_str)
            .map(str::to_ascii_lowercase)
            .or(hello_key.clone());
        let Some(pubkey) = pubkey else {
            return deny(
                uris::AUTHENTICATION_FAILED,
                "cryptosign: neither the dynamic authenticator nor HELLO's authextra gave a public key",
            );
        };
        if hello_key.as_ref().is_some_and(|k| k != &pubkey) {
            return deny(
                uris::NOT_AUTHORIZED,
                "cryptosign: the public key in HELLO is not the principal's key",
            );
        }
        let binding = if bound {
            Value::String(TLS_EXPORTER.into())
        } else {
            Value::Null
        };
        let challenge = hex::encode(rand::random::<[u8; 32]>());
        let mut extra = ChallengeExtra {
            challenge: Some(challenge.clone()),
            ..Default::default()
        };
        extra
            .extra
            .insert("channel_binding".into(), binding.clone());
        let mut state = identity_state(identity);
        state.insert("challenge".into(), Value::String(challenge));
        state.insert("channel_binding".into(), binding);
        state.insert("pubkey".into(), Value::String(pubkey));
        AuthStep::Challenge {
            method: "cryptosign".into(),
            extra,
            state,
        }
    }

    /// Second step, on AUTHENTICATE.
    pub(crate) async fn authenticate(
        &self,
        request: &AuthRequest<'_>,
        state: Dict,
        reply: &Authenticate,
    ) -> AuthStep {
        let text = |key: &str| state.get(key).and_then(Value::as_str).unwrap_or_default();
        match request.method {
            "ticket" => {
                let mut details = session_details(request, self.transport);
                details.insert("ticket".into(), Value::String(reply.signature.clone()));
                let principal = match self.principal(request, details).await {
                    Ok(p) => p,
                    Err(step) => return step,
                };
                match self.identity(request, &principal) {
                    Ok(identity) => AuthStep::Welcome(identity),
                    Err(step) => *step,
                }
            }
            "wampcra" => {
                if crate::auth::wampcra::verify(
                    text("key").as_bytes(),
                    text("challenge"),
                    &reply.signature,
                ) {
                    AuthStep::Welcome(state_identity(&state))
                } else {
                    deny(uris::NOT_AUTHORIZED, "WAMP-CRA signature is invalid")
                }
            }
            "cryptosign" => {
                let binding = match state.get("channel_binding").and_then(Value::as_str) {
                    None => None,
                    Some(_) => match request.channel_binding {
                        Some(binding) => Some(binding),
                        None => {
                            return deny(
                                uris::AUTHENTICATION_FAILED,
                                "the TLS channel binding of the connection is gone",
                            );
                        }
                    },
                };
                let pubkey = text("pubkey");
                if crate::auth::cryptosign::verify_signature(
                    pubkey,
                    text("challenge"),
                    binding,
                    &reply.signature,
                ) {
                    let mut identity = state_identity(&state);
                    identity
                        .authextra
                        .insert("pubkey".into(), Value::String(pubkey.to_owned()));
                    AuthStep::Welcome(identity)
                } else {
                    deny(uris::NOT_AUTHORIZED, "cryptosign signature is invalid")
                }
            }
            "scram" => super::scram::authenticate(&state, reply),
            other => deny(
                uris::NO_AUTH_METHOD,
                format!("authentication method '{other}' cannot be dynamic"),
            ),
        }
    }
}
