//! The router's own sessions, for calling dynamic authenticator (and
//! authorizer) procedures: an in-memory connection to the router that joins
//! the procedure's realm as `trusted` with a per-process secret, makes one
//! call and leaves. Each runs on the task of the client being authenticated:
//! nothing is locked while it waits, and other sessions are served meanwhile.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};

use crate::protocol::id::Id;
use crate::protocol::options::{HelloDetails, WireCallOptions};
use crate::protocol::roles::{Role, RoleDetails, Roles};
use crate::protocol::uris;
use crate::protocol::*;
use crate::router::secrets::secrets_equal;
use crate::serializer::SerializerKind;
use crate::transport::{Transport, TransportKind, memory};

/// The authmethod of the router's own sessions (accepted on in-memory
/// transports with the process's secret only).
pub(crate) const INTERNAL_METHOD: &str = "x-router-internal";

pub(crate) use crate::router::config::TRUSTED_ROLE;

/// Serves the router's end of an in-memory transport (made by the
/// connection layer, which owns serving; it holds the router weakly).
pub(crate) type Connector = Arc<dyn Fn(Transport) + Send + Sync>;

/// The per-process secret the router's own sessions present.
fn token() -> &'static str {
    static TOKEN: OnceLock<String> = OnceLock::new();
    TOKEN.get_or_init(|| hex::encode(rand::random::<[u8; 32]>()))
}

/// Whether a HELLO is one of the router's own sessions: the internal method
/// with the process's secret, over an in-memory transport.
pub(crate) fn is_internal(kind: TransportKind, details: &HelloDetails) -> bool {
    kind == TransportKind::Memory
        && details
            .authmethods
            .as_ref()
            .is_some_and(|m| m.len() == 1 && m[0] == INTERNAL_METHOD)
        && details
            .authextra
            .as_ref()
            .and_then(|e| e.get("token"))
            .and_then(Value::as_str)
            .is_some_and(|t| secrets_equal(t, token()))
}

/// Why a call of the router's own session failed.
#[derive(Debug)]
pub(crate) enum CallFailure {
    /// The procedure answered with ERROR: its URI and first argument (or
    /// `message` keyword).
    Error {
        /// The error URI.
        uri: String,
        /// Its message, if any.
        message: Option<String>,
    },
    /// No answer within the timeout.
    Timeout,
    /// The internal session could not be set up (or was dropped).
    Session(String),
}

/// The answer of a procedure: its positional and keyword arguments.
pub(crate) struct CallOutput {
    /// Positional arguments.
    pub(crate) args: Vec<Value>,
    /// Keyword arguments.
    pub(crate) kwargs: Dict,
}

/// Calls `procedure` on `realm` as the router (role `trusted`), waiting at
/// most `timeout` for the whole exchange.
pub(crate) async fn call(
    connect: &Connector,
    realm: &str,
    procedure: &str,
    args: Vec<Value>,
    timeout: Duration,
) -> Result<CallOutput, CallFailure> {
    let (client, server) = memory::pair(SerializerKind::Json, 16);
    connect(server);
    match tokio::time::timeout(timeout, exchange(client, realm, procedure, args)).await {
        Ok(outcome) => outcome,
        // Dropping the client end closes the internal session, which
        // cancels its call at the router.
        Err(_) => Err(CallFailure::Timeout),
    }
}

async fn exchange(
    transport: Transport,
    realm: &str,
    procedure: &str,
    args: Vec<Value>,
) -> Result<CallOutput, CallFailure> {
    let Transport {
        mut sink,
        mut stream,
        serializer,
        ..
    } = transport;
    let failed = |what: &str| CallFailure::Session(what.to_owned());
    let realm_uri = Uri::new(realm).map_err(|e| failed(&format!("realm '{realm}': {e}")))?;
    let procedure_uri =
        Uri::new(procedure).map_err(|e| failed(&format!("procedure '{procedure}': {e}")))?;
    let mut authextra = Dict::new();
    authextra.insert("token".into(), Value::String(token().to_owned()));
    let hello = Message::Hello(Hello {
        realm: realm_uri,
        details: HelloDetails {
            roles: Some(Roles::default().with(Role::Caller, RoleDetails::default())),
            agent: Some("wamp-rs router (internal)".into()),
            authmethods: Some(vec![INTERNAL_METHOD.into()]),
            authextra: Some(authextra),
            ..Default::default()
        },
    });
    let send = |message: &Message| {
        serializer
            .encode(message)
            .map_err(|e| CallFailure::Session(format!("cannot encode {message:?}: {e}")))
    };
    sink.send(send(&hello)?)
        .await
        .map_err(|e| failed(&e.to_string()))?;
    let mut next = async || -> Result<Message, CallFailure> {
        match stream.next().await {
            Some(Ok(frame)) => serializer
                .decode(frame)
                .map_err(|e| CallFailure::Session(e.to_string())),
            _ => Err(CallFailure::Session("the router closed the session".into())),
        }
    };
    match next().await? {
        Message::Welcome(_) => {}
        Message::Abort(a) => {
            return Err(CallFailure::Session(format!(
                "realm '{realm}' refused the router's session: {} {}",
                a.reason,
                a.details.message.unwrap_or_default()
            )));
        }
        other => {
            return Err(CallFailure::Session(format!(
                "expected WELCOME, got {}",
                other.message_type().name()
            )));
        }
    }
    let request: Id = 1;
    let call = Message::Call(Call {
        request,
        options: WireCallOptions::default(),
        procedure: procedure_uri,
        payload: Payload::from_values(args, Dict::new()),
    });
    sink.send(send(&call)?)
        .await
        .map_err(|e| failed(&e.to_string()))?;
    let outcome = loop {
        match next().await? {
            Message::Result(r) if r.request == request => {
                let args = r.payload.args_values().unwrap_or_default();
                let kwargs = r.payload.kwargs_values().unwrap_or_default();
                break Ok(CallOutput { args, kwargs });
            }
            Message::Error(e) if e.request == request => {
                let mut message = e
                    .payload
                    .args_values()
                    .ok()
                    .and_then(|a| a.into_iter().next())
                    .map(|v| match v {
                        Value::String(s) => s,
                        other => format!("{other:?}"),
                    });
                if message.is_none() {
                    message =
                        e.payload.kwargs_values().ok().and_then(|k| {
                            k.get("message").and_then(Value::as_str).map(str::to_owned)
                        });
                }
                break Err(CallFailure::Error {
                    uri: e.error.to_string(),
                    message,
                });
            }
            Message::Goodbye(_) | Message::Abort(_) => {
                break Err(CallFailure::Session("the router closed the session".into()));
            }
            _ => {}
        }
    };
    let goodbye = Message::Goodbye(Goodbye::new(Uri::from_trusted(uris::CLOSE_NORMAL)));
    if let Ok(frame) = send(&goodbye) {
        let _ = sink.send(frame).await;
    }
    outcome
}
