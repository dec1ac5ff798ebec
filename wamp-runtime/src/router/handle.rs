//! The router's view of one joined session: identity, announced roles, and a
//! bounded outbox drained by the session's writer task.

use std::cell::RefCell;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

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
    dead: AtomicBool,
}

/// A frame that found its session's outbox full during routing, to be awaited
/// once the routing locks are released.
pub(crate) struct Deferred {
    id: Id,
    outbox: mpsc::Sender<Bytes>,
    kill: CancellationToken,
    frame: Bytes,
}

thread_local! {
    /// Frames deferred by the routing code running on this thread; `None`
    /// outside a [`collect_deferred`] scope.
    static DEFERRED: RefCell<Option<Vec<Deferred>>> = const { RefCell::new(None) };
}

/// Runs synchronous routing code, collecting the frames whose outbox was full.
pub(crate) fn collect_deferred(route: impl FnOnce()) -> Vec<Deferred> {
    DEFERRED.with(|d| *d.borrow_mut() = Some(Vec::new()));
    route();
    DEFERRED.with(|d| d.borrow_mut().take()).unwrap_or_default()
}

/// Waits for room in the outboxes of deferred frames: the session that sent
/// them is held back (backpressure). A session whose outbox stays full for
/// `patience` is a stalled consumer and is disconnected.
pub(crate) async fn flush_deferred(deferred: Vec<Deferred>, patience: Duration) {
    for d in deferred {
        if d.kill.is_cancelled() {
            continue;
        }
        if let Err(e) = d.outbox.send_timeout(d.frame, patience).await {
            if matches!(e, mpsc::error::SendTimeoutError::Timeout(_)) {
                tracing::warn!(
                    session = d.id,
                    capacity = d.outbox.max_capacity(),
                    ?patience,
                    "slow consumer: outbox stayed full, disconnecting the session"
                );
            }
            d.kill.cancel();
        }
    }
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
            dead: AtomicBool::new(false),
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

    /// Queues an encoded frame without waiting. When the outbox is full, the
    /// frame is deferred to the routing session, which waits for room (see
    /// [`flush_deferred`]); outside routing, a full outbox disconnects the
    /// session, so it cannot grow the router's memory.
    pub(crate) fn send_frame(&self, frame: Bytes) -> bool {
        if self.dead.load(Ordering::Relaxed) {
            return false;
        }
        match self.outbox.try_send(frame) {
            Ok(()) => true,
            Err(mpsc::error::TrySendError::Full(frame)) => {
                let deferred = DEFERRED.with(|d| match d.borrow_mut().as_mut() {
                    Some(list) => {
                        list.push(Deferred {
                            id: self.id,
                            outbox: self.outbox.clone(),
                            kill: self.kill.clone(),
                            frame,
                        });
                        true
                    }
                    None => false,
                });
                if !deferred {
                    tracing::warn!(
                        session = self.id,
                        "slow consumer: outbox full, disconnecting the session"
                    );
                    self.kill();
                }
                deferred
            }
            Err(mpsc::error::TrySendError::Closed(_)) => false,
        }
    }

    /// Ends the session's connection.
    pub(crate) fn kill(&self) {
        self.dead.store(true, Ordering::Relaxed);
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
