//! The session runtime: one reader task that decodes frames and dispatches
//! them, one writer task that batches frames, and the cheap [`Session`] handle.

use std::collections::HashMap;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::Context;

use bytes::Bytes;
use futures_util::future::BoxFuture;
use futures_util::{FutureExt as _, SinkExt as _, StreamExt as _};
use serde::Serialize;
use tokio::sync::{Semaphore, mpsc, oneshot, watch};
use tokio_util::sync::CancellationToken;

use super::call::{CallSink, PendingCall};
use super::details::{CallDetails, CallResult, EventDetails, Extensions, SessionDetails, State};
use super::error::{Error, uri};
use super::handler::{EventContext, EventHandler, Invocation, ProcedureHandler, ProgressSender};
use super::join::{self, JoinConfig};
use super::options::{CallOptions, PublishOptions, RegisterOptions, SubscribeOptions};
use super::state::{ClientCore, Incoming, PendingRequest};
use crate::protocol::options::{ErrorDetails, YieldOptions};
use crate::protocol::uri::UriKind;
use crate::protocol::{
    Abort, Call, Cancel, ErrorMessage, Event, EventReceived, Goodbye, Id, Message, MessageType,
    Payload, Publish, Register, Subscribe, Unregister, Unsubscribe, Uri, Yield,
};
use crate::serializer::SerializerKind;
use crate::transport::{FrameSink, FrameStream, Transport};

/// Frames the writer takes from the outbox per batch.
const BATCH: usize = 64;
/// Outbox capacity in frames.
const OUTBOX: usize = 1024;
/// How long an interrupted handler may take to finish after its cancellation
/// token fired, before its future is dropped.
const INTERRUPT_GRACE: std::time::Duration = std::time::Duration::from_millis(100);

/// How a session ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloseReason {
    /// The close or error URI (`wamp.close.normal`, `wamp.error.transport_lost`, ...).
    pub reason: String,
    /// A human-readable message, if any.
    pub message: Option<String>,
}

impl CloseReason {
    /// Whether this is a clean leave (`wamp.close.normal` or `wamp.close.goodbye_and_out`).
    pub fn is_clean(&self) -> bool {
        self.reason == uri::CLOSE_NORMAL || self.reason == uri::CLOSE_GOODBYE_AND_OUT
    }
}

/// What the runtime keeps for a request waiting for its answer.
pub(crate) enum Pending {
    Call(CallSink),
    Register {
        tx: oneshot::Sender<Result<Id, Error>>,
        entry: RegistrationEntry,
    },
    Unregister(oneshot::Sender<Result<(), Error>>),
    Subscribe {
        tx: oneshot::Sender<Result<(Id, u64), Error>>,
        handler: EventHandler,
        topic: String,
    },
    Unsubscribe(oneshot::Sender<Result<(), Error>>),
    Publish(oneshot::Sender<Result<Option<Id>, Error>>),
}

impl PendingRequest for Pending {
    fn request_type(&self) -> MessageType {
        match self {
            Pending::Call(_) => MessageType::Call,
            Pending::Register { .. } => MessageType::Register,
            Pending::Unregister(_) => MessageType::Unregister,
            Pending::Subscribe { .. } => MessageType::Subscribe,
            Pending::Unsubscribe(_) => MessageType::Unsubscribe,
            Pending::Publish(_) => MessageType::Publish,
        }
    }
}

impl Pending {
    fn fail(self, error: Error) {
        match self {
            Pending::Call(sink) => sink.finish(Err(error)),
            Pending::Register { tx, .. } => drop(tx.send(Err(error))),
            Pending::Unregister(tx) | Pending::Unsubscribe(tx) => drop(tx.send(Err(error))),
            Pending::Subscribe { tx, .. } => drop(tx.send(Err(error))),
            Pending::Publish(tx) => drop(tx.send(Err(error))),
        }
    }
}

#[derive(Clone)]
pub(crate) struct RegistrationEntry {
    procedure: String,
    handler: ProcedureHandler,
    limit: Option<Arc<Semaphore>>,
    active: Arc<AtomicBool>,
}

struct SubscriptionEntry {
    topic: String,
    handlers: Vec<(u64, EventHandler)>,
    active: Arc<AtomicBool>,
}

/// Everything behind the lock.
pub(crate) struct Core {
    pub(crate) proto: ClientCore<Pending>,
    registrations: HashMap<Id, RegistrationEntry>,
    subscriptions: HashMap<Id, SubscriptionEntry>,
    invocations: HashMap<Id, CancellationToken>,
}

pub(crate) struct Shared {
    core: Mutex<Core>,
    out: mpsc::Sender<Bytes>,
    serializer: SerializerKind,
    details: SessionDetails,
    extensions: Extensions,
    closed: watch::Sender<Option<CloseReason>>,
    stop: CancellationToken,
    local_ids: AtomicU64,
}

