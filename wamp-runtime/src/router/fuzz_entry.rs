//! A narrow entry into the sans-I/O router core for the fuzz harness
//! (`wamp-fuzz`), behind the `fuzzing` feature and hidden from the docs: one
//! realm with a fixed set of session slots of various identities, roles and
//! serializers, driven by decoded messages, a fake clock, leaves and rejoins,
//! with invariants checked after every input. Not a stable API.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use crate::protocol::id::Id;
use crate::protocol::roles::{Role, RoleDetails, Roles, feature};
use crate::protocol::{Call, Message, Payload, Uri, Value};
use crate::router::config::{Permission, RealmConfig, RoleConfig};
use crate::router::identity::Identity;
use crate::serializer::SerializerKind;
use crate::transport::TransportKind;

use super::core::{Joining, Outgoing, Output, RealmCore, Undeliverable};
use super::limits::Limits;

/// How many IDs seen in the core's output [`FuzzRealm::known_ids`] keeps.
const KNOWN_IDS: usize = 64;

/// The realm under test: the only place that constructs a [`RealmCore`], so
/// that a change of its constructor is a one-line fix here.
fn realm_core(seed: u64, slots: usize) -> RealmCore {
    let mut restricted = Permission::all();
    restricted.uri = "com.a.".into();
    let mut subscribe_only = Permission::all();
    subscribe_only.uri = "t.".into();
    subscribe_only.call = false;
    subscribe_only.register = false;
    let mut meta = Permission::all();
    meta.uri = "wamp.".into();
    meta.register = false;
    let mut admin = Permission::all();
    admin.disclose_caller = true;
    admin.disclose_publisher = true;
    let config = RealmConfig {
        roles: vec![
            RoleConfig {
                name: "anonymous".into(),
                permissions: vec![Permission::all()],
            },
            RoleConfig {
                name: "admin".into(),
                permissions: vec![admin],
            },
            RoleConfig {
                name: "restricted".into(),
                permissions: vec![restricted, subscribe_only, meta],
            },
        ],
        ..RealmConfig::open("realm1")
    };
    // Tight limits, so that every limit's refusal is exercised; room for
    // exactly the fuzzer's sessions.
    let limits = Limits {
        sessions_per_realm: slots,
        calls_per_session: 16,
        registrations_per_session: 8,
        subscriptions_per_session: 8,
        retained_events_per_realm: 8,
        retained_bytes_per_realm: 4096,
        retained_event_bytes: 1024,
        ..Limits::default()
    };
    RealmCore::seeded(&config, &limits, seed)
}

/// How many times in a row the core's reply to an undeliverable message may
/// itself be undeliverable (an ERROR replacing an INVOCATION, then one
/// replacing that ERROR) before it counts as a loop.
const MAX_UNDELIVERABLE_DEPTH: usize = 3;

/// A broken invariant of the core, with what happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation(pub String);

/// What one input did, for the harness's counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Step {
    /// The core refused the message (the shell would ABORT the session).
    pub refused: bool,
    /// Messages the core sent (each fan-out recipient counts).
    pub sent: usize,
    /// Sent messages the recipient's serializer could not encode.
    pub encode_errors: usize,
    /// Of the sent messages: INVOCATION, RESULT, EVENT and ERROR.
    pub invocations: usize,
    /// RESULTs sent.
    pub results: usize,
    /// EVENTs sent.
    pub events: usize,
    /// ERRORs sent.
    pub errors: usize,
}

impl Step {
    fn add(&mut self, o: Step) {
        self.sent += o.sent;
        self.encode_errors += o.encode_errors;
        self.invocations += o.invocations;
        self.results += o.results;
        self.events += o.events;
        self.errors += o.errors;
    }
}

/// One session slot: who joins through it, and its session while joined.
#[derive(Debug, Clone)]
struct Slot {
    authid: String,
    authrole: &'static str,
    serializer: SerializerKind,
    full_features: bool,
    session: Option<Id>,
}

/// One realm core with session slots, a fake clock and invariant checks.
pub struct FuzzRealm {
    core: RealmCore,
    now: Instant,
    slots: Vec<Slot>,
    joined: HashSet<Id>,
    known: Vec<Id>,
    next_known: usize,
}

