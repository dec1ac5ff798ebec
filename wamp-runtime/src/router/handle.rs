//! The router's view of one joined session: identity, announced roles, and a
//! bounded outbox drained by the session's writer task.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::protocol::id::{Id, MAX_ID};
use crate::protocol::roles::{Role, Roles};
use crate::protocol::{Dict, Message, Value};
use crate::serializer::SerializerKind;
use crate::transport::TransportKind;

/// Who a session is, as established by authentication.
#[derive(Debug, Clone, Default)]
pub struct Identity {
    /// Authenticated ID.
    pub authid: String,
    /// Authenticated role.
    pub authrole: String,
    /// Method that authenticated the session.
    pub authmethod: String,
    /// Who authenticated it.
    pub authprovider: String,
    /// Extra data for the WELCOME.
    pub authextra: Dict,
}

/// One joined session as the realm sees it.
#[derive(Debug)]
pub(crate) struct SessionHandle {
    pub(crate) id: Id,
    pub(crate) identity: Identity,
    pub(crate) serializer: SerializerKind,
    pub(crate) roles: Roles,
    pub(crate) transport: TransportKind,
    pub(crate) peer: Option<SocketAddr>,
    outbox: mpsc::Sender<Bytes>,
    kill: CancellationToken,
    next_request: AtomicU64,
    dropped: AtomicU64,
}

impl SessionHandle {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        id: Id,
        identity: Identity,
        serializer: SerializerKind,
        roles: Roles,
        transport: TransportKind,
        peer: Option<SocketAddr>,
        outbox: mpsc::Sender<Bytes>,
        kill: CancellationToken,
    ) -> Self {
        SessionHandle {
            id,
            identity,
            serializer,
            roles,
            transport,
            peer,
            outbox,
            kill,
            next_request: AtomicU64::new(0),
            dropped: AtomicU64::new(0),
        }
    }

    /// The next router-to-client request ID (INVOCATION), 1, 2, … wrapping after 2^53.
    pub(crate) fn next_request_id(&self) -> Id {
        let n = self.next_request.fetch_add(1, Ordering::Relaxed) % MAX_ID;
        n + 1
    }

    /// Whether the client announced a feature for a role.
    pub(crate) fn has_feature(&self, role: Role, feature: &str) -> bool {
        self.roles.has_feature(role, feature)
    }

    /// Encodes a message for this session and queues it.
    pub(crate) fn send(&self, message: &Message) -> bool {
        match self.serializer.encode(message) {
            Ok(frame) => self.send_frame(frame),
            Err(e) => {
                tracing::warn!(session = self.id, error = %e, "cannot encode {:?} for session", message.message_type());
                false
            }
        }
    }

    /// Queues an encoded frame without waiting. A session whose outbox is full
    /// is a slow consumer: it is disconnected, so that it cannot grow the
    /// router's memory or hold up the sessions that send to it.
    pub(crate) fn send_frame(&self, frame: Bytes) -> bool {
        match self.outbox.try_send(frame) {
            Ok(()) => true,
            Err(mpsc::error::TrySendError::Full(_)) => {
                let n = self.dropped.fetch_add(1, Ordering::Relaxed);
                if n == 0 {
                    tracing::warn!(
                        session = self.id,
                        authid = %self.identity.authid,
                        capacity = self.outbox.max_capacity(),
                        "slow consumer: outbox full, disconnecting the session"
                    );
                }
                self.kill.cancel();
                false
            }
            Err(mpsc::error::TrySendError::Closed(_)) => false,
        }
    }

    /// Ends the session's connection.
    pub(crate) fn kill(&self) {
        self.kill.cancel();
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
            TransportKind::WebSocket | TransportKind::SecureWebSocket => "websocket",
            TransportKind::RawSocket | TransportKind::SecureRawSocket => "rawsocket",
            TransportKind::Memory => "memory",
        };
        transport.insert("type".into(), Value::String(kind.into()));
        transport.insert(
            "serializer".into(),
            Value::String(self.serializer.name().into()),
        );
        transport.insert("tls".into(), Value::Bool(self.transport.is_tls()));
        if let Some(peer) = self.peer {
            transport.insert(
                "peer".into(),
                Value::String(format!("tcp4:{}:{}", peer.ip(), peer.port())),
            );
        }
        d.insert("transport".into(), Value::Dict(transport));
        Value::Dict(d)
    }
}
