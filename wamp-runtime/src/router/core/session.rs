//! The core's view of one joined session: identity, serializer, transport
//! facts for the meta API, the features it announced, and its counter of
//! router-to-client request IDs.

use std::net::SocketAddr;

use crate::protocol::id::{Id, MAX_ID};
use crate::protocol::roles::{Role, Roles, feature};
use crate::protocol::{Dict, Value};
use crate::router::core::hash::HashMap;
use crate::serializer::SerializerKind;
use crate::transport::TransportKind;

use crate::router::identity::Identity;

use super::testament::Testaments;

/// The features of a client the router acts on, read once at join.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Features {
    /// The callee handles INTERRUPT.
    pub(crate) call_canceling: bool,
    /// The callee sends progressive YIELDs.
    pub(crate) progressive_call_results: bool,
    /// The callee takes a call's input in chunks (progressive call invocations).
    pub(crate) progressive_call_invocations: bool,
    /// The callee is told when the router removes its registration.
    pub(crate) registration_revocation: bool,
    /// The subscriber is told when the router removes its subscription.
    pub(crate) subscription_revocation: bool,
    /// The publisher takes EVENT_RECEIVED for acknowledged publications.
    pub(crate) acknowledged_event_delivery: bool,
}

impl Features {
    /// The features announced in HELLO's roles.
    pub(crate) fn of(roles: &Roles) -> Self {
        Features {
            call_canceling: roles.has_feature(Role::Callee, feature::CALL_CANCELING),
            progressive_call_results: roles
                .has_feature(Role::Callee, feature::PROGRESSIVE_CALL_RESULTS),
            progressive_call_invocations: roles
                .has_feature(Role::Callee, feature::PROGRESSIVE_CALL_INVOCATIONS),
            registration_revocation: roles
                .has_feature(Role::Callee, feature::REGISTRATION_REVOCATION),
            subscription_revocation: roles
                .has_feature(Role::Subscriber, feature::SUBSCRIPTION_REVOCATION),
            acknowledged_event_delivery: roles
                .has_feature(Role::Publisher, feature::X_ACKNOWLEDGED_EVENT_DELIVERY),
        }
    }
}

/// A session joining a realm, as the shell hands it to the core.
#[derive(Debug, Clone)]
pub(crate) struct Joining {
    /// Who the session is.
    pub(crate) identity: Identity,
    /// Serializer of its transport.
    pub(crate) serializer: SerializerKind,
    /// Roles and features from HELLO.
    pub(crate) roles: Roles,
    /// Transport kind.
    pub(crate) transport: TransportKind,
    /// Remote address, when on a socket.
    pub(crate) peer: Option<SocketAddr>,
}

/// One joined session.
#[derive(Debug)]
pub(crate) struct Member {
    /// Session ID.
    pub(crate) id: Id,
    /// Who it is.
    pub(crate) identity: Identity,
    /// Serializer of its transport.
    pub(crate) serializer: SerializerKind,
    /// What it can handle.
    pub(crate) features: Features,
    /// What the router publishes on the session's behalf when it leaves.
    pub(crate) testaments: Testaments,
    transport: TransportKind,
    peer: Option<SocketAddr>,
    next_request: Id,
}

impl Member {
    /// The next router-to-client request ID (INVOCATION), 1, 2, … wrapping after 2^53.
    pub(crate) fn next_request_id(&mut self) -> Id {
        self.next_request = self.next_request % MAX_ID + 1;
        self.next_request
    }

    /// The kind of transport the session came on.
    pub(crate) fn transport(&self) -> TransportKind {
        self.transport
    }

    /// The session as the meta API describes it.
    pub(crate) fn describe(&self) -> Value {
        let mut d = Dict::new();
        d.insert("session".into(), Value::UInt(self.id));
        d.insert("authid".into(), Value::String(self.identity.authid.clone()));
        d.insert(
            "authrole".into(),
            Value::String(self.identity.authrole.clone()),
        );
        d.insert(
            "authmethod".into(),
            Value::String(self.identity.authmethod.clone()),
        );
        d.insert(
            "authprovider".into(),
            Value::String(self.identity.authprovider.clone()),
        );
        let mut transport = Dict::new();
        let kind = match self.transport {
            TransportKind::WebSocket
            | TransportKind::SecureWebSocket
            | TransportKind::UnixWebSocket => "websocket",
            TransportKind::RawSocket
            | TransportKind::SecureRawSocket
            | TransportKind::UnixRawSocket => "rawsocket",
            TransportKind::Memory => "memory",
        };
        transport.insert("type".into(), Value::String(kind.into()));
        transport.insert(
            "serializer".into(),
            Value::String(self.serializer.name().into()),
        );
        transport.insert("tls".into(), Value::Bool(self.transport.is_tls()));
        if self.transport.is_unix() {
            transport.insert("peer".into(), Value::String("unix".into()));
        }
        if let Some(peer) = self.peer {
            transport.insert(
                "peer".into(),
                Value::String(format!("tcp4:{}:{}", peer.ip(), peer.port())),
            );
        }
        d.insert("transport".into(), Value::Dict(transport));
        Value::Dict(d)
    }

    /// What `wamp.session.on_leave` says of the session.
    pub(crate) fn leave_info(&self) -> Value {
        let mut info = Dict::new();
        info.insert("session".into(), Value::UInt(self.id));
        info.insert("authid".into(), Value::String(self.identity.authid.clone()));
        info.insert(
            "authrole".into(),
            Value::String(self.identity.authrole.clone()),
        );
        Value::Dict(info)
    }
}

/// The joined sessions of a realm.
#[derive(Debug, Default)]
pub(crate) struct Members {
    by_id: HashMap<Id, Member>,
}

impl Members {
    /// Adds a session under `id` (the caller picked a free one).
    pub(crate) fn insert(&mut self, id: Id, joining: Joining) -> &Member {
        let member = Member {
            id,
            features: Features::of(&joining.roles),
            identity: joining.identity,
            serializer: joining.serializer,
            transport: joining.transport,
            peer: joining.peer,
            testaments: Testaments::default(),
            next_request: 0,
        };
        self.by_id.entry(id).insert_entry(member).into_mut()
    }

    /// Removes a session.
    pub(crate) fn remove(&mut self, id: Id) -> Option<Member> {
        self.by_id.remove(&id)
    }

    /// One session.
    pub(crate) fn get(&self, id: Id) -> Option<&Member> {
        self.by_id.get(&id)
    }

    /// One session, to change.
    pub(crate) fn get_mut(&mut self, id: Id) -> Option<&mut Member> {
        self.by_id.get_mut(&id)
    }

    /// Whether the ID is taken.
    pub(crate) fn contains(&self, id: Id) -> bool {
        self.by_id.contains_key(&id)
    }

    /// Every session, in no particular order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &Member> {
        self.by_id.values()
    }

    /// Number of sessions.
    pub(crate) fn count(&self) -> usize {
        self.by_id.len()
    }

    /// The features of a session (none for a session that left).
    pub(crate) fn features(&self, id: Id) -> Features {
        self.get(id).map(|m| m.features).unwrap_or_default()
    }
}