fn roles(full: bool) -> Roles {
    let f = |features: &[&str]| {
        if full {
            RoleDetails::with_features(features.iter().copied())
        } else {
            RoleDetails::default()
        }
    };
    Roles::default()
        .with(
            Role::Caller,
            f(&[feature::PROGRESSIVE_CALL_RESULTS, feature::CALL_CANCELING]),
        )
        .with(
            Role::Callee,
            f(&[
                feature::PROGRESSIVE_CALL_RESULTS,
                feature::CALL_CANCELING,
                feature::REGISTRATION_REVOCATION,
            ]),
        )
        .with(Role::Publisher, f(&[]))
        .with(Role::Subscriber, f(&[feature::SUBSCRIPTION_REVOCATION]))
}

impl FuzzRealm {
    /// A realm whose IDs follow `seed`, with `slots` session slots (at least
    /// one), all joined. Slots cycle through the serializers, the roles
    /// `anonymous`, `admin` and `restricted`, two shared authids and full or
    /// no announced features.
    pub fn new(seed: u64, slots: usize) -> Result<Self, Violation> {
        const ROLES: [&str; 3] = ["anonymous", "admin", "restricted"];
        const SERIALIZERS: [SerializerKind; 3] = [
            SerializerKind::Json,
            SerializerKind::MsgPack,
            SerializerKind::Cbor,
        ];
        let slots: Vec<Slot> = (0..slots.max(1))
            .map(|i| Slot {
                authid: format!("user{}", i % 2),
                authrole: ROLES[i % ROLES.len()],
                serializer: SERIALIZERS[(i / 2) % SERIALIZERS.len()],
                full_features: i % 4 != 3,
                session: None,
            })
            .collect();
        let mut realm = FuzzRealm {
            core: realm_core(seed, slots.len()),
            now: Instant::now(),
            slots,
            joined: HashSet::new(),
            known: Vec::with_capacity(KNOWN_IDS),
            next_known: 0,
        };
        for slot in 0..realm.slots.len() {
            realm.join(slot)?;
        }
        Ok(realm)
    }

    /// The number of slots.
    pub fn slots(&self) -> usize {
        self.slots.len()
    }

    /// The serializer of a slot's transport.
    pub fn serializer(&self, slot: usize) -> SerializerKind {
        self.slots[slot % self.slots.len()].serializer
    }

    /// The session ID of a slot, if joined.
    pub fn session(&self, slot: usize) -> Option<Id> {
        self.slots[slot % self.slots.len()].session
    }

    /// IDs recently seen in the core's output (session, request,
    /// registration, subscription, publication IDs), for plausible inputs.
    pub fn known_ids(&self) -> &[Id] {
        &self.known
    }

    fn remember(&mut self, id: Id) {
        if self.known.len() < KNOWN_IDS {
            self.known.push(id);
        } else {
            self.known[self.next_known] = id;
            self.next_known = (self.next_known + 1) % KNOWN_IDS;
        }
    }

    /// Joins a slot's session if it is not joined.
    pub fn join(&mut self, slot: usize) -> Result<Step, Violation> {
        let slot = slot % self.slots.len();
        if self.slots[slot].session.is_some() {
            return Ok(Step::default());
        }
        let s = &self.slots[slot];
        let joining = Joining {
            identity: Identity {
                authid: s.authid.clone(),
                authrole: s.authrole.into(),
                authmethod: "anonymous".into(),
                authprovider: "static".into(),
                ..Default::default()
            },
            serializer: s.serializer,
            roles: roles(s.full_features),
            transport: TransportKind::Memory,
            peer: None,
        };
        let offered = self.core.new_session_id();
        if self.joined.contains(&offered) || offered == 0 {
            return Err(Violation(format!(
                "new_session_id offered {offered}, which is taken or 0"
            )));
        }
        let (id, out) = self
            .core
            .join(offered, joining)
            .map_err(|refused| Violation(format!("join refused: {}", refused.message)))?;
        if !self.joined.insert(id) {
            return Err(Violation(format!("join gave the taken session ID {id}")));
        }
        self.slots[slot].session = Some(id);
        self.remember(id);
        self.absorb("join", out)
    }

