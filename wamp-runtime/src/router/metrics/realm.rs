//! The metrics of one realm, counted by its shell under the realm's lock
//! from what goes into the core and what comes out of it (the core stays
//! sans-I/O): sessions and joins by authentication method, calls by
//! procedure and outcome with their latency (CALL to the final RESULT or
//! ERROR), events published and delivered, messages not delivered.
//!
//! Procedure and topic labels are registration and subscription URIs (a
//! call of a procedure nobody registered is `<unregistered>`, of the
//! router's own `wamp.*` API `<meta>`), at most [`MAX_LABEL_VALUES`] per
//! realm and in the whole process, and [`MAX_ERROR_LABELS`] error URIs per
//! procedure (and [`MAX_LABEL_VALUES`] in the whole process). Handles are made
//! once per label value and kept; totals are kept as plain numbers too, for
//! the live admin page.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::protocol::id::Id;
use crate::protocol::{Message, MessageType, uris};
use crate::router::core::hash::HashMap;
use crate::router::core::{CoreSnapshot, Outgoing, Output, RealmCore, Undeliverable};

use super::global::realm_label;
use super::handles::{self, Counter, Gauge, Histogram, generation};
use super::labels::{self, Family, MAX_LABEL_VALUES, META, UNREGISTERED};

/// Most error URIs counted apart per procedure; more go to `<other>`.
pub(crate) const MAX_ERROR_LABELS: usize = 50;

/// Most calls waiting for their answer that are timed; past that a call is
/// not counted (the core bounds calls in flight well below).
const MAX_PENDING: usize = 100_000;

struct MethodHandles {
    sessions: Gauge,
    joins: Counter,
}

struct ProcedureHandles {
    realm: Arc<str>,
    procedure: Arc<str>,
    result: Counter,
    timeout: Counter,
    canceled: Counter,
    errors: Family<Counter>,
    latency: Histogram,
    calls: u64,
    failed: u64,
}

impl ProcedureHandles {
    fn new(realm: &Arc<str>, procedure: &str) -> Self {
        let outcome = |outcome: &str| {
            handles::counter(
                "wamp_router_calls_total",
                &[
                    ("realm", realm),
                    ("procedure", procedure),
                    ("outcome", outcome),
                    ("error", ""),
                ],
            )
        };
        ProcedureHandles {
            realm: realm.clone(),
            procedure: Arc::from(procedure),
            result: outcome("result"),
            timeout: outcome("timeout"),
            canceled: outcome("canceled"),
            errors: Family::shared(MAX_ERROR_LABELS, &labels::ERRORS),
            latency: handles::histogram(
                "wamp_router_call_duration_seconds",
                &[("realm", realm), ("procedure", procedure)],
            ),
            calls: 0,
            failed: 0,
        }
    }

    /// Counts the final answer of one call.
    fn answered(&mut self, error: Option<&str>, took: f64) {
        self.latency.record(took);
        self.calls += 1;
        match error {
            None => self.result.increment(1),
            Some(uris::TIMEOUT) => self.timeout.increment(1),
            Some(uris::CANCELED) => self.canceled.increment(1),
            Some(uri) => {
                self.failed += 1;
                let (realm, procedure) = (&self.realm, &self.procedure);
                let (_, counter) = self.errors.entry(uri, |uri| {
                    handles::counter(
                        "wamp_router_calls_total",
                        &[
                            ("realm", realm),
                            ("procedure", procedure),
                            ("outcome", "error"),
                            ("error", uri),
                        ],
                    )
                });
                counter.increment(1);
            }
        }
    }
}

struct TopicHandles {
    delivered: Counter,
    count: u64,
}

struct SessionEntry {
    joined: Instant,
    method: Arc<str>,
}

struct PendingCall {
    started: Instant,
    procedure: Arc<str>,
}

/// Totals of a realm since it started, for the live page.
#[derive(Debug, Clone, Default)]
pub(crate) struct RealmStats {
    /// Calls answered (final RESULT or ERROR).
    pub(crate) calls: u64,
    /// Of which ended with an ERROR other than timeout and canceled.
    pub(crate) errors: u64,
    /// PUBLISHes received.
    pub(crate) published: u64,
    /// EVENTs sent.
    pub(crate) delivered: u64,
    /// Calls answered and failed per procedure label.
    pub(crate) procedures: Vec<(Arc<str>, u64, u64)>,
    /// EVENTs sent per topic label.
    pub(crate) topics: Vec<(Arc<str>, u64)>,
}

