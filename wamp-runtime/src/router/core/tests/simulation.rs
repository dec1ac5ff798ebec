//! A deterministic simulation of the router core: seeded random sequences of
//! joins, leaves, registers, calls, yields, errors, cancels, timeouts,
//! publishes, subscriptions, meta calls, kills and protocol mistakes across
//! many sessions, with the invariants checked after every step:
//!
//! - every CALL gets exactly one final RESULT or ERROR (unless its caller
//!   left), and nothing answers a call that is not in flight;
//! - the core's calls in flight are exactly the calls still unanswered, and
//!   no INVOCATION outlives its call (its caller and callee are joined);
//! - no registration or subscription outlives its session, and a callee's
//!   count of running invocations never exceeds its calls in flight;
//! - EVENTs only reach sessions subscribed under that subscription ID;
//! - when every session is gone, every table is empty.
//!
//! `WAMP_SIM_SEQUENCES` sets how many sequences run (10 000 by default),
//! `WAMP_SIM_STEPS` their length, and `WAMP_SIM_SEED` replays one seed; a
//! failing seed prints itself.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt;
use std::time::Duration;

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use crate::protocol::id::Id;
use crate::protocol::options::{
    CancelMode, CancelOptions, InvokePolicy, MatchPolicy, WireCallOptions, WirePublishOptions,
    WireRegisterOptions, WireSubscribeOptions, YieldOptions,
};
use crate::protocol::*;
use crate::router::config::{Permission, RealmConfig, RoleConfig};
use crate::router::limits::Limits;

use super::harness::{Harness, args, bare_roles, full_roles, uri};

const PROCEDURES: [&str; 4] = ["com.a.x", "com.a.y", "com.b.x", "com.b.y.z"];
const PROCEDURE_PATTERNS: [(&str, MatchPolicy); 3] = [
    ("com.a.", MatchPolicy::Prefix),
    ("com..x", MatchPolicy::Wildcard),
    ("com.b", MatchPolicy::Prefix),
];
const TOPICS: [&str; 3] = ["t.a.x", "t.a.y", "t.b.x"];
const TOPIC_PATTERNS: [(&str, MatchPolicy); 2] = [
    ("t.a.", MatchPolicy::Prefix),
    ("t..x", MatchPolicy::Wildcard),
];
const META: [&str; 8] = [
    "wamp.session.count",
    "wamp.session.list",
    "wamp.registration.list",
    "wamp.subscription.list",
    "wamp.registration.match",
    "wamp.session.kill",
    "wamp.registration.remove_callee",
    "wamp.subscription.remove_subscriber",
];

/// What the simulation knows of one session.
#[derive(Debug, Default)]
struct Client {
    next_request: Id,
    /// Registrations acknowledged (REGISTERED), by request until then.
    registrations: BTreeSet<Id>,
    pending_registers: BTreeSet<Id>,
    /// Subscriptions acknowledged.
    subscriptions: BTreeSet<Id>,
    pending_subscribes: BTreeSet<Id>,
    /// Its CALLs without a final answer: request → takes more chunks.
    calls: BTreeMap<Id, bool>,
    /// INVOCATIONs it may answer.
    invocations: BTreeSet<Id>,
}

impl Client {
    fn request(&mut self) -> Id {
        self.next_request += 1;
        self.next_request
    }
}

/// The simulation of one seed.
struct Sim {
    h: Harness,
    rng: SmallRng,
    clients: BTreeMap<Id, Client>,
    /// The last inputs, for the report of a failing seed.
    log: VecDeque<Input>,
    /// Requests and joins refused with `wamp.error.limit_exceeded`.
    limit_hits: u64,
    /// The limits of the realm.
    limits: Limits,
}

/// How many inputs a failure report shows.
const LOG_LEN: usize = 12;

/// One input of the simulation, kept for the failure report.
enum Input {
    Join(Id, String, &'static str),
    Leave(Id),
    Send(Id, Box<Message>),
    Refused(String),
    Advance(Duration),
}

impl fmt::Debug for Input {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Input::Join(id, authid, role) => write!(f, "join {id} as {authid}/{role}"),
            Input::Leave(id) => write!(f, "leave {id}"),
            Input::Send(id, m) => write!(f, "{id} sends {m:?}"),
            Input::Refused(why) => write!(f, "refused: {why}"),
            Input::Advance(by) => write!(f, "advance {by:?}"),
        }
    }
}

fn pick<'a, T>(rng: &mut SmallRng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