/// A joined WAMP session: a cheap `Clone` handle to call, register, publish
/// and subscribe. Every request ends in an answer, an error, a local timeout,
/// or `wamp.error.transport_lost`.
///
/// ```no_run
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// use wamp::{Session, RegisterOptions, SubscribeOptions};
/// use wamp::client::{JoinConfig, typed_procedure, typed_event_handler};
///
/// let transport = wamp::transport::connect("ws://127.0.0.1:8080/ws", &Default::default()).await?;
/// let session = Session::join(transport, JoinConfig::new("realm1")).await?;
///
/// session.register("com.math.add", RegisterOptions::default(),
///     typed_procedure(|(a, b): (i64, i64)| async move { Ok(a + b) })).await?;
/// let sum: i64 = session.call("com.math.add", &(2, 3)).await?.get()?;
/// assert_eq!(sum, 5);
///
/// session.subscribe("com.chat", SubscribeOptions::default(),
///     typed_event_handler(|(msg,): (String,), _details| async move { println!("{msg}") })).await?;
/// session.publish("com.chat", &("hello",)).await?;
/// session.leave().await;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Session {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("id", &self.shared.details.session)
            .field("realm", &self.shared.details.realm)
            .finish_non_exhaustive()
    }
}

/// A registration made by [`Session::register`].
#[derive(Debug, Clone)]
pub struct Registration {
    session: Session,
    id: Id,
    active: Arc<AtomicBool>,
}

impl Registration {
    /// The router's registration ID.
    pub fn id(&self) -> Id {
        self.id
    }

    /// Whether it is still registered (not unregistered nor revoked).
    pub fn is_active(&self) -> bool {
        self.active.load(Ordering::Acquire)
    }

    /// Unregisters.
    pub async fn unregister(self) -> Result<(), Error> {
        self.session.unregister(self.id).await
    }
}

/// A subscription made by [`Session::subscribe`].
#[derive(Debug, Clone)]
pub struct Subscription {
    session: Session,
    id: Id,
    local: u64,
    active: Arc<AtomicBool>,
    own: Arc<AtomicBool>,
}

impl Subscription {
    /// The router's subscription ID.
    pub fn id(&self) -> Id {
        self.id
    }

    /// Whether this handler is still subscribed (not unsubscribed nor revoked).
    pub fn is_active(&self) -> bool {
        self.active.load(Ordering::Acquire) && self.own.load(Ordering::Acquire)
    }

    /// Unsubscribes this handler (UNSUBSCRIBE goes out with the last handler of the subscription).
    pub async fn unsubscribe(self) -> Result<(), Error> {
        self.session.unsubscribe(self.id, self.local).await?;
        self.own.store(false, Ordering::Release);
        Ok(())
    }
}

fn app_error(e: &ErrorMessage) -> Error {
    Error::with_payload(e.error.as_str(), e.payload.clone())
}

impl Session {
    /// Joins a realm over a connected transport: HELLO, any CHALLENGE rounds,
    /// then WELCOME (or an error with the ABORT reason).
    pub async fn join(transport: Transport, config: JoinConfig) -> Result<Session, Error> {
        let Transport {
            mut sink,
            mut stream,
            serializer,
            details,
        } = transport;
        let mut proto = ClientCore::new();
        let handshake = join::handshake(
            &mut proto,
            &mut sink,
            &mut stream,
            serializer,
            details.channel_binding.as_deref(),
            &config,
        );
        let welcome = tokio::time::timeout(config.timeout, handshake)
            .await
            .map_err(|_| {
                Error::message(uri::TIMEOUT, "the router did not answer HELLO in time")
            })??;
        let session_details = join::session_details(&config, welcome, serializer, details);
        tracing::debug!(session = session_details.session, realm = %session_details.realm, "joined");
        Ok(Self::start(
            proto,
            sink,
            stream,
            session_details,
            config.extensions,
        ))
    }

