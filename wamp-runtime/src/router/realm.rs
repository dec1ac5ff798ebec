//! The I/O shell of one realm: the sans-I/O [`RealmCore`] behind a lock, the
//! outboxes of its sessions, and the timer that drives call timeouts. Each
//! input locks the realm, asks the core, queues its output in order without
//! waiting, and unlocks; full outboxes are waited for after the lock.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

use super::core::hash::HashMap;
use crate::protocol::Message;
use crate::protocol::id::Id;

use super::auth::authorizer::Authorizers;
use super::config::RealmConfig;
use super::core::{JoinRefused, Joining, NotRoutable, Outgoing, Output, RealmCore, Undeliverable};
use super::limits::Limits;
use super::metrics::{RealmMetrics, RealmView};
use super::outbox::{Deferred, Outbound, Outbox, SharedMessage, flush_deferred};
use super::trace;

/// The core and the outboxes of its sessions, changed together.
struct State {
    core: RealmCore,
    outboxes: HashMap<Id, Outbox>,
    /// What went in and came out, counted.
    metrics: RealmMetrics,
}

impl State {
    /// Counts the core's output before it is queued.
    fn observe(&mut self, out: &Output) {
        self.metrics.outbound(&self.core, out);
    }
}

/// One realm of the router.
pub(crate) struct Realm {
    /// The realm's configuration (authentication).
    pub(crate) config: RealmConfig,
    /// Dynamic authorizers of its roles, asked before the core routes.
    pub(crate) authorizers: Authorizers,
    state: Mutex<State>,
    /// How long a routing session waits for a full outbox.
    patience: Duration,
    timer: Arc<Notify>,
    timer_running: AtomicBool,
}

impl Realm {
    /// A realm as configured, under the router's limits.
    pub(crate) fn new(config: RealmConfig, limits: &Limits) -> Arc<Self> {
        let patience = Duration::from_millis(limits.slow_consumer_timeout_ms);
        Arc::new(Realm {
            state: Mutex::new(State {
                core: RealmCore::new(&config, limits),
                outboxes: HashMap::default(),
                metrics: RealmMetrics::new(&config.name),
            }),
            authorizers: Authorizers::new(&config.name, config.auth.authorizer.clone()),
            config,
            patience,
            timer: Arc::new(Notify::new()),
            timer_running: AtomicBool::new(false),
        })
    }