fn pick_id(rng: &mut SmallRng, ids: impl Iterator<Item = Id>) -> Option<Id> {
    let ids: Vec<Id> = ids.collect();
    (!ids.is_empty()).then(|| ids[rng.random_range(0..ids.len())])
}

/// The limits of a sequence: the defaults for even seeds, tight ones for
/// odd seeds so that every limit is hit along the way.
fn limits_for(seed: u64) -> Limits {
    if seed.is_multiple_of(2) {
        return Limits::default();
    }
    Limits {
        sessions_per_realm: 6,
        calls_per_session: 2,
        registrations_per_session: 2,
        subscriptions_per_session: 2,
        retained_events_per_realm: 2,
        retained_bytes_per_realm: 200,
        retained_event_bytes: 120,
        ..Limits::default()
    }
}

impl Sim {
    fn new(seed: u64) -> Self {
        let mut config = RealmConfig::open("realm1");
        // Two roles: one may do everything, one may not register or call meta.
        let limited = RoleConfig {
            name: "limited".into(),
            permissions: vec![
                Permission {
                    uri: "com.".into(),
                    match_: MatchPolicy::Prefix,
                    call: true,
                    register: false,
                    publish: true,
                    subscribe: true,
                    disclose_caller: true,
                    disclose_publisher: false,
                },
                Permission {
                    uri: "t.".into(),
                    match_: MatchPolicy::Prefix,
                    call: false,
                    register: false,
                    publish: true,
                    subscribe: true,
                    disclose_caller: false,
                    disclose_publisher: true,
                },
            ],
        };
        let all = RoleConfig {
            name: "anonymous".into(),
            permissions: vec![Permission::all()],
        };
        config.roles = vec![all, limited];
        Sim {
            h: Harness::with_limits(config, limits_for(seed), seed),
            rng: SmallRng::seed_from_u64(seed ^ 0x5eed_5eed),
            clients: BTreeMap::new(),
            log: VecDeque::with_capacity(LOG_LEN + 1),
            limit_hits: 0,
            limits: limits_for(seed),
        }
    }

    fn record(&mut self, input: Input) {
        if self.log.len() == LOG_LEN {
            self.log.pop_front();
        }
        self.log.push_back(input);
    }

    fn any_client(&mut self) -> Option<Id> {
        pick_id(&mut self.rng, self.clients.keys().copied())
    }

    fn join(&mut self) {
        let role = if self.rng.random_bool(0.8) {
            "anonymous"
        } else {
            "limited"
        };
        let roles = if self.rng.random_bool(0.8) {
            full_roles()
        } else {
            bare_roles()
        };
        let authid = format!("user{}", self.rng.random_range(0..3));
        let id = match self.h.try_join_as(&authid, role, roles) {
            Ok(id) => id,
            Err(refused) => {
                self.limit_hits += 1;
                self.record(Input::Refused(refused.message));
                return;
            }
        };
        self.record(Input::Join(id, authid, role));
        self.clients.insert(id, Client::default());
    }

    fn leave(&mut self, id: Id) {
        self.record(Input::Leave(id));
        self.clients.remove(&id);
        self.h.leave(id);
    }

    fn send(&mut self, from: Id, msg: Message) {
        self.record(Input::Send(from, Box::new(msg.clone())));
        if let Err(refused) = self.h.send(from, msg) {
            // The shell aborts the session: it leaves.
            self.record(Input::Refused(refused.0));
            self.leave(from);
        }
    }

    fn register(&mut self, id: Id) {
        let (procedure, policy) = if self.rng.random_bool(0.6) {
            (*pick(&mut self.rng, &PROCEDURES), MatchPolicy::Exact)
        } else {
            *pick(&mut self.rng, &PROCEDURE_PATTERNS)
        };
        let invoke = *pick(
            &mut self.rng,
            &[
                InvokePolicy::Single,
                InvokePolicy::RoundRobin,
                InvokePolicy::Random,
                InvokePolicy::First,
                InvokePolicy::Last,
            ],
        );
        let options = WireRegisterOptions {
            match_: Some(policy),
            invoke: Some(invoke),
            concurrency: self
                .rng
                .random_bool(0.3)
                .then(|| self.rng.random_range(1..3)),
            force_reregister: self.rng.random_bool(0.05).then_some(true),
            forward_timeout: self.rng.random_bool(0.2).then_some(true),
            ..Default::default()
        };
        let client = self.clients.get_mut(&id).expect("client");
        let request = client.request();
        client.pending_registers.insert(request);
        let mut msg = Register::new(request, uri(procedure));
        msg.options = options;
        self.send(id, Message::Register(msg));
    }