    fn start(
        proto: ClientCore<Pending>,
        sink: FrameSink,
        stream: FrameStream,
        details: SessionDetails,
        extensions: Extensions,
    ) -> Session {
        let (out, rx) = mpsc::channel(OUTBOX);
        let stop = CancellationToken::new();
        let shared = Arc::new(Shared {
            core: Mutex::new(Core {
                proto,
                registrations: HashMap::new(),
                subscriptions: HashMap::new(),
                invocations: HashMap::new(),
            }),
            out,
            serializer: details.serializer,
            details,
            extensions,
            closed: watch::channel(None).0,
            stop: stop.clone(),
            local_ids: AtomicU64::new(0),
        });
        let lost = CancellationToken::new();
        tokio::spawn(writer(sink, rx, stop, lost.clone()));
        tokio::spawn(reader(Arc::downgrade(&shared), stream, lost));
        Session { shared }
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Core> {
        self.shared.core.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// What the router said on joining.
    pub fn details(&self) -> &SessionDetails {
        &self.shared.details
    }

    /// The session ID.
    pub fn id(&self) -> Id {
        self.shared.details.session
    }

    /// The serializer of the transport (encode payloads with it to avoid transcoding).
    pub fn serializer(&self) -> SerializerKind {
        self.shared.serializer
    }

    /// Shared state of type `T`, if one was given.
    pub fn state<T: Send + Sync + 'static>(&self) -> Option<State<T>> {
        self.shared.extensions.get::<T>()
    }

    /// Whether the session has ended.
    pub fn is_closed(&self) -> bool {
        self.shared.closed.borrow().is_some()
    }

    /// Waits until the session ends, and says how.
    pub async fn closed(&self) -> CloseReason {
        let mut rx = self.shared.closed.subscribe();
        match rx.wait_for(Option::is_some).await {
            Ok(reason) => reason.clone().unwrap_or_else(lost_reason),
            Err(_) => lost_reason(),
        }
    }

    /// Encodes and queues a message (try first, then wait for room).
    pub(crate) async fn send(&self, message: &Message) -> Result<(), Error> {
        let frame = self.encode(message)?;
        send_frame(&self.shared.out, frame).await
    }

    fn encode(&self, message: &Message) -> Result<Bytes, Error> {
        self.shared
            .serializer
            .encode(message)
            .map_err(|e| Error::message(uri::INVALID_PAYLOAD, e.to_string()))
    }

    /// Queues a frame without waiting (for use in `Drop`).
    pub(crate) fn send_now(&self, message: &Message) {
        let Ok(frame) = self.encode(message) else {
            return;
        };
        match self.shared.out.try_send(frame) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(frame)) => {
                let out = self.shared.out.clone();
                if let Ok(handle) = tokio::runtime::Handle::try_current() {
                    handle.spawn(async move { out.send(frame).await });
                }
            }
            Err(mpsc::error::TrySendError::Closed(_)) => {}
        }
    }

    /// Registers a request and sends its message, built from the new request ID.
    pub(crate) async fn request(
        &self,
        pending: Pending,
        build: impl FnOnce(Id) -> Message,
    ) -> Result<Id, Error> {
        let (id, frame) = {
            let mut core = self.lock();
            let Some(id) = core.proto.request(pending) else {
                return Err(if self.is_closed() {
                    Error::transport_lost()
                } else {
                    Error::not_joined()
                });
            };
            match self.encode(&build(id)) {
                Ok(frame) => (id, frame),
                Err(e) => {
                    core.proto.forget(id);
                    return Err(e);
                }
            }
        };
        if let Err(e) = send_frame(&self.shared.out, frame).await {
            if let Some(p) = self.lock().proto.forget(id) {
                p.fail(e.clone());
            }
            return Err(e);
        }
        Ok(id)
    }

    /// Sends CANCEL for a call and forgets it.
    pub(crate) fn cancel_now(
        &self,
        request: Id,
        mode: Option<crate::protocol::options::CancelMode>,
        forget: bool,
    ) {
        if forget {
            self.lock().proto.forget(request);
        }
        if self.is_closed() {
            return;
        }
        let mut cancel = Cancel {
            request,
            options: Default::default(),
        };
        cancel.options.mode = mode;
        self.send_now(&Message::Cancel(cancel));
    }

    /// Calls a procedure with positional arguments (a tuple, a `Vec`, an array;
    /// `&()` for none); `.await` it for the result, or configure it first (see
    /// [`CallRequest`]).
    pub fn call<A: Serialize + ?Sized>(&self, procedure: &str, args: &A) -> CallRequest {
        CallRequest {
            session: self.clone(),
            procedure: procedure.to_owned(),
            payload: encode_args(self.serializer(), args),
            options: CallOptions::default(),
        }
    }

    /// Calls a procedure with an encoded payload.
    pub fn call_payload(&self, procedure: &str, payload: Payload) -> CallRequest {
        CallRequest {
            session: self.clone(),
            procedure: procedure.to_owned(),
            payload: Ok(payload),
            options: CallOptions::default(),
        }
    }

    /// Registers a procedure.
    pub async fn register(
        &self,
        procedure: &str,
        options: RegisterOptions,
        handler: ProcedureHandler,
    ) -> Result<Registration, Error> {
        self.register_extra(procedure, options, handler, Default::default())
            .await
    }

    /// Registers a procedure with extra (implementation-specific) options,
    /// such as the schema a component sends for the router's reflection API.
    pub(crate) async fn register_extra(
        &self,
        procedure: &str,
        options: RegisterOptions,
        handler: ProcedureHandler,
        extra: crate::protocol::Dict,
    ) -> Result<Registration, Error> {
        let kind = match options.match_ {
            Some(crate::protocol::options::MatchPolicy::Wildcard) => UriKind::EmptyComponents,
            Some(crate::protocol::options::MatchPolicy::Prefix) => UriKind::LastEmpty,
            _ => UriKind::Concrete,
        };
        let uri = Uri::with_kind(procedure, kind)
            .map_err(|e| Error::message(uri::INVALID_URI, e.to_string()))?;
        let active = Arc::new(AtomicBool::new(true));
        let entry = RegistrationEntry {
            procedure: procedure.to_owned(),
            handler,
            limit: options
                .concurrency
                .filter(|n| *n > 0)
                .map(|n| Arc::new(Semaphore::new(n as usize))),
            active: active.clone(),
        };
        let (tx, rx) = oneshot::channel();
        let mut wire = options.to_wire();
        wire.extra.extend(extra);
        self.request(Pending::Register { tx, entry }, |request| {
            Message::Register(Register {
                request,
                options: wire,
                procedure: uri,
            })
        })
        .await?;
        let id = rx.await.unwrap_or_else(|_| Err(Error::transport_lost()))?;
        Ok(Registration {
            session: self.clone(),
            id,
            active,
        })
    }

    /// Unregisters a registration by ID.
    pub async fn unregister(&self, registration: Id) -> Result<(), Error> {
        let (tx, rx) = oneshot::channel();
        self.request(Pending::Unregister(tx), |request| {
            Message::Unregister(Unregister {
                request,
                registration,
            })
        })
        .await?;
        rx.await.unwrap_or_else(|_| Err(Error::transport_lost()))?;
        if let Some(entry) = self.lock().registrations.remove(&registration) {
            entry.active.store(false, Ordering::Release);
        }
        Ok(())
    }

    /// Publishes an event with positional arguments and default options.
    pub async fn publish<A: Serialize + ?Sized>(
        &self,
        topic: &str,
        args: &A,
    ) -> Result<Option<Id>, Error> {
        let payload = encode_args(self.serializer(), args)?;
        self.publish_with(topic, payload, PublishOptions::default())
            .await
    }

    /// Publishes an event; with `acknowledge` it waits for PUBLISHED and returns the publication ID.
    pub async fn publish_with(
        &self,
        topic: &str,
        payload: Payload,
        options: PublishOptions,
    ) -> Result<Option<Id>, Error> {
        let topic = Uri::new(topic).map_err(|e| Error::message(uri::INVALID_URI, e.to_string()))?;
        let wire = options.to_wire();
        let build = |request| {
            Message::Publish(Publish {
                request,
                options: wire,
                topic,
                payload,
            })
        };
        if options.acknowledge {
            let (tx, rx) = oneshot::channel();
            self.request(Pending::Publish(tx), build).await?;
            rx.await.unwrap_or_else(|_| Err(Error::transport_lost()))
        } else {
            // Unacknowledged: the ID is still sequential but nothing waits for it.
            let frame = {
                let mut core = self.lock();
                let Some(id) = core.proto.request_untracked() else {
                    return Err(if self.is_closed() {
                        Error::transport_lost()
                    } else {
                        Error::not_joined()
                    });
                };
                self.encode(&build(id))?
            };
            send_frame(&self.shared.out, frame).await?;
            Ok(None)
        }
    }

    /// Subscribes a handler to a topic.
    pub async fn subscribe(
        &self,
        topic: &str,
        options: SubscribeOptions,
        handler: EventHandler,
    ) -> Result<Subscription, Error> {
        self.subscribe_extra(topic, options, handler, Default::default())
            .await
    }

    /// Subscribes with extra (implementation-specific) options.
    pub(crate) async fn subscribe_extra(
        &self,
        topic: &str,
        options: SubscribeOptions,
        handler: EventHandler,
        extra: crate::protocol::Dict,
    ) -> Result<Subscription, Error> {
        let uri = Uri::with_kind(topic, UriKind::EmptyComponents)
            .map_err(|e| Error::message(uri::INVALID_URI, e.to_string()))?;
        let (tx, rx) = oneshot::channel();
        let mut wire = options.to_wire();
        wire.extra.extend(extra);
        self.request(
            Pending::Subscribe {
                tx,
                handler,
                topic: topic.to_owned(),
            },
            |request| {
                Message::Subscribe(Subscribe {
                    request,
                    options: wire,
                    topic: uri,
                })
            },
        )
        .await?;
        let (id, local) = rx.await.unwrap_or_else(|_| Err(Error::transport_lost()))?;
        let active = self
            .lock()
            .subscriptions
            .get(&id)
            .map(|s| s.active.clone())
            .unwrap_or_default();
        Ok(Subscription {
            session: self.clone(),
            id,
            local,
            active,
            own: Arc::new(AtomicBool::new(true)),
        })
    }

    async fn unsubscribe(&self, subscription: Id, local: u64) -> Result<(), Error> {
        {
            let mut core = self.lock();
            let Some(entry) = core.subscriptions.get_mut(&subscription) else {
                return Ok(());
            };
            entry.handlers.retain(|(l, _)| *l != local);
            if !entry.handlers.is_empty() {
                return Ok(());
            }
        }
        let (tx, rx) = oneshot::channel();
        self.request(Pending::Unsubscribe(tx), |request| {
            Message::Unsubscribe(Unsubscribe {
                request,
                subscription,
            })
        })
        .await?;
        rx.await.unwrap_or_else(|_| Err(Error::transport_lost()))?;
        if let Some(entry) = self.lock().subscriptions.remove(&subscription) {
            entry.active.store(false, Ordering::Release);
        }
        Ok(())
    }

    /// Leaves with `wamp.close.normal` and waits for the router's GOODBYE (at most 5 s).
    pub async fn leave(&self) -> CloseReason {
        self.leave_with(uri::CLOSE_NORMAL, None).await
    }

    /// Leaves with a reason and message.
    pub async fn leave_with(&self, reason: &str, message: Option<String>) -> CloseReason {
        let goodbye = self
            .lock()
            .proto
            .goodbye(Uri::from_trusted(reason), message);
        if let Some(goodbye) = goodbye {
            let _ = self.send(&Message::Goodbye(goodbye)).await;
            if tokio::time::timeout(std::time::Duration::from_secs(5), self.closed())
                .await
                .is_err()
            {
                self.shared.stop.cancel();
            }
        }
        self.closed().await
    }

    /// Drops the transport without GOODBYE (for tests and emergencies).
    pub fn disconnect(&self) {
        self.shared.stop.cancel();
    }

    pub(crate) async fn send_progress(&self, request: Id, payload: Payload) -> Result<(), Error> {
        if !self.lock().invocations.contains_key(&request) {
            return Err(Error::message(uri::CANCELED, "the invocation is over"));
        }
        let msg = Message::Yield(Yield {
            request,
            options: YieldOptions {
                progress: Some(true),
                ..YieldOptions::default()
            },
            payload,
        });
        self.send(&msg).await
    }

    fn next_local(&self) -> u64 {
        self.shared.local_ids.fetch_add(1, Ordering::Relaxed) + 1
    }
}

