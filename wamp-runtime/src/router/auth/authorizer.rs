//! Dynamic authorization: before the realm routes a CALL, REGISTER,
//! PUBLISH or SUBSCRIBE of a session whose role has an authorizer
//! procedure, the router calls it as Crossbar.io does,
//! `authorize(session, uri, action, options)`, and reads `true`/`false` or
//! `{allow, disclose, cache}` (`disclose: true` discloses the caller or
//! publisher as if it had asked with `disclose_me`). Decisions with `cache: true` are kept per
//! session (per URI and action) until it leaves. Waiting for the authorizer
//! holds no lock: only the asking session's next message waits.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use super::internal::{self, CallFailure, Connector};
use crate::protocol::id::Id;
use crate::protocol::options::ErrorDetails;
use crate::protocol::uris;
use crate::protocol::{Dict, ErrorMessage, Message, MessageType, Payload, Uri, Value};
use crate::router::config::DynamicAuthorizer;
use crate::router::identity::Identity;

/// `wamp.error.authorization_failed`: the authorizer itself failed.
pub(crate) const AUTHORIZATION_FAILED: &str = "wamp.error.authorization_failed";

/// Decisions kept per session at most; the cache starts over past it.
const CACHE_LIMIT: usize = 1024;

/// What a session's authorization needs.
struct Member {
    role: String,
    details: Dict,
    /// `(allow, disclose)` by URI and action.
    cache: HashMap<(String, &'static str), (bool, bool)>,
}

/// The authorizers of one realm, by role, and the sessions they serve.
#[derive(Default)]
pub(crate) struct Authorizers {
    realm: String,
    by_role: BTreeMap<String, DynamicAuthorizer>,
    connect: OnceLock<Connector>,
    members: Mutex<HashMap<Id, Member>>,
}

/// What one message asks to do.
struct Request {
    action: &'static str,
    uri: String,
    request_type: MessageType,
    request: Id,
    options: Dict,
    /// Whether a refusal is answered (an unacknowledged PUBLISH gets none).
    answered: bool,
}

fn request_of(msg: &Message) -> Option<Request> {
    let r = |action, uri: &Uri, request_type, request, options: Dict, answered| Request {
        action,
        uri: uri.as_str().to_owned(),
        request_type,
        request,
        options,
        answered,
    };
    Some(match msg {
        Message::Call(m) => r(
            "call",
            &m.procedure,
            MessageType::Call,
            m.request,
            m.options.to_dict(),
            true,
        ),
        Message::Register(m) => r(
            "register",
            &m.procedure,
            MessageType::Register,
            m.request,
            m.options.to_dict(),
            true,
        ),
        Message::Subscribe(m) => r(
            "subscribe",
            &m.topic,
            MessageType::Subscribe,
            m.request,
            m.options.to_dict(),
            true,
        ),
        Message::Publish(m) => r(
            "publish",
            &m.topic,
            MessageType::Publish,
            m.request,
            m.options.to_dict(),
            m.options.acknowledge == Some(true),
        ),
        _ => return None,
    })
}

/// The message with the caller's or publisher's identity disclosed when the
/// authorizer said `disclose: true` (as if it had asked with `disclose_me`).
fn disclosed(mut msg: Message, disclose: bool) -> Message {
    if disclose {
        match &mut msg {
            Message::Call(m) => m.options.disclose_me = Some(true),
            Message::Publish(m) => m.options.disclose_me = Some(true),
            _ => {}
        }
    }
    msg
}

fn refusal(req: &Request, uri: &str, message: String) -> Option<Message> {
    req.answered.then(|| {
        Message::Error(ErrorMessage {
            request_type: req.request_type,
            request: req.request,
            details: ErrorDetails::default(),
            error: Uri::from_trusted(uri),
            payload: Payload::from_values(vec![Value::String(message)], Dict::new()),
        })
    })
}

impl Authorizers {
    /// The authorizers a realm configures.
    pub(crate) fn new(realm: &str, by_role: BTreeMap<String, DynamicAuthorizer>) -> Self {
        Authorizers {
            realm: realm.to_owned(),
            by_role,
            ..Default::default()
        }
    }

