//! One client connection: the opening handshake (HELLO, authentication,
//! WELCOME), then the reader loop that hands every message to the realm, and
//! the writer task that encodes and flushes the outbox in batches.

use std::sync::Arc;
use std::time::Duration;

use futures_util::{FutureExt, StreamExt};
use tracing::Instrument as _;

use super::auth::{self, AuthRequest, AuthStep};
use super::core::Joining;
use super::identity::Identity;
use super::metrics::{self, Counter};
use super::outbox::{self, Outbox, QueueTx};
use super::realm::Realm;
use super::returns::Returns;
use super::roles::{AGENT, router_roles};
use super::state::RouterState;
use super::switch::Switch;
use super::trace;
use super::writer::{Writer, writer};
use crate::protocol::id::Id;
use crate::protocol::options::{CloseDetails, WelcomeDetails};
use crate::protocol::uris;
use crate::protocol::*;
use crate::serializer::SerializerKind;
use crate::transport::{FrameStream, Transport, TransportDetails};

/// The reading half of a connection, with its serializer.
struct Reader {
    stream: FrameStream,
    serializer: SerializerKind,
    /// Whether the stream ended (or failed): it is not polled again.
    ended: bool,
    /// Counts the bytes received.
    received: Counter,
}

#[allow(clippy::large_enum_variant)] // short-lived, never stored
enum Read {
    Message(Message),
    Violation(ProtocolError),
    Closed,
}

impl Reader {
    async fn next(&mut self) -> Read {
        if self.ended {
            return Read::Closed;
        }
        match self.stream.next().await {
            None => {
                self.ended = true;
                Read::Closed
            }
            Some(Err(e)) => {
                tracing::debug!(error = %e, "transport read failed");
                self.ended = true;
                Read::Closed
            }
            Some(Ok(frame)) => {
                self.received.increment(frame.len() as u64);
                match self.serializer.decode(frame) {
                    Ok(m) => Read::Message(m),
                    Err(e) => Read::Violation(e),
                }
            }
        }
    }
}

fn abort(reason: &str, message: impl Into<String>) -> Message {
    Message::Abort(Abort::new(Uri::from_trusted(reason), message))
}

/// A connection's outbox queue, shared by the sessions it carries in turn.
struct Link {
    tx: QueueTx,
    /// Closes the connection.
    closing: Switch,
    /// Where the writer reports what it cannot deliver.
    returns: Arc<Returns>,
}

impl Link {
    /// Queues a handshake message (CHALLENGE, ABORT) of the connection.
    fn send(&self, message: Message) {
        if let Message::Abort(abort) = &message {
            metrics::aborted(abort.reason.as_str());
        }
        Outbox::new(self.tx.clone(), self.closing.clone()).push_now(message);
    }
}

/// Serves one connection until it closes.
pub(crate) async fn serve(router: Arc<RouterState>, transport: Transport) {
    let Transport {
        sink,
        stream,
        serializer,
        details,
    } = transport;
    let (tx, queue) = outbox::channel(router.config.limits.outbox_bytes);
    let bytes = metrics::transport_bytes(details.kind);
    let closing = Switch::new();
    let returns = Arc::new(Returns::default());
    let mut writer = tokio::spawn(writer(Writer {
        sink,
        serializer,
        queue,
        closing: closing.clone(),
        returns: returns.clone(),
        shutdown: router.shutdown.clone(),
        sent: bytes.sent,
    }));
    let link = Link {
        tx,
        closing: closing.clone(),
        returns: returns.clone(),
    };
    let mut reader = Reader {
        stream,
        serializer,
        ended: false,
        received: bytes.received,
    };
    let shutdown = router.shutdown.clone();
    loop {
        let joined = tokio::select! {
            j = join(&router, &mut reader, &link, &details) => j,
            _ = shutdown.cancelled() => None,
            _ = closing.cancelled() => None,
        };
        let Some((realm, session, kill, span)) = joined else {
            break;
        };
        let keep_transport = run(&realm, session, &mut reader, &link, &kill, &shutdown)
            .instrument(span)
            .await;
        realm.leave(session).await;
        returns.left();
        if !keep_transport {
            break;
        }
    }
    drop(link);
    closing.cancel();
    // A peer that does not read must not keep the writer (and the socket) forever.
    if tokio::time::timeout(WRITER_GRACE, &mut writer)
        .await
        .is_err()
    {
        writer.abort();
    }
    // The close frame is out: give the peer a moment to answer it (reading
    // what it still sends), so the socket is not reset under its last frames.
    let _ = tokio::time::timeout(CLOSE_REPLY_GRACE, async {
        while !matches!(reader.next().await, Read::Closed) {}
    })
    .await;
}