/// Encodes positional arguments; `()` (anything serializing as null) means none.
pub(crate) fn encode_args<A: Serialize + ?Sized>(
    kind: SerializerKind,
    args: &A,
) -> Result<Payload, Error> {
    Payload::encode_args(kind, args).or_else(|e| {
        match crate::protocol::Value::from_serialize(args) {
            Ok(crate::protocol::Value::Null) => Ok(Payload::empty()),
            _ => Err(Error::from(e)),
        }
    })
}

fn lost_reason() -> CloseReason {
    CloseReason {
        reason: uri::TRANSPORT_LOST.into(),
        message: None,
    }
}

async fn send_frame(out: &mpsc::Sender<Bytes>, frame: Bytes) -> Result<(), Error> {
    match out.try_send(frame) {
        Ok(()) => Ok(()),
        Err(mpsc::error::TrySendError::Full(frame)) => {
            out.send(frame).await.map_err(|_| Error::transport_lost())
        }
        Err(mpsc::error::TrySendError::Closed(_)) => Err(Error::transport_lost()),
    }
}

/// A call being configured; `.await` it to run it.
#[must_use = "a call does nothing until awaited"]
pub struct CallRequest {
    session: Session,
    procedure: String,
    payload: Result<Payload, Error>,
    options: CallOptions,
}

