//! Joining a realm: HELLO with our roles and features, CHALLENGE rounds, WELCOME.

use futures_util::{SinkExt as _, StreamExt as _};

use super::details::{Extensions, SessionDetails};
use super::error::Error;
use super::session::SessionLimits;
use super::state::{ClientCore, Incoming, PendingRequest};
use crate::auth::{Anonymous, Authenticator};
use crate::protocol::options::HelloDetails;
use crate::protocol::roles::{Role, RoleDetails, Roles, feature};
use crate::protocol::uris;
use crate::protocol::{Abort, Authenticate, Dict, Hello, Message, Uri, Welcome};
use crate::serializer::SerializerKind;
use crate::transport::{FrameSink, FrameStream, TransportDetails};
use std::sync::Arc;

/// What a session needs to join: the realm, the authentication methods to
/// offer (in order) and the shared state its handlers can read.
#[derive(Clone)]
pub struct JoinConfig {
    /// The realm to join.
    pub realm: String,
    /// Authentication methods, in order of preference (empty: anonymous).
    pub authenticators: Vec<Arc<dyn Authenticator>>,
    /// Shared state for handlers.
    pub extensions: Extensions,
    /// `HELLO.Details.agent`.
    pub agent: Option<String>,
    /// Time allowed for the whole opening handshake (default 10 s).
    pub timeout: std::time::Duration,
    /// Bounds on the session's client-side queues (see [`SessionLimits`]).
    pub limits: SessionLimits,
}

impl std::fmt::Debug for JoinConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JoinConfig")
            .field("realm", &self.realm)
            .field(
                "authmethods",
                &self
                    .authenticators
                    .iter()
                    .map(|a| a.method().to_owned())
                    .collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

impl Default for JoinConfig {
    fn default() -> Self {
        JoinConfig {
            realm: String::new(),
            authenticators: Vec::new(),
            extensions: Extensions::default(),
            agent: None,
            timeout: std::time::Duration::from_secs(10),
            limits: SessionLimits::default(),
        }
    }
}

impl JoinConfig {
    /// Joins `realm` anonymously.
    pub fn new(realm: impl Into<String>) -> Self {
        JoinConfig {
            realm: realm.into(),
            ..Self::default()
        }
    }

    /// Adds an authentication method.
    pub fn auth(mut self, authenticator: impl Authenticator + 'static) -> Self {
        self.authenticators.push(Arc::new(authenticator));
        self
    }

    /// Sets the bounds on the session's client-side queues.
    pub fn with_limits(mut self, limits: SessionLimits) -> Self {
        self.limits = limits;
        self
    }

    /// Adds shared state.
    pub fn with_state<T: Send + Sync + 'static>(mut self, value: T) -> Self {
        self.extensions.insert(value);
        self
    }
}

/// The roles and features this client implements, announced in HELLO.
pub fn client_roles() -> Roles {
    Roles::default()
        .with(
            Role::Caller,
            RoleDetails::with_features([
                feature::CALLER_IDENTIFICATION,
                feature::PROGRESSIVE_CALL_RESULTS,
                feature::CALL_CANCELING,
                feature::CALL_TIMEOUT,
                feature::PROGRESSIVE_CALL_INVOCATIONS,
                feature::PAYLOAD_TRANSPARENCY,
                feature::PAYLOAD_ENCRYPTION_CRYPTOBOX,
            ]),
        )
        .with(
            Role::Callee,
            RoleDetails::with_features([
                feature::CALLER_IDENTIFICATION,
                feature::PATTERN_BASED_REGISTRATION,
                feature::SHARED_REGISTRATION,
                feature::PROGRESSIVE_CALL_RESULTS,
                feature::REGISTRATION_REVOCATION,
                feature::CALL_CANCELING,
                feature::CALL_TIMEOUT,
                feature::CALL_REROUTE,
                feature::PROGRESSIVE_CALL_INVOCATIONS,
                feature::PAYLOAD_TRANSPARENCY,
                feature::PAYLOAD_ENCRYPTION_CRYPTOBOX,
            ]),
        )
        .with(
            Role::Publisher,
            RoleDetails::with_features([
                feature::PUBLISHER_IDENTIFICATION,
                feature::SUBSCRIBER_BLACKWHITE_LISTING,
                feature::PUBLISHER_EXCLUSION,
                feature::X_ACKNOWLEDGED_EVENT_DELIVERY,
                feature::PAYLOAD_TRANSPARENCY,
                feature::PAYLOAD_ENCRYPTION_CRYPTOBOX,
            ]),
        )
        .with(
            Role::Subscriber,
            RoleDetails::with_features([
                feature::PUBLISHER_IDENTIFICATION,
                feature::PATTERN_BASED_SUBSCRIPTION,
                feature::SUBSCRIPTION_REVOCATION,
                feature::X_ACKNOWLEDGED_EVENT_DELIVERY,
                feature::PAYLOAD_TRANSPARENCY,
                feature::PAYLOAD_ENCRYPTION_CRYPTOBOX,
            ]),
        )
}