    fn members(&self) -> std::sync::MutexGuard<'_, HashMap<Id, Member>> {
        self.members.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A session joined (with the router that calls the authorizers).
    pub(crate) fn joined(&self, connect: &Connector, session: Id, identity: &Identity) {
        if !self.by_role.contains_key(&identity.authrole) {
            return;
        }
        let _ = self.connect.set(connect.clone());
        let mut details = Dict::new();
        details.insert("session".into(), Value::UInt(session));
        details.insert("authid".into(), Value::String(identity.authid.clone()));
        details.insert("authrole".into(), Value::String(identity.authrole.clone()));
        details.insert(
            "authmethod".into(),
            Value::String(identity.authmethod.clone()),
        );
        details.insert(
            "authprovider".into(),
            Value::String(identity.authprovider.clone()),
        );
        details.insert("authextra".into(), Value::Dict(identity.authextra.clone()));
        self.members().insert(
            session,
            Member {
                role: identity.authrole.clone(),
                details,
                cache: HashMap::new(),
            },
        );
    }

    /// A session left: its cached decisions go.
    pub(crate) fn left(&self, session: Id) {
        if !self.by_role.is_empty() {
            self.members().remove(&session);
        }
    }

    /// The message to route, or the ERROR that refuses it (`Err(None)`: refused
    /// without an answer).
    pub(crate) async fn check(
        &self,
        session: Id,
        msg: Message,
    ) -> Result<Message, Option<Message>> {
        if self.by_role.is_empty() {
            return Ok(msg);
        }
        let Some(req) = request_of(&msg) else {
            return Ok(msg);
        };
        let (role, details, cached) = {
            let members = self.members();
            let Some(m) = members.get(&session) else {
                return Ok(msg);
            };
            let cached = m.cache.get(&(req.uri.clone(), req.action)).copied();
            (m.role.clone(), m.details.clone(), cached)
        };
        let Some(config) = self.by_role.get(&role) else {
            return Ok(msg);
        };
        let denied = |req: &Request| {
            refusal(
                req,
                uris::NOT_AUTHORIZED,
                format!(
                    "session is not authorized to {} '{}' (authorizer '{}')",
                    req.action, req.uri, config.authorizer
                ),
            )
        };
        match cached {
            Some((true, disclose)) => return Ok(disclosed(msg, disclose)),
            Some((false, _)) => return Err(denied(&req)),
            None => {}
        }
        let failed = |req: &Request, why: String| {
            tracing::warn!(authorizer = %config.authorizer, uri = %req.uri, action = req.action, %why, "dynamic authorizer failed");
            refusal(
                req,
                AUTHORIZATION_FAILED,
                format!(
                    "authorizer '{}' failed for {} '{}': {why}",
                    config.authorizer, req.action, req.uri
                ),
            )
        };
        let Some(connect) = self.connect.get() else {
            return Err(failed(&req, "the router cannot call it".into()));
        };
        let realm = config
            .authorizer_realm
            .clone()
            .unwrap_or_else(|| self.realm.clone());
        let args = vec![
            Value::Dict(details),
            Value::String(req.uri.clone()),
            Value::String(req.action.into()),
            Value::Dict(req.options.clone()),
        ];
        let timeout = Duration::from_millis(config.timeout_ms.max(1));
        let output = match internal::call(connect, &realm, &config.authorizer, args, timeout).await
        {
            Ok(output) => output,
            Err(CallFailure::Timeout) => {
                return Err(failed(
                    &req,
                    format!("no answer within its timeout of {} ms", timeout.as_millis()),
                ));
            }
            Err(CallFailure::Error { uri, message }) => {
                let why = match message {
                    Some(m) => format!("{uri}: {m}"),
                    None => uri,
                };
                return Err(failed(&req, why));
            }
            Err(CallFailure::Session(why)) => return Err(failed(&req, why)),
        };
        let (allow, disclose, cache) = match output.args.first() {
            Some(Value::Bool(allow)) => (*allow, false, false),
            Some(Value::Dict(d)) => (
                d.get("allow").and_then(Value::as_bool).unwrap_or(false),
                d.get("disclose").and_then(Value::as_bool).unwrap_or(false),
                d.get("cache").and_then(Value::as_bool).unwrap_or(false),
            ),
            other => {
                return Err(failed(
                    &req,
                    format!(
                        "returned {}; expected a boolean or a dict {{allow, disclose, cache}}",
                        other.map_or("nothing", Value::type_name)
                    ),
                ));
            }
        };
        if cache {
            let mut members = self.members();
            if let Some(m) = members.get_mut(&session) {
                if m.cache.len() >= CACHE_LIMIT {
                    m.cache.clear();
                }
                m.cache
                    .insert((req.uri.clone(), req.action), (allow, disclose));
            }
        }
        if allow {
            Ok(disclosed(msg, disclose))
        } else {
            Err(denied(&req))
        }
    }
}