    fn unregister(&mut self, id: Id) {
        let client = self.clients.get_mut(&id).expect("client");
        let registration =
            pick_id(&mut self.rng, client.registrations.iter().copied()).unwrap_or(999_999);
        let request = client.request();
        self.send(
            id,
            Message::Unregister(Unregister {
                request,
                registration,
            }),
        );
    }

    fn call(&mut self, id: Id) {
        let procedure = if self.rng.random_bool(0.08) {
            *pick(&mut self.rng, &META)
        } else {
            *pick(&mut self.rng, &PROCEDURES)
        };
        let target = self.any_client().unwrap_or(1);
        let client = self.clients.get_mut(&id).expect("client");
        // Sometimes a further chunk of a progressive call, or (rarely) a
        // reuse of the ID of a call that takes no chunks: a protocol violation.
        let open: Vec<(Id, bool)> = client.calls.iter().map(|(r, p)| (*r, *p)).collect();
        let (request, chunk_of) = if !open.is_empty() && self.rng.random_bool(0.15) {
            let (r, takes_more) = open[self.rng.random_range(0..open.len())];
            (r, Some(takes_more))
        } else {
            (client.request(), None)
        };
        let progress = self.rng.random_bool(0.2);
        let options = WireCallOptions {
            timeout: self
                .rng
                .random_bool(0.3)
                .then(|| self.rng.random_range(1..200)),
            receive_progress: self.rng.random_bool(0.3).then_some(true),
            progress: progress.then_some(true),
            ..Default::default()
        };
        let payload = if procedure == "wamp.session.kill" || procedure == "wamp.registration.match"
        {
            args(&(target,))
        } else if procedure.starts_with("wamp.registration.remove")
            || procedure.starts_with("wamp.subscription.remove")
        {
            args(&(self.rng.random_range(1..6u64), target))
        } else {
            args(&(1, "x"))
        };
        let mut msg = Call::new(request, uri(procedure), payload);
        msg.options = options;
        match chunk_of {
            Some(true) => {
                client.calls.insert(request, progress);
            }
            Some(false) => {} // expected to be refused
            None => {
                client.calls.insert(request, progress);
            }
        }
        self.send(id, Message::Call(msg));
    }

    fn answer_invocation(&mut self, id: Id) {
        let client = self.clients.get_mut(&id).expect("client");
        let known = pick_id(&mut self.rng, client.invocations.iter().copied());
        let request = match known {
            Some(r) if self.rng.random_bool(0.95) => r,
            _ => self.rng.random_range(1..1000),
        };
        let msg = match self.rng.random_range(0..10) {
            0..=5 => Message::Yield(Yield {
                request,
                options: YieldOptions::default(),
                payload: args(&("ok",)),
            }),
            6 | 7 => Message::Yield(Yield {
                request,
                options: YieldOptions {
                    progress: Some(true),
                    ..Default::default()
                },
                payload: args(&("partial",)),
            }),
            // A callee that is unavailable makes the dealer re-route the call.
            8 => Message::Error(ErrorMessage {
                request_type: MessageType::Invocation,
                request,
                details: Default::default(),
                error: uri(uris::UNAVAILABLE),
                payload: Payload::empty(),
            }),
            _ => Message::Error(ErrorMessage {
                request_type: MessageType::Invocation,
                request,
                details: Default::default(),
                error: uri("com.error.failed"),
                payload: Payload::empty(),
            }),
        };
        if !matches!(&msg, Message::Yield(y) if y.options.progress == Some(true)) {
            client.invocations.remove(&request);
        }
        self.send(id, msg);
    }

    fn cancel(&mut self, id: Id) {
        let client = self.clients.get_mut(&id).expect("client");
        let request = pick_id(&mut self.rng, client.calls.keys().copied())
            .unwrap_or_else(|| self.rng.random_range(1..1000));
        let mode = *pick(
            &mut self.rng,
            &[
                None,
                Some(CancelMode::Skip),
                Some(CancelMode::Kill),
                Some(CancelMode::KillNoWait),
            ],
        );
        let msg = Cancel {
            request,
            options: CancelOptions {
                mode,
                ..Default::default()
            },
        };
        self.send(id, Message::Cancel(msg));
    }

