//! Authentication of joining clients: the static methods of a realm's
//! configuration, dynamic authenticators (WAMP procedures, `dynamic`),
//! WAMP-SCRAM (`scram`), and a trait for user-supplied auth_providers.

pub(crate) mod authorizer;
pub(crate) mod dynamic;
pub(crate) mod internal;
pub(crate) mod scram;
pub(crate) mod step;

pub use step::{AuthRequest, AuthStep};
use step::{client_certificate, cryptosign_binding, deny, identity};

use std::future::Future;
use std::pin::Pin;

use super::config::RealmConfig;
use crate::auth::cryptosign::TLS_EXPORTER;
use crate::protocol::options::ChallengeExtra;
use crate::protocol::uris;
use crate::protocol::{Authenticate, Dict, Value};
use crate::router::clock::now_iso8601;
use crate::router::secrets::{secrets_equal, verify_ticket_hash};
use rand::Rng;

/// A boxed future returned by [`AuthProvider`] methods.
pub type AuthFuture<'a> = Pin<Box<dyn Future<Output = AuthStep> + Send + 'a>>;

/// A user-supplied authenticator, for methods or principals the static
/// configuration does not cover (a database of users, an external service...).
pub trait AuthProvider: Send + Sync + 'static {
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

/// A fresh authid for an anonymous session, unguessable, in Crossbar's
/// style: six groups of four uppercase letters and digits
/// (`7QFX-K2MA-9RWE-UCN4-LJ3P-H8TD`, about 124 bits).
pub(crate) fn anonymous_authid() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut rng = rand::rng();
    let mut authid = String::with_capacity(29);
    for group in 0..6 {
        if group > 0 {
            authid.push('-');
        }
        for _ in 0..4 {
            authid.push(char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]));
        }
    }
    authid
}

/// Whether the realm's static configuration handles a method.
pub(crate) fn static_handles(config: &RealmConfig, method: &str) -> bool {
    let auth = &config.auth;
    match method {
        "anonymous" => auth.anonymous.is_some() || auth.is_empty(),
        "ticket" => !auth.ticket.is_empty(),
        "wampcra" => !auth.wampcra.is_empty(),
        "cryptosign" => !auth.cryptosign.is_empty(),
        "scram" => !auth.scram.is_empty(),
        "tls" => !auth.tls.is_empty(),
        _ => false,
    }
}

