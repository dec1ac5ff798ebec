//! The router's side of WAMP-SCRAM (authmethod `scram`, Crossbar.io's
//! dialect): the challenge from a principal's stored credential, static
//! (config) or dynamic (authenticator), and the check of the client proof.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::step::{AuthRequest, AuthStep, deny, identity_state, state_identity};
use crate::auth::scram::{self, Kdf, ScramCredential};
use crate::protocol::options::ChallengeExtra;
use crate::protocol::uris;
use crate::protocol::{Authenticate, Dict, Value};
use crate::router::config::ScramPrincipal;
use crate::router::identity::Identity;

/// The client nonce of a SCRAM HELLO (Base64 text, as sent) and its bytes.
pub(crate) fn client_nonce(request: &AuthRequest<'_>) -> Result<(String, Vec<u8>), Box<AuthStep>> {
    let Some(nonce) = request
        .details
        .authextra
        .as_ref()
        .and_then(|e| e.get("nonce"))
        .and_then(Value::as_str)
    else {
        return Err(Box::new(deny(
            uris::AUTHENTICATION_FAILED,
            "SCRAM: the client must send a nonce in HELLO.Details.authextra.nonce",
        )));
    };
    match STANDARD.decode(nonce) {
        Ok(bytes) if (8..=64).contains(&bytes.len()) => Ok((nonce.to_owned(), bytes)),
        _ => Err(Box::new(deny(
            uris::AUTHENTICATION_FAILED,
            "SCRAM: the client nonce must be Base64 of 8 to 64 bytes",
        ))),
    }
}

/// The credential a principal dict (dynamic authenticator, Crossbar's
/// shape: hex `salt`, `stored-key`, `server-key`) carries.
fn credential_of(principal: &Dict) -> Result<ScramCredential, String> {
    let text = |key: &str| {
        principal
            .get(key)
            .and_then(Value::as_str)
            .ok_or_else(|| format!("no '{key}'"))
    };
    let hex_of = |key: &str| hex::decode(text(key)?).map_err(|_| format!("'{key}' is not hex"));
    let iterations = principal
        .get("iterations")
        .and_then(Value::as_u64)
        .ok_or("no 'iterations'")?;
    let memory = principal.get("memory").and_then(Value::as_u64);
    let kdf = Kdf::parse(text("kdf")?, iterations, memory).map_err(|e| e.0)?;
    Ok(ScramCredential {
        kdf,
        salt: hex_of("salt")?,
        stored_key: hex_of("stored-key")?,
        server_key: hex_of("server-key")?,
    })
}

/// The CHALLENGE for a principal's credential.
fn challenge(
    request: &AuthRequest<'_>,
    credential: ScramCredential,
    identity: Identity,
) -> AuthStep {
    let (nonce_text, nonce) = match client_nonce(request) {
        Ok(n) => n,
        Err(step) => return *step,
    };
    let Some(authid) = request.details.authid.as_deref() else {
        return deny(
            uris::NO_SUCH_PRINCIPAL,
            "SCRAM authentication needs an authid",
        );
    };
    let mut server_nonce = nonce;
    server_nonce.extend_from_slice(&rand::random::<[u8; 16]>());
    let server_nonce = STANDARD.encode(server_nonce);
    let salt = credential.salt_base64();
    let message = scram::auth_message(
        authid,
        &nonce_text,
        &server_nonce,
        &salt,
        credential.kdf.iterations(),
        "",
    );
    let extra = ChallengeExtra {
        nonce: Some(server_nonce),
        salt: Some(salt),
        kdf: Some(credential.kdf.name().into()),
        iterations: Some(u64::from(credential.kdf.iterations())),
        memory: credential.kdf.memory().map(u64::from),
        ..Default::default()
    };
    let mut state = identity_state(identity);
    state.insert("auth_message".into(), Value::String(message));
    state.insert("stored_key".into(), Value::Bytes(credential.stored_key));
    state.insert("server_key".into(), Value::Bytes(credential.server_key));
    AuthStep::Challenge {
        method: scram::METHOD.into(),
        extra,
        state,
    }
}

/// First step with a configured principal.
pub(crate) fn static_hello(principals: &[ScramPrincipal], request: &AuthRequest<'_>) -> AuthStep {
    let Some(authid) = request.details.authid.as_deref() else {
        return deny(
            uris::NO_SUCH_PRINCIPAL,
            "SCRAM authentication needs an authid",
        );
    };
    let Some(p) = principals.iter().find(|p| p.authid == authid) else {
        return deny(
            uris::NO_SUCH_PRINCIPAL,
            format!("no principal with authid '{authid}'"),
        );
    };
    let credential = match p.credential() {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(authid, error = %e, "SCRAM principal is misconfigured; refused");
            return deny(
                uris::AUTHENTICATION_FAILED,
                "SCRAM principal is misconfigured",
            );
        }
    };
    let identity = Identity {
        authid: p.authid.clone(),
        authrole: p.role.clone(),
        authmethod: scram::METHOD.into(),
        authprovider: "static".into(),
        authextra: Dict::new(),
    };
    challenge(request, credential, identity)
}

/// The challenge for the principal a dynamic authenticator returned.
pub(crate) fn dynamic_challenge(
    request: &AuthRequest<'_>,
    principal: &Dict,
    identity: Identity,
) -> AuthStep {
    match credential_of(principal) {
        Ok(credential) => challenge(request, credential, identity),
        Err(e) => deny(
            uris::AUTHENTICATION_FAILED,
            format!("the dynamic authenticator returned an unusable SCRAM principal: {e}"),
        ),
    }
}

/// Second step: checks the client proof; WELCOME carries the server's
/// signature.
pub(crate) fn authenticate(state: &Dict, reply: &Authenticate) -> AuthStep {
    let bytes = |key: &str| match state.get(key) {
        Some(Value::Bytes(b)) => b.clone(),
        _ => Vec::new(),
    };
    let message = state
        .get("auth_message")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if !scram::verify_client_proof(&bytes("stored_key"), message, &reply.signature) {
        return deny(
            uris::AUTHENTICATION_FAILED,
            "SCRAM client proof is invalid (wrong password?)",
        );
    }
    let mut identity = state_identity(state);
    identity.authextra.insert(
        "scram_server_signature".into(),
        Value::String(scram::server_signature(&bytes("server_key"), message)),
    );
    AuthStep::Welcome(identity)
}