fn hello(config: &JoinConfig) -> Result<Hello, Error> {
    let realm = Uri::new(config.realm.clone())?;
    let anonymous: [Arc<dyn Authenticator>; 1] = [Arc::new(Anonymous::default())];
    let auths: &[Arc<dyn Authenticator>] = if config.authenticators.is_empty() {
        &anonymous
    } else {
        &config.authenticators
    };
    let mut authextra = Dict::new();
    for a in auths {
        authextra.extend(a.authextra());
    }
    let details = HelloDetails {
        roles: Some(client_roles()),
        agent: config
            .agent
            .clone()
            .or_else(|| Some(concat!("wamp-rs/", env!("CARGO_PKG_VERSION")).into())),
        authmethods: Some(auths.iter().map(|a| a.method().to_owned()).collect()),
        authid: auths.iter().find_map(|a| a.authid().map(str::to_owned)),
        authrole: auths.iter().find_map(|a| a.authrole().map(str::to_owned)),
        authextra: (!authextra.is_empty()).then_some(authextra),
        ..HelloDetails::default()
    };
    Ok(Hello { realm, details })
}

fn abort_error(a: Abort) -> Error {
    match a.details.message {
        Some(m) => Error::message(a.reason.as_str(), m),
        None => Error::with_payload(a.reason.as_str(), a.payload),
    }
}

/// Runs the opening handshake on the raw transport halves.
pub(crate) async fn handshake<P: PendingRequest>(
    proto: &mut ClientCore<P>,
    sink: &mut FrameSink,
    stream: &mut FrameStream,
    serializer: SerializerKind,
    channel_binding: Option<&[u8]>,
    config: &JoinConfig,
) -> Result<Welcome, Error> {
    let encode = |m: &Message| serializer.encode(m).map_err(Error::from);
    let hello = proto.hello(hello(config)?)?;
    sink.send(encode(&Message::Hello(hello))?).await?;
    loop {
        let frame = match stream.next().await {
            Some(frame) => frame?,
            None => return Err(Error::transport_lost()),
        };
        let message = serializer.decode(frame)?;
        match proto.handle(message) {
            Ok(Incoming::Welcome(w)) => return Ok(w),
            Ok(Incoming::Abort(a)) => return Err(abort_error(a)),
            Ok(Incoming::Challenge(c)) => {
                let answer: Result<Authenticate, Error> = config
                    .authenticators
                    .iter()
                    .find(|a| a.method() == c.authmethod)
                    .ok_or_else(|| {
                        Error::message(
                            uris::AUTHENTICATION_FAILED,
                            format!("challenged for unoffered method {}", c.authmethod),
                        )
                    })
                    .and_then(|a| Ok(a.on_challenge_bound(&c, channel_binding)?));
                match answer {
                    Ok(auth) => {
                        proto.authenticated();
                        sink.send(encode(&Message::Authenticate(auth))?).await?;
                    }
                    Err(e) => {
                        let abort =
                            Abort::new(Uri::from_trusted(uris::CANNOT_AUTHENTICATE), e.to_string());
                        let _ = sink.send(encode(&Message::Abort(abort))?).await;
                        let _ = sink.close().await;
                        return Err(e);
                    }
                }
            }
            Ok(other) => {
                return Err(Error::message(
                    uris::PROTOCOL_VIOLATION,
                    format!("unexpected message while joining: {}", other.kind()),
                ));
            }
            Err(v) => {
                let abort = Abort::new(Uri::from_trusted(uris::PROTOCOL_VIOLATION), v.0.clone());
                let _ = sink.send(encode(&Message::Abort(abort))?).await;
                let _ = sink.close().await;
                return Err(v.into());
            }
        }
    }
}

pub(crate) fn session_details(
    config: &JoinConfig,
    welcome: Welcome,
    serializer: SerializerKind,
    transport: TransportDetails,
) -> SessionDetails {
    let d = welcome.details;
    SessionDetails {
        realm: d.realm.unwrap_or_else(|| config.realm.clone()),
        session: welcome.session,
        authid: d.authid,
        authrole: d.authrole,
        authmethod: d.authmethod,
        authprovider: d.authprovider,
        authextra: d.authextra.unwrap_or_default(),
        router_roles: d.roles.unwrap_or_default(),
        serializer,
        transport,
    }
}