/// First step of a static method.
pub(crate) fn static_hello(config: &RealmConfig, request: &AuthRequest<'_>) -> AuthStep {
    let auth = &config.auth;
    match request.method {
        "anonymous" => {
            // HELLO's authid and authrole are claims, never trusted without
            // authentication: the router names anonymous sessions itself.
            let role = auth
                .anonymous
                .as_ref()
                .map_or("anonymous", |a| a.role.as_str());
            AuthStep::Welcome(identity(&anonymous_authid(), role, "anonymous"))
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
        "wampcra" => {
            let Some(authid) = &request.details.authid else {
                return deny(
                    uris::NO_SUCH_PRINCIPAL,
                    "WAMP-CRA authentication needs an authid",
                );
            };
            let Some(principal) = auth.wampcra.iter().find(|p| &p.authid == authid) else {
                return deny(
                    uris::NO_SUCH_PRINCIPAL,
                    format!("no principal with authid '{authid}'"),
                );
            };
            let challenge = serde_json::json!({
                "authid": authid,
                "authrole": principal.role,
                "authmethod": "wampcra",
                "authprovider": "static",
                "nonce": hex::encode(rand::random::<[u8; 16]>()),
                "timestamp": now_iso8601(),
                "session": request.session,
            })
            .to_string();
            let mut extra = ChallengeExtra {
                challenge: Some(challenge.clone()),
                ..Default::default()
            };
            if let Some(salt) = &principal.salt {
                extra.salt = Some(salt.clone());
                extra.iterations = Some(u64::from(principal.iterations));
                extra.keylen = Some(principal.keylen as u64);
            }
            let mut state = Dict::new();
            state.insert("challenge".into(), Value::String(challenge));
            AuthStep::Challenge {
                method: "wampcra".into(),
                extra,
                state,
            }
        }
        "cryptosign" => {
            let pubkey = request
                .details
                .authextra
                .as_ref()
                .and_then(|e| e.get("pubkey"))
                .and_then(Value::as_str)
                .map(str::to_ascii_lowercase);
            let Some(pubkey) = pubkey else {
                return deny(
                    uris::AUTHENTICATION_FAILED,
                    "cryptosign authentication needs authextra.pubkey",
                );
            };
            let principal = auth.cryptosign.iter().find(|p| {
                p.authorized_keys
                    .iter()
                    .any(|k| k.eq_ignore_ascii_case(&pubkey))
                    && request
                        .details
                        .authid
                        .as_ref()
                        .is_none_or(|a| a == &p.authid)
            });
            let Some(principal) = principal else {
                return deny(
                    uris::NO_SUCH_PRINCIPAL,
                    format!("no principal with public key {pubkey}"),
                );
            };
            let bound = match cryptosign_binding(request) {
                Ok(bound) => bound,
                Err(message) => return deny(uris::AUTHENTICATION_FAILED, message),
            };
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
            let mut state = Dict::new();
            state.insert("challenge".into(), Value::String(challenge));
            state.insert("channel_binding".into(), binding);
            state.insert("pubkey".into(), Value::String(pubkey));
            state.insert("authid".into(), Value::String(principal.authid.clone()));
            AuthStep::Challenge {
                method: "cryptosign".into(),
                extra,
                state,
            }
        }
        "scram" => scram::static_hello(&auth.scram, request),
        "tls" => {
            let fingerprint = match client_certificate(request) {
                Ok(f) => f,
                Err(step) => return *step,
            };
            match auth.tls.iter().find(|p| p.matches(&fingerprint)) {
                Some(p) => {
                    let mut id = identity(&p.authid, &p.role, "tls");
                    id.authextra
                        .insert("fingerprint".into(), Value::String(fingerprint));
                    AuthStep::Welcome(id)
                }
                None => deny(
                    uris::NO_SUCH_PRINCIPAL,
                    format!(
                        "no principal with the client certificate of SHA-256 fingerprint {fingerprint}"
                    ),
                ),
            }
        }
        other => deny(
            uris::NO_AUTH_METHOD,
            format!("authentication method '{other}' is not configured"),
        ),
    }
}

/// Second step of a static method. A ticket checked against a salted hash
/// is checked on a blocking thread (PBKDF2 is slow by design), not on the
/// connection's task.
pub(crate) async fn static_authenticate(
    config: &RealmConfig,
    request: &AuthRequest<'_>,
    state: Dict,
    reply: &Authenticate,
) -> AuthStep {
    let auth = &config.auth;
    let authid = request.details.authid.as_deref().unwrap_or_default();
    match request.method {
        "ticket" => {
            let Some(p) = auth.ticket.iter().find(|p| p.authid == authid) else {
                return deny(uris::NOT_AUTHORIZED, "invalid ticket");
            };
            let presented = reply.signature.as_str();
            let valid = match (&p.ticket, &p.ticket_hash) {
                (Some(ticket), None) => secrets_equal(ticket, presented),
                (None, Some(hash)) => {
                    let (presented, hash) = (presented.to_owned(), hash.clone());
                    tokio::task::spawn_blocking(move || verify_ticket_hash(&presented, &hash))
                        .await
                        .unwrap_or(false)
                }
                _ => {
                    tracing::error!(
                        authid,
                        "ticket principal needs exactly one of ticket and ticket_hash; refused"
                    );
                    false
                }
            };
            if valid {
                // The principal that was verified, not what HELLO claimed.
                AuthStep::Welcome(identity(&p.authid, &p.role, "ticket"))
            } else {
                deny(uris::NOT_AUTHORIZED, "invalid ticket")
            }
        }
        "wampcra" => {
            let challenge = state
                .get("challenge")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let Some(p) = auth.wampcra.iter().find(|p| p.authid == authid) else {
                return deny(
                    uris::NO_SUCH_PRINCIPAL,
                    format!("no principal with authid '{authid}'"),
                );
            };
            let key = match &p.salt {
                Some(salt) => {
                    crate::auth::wampcra::derive_key(&p.secret, salt, p.iterations, p.keylen)
                        .into_bytes()
                }
                None => p.secret.clone().into_bytes(),
            };
            // `verify` compares the HMAC in constant time.
            if crate::auth::wampcra::verify(&key, challenge, &reply.signature) {
                AuthStep::Welcome(identity(&p.authid, &p.role, "wampcra"))
            } else {
                deny(uris::NOT_AUTHORIZED, "WAMP-CRA signature is invalid")
            }
        }
        "cryptosign" => {
            let challenge = state
                .get("challenge")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let pubkey = state
                .get("pubkey")
                .and_then(Value::as_str)
                .unwrap_or_default();
            // The principal chosen on HELLO (its authid and this key).
            let principal_authid = state
                .get("authid")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let Some(p) = auth.cryptosign.iter().find(|p| {
                p.authid == principal_authid
                    && p.authorized_keys
                        .iter()
                        .any(|k| k.eq_ignore_ascii_case(pubkey))
            }) else {
                return deny(
                    uris::NO_SUCH_PRINCIPAL,
                    format!("no principal with public key {pubkey}"),
                );
            };
            // Bound on HELLO to this transport's TLS channel, or not at all.
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
            if crate::auth::cryptosign::verify_signature(
                pubkey,
                challenge,
                binding,
                &reply.signature,
            ) {
                let mut id = identity(&p.authid, &p.role, "cryptosign");
                id.authextra
                    .insert("pubkey".into(), Value::String(pubkey.to_owned()));
                AuthStep::Welcome(id)
            } else {
                deny(uris::NOT_AUTHORIZED, "cryptosign signature is invalid")
            }
        }
        "scram" => scram::authenticate(&state, reply),
        other => deny(
            uris::NO_AUTH_METHOD,
            format!("authentication method '{other}' is not configured"),
        ),
    }
}