    /// A slot's session leaves (nothing if it is not joined).
    pub fn leave(&mut self, slot: usize) -> Result<Step, Violation> {
        let slot = slot % self.slots.len();
        match self.slots[slot].session {
            Some(id) => self.leave_session(id),
            None => Ok(Step::default()),
        }
    }

    fn leave_session(&mut self, id: Id) -> Result<Step, Violation> {
        self.joined.remove(&id);
        for s in &mut self.slots {
            if s.session == Some(id) {
                s.session = None;
            }
        }
        let out = self.core.leave(id, self.now);
        self.absorb("leave", out)
    }

    /// A slot's session sends a message (the slot joins first if needed).
    /// GOODBYE and ABORT end the session, as the shell does; so does a
    /// message the core refuses.
    pub fn handle(&mut self, slot: usize, msg: Message) -> Result<Step, Violation> {
        let slot = slot % self.slots.len();
        let mut step = self.join(slot)?;
        let Some(id) = self.slots[slot].session else {
            return Err(Violation("a joined slot has no session".into()));
        };
        if matches!(msg, Message::Goodbye(_) | Message::Abort(_)) {
            step.add(self.leave_session(id)?);
            return Ok(step);
        }
        let name = msg.message_type().name();
        match self.core.handle(id, msg, self.now) {
            Ok(out) => {
                step.add(self.absorb(name, out)?);
            }
            Err(_) => {
                step.refused = true;
                step.add(self.leave_session(id)?);
            }
        }
        Ok(step)
    }

    /// Time passes on the fake clock; due timeouts fire. Checks that the
    /// next deadline is not in the past afterwards.
    pub fn advance(&mut self, by: Duration) -> Result<Step, Violation> {
        self.now += by;
        let out = self.core.expire(self.now);
        let step = self.absorb("expire", out)?;
        if let Some(deadline) = self.core.next_deadline()
            && deadline <= self.now
        {
            return Err(Violation(format!(
                "a deadline {:?} before now survived expire",
                self.now - deadline
            )));
        }
        Ok(step)
    }

    /// Checks one output: every recipient is joined, every message is one a
    /// router sends, and it encodes in the recipient's serializer (an
    /// encoding error is counted, not a violation). Sessions the core closes
    /// leave, as the shell makes them.
    fn absorb(&mut self, input: &str, out: Output) -> Result<Step, Violation> {
        self.absorb_at(input, out, 0)
    }

    /// Checks an output; messages a receiver's serializer cannot carry go
    /// back to the core as undeliverable (as the shell's writers report
    /// them), and what it answers is checked in turn, `depth` levels deep.
    fn absorb_at(&mut self, input: &str, out: Output, depth: usize) -> Result<Step, Violation> {
        let mut step = Step::default();
        let mut closing = Vec::new();
        let mut undeliverable = Vec::new();
        for item in out.items {
            let (to, msg) = match item {
                Outgoing::Send(to, msg) => (vec![to], msg),
                Outgoing::Fanout(to, msg) => (to, msg),
                Outgoing::Close(id) => {
                    if !self.joined.contains(&id) {
                        return Err(Violation(format!(
                            "{input}: Close of session {id}, which is not joined"
                        )));
                    }
                    closing.push(id);
                    continue;
                }
            };
            self.check_message(input, &msg)?;
            let mut encoded: [Option<Option<String>>; 3] = Default::default();
            for id in to {
                if !self.joined.contains(&id) {
                    return Err(Violation(format!(
                        "{input}: {} to session {id}, which is not joined",
                        msg.message_type().name()
                    )));
                }
                step.sent += 1;
                match &msg {
                    Message::Invocation(_) => step.invocations += 1,
                    Message::Result(_) => step.results += 1,
                    Message::Event(_) => step.events += 1,
                    Message::Error(_) => step.errors += 1,
                    _ => {}
                }
                let kind = self
                    .slots
                    .iter()
                    .find(|s| s.session == Some(id))
                    .map_or(SerializerKind::Json, |s| s.serializer);
                let i = kind.rawsocket_id() as usize - 1;
                let encoding = encoded[i]
                    .get_or_insert_with(|| kind.encode(&msg).err().map(|e| e.to_string()));
                if let Some(reason) = encoding {
                    step.encode_errors += 1;
                    undeliverable.push((id, msg.clone(), kind, reason.clone()));
                }
            }
        }
        for (id, msg, serializer, reason) in undeliverable {
            if depth >= MAX_UNDELIVERABLE_DEPTH {
                return Err(Violation(format!(
                    "{input}: undeliverable replies still cannot be delivered {depth} levels deep: {}",
                    msg.message_type().name()
                )));
            }
            let reason = Undeliverable::NotEncodable { serializer, reason };
            let out = self.core.undeliverable(id, &msg, &reason, self.now);
            step.add(self.absorb_at(input, out, depth + 1)?);
        }
        for id in closing {
            if self.joined.contains(&id) {
                step.add(self.leave_session(id)?);
            }
        }
        Ok(step)
    }