    /// The realm's name.
    pub(crate) fn name(&self) -> &str {
        &self.config.name
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A fresh session ID, offered to auth_providers before the join.
    pub(crate) fn new_session_id(&self) -> Id {
        self.lock().core.new_session_id()
    }

    /// A session joins under `id` (or a fresh ID if taken meanwhile):
    /// `welcome(id)` is queued first in its outbox, then whatever the join
    /// routes to others. Refused (nothing queued) when the realm is full.
    pub(crate) async fn join(
        self: &Arc<Self>,
        id: Id,
        joining: Joining,
        outbox: Outbox,
        welcome: impl FnOnce(Id) -> Message,
    ) -> Result<Id, JoinRefused> {
        let mut deferred = Vec::new();
        let id = {
            let mut state = self.lock();
            let authmethod = joining.identity.authmethod.clone();
            let (id, out) = state.core.join(id, joining)?;
            state.metrics.joined(id, &authmethod);
            state.observe(&out);
            outbox.push(id, Outbound::one(welcome(id)), &mut deferred);
            state.outboxes.insert(id, outbox);
            enqueue(&state.outboxes, out, &mut deferred);
            id
        };
        self.settle(deferred).await;
        Ok(id)
    }

    /// Routes one message of session `id`.
    pub(crate) async fn handle(
        self: &Arc<Self>,
        id: Id,
        mut msg: Message,
    ) -> Result<(), NotRoutable> {
        let span = trace::route_span(self.name(), id, &mut msg);
        let mut deferred = Vec::new();
        let msg = match self.authorizers.check(id, msg).await {
            Ok(msg) => msg,
            Err(refusal) => {
                if let Some(refusal) = refusal {
                    let state = self.lock();
                    if let Some(outbox) = state.outboxes.get(&id) {
                        outbox.push(id, Outbound::one(refusal), &mut deferred);
                    }
                }
                self.settle(deferred).await;
                return Ok(());
            }
        };
        let rearm = {
            let _routing = span.enter();
            let mut state = self.lock();
            let state = &mut *state;
            state.metrics.inbound(&state.core, id, &msg);
            let out = state.core.handle(id, msg, Instant::now())?;
            trace::record_routed(&span, &out);
            state.observe(&out);
            let rearm = out.rearm;
            enqueue(&state.outboxes, out, &mut deferred);
            rearm
        };
        if rearm {
            self.rearm_timer();
        }
        self.settle(deferred).await;
        Ok(())
    }

    /// Session `id` is gone.
    pub(crate) async fn leave(self: &Arc<Self>, id: Id) {
        let mut deferred = Vec::new();
        {
            let mut state = self.lock();
            let out = state.core.leave(id, Instant::now());
            state.observe(&out);
            state.metrics.left(id);
            state.outboxes.remove(&id);
            self.authorizers.left(id);
            enqueue(&state.outboxes, out, &mut deferred);
        }
        self.settle(deferred).await;
    }

    /// A message queued for session `id` could not be delivered: what the
    /// core answers instead is queued now; full outboxes are waited for in a
    /// task of their own, so the reporting writer never waits for another.
    pub(crate) fn undeliverable(&self, id: Id, message: &Message, reason: &Undeliverable) {
        let mut deferred = Vec::new();
        {
            let mut state = self.lock();
            let out = state
                .core
                .undeliverable(id, message, reason, Instant::now());
            state.metrics.undeliverable(reason);
            state.observe(&out);
            enqueue(&state.outboxes, out, &mut deferred);
        }
        if !deferred.is_empty() {
            tokio::spawn(flush_deferred(deferred, self.patience));
        }
    }

    /// How many EVENTs could not be delivered to a subscriber so far.
    pub(crate) fn undelivered_events(&self) -> u64 {
        self.lock().core.undelivered_events()
    }

    /// The live catalog document of the realm.
    pub(crate) fn catalog(&self) -> serde_json::Value {
        self.lock().core.catalog()
    }

    /// Sessions, registrations and subscriptions (at most `max` of each)
    /// with the realm's totals, for the admin page; read under the lock.
    pub(crate) fn view(&self, max: usize) -> RealmView {
        let state = self.lock();
        state.metrics.view(&state.core, max)
    }

    async fn settle(&self, deferred: Vec<Deferred>) {
        if !deferred.is_empty() {
            flush_deferred(deferred, self.patience).await;
        }
    }

    /// Wakes the timer task (starting it the first time): a deadline may
    /// have moved earlier.
    fn rearm_timer(self: &Arc<Self>) {
        if !self.timer_running.swap(true, Ordering::AcqRel) {
            tokio::spawn(run_timer(Arc::downgrade(self), self.timer.clone()));
        }
        self.timer.notify_one();
    }
}

/// Queues the core's output in order, without waiting.
fn enqueue(outboxes: &HashMap<Id, Outbox>, out: Output, deferred: &mut Vec<Deferred>) {
    for item in out.items {
        match item {
            Outgoing::Send(id, message) => {
                if let Some(outbox) = outboxes.get(&id) {
                    outbox.push(id, Outbound::one(message), deferred);
                }
            }
            Outgoing::Fanout(ids, message) => {
                let shared = SharedMessage::new(message);
                for id in ids {
                    if let Some(outbox) = outboxes.get(&id) {
                        outbox.push(id, Outbound::Shared(shared.clone()), deferred);
                    }
                }
            }
            Outgoing::Close(id) => {
                if let Some(outbox) = outboxes.get(&id) {
                    outbox.close();
                }
            }
        }
    }
}

/// The realm's timer: sleeps until the core's next deadline (or a re-arm),
/// then lets the core expire what is due. Ends with the realm.
async fn run_timer(realm: Weak<Realm>, wake: Arc<Notify>) {
    loop {
        let next = {
            let Some(realm) = realm.upgrade() else { return };
            realm.lock().core.next_deadline()
        };
        let notified = wake.notified();
        match next {
            Some(at) => {
                tokio::select! {
                    _ = tokio::time::sleep_until(at.into()) => {}
                    _ = notified => continue,
                }
            }
            None => {
                notified.await;
                continue;
            }
        }
        let Some(realm) = realm.upgrade() else { return };
        let mut deferred = Vec::new();
        {
            let mut state = realm.lock();
            let out = state.core.expire(Instant::now());
            state.observe(&out);
            enqueue(&state.outboxes, out, &mut deferred);
        }
        if !deferred.is_empty() {
            let patience = realm.patience;
            tokio::spawn(flush_deferred(deferred, patience));
        }
    }
}