impl CallRequest {
    /// Sets all options.
    pub fn options(mut self, options: CallOptions) -> Self {
        self.options = options;
        self
    }

    /// Sets the timeout (router-side in ms, and local deadline).
    pub fn timeout(mut self, timeout: std::time::Duration) -> Self {
        self.options.timeout = Some(timeout);
        self
    }

    /// Sets keyword arguments (positional ones stay).
    pub fn kwargs<K: Serialize + ?Sized>(mut self, kwargs: &K) -> Self {
        let kind = self.session.serializer();
        self.payload = self.payload.and_then(|p| {
            let kw = Payload::encode_kwargs(kind, kwargs)?;
            Ok(Payload::from_raw(
                kind,
                p.raw_args().cloned(),
                kw.raw_kwargs().cloned(),
            ))
        });
        self
    }

    /// Sends the CALL and returns the pending call, which can be canceled
    /// explicitly; dropping it before the answer sends CANCEL.
    pub async fn start(self) -> Result<PendingCall, Error> {
        self.start_inner(false).await
    }

    /// Sends the CALL asking for progressive results: a stream of results whose
    /// last item is the final result.
    pub async fn progressive(self) -> Result<PendingCall, Error> {
        self.start_inner(true).await
    }

    async fn start_inner(self, progress: bool) -> Result<PendingCall, Error> {
        let payload = self.payload?;
        let procedure = Uri::new(self.procedure)
            .map_err(|e| Error::message(uri::INVALID_URI, e.to_string()))?;
        let (sink, rx) = CallSink::new(progress);
        let wire = self.options.to_wire(progress);
        let id = self
            .session
            .request(Pending::Call(sink), |request| {
                Message::Call(Call {
                    request,
                    options: wire,
                    procedure,
                    payload,
                })
            })
            .await?;
        Ok(PendingCall::new(self.session, id, rx, &self.options))
    }
}