    fn subscribe(&mut self, id: Id) {
        let (topic, policy) = if self.rng.random_bool(0.6) {
            (*pick(&mut self.rng, &TOPICS), MatchPolicy::Exact)
        } else {
            *pick(&mut self.rng, &TOPIC_PATTERNS)
        };
        let client = self.clients.get_mut(&id).expect("client");
        let request = client.request();
        client.pending_subscribes.insert(request);
        let mut msg = Subscribe::new(request, uri(topic));
        msg.options = WireSubscribeOptions {
            match_: Some(policy),
            get_retained: self.rng.random_bool(0.3).then_some(true),
            ..Default::default()
        };
        self.send(id, Message::Subscribe(msg));
    }

    fn unsubscribe(&mut self, id: Id) {
        let client = self.clients.get_mut(&id).expect("client");
        let subscription =
            pick_id(&mut self.rng, client.subscriptions.iter().copied()).unwrap_or(777_777);
        let request = client.request();
        self.send(
            id,
            Message::Unsubscribe(Unsubscribe {
                request,
                subscription,
            }),
        );
    }

    fn publish(&mut self, id: Id) {
        let topic = *pick(&mut self.rng, &TOPICS);
        let other = self.any_client().unwrap_or(1);
        let client = self.clients.get_mut(&id).expect("client");
        let request = client.request();
        let mut msg = Publish::new(request, uri(topic), args(&("event",)));
        msg.options = WirePublishOptions {
            acknowledge: self.rng.random_bool(0.5).then_some(true),
            exclude_me: self.rng.random_bool(0.3).then_some(false),
            retain: self.rng.random_bool(0.2).then_some(true),
            exclude: self.rng.random_bool(0.1).then(|| vec![other]),
            eligible_authid: self.rng.random_bool(0.1).then(|| vec!["user1".to_owned()]),
            ..Default::default()
        };
        self.send(id, Message::Publish(msg));
    }

    /// One random step.
    fn step(&mut self) {
        if self.clients.is_empty() || (self.clients.len() < 8 && self.rng.random_bool(0.08)) {
            self.join();
            return;
        }
        let id = self.any_client().expect("a client");
        match self.rng.random_range(0..100) {
            0..=3 => self.leave(id),
            4..=13 => self.register(id),
            14..=16 => self.unregister(id),
            17..=38 => self.call(id),
            39..=58 => self.answer_invocation(id),
            59..=64 => self.cancel(id),
            65..=72 => self.subscribe(id),
            73..=75 => self.unsubscribe(id),
            76..=87 => self.publish(id),
            88..=94 => {
                let by = Duration::from_millis(self.rng.random_range(1..150));
                self.record(Input::Advance(by));
                self.h.advance(by);
            }
            95 => self.send(id, Message::EventReceived(EventReceived { publication: 1 })),
            96 => {
                // A message a client may not send in a session.
                self.send(
                    id,
                    Message::Goodbye(Goodbye::new(uri("wamp.close.close_realm"))),
                );
            }
            _ => self.join(),
        }
    }

