//! One client connection: the opening handshake (HELLO, authentication,
//! WELCOME), then the reader loop that routes every message, and the writer
//! task that flushes the session's outbox in batches.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::auth::{self, AuthRequest, AuthStep};
use super::handle::{Identity, SessionHandle, collect_deferred, flush_deferred};
use super::realm::Realm;
use super::{RouterInner, broker, dealer, uris};
use crate::protocol::options::{CloseDetails, WelcomeDetails};
use crate::protocol::*;
use crate::serializer::SerializerKind;
use crate::transport::{FrameSink, FrameStream, Transport, TransportDetails, TransportError};

/// Frames taken from the outbox per write batch.
const BATCH: usize = 256;

/// Writes the outbox to the transport: many frames, one flush. When `closing`
/// fires, writes what is already queued and closes the transport.
async fn writer(
    mut sink: FrameSink,
    mut outbox: mpsc::Receiver<Bytes>,
    closing: CancellationToken,
) {
    let mut batch = Vec::with_capacity(BATCH);
    loop {
        let n = tokio::select! {
            biased;
            n = outbox.recv_many(&mut batch, BATCH) => n,
            _ = closing.cancelled() => {
                while let Ok(frame) = outbox.try_recv() {
                    batch.push(frame);
                }
                // A stalled peer must not keep this task alive.
                let drain = async {
                    for frame in batch.drain(..) {
                        if sink.feed(frame).await.is_err() {
                            break;
                        }
                    }
                    let _ = sink.flush().await;
                    let _ = sink.close().await;
                };
                let _ = tokio::time::timeout(Duration::from_secs(5), drain).await;
                return;
            }
        };
        if n == 0 {
            break;
        }
        for frame in batch.drain(..) {
            match sink.feed(frame).await {
                Ok(()) => {}
                Err(TransportError::MessageTooLarge { size, limit }) => {
                    tracing::warn!(
                        size,
                        limit,
                        "dropping a message larger than the transport allows"
                    );
                }
                Err(e) => {
                    tracing::debug!(error = %e, "transport write failed");
                    return;
                }
            }
        }
        if let Err(e) = sink.flush().await {
            tracing::debug!(error = %e, "transport flush failed");
            return;
        }
    }
    let _ = tokio::time::timeout(Duration::from_secs(5), sink.close()).await;
}

/// The reading half of a connection, with its serializer.
struct Reader {
    stream: FrameStream,
    serializer: SerializerKind,
}

#[allow(clippy::large_enum_variant)] // short-lived, never stored
enum Read {
    Message(Message),
    Violation(ProtocolError),
    Closed,
}

impl Reader {
    async fn next(&mut self) -> Read {
        match self.stream.next().await {
            None => Read::Closed,
            Some(Err(e)) => {
                tracing::debug!(error = %e, "transport read failed");
                Read::Closed
            }
            Some(Ok(frame)) => match self.serializer.decode(frame) {
                Ok(m) => Read::Message(m),
                Err(e) => Read::Violation(e),
            },
        }
    }
}

fn send(outbox: &mpsc::Sender<Bytes>, serializer: SerializerKind, msg: &Message) {
    if let Ok(frame) = serializer.encode(msg) {
        let _ = outbox.try_send(frame);
    }
}

fn abort(reason: &str, message: impl Into<String>) -> Message {
    Message::Abort(Abort::new(Uri::from_trusted(reason), message))
}

/// Serves one connection until it closes.
pub(crate) async fn serve(router: Arc<RouterInner>, transport: Transport) {
    let Transport {
        sink,
        stream,
        serializer,
        details,
    } = transport;
    let (outbox_tx, outbox_rx) = mpsc::channel(router.config.outbox_capacity.max(16));
    let closing = CancellationToken::new();
    let writer = tokio::spawn(writer(sink, outbox_rx, closing.clone()));
    let mut reader = Reader { stream, serializer };
    let shutdown = router.shutdown.clone();
    loop {
        let joined = tokio::select! {
            j = join(&router, &mut reader, &outbox_tx, &details) => j,
            _ = shutdown.cancelled() => None,
        };
        let Some((realm, session, kill)) = joined else {
            break;
        };
        let patience = Duration::from_millis(router.config.slow_consumer_timeout_ms);
        let keep_transport = run(
            &realm,
            &session,
            &mut reader,
            &outbox_tx,
            &kill,
            &shutdown,
            patience,
        )
        .await;
        realm.remove_session(&session);
        if !keep_transport {
            break;
        }
    }
    drop(outbox_tx);
    closing.cancel();
    let _ = writer.await;
}