impl std::future::IntoFuture for CallRequest {
    type Output = Result<CallResult, Error>;
    type IntoFuture = BoxFuture<'static, Result<CallResult, Error>>;

    fn into_future(self) -> Self::IntoFuture {
        async move { self.start().await?.await }.boxed()
    }
}

/// Writes batches of frames; stops on `stop` (after draining) or on a write error.
async fn writer(
    mut sink: FrameSink,
    mut rx: mpsc::Receiver<Bytes>,
    stop: CancellationToken,
    lost: CancellationToken,
) {
    let mut batch = Vec::with_capacity(BATCH);
    loop {
        tokio::select! {
            biased;
            n = rx.recv_many(&mut batch, BATCH) => {
                if n == 0 {
                    break;
                }
                if write_batch(&mut sink, &mut batch).await.is_err() {
                    break;
                }
            }
            () = stop.cancelled() => {
                while let Ok(frame) = rx.try_recv() {
                    batch.push(frame);
                }
                let _ = write_batch(&mut sink, &mut batch).await;
                break;
            }
        }
    }
    let _ = sink.close().await;
    lost.cancel();
}

async fn write_batch(
    sink: &mut FrameSink,
    batch: &mut Vec<Bytes>,
) -> Result<(), crate::transport::TransportError> {
    for frame in batch.drain(..) {
        sink.feed(frame).await?;
    }
    sink.flush().await
}

/// Reads frames and dispatches them until the transport ends or the session closes.
async fn reader(shared: std::sync::Weak<Shared>, mut stream: FrameStream, lost: CancellationToken) {
    let reason = loop {
        let frame = tokio::select! {
            frame = stream.next() => frame,
            () = lost.cancelled() => None,
        };
        let Some(session) = shared.upgrade().map(|shared| Session { shared }) else {
            return;
        };
        let frame = match frame {
            Some(Ok(frame)) => frame,
            Some(Err(e)) => {
                tracing::debug!(error = %e, "transport failed");
                break lost_reason();
            }
            None => break lost_reason(),
        };
        let message = match session.serializer().decode(frame) {
            Ok(m) => m,
            Err(e) => break violation(&session, e.to_string()).await,
        };
        let incoming = session.lock().proto.handle(message);
        match incoming {
            Ok(incoming) => {
                if let Some(reason) = dispatch(&session, incoming).await {
                    break reason;
                }
            }
            Err(v) => break violation(&session, v.0).await,
        }
    };
    if let Some(shared) = shared.upgrade() {
        end_session(&Session { shared }, reason);
    }
}

async fn violation(session: &Session, message: String) -> CloseReason {
    tracing::warn!(%message, "protocol violation by the router");
    let _ = session
        .send(&Message::Abort(Abort::new(
            Uri::from_trusted(uri::PROTOCOL_VIOLATION),
            message.clone(),
        )))
        .await;
    CloseReason {
        reason: uri::PROTOCOL_VIOLATION.into(),
        message: Some(message),
    }
}

fn end_session(session: &Session, reason: CloseReason) {
    let (pending, invocations) = {
        let mut core = session.lock();
        let pending = core.proto.end();
        let invocations: Vec<_> = core.invocations.drain().map(|(_, t)| t).collect();
        for entry in core.registrations.values() {
            entry.active.store(false, Ordering::Release);
        }
        for entry in core.subscriptions.values() {
            entry.active.store(false, Ordering::Release);
        }
        (pending, invocations)
    };
    for p in pending {
        p.fail(Error::transport_lost());
    }
    for token in invocations {
        token.cancel();
    }
    tracing::debug!(reason = %reason.reason, "session ended");
    session.shared.closed.send_replace(Some(reason));
    session.shared.stop.cancel();
}