/// [`serve`] as a boxed future, for the router's own in-memory sessions
/// (which a connection's authentication starts).
fn serve_boxed(
    router: Arc<RouterState>,
    transport: Transport,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>> {
    Box::pin(serve(router, transport))
}

/// Serves the router's own in-memory sessions (dynamic authenticators and
/// authorizers); holds the router weakly (realms keep it).
fn connector(router: &Arc<RouterState>) -> auth::internal::Connector {
    let router = Arc::downgrade(router);
    Arc::new(move |transport| {
        if let Some(router) = router.upgrade() {
            let served = router
                .connections
                .track_future(serve_boxed(router.clone(), transport));
            tokio::spawn(served);
        }
    })
}

/// How long a closing connection waits for its writer before dropping it.
const WRITER_GRACE: Duration = Duration::from_secs(10);

/// How long a closed connection waits for the peer to end the stream (its
/// WebSocket close reply) before dropping the socket.
const CLOSE_REPLY_GRACE: Duration = Duration::from_secs(2);

/// The opening handshake. `None` when the connection ends before a session.
async fn join(
    router: &Arc<RouterState>,
    reader: &mut Reader,
    link: &Link,
    details: &TransportDetails,
) -> Option<(Arc<Realm>, Id, Switch, tracing::Span)> {
    let timeout = Duration::from_secs(router.config.limits.join_timeout_secs.max(1));
    let hello = match tokio::time::timeout(timeout, reader.next()).await {
        Err(_) => {
            link.send(abort(uris::PROTOCOL_VIOLATION, "no HELLO in time"));
            return None;
        }
        Ok(Read::Closed) => return None,
        Ok(Read::Violation(e)) => {
            link.send(abort(uris::PROTOCOL_VIOLATION, e.to_string()));
            return None;
        }
        Ok(Read::Message(Message::Hello(h))) => h,
        // ABORT is never answered.
        Ok(Read::Message(Message::Abort(_))) => return None,
        Ok(Read::Message(other)) => {
            let text = format!("expected HELLO, received {}", other.message_type().name());
            link.send(abort(uris::PROTOCOL_VIOLATION, text));
            return None;
        }
    };
    let Some(realm) = router.realm(hello.realm.as_str()) else {
        let text = format!("no realm \"{}\" exists on this router", hello.realm);
        link.send(abort(uris::NO_SUCH_REALM, text));
        return None;
    };
    let session = realm.new_session_id();
    let identity = match authenticate(
        router, &realm, &hello, session, details, reader, link, timeout,
    )
    .await
    {
        Ok(identity) => identity,
        Err(Some(msg)) => {
            link.send(msg);
            return None;
        }
        Err(None) => return None,
    };
    let kill = Switch::new();
    let outbox = Outbox::new(link.tx.clone(), kill.clone());
    let welcome_details = WelcomeDetails {
        roles: Some(router_roles()),
        agent: Some(AGENT.into()),
        realm: Some(realm.name().to_owned()),
        authid: Some(identity.authid.clone()),
        authrole: Some(identity.authrole.clone()),
        authmethod: Some(identity.authmethod.clone()),
        authprovider: Some(identity.authprovider.clone()),
        authextra: (!identity.authextra.is_empty()).then(|| identity.authextra.clone()),
        ..Default::default()
    };
    let authid = identity.authid.clone();
    let authorized = identity.clone();
    let joining = Joining {
        identity,
        serializer: reader.serializer,
        roles: hello.details.roles.clone().unwrap_or_default(),
        transport: details.kind,
        peer: details.peer,
    };
    // Set before the WELCOME is queued: the writer may have to report it.
    link.returns.joined(realm.clone(), session);
    let requested = session;
    let joined = realm
        .join(session, joining, outbox, |session| {
            Message::Welcome(Welcome {
                session,
                details: welcome_details,
            })
        })
        .await;
    let session = match joined {
        Ok(session) => session,
        Err(refused) => {
            link.send(abort(refused.reason, refused.message));
            return None;
        }
    };
    if session != requested {
        link.returns.joined(realm.clone(), session);
    }
    realm
        .authorizers
        .joined(&connector(router), session, &authorized);
    tracing::debug!(session, realm = %realm.name(), %authid, "session joined");
    let span = trace::session_span(
        session,
        realm.name(),
        &authid,
        &authorized.authrole,
        details.kind,
        reader.serializer,
    );
    Some((realm, session, kill, span))
}

/// Runs the authentication methods the client offers, in its order, until one
/// is configured. `Err(Some(abort))` refuses the client.
#[allow(clippy::too_many_arguments)] // the handshake state, passed along
async fn authenticate(
    router: &Arc<RouterState>,
    realm: &Arc<Realm>,
    hello: &Hello,
    session: Id,
    transport: &TransportDetails,
    reader: &mut Reader,
    link: &Link,
    timeout: Duration,
) -> Result<Identity, Option<Message>> {
    // The router's own session (calling a dynamic authenticator): trusted.
    if auth::internal::is_internal(transport.kind, &hello.details) {
        return Ok(Identity {
            authid: "router".into(),
            authrole: auth::internal::TRUSTED_ROLE.into(),
            authmethod: auth::internal::INTERNAL_METHOD.into(),
            authprovider: "router".into(),
            authextra: Dict::new(),
        });
    }
    let channel_binding = transport.channel_binding.as_deref();
    let offered = hello
        .details
        .authmethods
        .clone()
        .unwrap_or_else(|| vec!["anonymous".into()]);
    let custom = |method: &str| {
        router
            .auth_providers
            .iter()
            .find(|a| a.handles(realm.name(), method))
            .cloned()
    };
    let dynamic = |method: &str| {
        realm
            .config
            .auth
            .dynamic
            .get(method)
            .filter(|_| auth::dynamic::METHODS.contains(&method))
    };
    let Some(method) = offered
        .iter()
        .find(|m| {
            custom(m).is_some() || dynamic(m).is_some() || auth::static_handles(&realm.config, m)
        })
        .cloned()
    else {
        return Err(Some(abort(
            uris::NO_AUTH_METHOD,
            format!("cannot authenticate using any of the offered authmethods {offered:?}"),
        )));
    };
    let request = AuthRequest {
        realm: realm.name(),
        method: &method,
        details: &hello.details,
        session,
        channel_binding,
    };
    let custom = custom(&method);
    let connect = connector(router);
    let dynamic = dynamic(&method).map(|config| auth::dynamic::Dynamic {
        connect: &connect,
        realm: &realm.config,
        config,
        transport,
    });
    let mut step = match (&custom, &dynamic) {
        (Some(a), _) => a.hello(request.clone()).await,
        (None, Some(d)) => d.hello(&request).await,
        (None, None) => auth::static_hello(&realm.config, &request),
    };
    loop {
        match step {
            AuthStep::Welcome(mut identity) => {
                // The authid is what the authenticator established; one that
                // established none gets a generated one, never HELLO's claim.
                if identity.authid.is_empty() {
                    identity.authid = auth::anonymous_authid();
                }
                return Ok(identity);
            }
            AuthStep::Deny { reason, message } => {
                let reason = Uri::new(reason)
                    .unwrap_or_else(|_| Uri::from_trusted(uris::AUTHENTICATION_FAILED));
                return Err(Some(Message::Abort(Abort::new(reason, message))));
            }
            AuthStep::Challenge {
                method,
                extra,
                state,
            } => {
                link.send(Message::Challenge(Challenge {
                    authmethod: method,
                    extra,
                }));
                let reply = match tokio::time::timeout(timeout, reader.next()).await {
                    Err(_) => {
                        return Err(Some(abort(
                            uris::AUTHENTICATION_FAILED,
                            "no AUTHENTICATE in time",
                        )));
                    }
                    Ok(Read::Closed) => return Err(None),
                    Ok(Read::Violation(e)) => {
                        return Err(Some(abort(uris::PROTOCOL_VIOLATION, e.to_string())));
                    }
                    Ok(Read::Message(Message::Authenticate(a))) => a,
                    Ok(Read::Message(Message::Abort(_))) => return Err(None),
                    Ok(Read::Message(other)) => {
                        return Err(Some(abort(
                            uris::PROTOCOL_VIOLATION,
                            format!(
                                "expected AUTHENTICATE, received {}",
                                other.message_type().name()
                            ),
                        )));
                    }
                };
                step = match (&custom, &dynamic) {
                    (Some(a), _) => a.authenticate(request.clone(), state, &reply).await,
                    (None, Some(d)) => d.authenticate(&request, state, &reply).await,
                    (None, None) => {
                        auth::static_authenticate(&realm.config, &request, state, &reply).await
                    }
                };
            }
        }
    }
}

/// Tells a session that the router is shutting down.
fn say_shutting_down(outbox: &Outbox) {
    outbox.push_now(Message::Goodbye(Goodbye {
        details: CloseDetails {
            message: Some("router is shutting down".into()),
            ..Default::default()
        },
        reason: Uri::from_trusted(uris::CLOSE_SYSTEM_SHUTDOWN),
    }));
}

/// The established session: hands every message to the realm until the
/// session ends. Returns whether the transport may carry another session
/// (after a GOODBYE).
async fn run(
    realm: &Arc<Realm>,
    session: Id,
    reader: &mut Reader,
    link: &Link,
    kill: &Switch,
    shutdown: &Switch,
) -> bool {
    let outbox = Outbox::new(link.tx.clone(), kill.clone());
    // Made once per session: making (and dropping) them for every message
    // registered and removed a waiter under each token's mutex every time.
    let killed = kill.cancelled();
    let stopping = shutdown.cancelled();
    tokio::pin!(killed, stopping);
    loop {
        // A message already readable is taken without awaiting the switches
        // (checked with an atomic load instead); they are awaited only when
        // there is nothing to read.
        if kill.is_cancelled() {
            return false;
        }
        if shutdown.is_cancelled() {
            say_shutting_down(&outbox);
            return false;
        }
        let read = match reader.next().now_or_never() {
            Some(read) => read,
            None => tokio::select! {
                biased;
                _ = &mut killed => return false,
                _ = &mut stopping => {
                    say_shutting_down(&outbox);
                    return false;
                }
                read = reader.next() => read,
            },
        };
        let msg = match read {
            Read::Closed => return false,
            Read::Violation(e) => {
                tracing::info!(session, error = %e, "protocol violation");
                link.send(abort(uris::PROTOCOL_VIOLATION, e.to_string()));
                return false;
            }
            Read::Message(m) => m,
        };
        match msg {
            Message::Goodbye(_) => {
                outbox.push_now(Message::Goodbye(Goodbye::new(Uri::from_trusted(
                    uris::CLOSE_GOODBYE_AND_OUT,
                ))));
                return true;
            }
            Message::Abort(_) => return false,
            msg => {
                if let Err(refused) = realm.handle(session, msg).await {
                    tracing::info!(session, "protocol violation: {}", refused.0);
                    link.send(abort(uris::PROTOCOL_VIOLATION, refused.0));
                    return false;
                }
            }
        }
    }
}