    fn check_message(&mut self, input: &str, msg: &Message) -> Result<(), Violation> {
        let id = match msg {
            Message::Result(m) => m.request,
            Message::Error(m) => m.request,
            Message::Published(m) => m.publication,
            Message::Subscribed(m) => m.subscription,
            Message::Unsubscribed(m) => m.request,
            Message::Event(m) => m.publication,
            Message::Registered(m) => m.registration,
            Message::Unregistered(m) => m.request,
            Message::Invocation(m) => m.request,
            Message::Interrupt(m) => m.request,
            // A session killed through the meta API is told so.
            Message::Goodbye(_) | Message::Abort(_) => 0,
            other => {
                return Err(Violation(format!(
                    "{input}: the core sent {}, which a router never sends in a session",
                    other.message_type().name()
                )));
            }
        };
        if id > crate::protocol::id::MAX_ID {
            return Err(Violation(format!("{input}: ID {id} above 2^53 sent")));
        }
        if let Message::Event(e) = msg {
            self.remember(e.subscription);
        }
        if let Message::Invocation(i) = msg {
            self.remember(i.registration);
        }
        self.remember(id);
        Ok(())
    }

    /// Ends the run: every session leaves, time runs out, and a fresh session
    /// checks through the meta API that no session, registration, call or
    /// subscription survived (retained events may).
    pub fn finish(mut self) -> Result<(), Violation> {
        for slot in 0..self.slots.len() {
            self.leave(slot)?;
        }
        if let Some(deadline) = self.core.next_deadline() {
            return Err(Violation(format!(
                "a deadline ({:?} ahead) survived every session",
                deadline.saturating_duration_since(self.now)
            )));
        }
        self.advance(Duration::from_secs(24 * 3600))?;
        self.join(0)?;
        let Some(id) = self.slots[0].session else {
            return Err(Violation("slot 0 did not join".into()));
        };
        for (procedure, empty) in [
            ("wamp.session.count", Value::UInt(1)),
            ("wamp.registration.list", Value::Null),
            ("wamp.subscription.list", Value::Null),
        ] {
            let call = Call::new(
                1,
                Uri::from_trusted(procedure),
                Payload::from_values(Vec::new(), Default::default()),
            );
            let out = self
                .core
                .handle(id, Message::Call(call), self.now)
                .map_err(|e| Violation(format!("{procedure} refused: {e:?}")))?;
            let answer = out.items.into_iter().find_map(|item| match item {
                Outgoing::Send(to, Message::Result(r)) if to == id => Some(r),
                _ => None,
            });
            let Some(answer) = answer else {
                return Err(Violation(format!("no RESULT to {procedure}")));
            };
            let args = answer
                .payload
                .args_values()
                .map_err(|e| Violation(format!("{procedure}: unreadable result: {e}")))?;
            let ok = match (&empty, args.first()) {
                (Value::UInt(_), Some(v)) => *v == empty,
                // Lists: a dict of lists per match policy, all empty.
                (_, Some(Value::Dict(d))) => d
                    .values()
                    .all(|v| v.as_list().is_some_and(|l| l.is_empty())),
                _ => false,
            };
            if !ok {
                return Err(Violation(format!(
                    "after every session left, {procedure} answered {args:?}"
                )));
            }
        }
        Ok(())
    }
}
