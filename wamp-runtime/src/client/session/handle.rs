//! The [`Session`] handle and what refers back to it: the state its handle,
//! reader and writer share behind one lock, the requests waiting for an
//! answer, the registrations and subscriptions with their handlers, and the
//! contexts handlers receive (each holding the handle). These types contain
//! one another, so they are defined together here; what they do lives in the
//! sibling files (one per job), the protocol rules in
//! [`client::state`](crate::client::state).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use bytes::Bytes;
use futures_util::future::BoxFuture;
use tokio::sync::{Semaphore, broadcast, mpsc, oneshot, watch};
use tokio_util::sync::CancellationToken;

use super::answer::CallSink;
use super::close::{CloseReason, lost_reason};
use super::input::{InputFeed, InputSlot};
use super::limits::{HandlerLoad, SessionLimits, WarnGate};
use crate::client::codec::PayloadCodec;
use crate::client::details::{
    CallDetails, CallResult, EventDetails, Extensions, SessionDetails, State,
};
use crate::client::error::Error;
use crate::client::state::ClientCore;
use crate::protocol::{Id, Payload};
use crate::serializer::SerializerKind;

/// A joined WAMP session: a cheap `Clone` handle to call, register, publish
/// and subscribe. Every request ends in an answer, an error, a local timeout,
/// or `wamp.error.transport_lost`.
///
/// ```no_run
/// # async fn demo() -> Result<(), wamp::Error> {
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
    pub(super) shared: Arc<Shared>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("id", &self.shared.details.session)
            .field("realm", &self.shared.details.realm)
            .finish_non_exhaustive()
    }
}

impl Session {
    /// The state behind the lock (a poisoned lock is taken over: the state
    /// stays consistent, every change is made in one step).
    pub(super) fn lock(&self) -> MutexGuard<'_, Core> {
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

    /// A new ID for a local handler of a subscription.
    /// Sets (or with `None` removes) the payload codec: from now on, the
    /// arguments of CALL, PUBLISH, YIELD and ERROR are encrypted for the URIs
    /// it has keys for, and encrypted RESULT, ERROR, INVOCATION and EVENT
    /// payloads are opened with it (see [`crate::client::codec`]).
    pub fn set_payload_codec(&self, codec: Option<Arc<dyn PayloadCodec>>) {
        *self.shared.codec.write().unwrap_or_else(|e| e.into_inner()) = codec;
    }