/// A realm as the admin page shows it, read at one moment.
#[derive(Debug, Clone)]
pub(crate) struct RealmView {
    /// Sessions, registrations, subscriptions (bounded).
    pub(crate) core: CoreSnapshot,
    /// Totals since the realm started.
    pub(crate) stats: RealmStats,
    /// How long each session of `core.sessions` has been joined, in order.
    pub(crate) ages: Vec<Option<Duration>>,
}

/// The metrics of one realm, kept by its shell.
pub(crate) struct RealmMetrics {
    realm: Arc<str>,
    generation: u64,
    methods: Family<MethodHandles>,
    procedures: Family<ProcedureHandles>,
    topics: Family<TopicHandles>,
    published: Counter,
    not_encodable: Counter,
    too_large: Counter,
    sessions: HashMap<Id, SessionEntry>,
    pending: HashMap<(Id, Id), PendingCall>,
    published_total: u64,
    delivered_total: u64,
}

impl RealmMetrics {
    /// The metrics of realm `name`.
    pub(crate) fn new(name: &str) -> Self {
        let realm = realm_label(name);
        let mut metrics = RealmMetrics {
            generation: generation(),
            methods: Family::shared(MAX_LABEL_VALUES, &labels::METHODS),
            procedures: Family::shared(MAX_LABEL_VALUES, &labels::PROCEDURES),
            topics: Family::shared(MAX_LABEL_VALUES, &labels::TOPICS),
            published: Counter::noop(),
            not_encodable: Counter::noop(),
            too_large: Counter::noop(),
            sessions: HashMap::default(),
            pending: HashMap::default(),
            published_total: 0,
            delivered_total: 0,
            realm,
        };
        metrics.make_handles();
        metrics
    }

    fn make_handles(&mut self) {
        let realm: &str = &self.realm;
        self.published =
            handles::counter("wamp_router_events_published_total", &[("realm", realm)]);
        let dropped = |reason| {
            handles::counter(
                "wamp_router_deliveries_dropped_total",
                &[("realm", realm), ("reason", reason)],
            )
        };
        self.not_encodable = dropped("not_encodable");
        self.too_large = dropped("too_large");
    }

    /// Makes every handle again when a recorder was installed since.
    fn refresh(&mut self) {
        let now = generation();
        if now == self.generation {
            return;
        }
        self.generation = now;
        self.methods.clear();
        self.procedures.clear();
        self.topics.clear();
        self.make_handles();
        let sessions: Vec<(Id, Arc<str>)> = self
            .sessions
            .iter()
            .map(|(id, s)| (*id, s.method.clone()))
            .collect();
        for (id, method) in sessions {
            let (key, handles) = self.method(&method);
            handles.sessions.increment(1.0);
            if let Some(session) = self.sessions.get_mut(&id) {
                session.method = key;
            }
        }
    }

    /// The handles of an authentication method, with the label used.
    fn method(&mut self, method: &str) -> (Arc<str>, &mut MethodHandles) {
        let realm: &str = &self.realm;
        let make = |method: &str| {
            let labels = [("realm", realm), ("authmethod", method)];
            MethodHandles {
                sessions: handles::gauge("wamp_router_sessions", &labels),
                joins: handles::counter("wamp_router_joins_total", &labels),
            }
        };
        self.methods.entry(method, make)
    }

    /// A session joined.
    pub(crate) fn joined(&mut self, session: Id, authmethod: &str) {
        self.refresh();
        let (method, handles) = self.method(authmethod);
        handles.sessions.increment(1.0);
        handles.joins.increment(1);
        let entry = SessionEntry {
            joined: Instant::now(),
            method,
        };
        self.sessions.insert(session, entry);
    }

    /// A session left: its calls still waiting are not counted.
    pub(crate) fn left(&mut self, session: Id) {
        self.refresh();
        if let Some(entry) = self.sessions.remove(&session)
            && let Some(handles) = self.methods.get_mut(&entry.method)
        {
            handles.sessions.decrement(1.0);
        }
        self.pending.retain(|(caller, _), _| *caller != session);
    }