/// Handles one classified message; `Some` ends the session.
async fn dispatch(session: &Session, incoming: Incoming<Pending>) -> Option<CloseReason> {
    match incoming {
        Incoming::Reply { pending, message } => on_reply(session, pending, message),
        Incoming::Progress(result) => {
            let mut core = session.lock();
            if let Some(Pending::Call(sink)) = core.proto.pending_mut(result.request) {
                sink.progress(CallResult {
                    payload: result.payload,
                    details: result.details,
                });
            }
        }
        Incoming::Stale(m) => {
            tracing::trace!(kind = m.message_type().name(), "late answer ignored")
        }
        Incoming::Invocation(inv) => on_invocation(session, inv).await,
        Incoming::Interrupt(int) => {
            if let Some(token) = session.lock().invocations.get(&int.request) {
                token.cancel();
            }
        }
        Incoming::Event(ev) => on_event(session, ev),
        Incoming::RegistrationRevoked {
            registration,
            reason,
        } => {
            tracing::info!(registration, ?reason, "registration revoked by the router");
            if let Some(e) = session.lock().registrations.remove(&registration) {
                e.active.store(false, Ordering::Release);
            }
        }
        Incoming::SubscriptionRevoked {
            subscription,
            reason,
        } => {
            tracing::info!(subscription, ?reason, "subscription revoked by the router");
            if let Some(e) = session.lock().subscriptions.remove(&subscription) {
                e.active.store(false, Ordering::Release);
            }
        }
        Incoming::Goodbye {
            message,
            reply_to_ours,
        } => {
            if !reply_to_ours {
                let _ = session
                    .send(&Message::Goodbye(Goodbye::new(Uri::from_trusted(
                        uri::CLOSE_GOODBYE_AND_OUT,
                    ))))
                    .await;
            }
            return Some(CloseReason {
                reason: message.reason.into_string(),
                message: message.details.message,
            });
        }
        Incoming::Abort(a) => {
            return Some(CloseReason {
                reason: a.reason.into_string(),
                message: a.details.message,
            });
        }
        Incoming::Challenge(_) | Incoming::Welcome(_) => {}
    }
    None
}

fn on_reply(session: &Session, pending: Pending, message: Message) {
    match (pending, message) {
        (p, Message::Error(e)) => p.fail(app_error(&e)),
        (Pending::Call(sink), Message::Result(r)) => sink.finish(Ok(CallResult {
            payload: r.payload,
            details: r.details,
        })),
        (Pending::Register { tx, entry }, Message::Registered(r)) => {
            session.lock().registrations.insert(r.registration, entry);
            let _ = tx.send(Ok(r.registration));
        }
        (Pending::Subscribe { tx, handler, topic }, Message::Subscribed(s)) => {
            let local = session.next_local();
            let mut core = session.lock();
            core.subscriptions
                .entry(s.subscription)
                .or_insert_with(|| SubscriptionEntry {
                    topic,
                    handlers: Vec::new(),
                    active: Arc::new(AtomicBool::new(true)),
                })
                .handlers
                .push((local, handler));
            let _ = tx.send(Ok((s.subscription, local)));
        }
        (Pending::Unregister(tx), _) | (Pending::Unsubscribe(tx), _) => drop(tx.send(Ok(()))),
        (Pending::Publish(tx), Message::Published(p)) => drop(tx.send(Ok(Some(p.publication)))),
        (p, m) => p.fail(Error::message(
            uri::PROTOCOL_VIOLATION,
            format!("unexpected {}", m.message_type().name()),
        )),
    }
}

/// Runs a future inline until it first waits; only then is a task spawned.
/// Handlers that finish at once cost no task and no thread hop.
fn run_inline(fut: impl Future<Output = ()> + Send + 'static) {
    let mut fut: Pin<Box<dyn Future<Output = ()> + Send>> = Box::pin(fut);
    let mut cx = Context::from_waker(std::task::Waker::noop());
    if fut.as_mut().poll(&mut cx).is_pending() {
        tokio::spawn(fut);
    }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "handler panicked".into())
}