    /// Reads every inbox, updating the model and checking what arrived.
    fn absorb(&mut self) -> Result<(), String> {
        // Sessions the core closed (meta kill) leave, as the shell makes them.
        let closed: Vec<Id> = self.h.closed.drain().collect();
        for id in closed {
            if self.clients.contains_key(&id) {
                self.leave(id);
            }
        }
        let ids: Vec<Id> = self.clients.keys().copied().collect();
        for id in ids {
            let messages = self.h.take(id);
            let client = self.clients.get_mut(&id).expect("client");
            for m in messages {
                if let Message::Error(e) = &m
                    && e.error == crate::protocol::uris::LIMIT_EXCEEDED
                {
                    self.limit_hits += 1;
                }
                match m {
                    Message::Result(r) => {
                        if !client.calls.contains_key(&r.request) {
                            return Err(format!(
                                "session {id}: RESULT for request {} not in flight",
                                r.request
                            ));
                        }
                        if r.details.progress != Some(true) {
                            client.calls.remove(&r.request);
                        }
                    }
                    Message::Error(e) if e.request_type == MessageType::Call => {
                        if client.calls.remove(&e.request).is_none() {
                            return Err(format!(
                                "session {id}: ERROR for CALL {} not in flight: {}",
                                e.request, e.error
                            ));
                        }
                    }
                    Message::Registered(r) => {
                        if !client.pending_registers.remove(&r.request) {
                            return Err(format!(
                                "session {id}: REGISTERED for unknown request {}",
                                r.request
                            ));
                        }
                        client.registrations.insert(r.registration);
                    }
                    Message::Error(e) if e.request_type == MessageType::Register => {
                        if !client.pending_registers.remove(&e.request) {
                            return Err(format!(
                                "session {id}: REGISTER ERROR for unknown request {}",
                                e.request
                            ));
                        }
                    }
                    Message::Unregistered(u) => {
                        if let Some(reg) = u.details.and_then(|d| d.registration) {
                            client.registrations.remove(&reg);
                        }
                    }
                    Message::Subscribed(s) => {
                        if !client.pending_subscribes.remove(&s.request) {
                            return Err(format!(
                                "session {id}: SUBSCRIBED for unknown request {}",
                                s.request
                            ));
                        }
                        client.subscriptions.insert(s.subscription);
                    }
                    Message::Error(e) if e.request_type == MessageType::Subscribe => {
                        client.pending_subscribes.remove(&e.request);
                    }
                    Message::Unsubscribed(u) => {
                        if let Some(sub) = u.details.and_then(|d| d.subscription) {
                            client.subscriptions.remove(&sub);
                        }
                    }
                    Message::Event(e) => {
                        if !client.subscriptions.contains(&e.subscription) {
                            return Err(format!(
                                "session {id}: EVENT of subscription {} it does not hold",
                                e.subscription
                            ));
                        }
                    }
                    Message::Invocation(i) => {
                        client.invocations.insert(i.request);
                    }
                    Message::Interrupt(_)
                    | Message::Published(_)
                    | Message::Goodbye(_)
                    | Message::Error(_) => {}
                    other => return Err(format!("session {id}: unexpected {other:?}")),
                }
            }
        }
        // Unregister/unsubscribe replies carry no ID: resync from the core.
        let (members, dealer, broker) = self.h.core.parts();
        for (id, client) in &mut self.clients {
            client.registrations = dealer
                .registrations
                .iter()
                .filter(|r| r.has_callee(*id))
                .map(|r| r.id)
                .collect();
            client.subscriptions = broker
                .subscriptions
                .iter()
                .filter(|s| s.subscribers.contains(id))
                .map(|s| s.id)
                .collect();
            let _ = members;
        }
        Ok(())
    }

    /// The invariants between the model and the core.
    fn check(&self) -> Result<(), String> {
        let (members, dealer, broker) = self.h.core.parts();
        if members.count() != self.clients.len() {
            return Err(format!(
                "{} members, {} clients",
                members.count(),
                self.clients.len()
            ));
        }
        // Calls in flight are exactly the unanswered routed calls.
        let mut in_flight = BTreeSet::new();
        for (key, call) in dealer.calls.iter() {
            if !members.contains(call.caller) || !members.contains(call.callee) {
                return Err(format!(
                    "call {key:?} outlives its caller {} or callee {}",
                    call.caller, call.callee
                ));
            }
            if key.0 != call.callee {
                return Err(format!(
                    "call {key:?} keyed under another callee {}",
                    call.callee
                ));
            }
            in_flight.insert((call.caller, call.call_request));
        }
        let unanswered: BTreeSet<(Id, Id)> = self
            .clients
            .iter()
            .flat_map(|(id, c)| c.calls.keys().map(move |r| (*id, *r)))
            .collect();
        if in_flight != unanswered {
            return Err(format!(
                "calls in flight {in_flight:?} differ from unanswered calls {unanswered:?}"
            ));
        }
        if let Some(key) = dealer
            .reroutes
            .keys()
            .find(|k| dealer.calls.get(**k).is_none())
        {
            return Err(format!("re-route state of {key:?} outlives its call"));
        }
        let with_deadline = dealer
            .calls
            .iter()
            .filter(|(_, c)| c.deadline.is_some())
            .count();
        if dealer.calls.deadline_count() != with_deadline {
            return Err(format!(
                "{} deadlines for {with_deadline} calls with a timeout",
                dealer.calls.deadline_count()
            ));
        }
        for reg in dealer.registrations.iter() {
            if reg.callees.is_empty() {
                return Err(format!("registration {} has no callee", reg.id));
            }
            for c in &reg.callees {
                if !members.contains(c.session) {
                    return Err(format!(
                        "registration {} outlives callee {}",
                        reg.id, c.session
                    ));
                }
                let running = dealer
                    .calls
                    .iter()
                    .filter(|(_, call)| call.registration == reg.id && call.callee == c.session)
                    .count() as u64;
                if c.in_flight > running {
                    return Err(format!(
                        "callee {} of registration {} counts {} invocations, {running} in flight",
                        c.session, reg.id, c.in_flight
                    ));
                }
            }
        }
        let retained = (broker.retained.len(), broker.retained.bytes());
        let limits = &self.limits;
        if retained.0 > limits.retained_events_per_realm
            || retained.1 > limits.retained_bytes_per_realm
        {
            return Err(format!(
                "retained events {retained:?} (count, bytes) over the limits {limits:?}"
            ));
        }
        // The per-session counts the limits use match the tables.
        for &id in self.clients.keys() {
            let counts = (
                dealer.registrations.count_of(id),
                dealer.registrations.of_session(id).len(),
                broker.subscriptions.count_of(id),
                broker.subscriptions.of_session(id).len(),
                dealer.calls.count_of(id),
                dealer.calls.iter().filter(|(_, c)| c.caller == id).count(),
            );
            if counts.0 != counts.1 || counts.2 != counts.3 || counts.4 != counts.5 {
                return Err(format!(
                    "session {id}: counted / held registrations, subscriptions, calls {counts:?}"
                ));
            }
        }
        for sub in broker.subscriptions.iter() {
            if sub.subscribers.is_empty() {
                return Err(format!("subscription {} has no subscriber", sub.id));
            }
            if let Some(s) = sub.subscribers.iter().find(|s| !members.contains(**s)) {
                return Err(format!("subscription {} outlives subscriber {s}", sub.id));
            }
        }
        Ok(())
    }