/// The opening handshake. `None` when the connection ends before a session.
async fn join(
    router: &Arc<RouterInner>,
    reader: &mut Reader,
    outbox: &mpsc::Sender<Bytes>,
    details: &TransportDetails,
) -> Option<(Arc<Realm>, Arc<SessionHandle>, CancellationToken)> {
    let serializer = reader.serializer;
    let timeout = Duration::from_secs(router.config.join_timeout_secs.max(1));
    let hello = match tokio::time::timeout(timeout, reader.next()).await {
        Err(_) => {
            send(
                outbox,
                serializer,
                &abort(uris::PROTOCOL_VIOLATION, "no HELLO in time"),
            );
            return None;
        }
        Ok(Read::Closed) => return None,
        Ok(Read::Violation(e)) => {
            send(
                outbox,
                serializer,
                &abort(uris::PROTOCOL_VIOLATION, e.to_string()),
            );
            return None;
        }
        Ok(Read::Message(Message::Hello(h))) => h,
        Ok(Read::Message(other)) => {
            send(
                outbox,
                serializer,
                &abort(
                    uris::PROTOCOL_VIOLATION,
                    format!("expected HELLO, received {}", other.message_type().name()),
                ),
            );
            return None;
        }
    };
    let Some(realm) = router.realm(hello.realm.as_str()) else {
        send(
            outbox,
            serializer,
            &abort(
                uris::NO_SUCH_REALM,
                format!("no realm \"{}\" exists on this router", hello.realm),
            ),
        );
        return None;
    };
    let session_id = realm.new_session_id();
    let identity =
        match authenticate(router, &realm, &hello, session_id, reader, outbox, timeout).await {
            Ok(identity) => identity,
            Err(Some(msg)) => {
                send(outbox, serializer, &msg);
                return None;
            }
            Err(None) => return None,
        };
    let kill = CancellationToken::new();
    let roles = hello.details.roles.clone().unwrap_or_default();
    let session = Arc::new(SessionHandle::new(
        session_id,
        identity,
        serializer,
        roles,
        details.kind,
        details.peer,
        outbox.clone(),
        kill.clone(),
    ));
    realm.add_session(session.clone());
    let welcome = WelcomeDetails {
        roles: Some(super::router_roles()),
        agent: Some(super::AGENT.into()),
        realm: Some(realm.name.clone()),
        authid: Some(session.identity.authid.clone()),
        authrole: Some(session.identity.authrole.clone()),
        authmethod: Some(session.identity.authmethod.clone()),
        authprovider: Some(session.identity.authprovider.clone()),
        authextra: (!session.identity.authextra.is_empty())
            .then(|| session.identity.authextra.clone()),
        ..Default::default()
    };
    session.send(&Message::Welcome(Welcome {
        session: session_id,
        details: welcome,
    }));
    realm.publish_meta("wamp.session.on_join", vec![session.describe()]);
    tracing::debug!(session = session_id, realm = %realm.name, authid = %session.identity.authid, "session joined");
    Some((realm, session, kill))
}