async fn on_invocation(session: &Session, inv: crate::protocol::Invocation) {
    let entry = session.lock().registrations.get(&inv.registration).cloned();
    let Some(entry) = entry else {
        let err = Message::Error(ErrorMessage {
            request_type: MessageType::Invocation,
            request: inv.request,
            details: ErrorDetails::default(),
            error: Uri::from_trusted(uri::NO_SUCH_REGISTRATION),
            payload: Payload::empty(),
        });
        let _ = session.send(&err).await;
        return;
    };
    let token = CancellationToken::new();
    session
        .lock()
        .invocations
        .insert(inv.request, token.clone());
    let d = inv.details;
    let details = CallDetails {
        registration: inv.registration,
        procedure: d.procedure.unwrap_or_else(|| entry.procedure.clone()),
        caller: d.caller,
        caller_authid: d.caller_authid,
        caller_authrole: d.caller_authrole,
        timeout: d
            .timeout
            .filter(|t| *t > 0)
            .map(std::time::Duration::from_millis),
        receive_progress: d.receive_progress == Some(true),
    };
    let request = inv.request;
    let timeout = details.timeout;
    let ctx = Invocation {
        payload: inv.payload,
        progress: details.receive_progress.then(|| ProgressSender {
            session: session.clone(),
            request,
        }),
        details,
        session: session.clone(),
        cancel: token.clone(),
    };
    let session = session.clone();
    run_inline(async move {
        let limit = entry.limit.clone();
        let handler = entry.handler.clone();
        let work = async move {
            // Queued behind the concurrency limit, if any; INTERRUPT still applies.
            let _permit = match limit {
                Some(limit) => limit.acquire_owned().await.ok(),
                None => None,
            };
            AssertUnwindSafe(async move { handler(ctx).await })
                .catch_unwind()
                .await
        };
        let deadline = async move {
            match timeout {
                Some(t) => tokio::time::sleep(t).await,
                None => std::future::pending().await,
            }
        };
        tokio::pin!(work);
        let outcome = tokio::select! {
            biased;
            r = &mut work => r,
            () = token.cancelled() => {
                // The handler sees the token first and may finish; past a grace
                // period its future is dropped.
                match tokio::time::timeout(INTERRUPT_GRACE, &mut work).await {
                    Ok(r) => r,
                    Err(_) => Ok(Err(Error::message(uri::CANCELED, "interrupted"))),
                }
            }
            () = deadline => Ok(Err(Error::message(uri::TIMEOUT, "the call timed out at the callee"))),
        };
        let outcome = match outcome {
            Ok(r) => r,
            Err(panic) => {
                let text = panic_message(&*panic);
                tracing::error!(procedure = %entry.procedure, panic = %text, "procedure panicked");
                Err(Error::message(uri::RUNTIME_ERROR, text))
            }
        };
        let still_running = session.lock().invocations.remove(&request).is_some();
        if !still_running && session.is_closed() {
            return;
        }
        let message = match outcome {
            Ok(result) => Message::Yield(Yield {
                request,
                options: YieldOptions::default(),
                payload: result.payload,
            }),
            Err(e) => {
                if !e.is(uri::CANCELED) {
                    tracing::warn!(procedure = %entry.procedure, error = %e, "procedure failed");
                }
                Message::Error(ErrorMessage {
                    request_type: MessageType::Invocation,
                    request,
                    details: ErrorDetails::default(),
                    error: Uri::from_trusted(e.uri()),
                    payload: e.payload().clone(),
                })
            }
        };
        if let Err(e) = session.send(&message).await
            && !session.is_closed()
        {
            tracing::warn!(error = %e, "cannot send the answer of an invocation");
            let fallback = Message::Error(ErrorMessage {
                request_type: MessageType::Invocation,
                request,
                details: ErrorDetails::default(),
                error: Uri::from_trusted(uri::INVALID_PAYLOAD),
                payload: Payload::empty(),
            });
            let _ = session.send(&fallback).await;
        }
    });
}

fn on_event(session: &Session, ev: Event) {
    let (handlers, topic) = {
        let core = session.lock();
        match core.subscriptions.get(&ev.subscription) {
            Some(s) => (
                s.handlers
                    .iter()
                    .map(|(_, h)| h.clone())
                    .collect::<Vec<_>>(),
                s.topic.clone(),
            ),
            None => {
                tracing::debug!(
                    subscription = ev.subscription,
                    "event for an unknown subscription"
                );
                return;
            }
        }
    };
    let d = ev.details;
    let ack = d.x_acknowledged_delivery == Some(true);
    let details = EventDetails {
        subscription: ev.subscription,
        publication: ev.publication,
        topic: d.topic.unwrap_or(topic),
        publisher: d.publisher,
        publisher_authid: d.publisher_authid,
        publisher_authrole: d.publisher_authrole,
        retained: d.retained == Some(true),
    };
    for handler in handlers {
        let ctx = EventContext {
            payload: ev.payload.clone(),
            details: details.clone(),
            session: session.clone(),
        };
        let session = session.clone();
        let publication = ev.publication;
        run_inline(async move {
            let topic = ctx.details.topic.clone();
            let work = AssertUnwindSafe(async move { handler(ctx).await }).catch_unwind();
            match work.await {
                Ok(Ok(())) => {
                    if ack {
                        let _ = session
                            .send(&Message::EventReceived(EventReceived { publication }))
                            .await;
                    }
                }
                Ok(Err(e)) => tracing::warn!(%topic, error = %e, "event handler failed"),
                Err(panic) => {
                    tracing::error!(%topic, panic = %panic_message(&*panic), "event handler panicked")
                }
            }
        });
    }
}