    /// The payload codec, if set.
    pub(super) fn codec(&self) -> Option<Arc<dyn PayloadCodec>> {
        self.shared
            .codec
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Encrypts `payload` sent under `uri` when a codec has a key for it.
    pub(super) fn seal(
        &self,
        originating: bool,
        uri: &str,
        payload: Payload,
    ) -> Result<(Payload, crate::client::codec::EncFields), Error> {
        crate::client::codec::seal(self.codec().as_deref(), originating, uri, payload)
    }

    pub(super) fn next_local(&self) -> u64 {
        self.shared.local_ids.fetch_add(1, Ordering::Relaxed) + 1
    }
}

/// What a session's handle, reader and writer share.
pub(super) struct Shared {
    /// The protocol state and the tables, behind one lock.
    pub(super) core: Mutex<Core>,
    /// The outbox the writer drains.
    pub(super) out: mpsc::Sender<Bytes>,
    /// The transport's serializer.
    pub(super) serializer: SerializerKind,
    /// What the router said on joining.
    pub(super) details: SessionDetails,
    /// Shared state for handlers.
    pub(super) extensions: Extensions,
    /// How the session ended, once it has.
    pub(super) closed: watch::Sender<Option<CloseReason>>,
    /// Stops the writer (which then closes the transport).
    pub(super) stop: CancellationToken,
    /// The last ID given to a local subscription handler.
    pub(super) local_ids: AtomicU64,
    /// The bounds of the session's queues.
    pub(super) limits: SessionLimits,
    /// Permits for frames waiting for room in the outbox in background tasks
    /// (CANCELs sent from `Drop`).
    pub(super) overflow: Arc<Semaphore>,
    /// Limits the warnings about refused invocations.
    pub(super) refused_warn: WarnGate,
    /// Publication IDs acknowledged by subscribers (EVENT_RECEIVED).
    pub(super) acks: broadcast::Sender<Id>,
    /// The payload codec (end-to-end encryption), if set.
    pub(super) codec: std::sync::RwLock<Option<Arc<dyn PayloadCodec>>>,
}

/// Everything behind the lock.
pub(super) struct Core {
    /// The sans-I/O protocol state, with the requests waiting for an answer.
    pub(super) proto: ClientCore<Pending>,
    /// Our registrations by router ID.
    pub(super) registrations: HashMap<Id, RegistrationEntry>,
    /// Our subscriptions by router ID.
    pub(super) subscriptions: HashMap<Id, SubscriptionEntry>,
    /// The running invocations by request ID, with the token INTERRUPT fires.
    pub(super) invocations: HashMap<Id, CancellationToken>,
    /// The running invocations still taking input chunks, by request ID.
    pub(super) inputs: HashMap<Id, InputFeed>,
    /// Progressive invocations refused at their first chunk, or ended before
    /// their final chunk, whose final chunk has not arrived yet (their later chunks are dropped, not taken
    /// for new invocations); at most 64, oldest forgotten first.
    pub(super) refused_inputs: std::collections::VecDeque<Id>,
}

/// What the runtime keeps for a request waiting for its answer.
pub(super) enum Pending {
    /// A CALL: where its answers go.
    Call(CallSink),
    /// A REGISTER: who waits for the ID, and the entry to keep once registered.
    Register {
        /// Receives the registration ID.
        tx: oneshot::Sender<Result<Id, Error>>,
        /// Kept under the ID at REGISTERED.
        entry: RegistrationEntry,
    },
    /// An UNREGISTER.
    Unregister(oneshot::Sender<Result<(), Error>>),
    /// A SUBSCRIBE: who waits, and the handler to add at SUBSCRIBED.
    Subscribe {
        /// Receives the subscription ID and the handler's local ID.
        tx: oneshot::Sender<Result<(Id, u64), Error>>,
        /// The handler.
        handler: EventHandler,
        /// The topic (or pattern) subscribed to.
        topic: String,
        /// The handler's count of events in hand and dropped.
        load: Arc<HandlerLoad>,
    },
    /// An UNSUBSCRIBE.
    Unsubscribe(oneshot::Sender<Result<(), Error>>),
    /// An acknowledged PUBLISH.
    Publish(oneshot::Sender<Result<Option<Id>, Error>>),
}

/// A registered procedure.
#[derive(Clone)]
pub(super) struct RegistrationEntry {
    /// The URI (or pattern) registered.
    pub(super) procedure: String,
    /// Its handler.
    pub(super) handler: ProcedureHandler,
    /// Its concurrency limit, if any.
    pub(super) limit: Option<Arc<Semaphore>>,
    /// Cleared when unregistered or revoked.
    pub(super) active: Arc<AtomicBool>,
    /// The handler takes its input in chunks (progressive call invocations).
    pub(super) progressive_input: bool,
}

/// A subscription, shared by every local handler of one topic.
pub(super) struct SubscriptionEntry {
    /// The topic (or pattern) subscribed to.
    pub(super) topic: String,
    /// The handlers by local ID, with their counts of events in hand and
    /// dropped; shared, so that each EVENT takes them with one reference
    /// count (changed with `Arc::make_mut`).
    pub(super) handlers: Arc<Vec<(u64, EventHandler, Arc<HandlerLoad>)>>,
    /// Cleared when unsubscribed or revoked.
    pub(super) active: Arc<AtomicBool>,
}
/// A procedure: takes an invocation, returns the result or an error.
pub type ProcedureHandler =
    Arc<dyn Fn(InvocationContext) -> BoxFuture<'static, Result<CallResult, Error>> + Send + Sync>;

/// An event handler: takes an event; an error is logged (and withholds EVENT_RECEIVED).
pub type EventHandler =
    Arc<dyn Fn(EventContext) -> BoxFuture<'static, Result<(), Error>> + Send + Sync>;

/// Everything a procedure gets for one call.
pub struct InvocationContext {
    /// The arguments, still encoded (decode with `payload.args::<T>()`).
    pub payload: Payload,
    /// Who called what.
    pub details: CallDetails,
    /// The session the call arrived on: call and publish from a handler.
    pub session: Session,
    /// Sends progressive results, when the caller asked for them.
    pub progress: Option<ProgressSender>,
    /// Canceled when the router interrupts the call (the future is dropped too).
    pub cancel: CancellationToken,
    /// The call's input chunks (progressive call invocations), for a
    /// procedure registered with `progressive_input`.
    pub input: InputSlot,
}

impl InvocationContext {
    /// Shared state of type `T`, if the component or session holds one.
    pub fn state<T: Send + Sync + 'static>(&self) -> Option<State<T>> {
        self.session.state::<T>()
    }
}

/// Everything an event handler gets for one event.
pub struct EventContext {
    /// The arguments, still encoded.
    pub payload: Payload,
    /// Who published what.
    pub details: EventDetails,
    /// The session the event arrived on.
    pub session: Session,
}

impl EventContext {
    /// Shared state of type `T`, if the component or session holds one.
    pub fn state<T: Send + Sync + 'static>(&self) -> Option<State<T>> {
        self.session.state::<T>()
    }
}

/// Sends progressive results (`YIELD` with `progress: true`) for one invocation.
#[derive(Clone)]
pub struct ProgressSender {
    /// The session the invocation arrived on.
    pub(super) session: Session,
    /// The INVOCATION's request ID.
    pub(super) request: Id,
}