    /// When a session joined.
    pub(crate) fn joined_at(&self, session: Id) -> Option<Instant> {
        self.sessions.get(&session).map(|s| s.joined)
    }

    /// A message of `session` is about to go to the core.
    pub(crate) fn inbound(&mut self, core: &RealmCore, session: Id, message: &Message) {
        self.refresh();
        match message {
            Message::Call(call) => {
                let key = (session, call.request);
                if self.pending.len() >= MAX_PENDING || self.pending.contains_key(&key) {
                    return;
                }
                let uri = call.procedure.as_str();
                let label = match core.registration_of(uri) {
                    Some(registered) => registered,
                    None if uri.starts_with("wamp.") => META,
                    None => UNREGISTERED,
                };
                let realm = &self.realm;
                let (procedure, _) = self
                    .procedures
                    .entry(label, |label| ProcedureHandles::new(realm, label));
                let pending = PendingCall {
                    started: Instant::now(),
                    procedure,
                };
                self.pending.insert(key, pending);
            }
            Message::Publish(_) => {
                self.published.increment(1);
                self.published_total += 1;
            }
            _ => {}
        }
    }

    /// The core's output, about to be queued.
    pub(crate) fn outbound(&mut self, core: &RealmCore, out: &Output) {
        self.refresh();
        for item in &out.items {
            match item {
                Outgoing::Send(to, Message::Result(r)) if r.details.progress != Some(true) => {
                    self.answered(*to, r.request, None);
                }
                Outgoing::Send(to, Message::Error(e)) if e.request_type == MessageType::Call => {
                    self.answered(*to, e.request, Some(e.error.as_str()));
                }
                Outgoing::Send(_, Message::Event(e)) => self.delivered(core, e.subscription, 1),
                Outgoing::Fanout(to, Message::Event(e)) => {
                    self.delivered(core, e.subscription, to.len() as u64);
                }
                _ => {}
            }
        }
    }

    fn answered(&mut self, caller: Id, request: Id, error: Option<&str>) {
        let Some(call) = self.pending.remove(&(caller, request)) else {
            return;
        };
        let took = call.started.elapsed().as_secs_f64();
        if let Some(procedure) = self.procedures.get_mut(&call.procedure) {
            procedure.answered(error, took);
        }
    }

    fn delivered(&mut self, core: &RealmCore, subscription: Id, n: u64) {
        self.delivered_total += n;
        let Some(uri) = core.subscription_uri(subscription) else {
            return;
        };
        let realm: &str = &self.realm;
        let (_, topic) = self.topics.entry(uri, |topic| TopicHandles {
            delivered: handles::counter(
                "wamp_router_events_delivered_total",
                &[("realm", realm), ("topic", topic)],
            ),
            count: 0,
        });
        topic.delivered.increment(n);
        topic.count += n;
    }

    /// A message could not be delivered to its session.
    pub(crate) fn undeliverable(&mut self, reason: &Undeliverable) {
        self.refresh();
        match reason {
            Undeliverable::NotEncodable { .. } => self.not_encodable.increment(1),
            Undeliverable::TooLarge { .. } => self.too_large.increment(1),
        }
    }

    /// The realm's totals.
    pub(crate) fn stats(&self) -> RealmStats {
        let procedures: Vec<(Arc<str>, u64, u64)> = self
            .procedures
            .iter()
            .map(|(k, p)| (k.clone(), p.calls, p.failed))
            .collect();
        RealmStats {
            calls: procedures.iter().map(|p| p.1).sum(),
            errors: procedures.iter().map(|p| p.2).sum(),
            published: self.published_total,
            delivered: self.delivered_total,
            topics: self
                .topics
                .iter()
                .map(|(k, t)| (k.clone(), t.count))
                .collect(),
            procedures,
        }
    }

    /// The realm as the admin page shows it: at most `max` sessions,
    /// registrations and subscriptions.
    pub(crate) fn view(&self, core: &RealmCore, max: usize) -> RealmView {
        let snapshot = core.snapshot(max);
        let now = Instant::now();
        let ages = snapshot
            .sessions
            .iter()
            .map(|s| {
                self.joined_at(s.id)
                    .map(|at| now.saturating_duration_since(at))
            })
            .collect();
        RealmView {
            core: snapshot,
            stats: self.stats(),
            ages,
        }
    }
}