    /// Everyone leaves: every table must be empty.
    fn finish(&mut self) -> Result<(), String> {
        let ids: Vec<Id> = self.clients.keys().copied().collect();
        for id in ids {
            self.leave(id);
            self.absorb()?;
            self.check()?;
        }
        let (members, dealer, broker) = self.h.core.parts();
        let sizes = (
            members.count(),
            dealer.registrations.len(),
            dealer.calls.len(),
            dealer.calls.deadline_count(),
            broker.subscriptions.len(),
            dealer.reroutes.len(),
            broker.acks.len(),
        );
        if sizes != (0, 0, 0, 0, 0, 0, 0) {
            return Err(format!(
                "tables not empty after everyone left (members, registrations, calls, deadlines, subscriptions, reroutes, acks) = {sizes:?}"
            ));
        }
        if self.h.core.next_deadline().is_some() {
            return Err("a deadline outlives every call".into());
        }
        Ok(())
    }
}

/// Runs one seed; the error names the step and the last inputs.
/// Runs one sequence; how many times a limit was hit.
fn run(seed: u64, steps: usize) -> Result<u64, String> {
    let mut sim = Sim::new(seed);
    let fail = |sim: &Sim, step: usize, e: String| {
        let tail: Vec<&Input> = sim.log.iter().rev().collect();
        format!("seed {seed}, step {step}: {e}\nlast inputs, newest first:\n{tail:#?}")
    };
    for step in 0..steps {
        sim.step();
        sim.absorb().map_err(|e| fail(&sim, step, e))?;
        sim.check().map_err(|e| fail(&sim, step, e))?;
    }
    sim.finish().map_err(|e| fail(&sim, steps, e))?;
    Ok(sim.limit_hits)
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[test]
fn seeded_sequences_keep_the_invariants() {
    let steps = env_number("WAMP_SIM_STEPS", 100) as usize;
    if let Ok(seed) = std::env::var("WAMP_SIM_SEED") {
        let seed = seed.parse().expect("WAMP_SIM_SEED is a number");
        if let Err(e) = run(seed, steps) {
            panic!("{e}");
        }
        return;
    }
    let sequences = env_number("WAMP_SIM_SEQUENCES", 10_000);
    let mut limit_hits = 0;
    for seed in 0..sequences {
        match run(seed, steps) {
            Ok(hits) => limit_hits += hits,
            Err(e) => panic!(
                "{e}\nreplay: WAMP_SIM_SEED={seed} cargo test -p wamp-runtime --lib seeded_sequences"
            ),
        }
    }
    if sequences >= 100 && steps >= 100 {
        assert!(
            limit_hits > 0,
            "the tight limits of odd seeds were never hit"
        );
    }
    println!(
        "simulation: {sequences} sequences of {steps} steps kept every invariant ({limit_hits} requests or joins over a limit refused)"
    );
}