/// Runs the authentication methods the client offers, in its order, until one
/// is configured. `Err(Some(abort))` refuses the client.
async fn authenticate(
    router: &Arc<RouterInner>,
    realm: &Arc<Realm>,
    hello: &Hello,
    session: crate::protocol::id::Id,
    reader: &mut Reader,
    outbox: &mpsc::Sender<Bytes>,
    timeout: Duration,
) -> Result<Identity, Option<Message>> {
    let offered = hello
        .details
        .authmethods
        .clone()
        .unwrap_or_else(|| vec!["anonymous".into()]);
    let custom = |method: &str| {
        router
            .authenticators
            .iter()
            .find(|a| a.handles(&realm.name, method))
            .cloned()
    };
    let Some(method) = offered
        .iter()
        .find(|m| custom(m).is_some() || auth::static_handles(&realm.config, m))
        .cloned()
    else {
        return Err(Some(abort(
            uris::NO_AUTH_METHOD,
            format!("cannot authenticate using any of the offered authmethods {offered:?}"),
        )));
    };
    let request = AuthRequest {
        realm: &realm.name,
        method: &method,
        details: &hello.details,
        session,
    };
    let custom = custom(&method);
    let mut step = match &custom {
        Some(a) => a.hello(request.clone()).await,
        None => auth::static_hello(&realm.config, &request),
    };
    loop {
        match step {
            AuthStep::Welcome(identity) => return Ok(identity),
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
                send(
                    outbox,
                    reader.serializer,
                    &Message::Challenge(Challenge {
                        authmethod: method,
                        extra,
                    }),
                );
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
                step = match &custom {
                    Some(a) => a.authenticate(request.clone(), state, &reply).await,
                    None => auth::static_authenticate(&realm.config, &request, state, &reply),
                };
            }
        }
    }
}

/// The established session: routes every message until it ends. Returns
/// whether the transport may carry another session (after a GOODBYE).
async fn run(
    realm: &Arc<Realm>,
    session: &Arc<SessionHandle>,
    reader: &mut Reader,
    outbox: &mpsc::Sender<Bytes>,
    kill: &CancellationToken,
    shutdown: &CancellationToken,
    patience: Duration,
) -> bool {
    loop {
        let read = tokio::select! {
            biased;
            _ = kill.cancelled() => return false,
            _ = shutdown.cancelled() => {
                session.send(&Message::Goodbye(Goodbye {
                    details: CloseDetails { message: Some("router is shutting down".into()), ..Default::default() },
                    reason: Uri::from_trusted(uris::SYSTEM_SHUTDOWN),
                }));
                return false;
            }
            read = reader.next() => read,
        };
        let msg = match read {
            Read::Closed => return false,
            Read::Violation(e) => {
                tracing::info!(session = session.id, error = %e, "protocol violation");
                send(
                    outbox,
                    reader.serializer,
                    &abort(uris::PROTOCOL_VIOLATION, e.to_string()),
                );
                return false;
            }
            Read::Message(m) => m,
        };
        let mut goodbye = false;
        let mut violation = None;
        let deferred = collect_deferred(|| match msg {
            Message::Call(m) => dealer::call(realm, session, m),
            Message::Yield(m) => dealer::yield_(realm, session, m),
            Message::Publish(m) => broker::publish(realm, session, m),
            Message::Error(m) if m.request_type == MessageType::Invocation => {
                dealer::invocation_error(realm, session, m)
            }
            Message::Cancel(m) => dealer::cancel(realm, session, m),
            Message::Register(m) => dealer::register(realm, session, m),
            Message::Unregister(m) => dealer::unregister(realm, session, m),
            Message::Subscribe(m) => broker::subscribe(realm, session, m),
            Message::Unsubscribe(m) => broker::unsubscribe(realm, session, m),
            Message::EventReceived(m) => {
                tracing::trace!(
                    session = session.id,
                    publication = m.publication,
                    "event acknowledged"
                );
            }
            Message::Goodbye(_) => {
                session.send(&Message::Goodbye(Goodbye::new(Uri::from_trusted(
                    uris::GOODBYE_AND_OUT,
                ))));
                goodbye = true;
            }
            Message::Abort(_) => violation = Some(None),
            other => {
                let text = format!(
                    "{} is not allowed from a client in an established session",
                    other.message_type().name()
                );
                tracing::info!(session = session.id, "protocol violation: {text}");
                violation = Some(Some(text));
            }
        });
        if !deferred.is_empty() {
            flush_deferred(deferred, patience).await;
        }
        if goodbye {
            return true;
        }
        if let Some(text) = violation {
            if let Some(text) = text {
                session.send(&abort(uris::PROTOCOL_VIOLATION, text));
            }
            return false;
        }
    }
}
