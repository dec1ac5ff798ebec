//! The dealer: registrations, routing CALL → INVOCATION → YIELD → RESULT,
//! progressive results and invocations, cancellation and call timeouts.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use super::handle::SessionHandle;
use super::matching::{compare_wildcards, matches};
use super::realm::{Action, Realm, lock};
use super::uris;
use crate::protocol::id::Id;
use crate::protocol::options::*;
use crate::protocol::roles::{Role, feature};
use crate::protocol::*;

/// A registered callee of a registration.
#[derive(Debug)]
pub(crate) struct Callee {
    pub(crate) session: Arc<SessionHandle>,
    concurrency: u64,
    in_flight: u64,
    disclose_caller: bool,
    forward_timeout: bool,
}

/// A registration: one URI pattern, one invocation policy, one or more callees.
#[derive(Debug)]
pub(crate) struct Registration {
    pub(crate) id: Id,
    pub(crate) uri: String,
    pub(crate) policy: MatchPolicy,
    pub(crate) invoke: InvokePolicy,
    pub(crate) callees: Vec<Callee>,
    pub(crate) created: String,
    /// The schema a callee sent with its REGISTER (`x_schema`), for the
    /// reflection API; the first one sent is kept.
    pub(crate) schema: Option<Value>,
    next: usize,
}

/// A call in flight.
#[derive(Debug)]
struct Pending {
    caller: Arc<SessionHandle>,
    call_request: Id,
    callee: Arc<SessionHandle>,
    registration: Id,
    receive_progress: bool,
    /// The caller sends more chunks (progressive call invocations).
    caller_progress: bool,
    /// Canceled with `kill`: the caller gets ERROR when the callee answers.
    killed: bool,
    timer: Option<tokio::task::AbortHandle>,
}

/// The dealer's state for one realm.
#[derive(Debug, Default)]
pub(crate) struct Dealer {
    pub(crate) registrations: HashMap<Id, Registration>,
    exact: HashMap<String, Id>,
    patterns: Vec<Id>,
    /// Calls in flight by (callee session, invocation ID).
    pending: HashMap<(Id, Id), Pending>,
    /// (caller session, call request ID) → (callee session, invocation ID).
    calls: HashMap<(Id, Id), (Id, Id)>,
    next_registration: Id,
}

type MetaEvents = Vec<(&'static str, Vec<Value>)>;

use uris::error_reply as error;

impl Dealer {
    /// The registration a call of `uri` goes to: exact, then the longest
    /// prefix, then the best wildcard.
    pub(crate) fn lookup(&self, uri: &str) -> Option<Id> {
        if let Some(id) = self.exact.get(uri) {
            return Some(*id);
        }
        let mut best: Option<&Registration> = None;
        for id in &self.patterns {
            let Some(reg) = self.registrations.get(id) else {
                continue;
            };
            if !matches(reg.policy, &reg.uri, uri) {
                continue;
            }
            best = match best {
                None => Some(reg),
                Some(b) => {
                    let better = match (reg.policy, b.policy) {
                        (MatchPolicy::Prefix, MatchPolicy::Wildcard) => true,
                        (MatchPolicy::Wildcard, MatchPolicy::Prefix) => false,
                        (MatchPolicy::Prefix, _) => reg.uri.len() > b.uri.len(),
                        _ => compare_wildcards(&reg.uri, &b.uri).is_gt(),
                    };
                    Some(if better { reg } else { b })
                }
            };
        }
        best.map(|r| r.id)
    }

    /// The registration with exactly this URI and match policy.
    pub(crate) fn find(&self, uri: &str, policy: MatchPolicy) -> Option<Id> {
        match policy {
            MatchPolicy::Exact => self.exact.get(uri).copied(),
            _ => self.patterns.iter().copied().find(|id| {
                self.registrations
                    .get(id)
                    .is_some_and(|r| r.uri == uri && r.policy == policy)
            }),
        }
    }

    /// Removes a callee from a registration, deleting the registration when it
    /// was the last one. Returns the meta events.
    pub(crate) fn remove_callee(
        &mut self,
        registration: Id,
        session: Id,
        events: &mut MetaEvents,
    ) -> bool {
        let Some(reg) = self.registrations.get_mut(&registration) else {
            return false;
        };
        let before = reg.callees.len();
        reg.callees.retain(|c| c.session.id != session);
        if reg.callees.len() == before {
            return false;
        }
        events.push((
            "wamp.registration.on_unregister",
            vec![Value::UInt(session), Value::UInt(registration)],
        ));
        if reg.callees.is_empty() {
            let reg = self.registrations.remove(&registration);
            if let Some(reg) = reg {
                if reg.policy == MatchPolicy::Exact {
                    self.exact.remove(&reg.uri);
                } else {
                    self.patterns.retain(|id| *id != registration);
                }
            }
            events.push((
                "wamp.registration.on_delete",
                vec![Value::UInt(session), Value::UInt(registration)],
            ));
        }
        true
    }

    /// Forgets everything of a session that leaves: its registrations, and the
    /// calls it made or was serving.
    pub(crate) fn remove_session(&mut self, session: &SessionHandle) -> MetaEvents {
        let mut events = Vec::new();
        let regs: Vec<Id> = self
            .registrations
            .values()
            .filter(|r| r.callees.iter().any(|c| c.session.id == session.id))
            .map(|r| r.id)
            .collect();
        for id in regs {
            self.remove_callee(id, session.id, &mut events);
        }
        let keys: Vec<(Id, Id)> = self
            .pending
            .iter()
            .filter(|(_, p)| p.caller.id == session.id || p.callee.id == session.id)
            .map(|(k, _)| *k)
            .collect();
        for key in keys {
            let Some(p) = self.remove_pending(key) else {
                continue;
            };
            if p.callee.id == session.id && p.caller.id != session.id {
                p.caller.send(&error(
                    MessageType::Call,
                    p.call_request,
                    uris::CANCELED,
                    vec![Value::String(
                        "callee disconnected from in-flight request".into(),
                    )],
                ));
            } else if p.callee.id != session.id
                && p.callee.has_feature(Role::Callee, feature::CALL_CANCELING)
            {
                p.callee.send(&Message::Interrupt(Interrupt {
                    request: key.1,
                    options: InterruptOptions {
                        mode: Some(CancelMode::KillNoWait),
                        reason: Some(uris::CANCELED.into()),
                        ..Default::default()
                    },
                }));
            }
        }
        events
    }

    fn remove_pending(&mut self, key: (Id, Id)) -> Option<Pending> {
        let p = self.pending.remove(&key)?;
        self.calls.remove(&(p.caller.id, p.call_request));
        if let Some(timer) = &p.timer {
            timer.abort();
        }
        if let Some(reg) = self.registrations.get_mut(&p.registration)
            && let Some(c) = reg.callees.iter_mut().find(|c| c.session.id == p.callee.id)
        {
            c.in_flight = c.in_flight.saturating_sub(1);
        }
        Some(p)
    }
}

/// Handles REGISTER.
pub(crate) fn register(realm: &Arc<Realm>, session: &Arc<SessionHandle>, msg: Register) {
    let uri = msg.procedure.as_str();
    if !realm.authorize(session, Action::Register, uri) {
        session.send(&error(
            MessageType::Register,
            msg.request,
            uris::NOT_AUTHORIZED,
            vec![Value::String(format!(
                "session is not authorized to register procedure '{uri}'"
            ))],
        ));
        return;
    }
    if uri.starts_with("wamp.") {
        session.send(&error(
            MessageType::Register,
            msg.request,
            uris::INVALID_URI,
            vec![Value::String(format!(
                "register for restricted procedure URI '{uri}'"
            ))],
        ));
        return;
    }
    let policy = msg.options.match_.unwrap_or(MatchPolicy::Exact);
    let invoke = msg.options.invoke.unwrap_or(InvokePolicy::Single);
    let mut events = Vec::new();
    let reply;
    {
        let mut dealer = lock(&realm.dealer);
        let existing = dealer.find(uri, policy);
        if let Some(id) = existing
            && msg.options.force_reregister == Some(true)
        {
            // Crossbar's force_reregister: kick the current callees out first.
            let kicked: Vec<Arc<SessionHandle>> = dealer.registrations[&id]
                .callees
                .iter()
                .map(|c| c.session.clone())
                .collect();
            for callee in kicked {
                dealer.remove_callee(id, callee.id, &mut events);
                if callee.id != session.id
                    && callee.has_feature(Role::Callee, feature::REGISTRATION_REVOCATION)
                {
                    callee.send(&Message::Unregistered(Unregistered {
                        request: 0,
                        details: Some(UnregisteredDetails {
                            registration: Some(id),
                            reason: Some("wamp.error.unregistered".into()),
                            ..Default::default()
                        }),
                    }));
                }
            }
        }
        let existing = dealer.find(uri, policy);
        let callee = Callee {
            session: session.clone(),
            concurrency: msg.options.concurrency.unwrap_or(0),
            in_flight: 0,
            disclose_caller: msg.options.disclose_caller == Some(true),
            forward_timeout: msg.options.forward_timeout == Some(true),
        };
        reply = match existing {
            Some(id) => {
                let reg = dealer
                    .registrations
                    .get_mut(&id)
                    .expect("indexed registration exists");
                if reg.callees.iter().any(|c| c.session.id == session.id)
                    || reg.invoke == InvokePolicy::Single
                {
                    error(
                        MessageType::Register,
                        msg.request,
                        uris::PROCEDURE_ALREADY_EXISTS,
                        vec![Value::String(format!(
                            "register for already registered procedure '{uri}'"
                        ))],
                    )
                } else if reg.invoke != invoke {
                    error(
                        MessageType::Register,
                        msg.request,
                        uris::PROCEDURE_EXISTS_WITH_DIFFERENT_POLICY,
                        vec![Value::String(format!(
                            "register for already registered procedure '{uri}' with conflicting invocation policy (has {} and {} was requested)",
                            reg.invoke, invoke
                        ))],
                    )
                } else {
                    if reg.schema.is_none() {
                        reg.schema = msg.options.extra.get(crate::docs::SCHEMA_OPTION).cloned();
                    }
                    reg.callees.push(callee);
                    events.push((
                        "wamp.registration.on_register",
                        vec![Value::UInt(session.id), Value::UInt(id)],
                    ));
                    Message::Registered(Registered {
                        request: msg.request,
                        registration: id,
                    })
                }
            }
            None => {
                dealer.next_registration += 1;
                let id = dealer.next_registration;
                let reg = Registration {
                    id,
                    uri: uri.to_owned(),
                    policy,
                    invoke,
                    callees: vec![callee],
                    created: uris::now_iso8601(),
                    schema: msg.options.extra.get(crate::docs::SCHEMA_OPTION).cloned(),
                    next: 0,
                };
                events.push((
                    "wamp.registration.on_create",
                    vec![Value::UInt(session.id), describe(&reg)],
                ));
                events.push((
                    "wamp.registration.on_register",
                    vec![Value::UInt(session.id), Value::UInt(id)],
                ));
                if policy == MatchPolicy::Exact {
                    dealer.exact.insert(uri.to_owned(), id);
                } else {
                    dealer.patterns.push(id);
                }
                dealer.registrations.insert(id, reg);
                Message::Registered(Registered {
                    request: msg.request,
                    registration: id,
                })
            }
        };
    }
    session.send(&reply);
    realm.publish_meta_events(events);
}

/// Describes a registration for the meta API.
pub(crate) fn describe(reg: &Registration) -> Value {
    let mut d = Dict::new();
    d.insert("id".into(), Value::UInt(reg.id));
    d.insert("created".into(), Value::String(reg.created.clone()));
    d.insert("uri".into(), Value::String(reg.uri.clone()));
    d.insert("match".into(), Value::String(reg.policy.as_str().into()));
    d.insert("invoke".into(), Value::String(reg.invoke.as_str().into()));
    Value::Dict(d)
}

/// Handles UNREGISTER.
pub(crate) fn unregister(realm: &Arc<Realm>, session: &Arc<SessionHandle>, msg: Unregister) {
    let mut events = Vec::new();
    let removed = lock(&realm.dealer).remove_callee(msg.registration, session.id, &mut events);
    if removed {
        session.send(&Message::Unregistered(Unregistered {
            request: msg.request,
            details: None,
        }));
    } else {
        session.send(&error(
            MessageType::Unregister,
            msg.request,
            uris::NO_SUCH_REGISTRATION,
            vec![],
        ));
    }
    realm.publish_meta_events(events);
}

/// Picks the callee of a registration for one call, or `None` when every
/// callee is at its concurrency limit.
fn pick(reg: &mut Registration) -> Option<usize> {
    let free = |c: &Callee| c.concurrency == 0 || c.in_flight < c.concurrency;
    let n = reg.callees.len();
    match reg.invoke {
        InvokePolicy::Single | InvokePolicy::First => (0..n).find(|i| free(&reg.callees[*i])),
        InvokePolicy::Last => (0..n).rev().find(|i| free(&reg.callees[*i])),
        InvokePolicy::RoundRobin => {
            let start = reg.next % n.max(1);
            let i = (0..n)
                .map(|k| (start + k) % n)
                .find(|i| free(&reg.callees[*i]))?;
            reg.next = i + 1;
            Some(i)
        }
        InvokePolicy::Random => {
            let free_ones: Vec<usize> = (0..n).filter(|i| free(&reg.callees[*i])).collect();
            if free_ones.is_empty() {
                None
            } else {
                Some(free_ones[rand::random_range(0..free_ones.len())])
            }
        }
    }
}

/// Handles CALL.
pub(crate) fn call(realm: &Arc<Realm>, caller: &Arc<SessionHandle>, msg: Call) {
    let uri = msg.procedure.as_str();
    if !realm.authorize(caller, Action::Call, uri) {
        caller.send(&error(
            MessageType::Call,
            msg.request,
            uris::NOT_AUTHORIZED,
            vec![Value::String(format!(
                "session is not authorized to call procedure '{uri}'"
            ))],
        ));
        return;
    }
    if uri.starts_with("wamp.") {
        super::meta::call(realm, caller, msg);
        return;
    }
    let mut dealer = lock(&realm.dealer);

    // A further chunk of a progressive call invocation.
    if let Some(&key) = dealer.calls.get(&(caller.id, msg.request)) {
        let Some(p) = dealer.pending.get_mut(&key) else {
            return;
        };
        if !p.caller_progress {
            tracing::debug!(
                session = caller.id,
                request = msg.request,
                "CALL reuses the ID of a call in flight; ignored"
            );
            return;
        }
        p.caller_progress = msg.options.progress == Some(true);
        let details = InvocationDetails {
            progress: msg.options.progress,
            ..Default::default()
        };
        let callee = p.callee.clone();
        callee.send(&Message::Invocation(Invocation {
            request: key.1,
            registration: p.registration,
            details,
            payload: msg.payload,
        }));
        return;
    }

    let Some(reg_id) = dealer.lookup(uri) else {
        drop(dealer);
        caller.send(&error(
            MessageType::Call,
            msg.request,
            uris::NO_SUCH_PROCEDURE,
            vec![Value::String(format!(
                "no callee registered for procedure <{uri}>"
            ))],
        ));
        return;
    };
    let reg = dealer
        .registrations
        .get_mut(&reg_id)
        .expect("looked-up registration exists");
    let Some(index) = pick(reg) else {
        drop(dealer);
        caller.send(&error(
            MessageType::Call,
            msg.request,
            uris::NO_AVAILABLE_CALLEE,
            vec![Value::String(format!(
                "all callees of <{uri}> are at their concurrency limit"
            ))],
        ));
        return;
    };
    let entry = &mut reg.callees[index];
    entry.in_flight += 1;
    let callee = entry.session.clone();
    let disclose = msg.options.disclose_me == Some(true)
        || entry.disclose_caller
        || realm.discloses_caller(caller, uri);
    let forward_timeout = entry.forward_timeout;
    let pattern = reg.policy != MatchPolicy::Exact;
    let timeout = msg.options.timeout.filter(|t| *t > 0);
    let receive_progress = msg.options.receive_progress == Some(true)
        && callee.has_feature(Role::Callee, feature::PROGRESSIVE_CALL_RESULTS);

    let mut details = InvocationDetails::default();
    if pattern {
        details.procedure = Some(uri.to_owned());
    }
    if disclose {
        details.caller = Some(caller.id);
        details.caller_authid = Some(caller.identity.authid.clone());
        details.caller_authrole = Some(caller.identity.authrole.clone());
    }
    if receive_progress {
        details.receive_progress = Some(true);
    }
    if msg.options.progress == Some(true) {
        details.progress = Some(true);
    }
    if forward_timeout {
        details.timeout = timeout;
    }
    details.enc_algo = msg.options.enc_algo.clone();
    details.enc_key = msg.options.enc_key.clone();
    details.enc_serializer = msg.options.enc_serializer.clone();
    details.transaction_hash = msg.options.transaction_hash.clone();

    let invocation = callee.next_request_id();
    let timer = timeout.map(|ms| {
        let realm = Arc::downgrade(realm);
        let key = (callee.id, invocation);
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            if let Some(realm) = realm.upgrade() {
                cancel_pending(&realm, key, CancelMode::KillNoWait, uris::TIMEOUT);
            }
        })
        .abort_handle()
    });
    dealer.pending.insert(
        (callee.id, invocation),
        Pending {
            caller: caller.clone(),
            call_request: msg.request,
            callee: callee.clone(),
            registration: reg_id,
            receive_progress,
            caller_progress: msg.options.progress == Some(true),
            killed: false,
            timer,
        },
    );
    dealer
        .calls
        .insert((caller.id, msg.request), (callee.id, invocation));
    callee.send(&Message::Invocation(Invocation {
        request: invocation,
        registration: reg_id,
        details,
        payload: msg.payload,
    }));
}

/// Cancels a call in flight: the caller gets an ERROR (now, or for `kill`
/// when the callee answers) and a callee that supports it an INTERRUPT.
fn cancel_pending(realm: &Arc<Realm>, key: (Id, Id), mode: CancelMode, reason: &str) {
    let mut dealer = lock(&realm.dealer);
    let Some(p) = dealer.pending.get_mut(&key) else {
        return;
    };
    let interruptible = p.callee.has_feature(Role::Callee, feature::CALL_CANCELING);
    let mode = if interruptible {
        mode
    } else {
        CancelMode::Skip
    };
    if mode != CancelMode::Skip {
        p.callee.send(&Message::Interrupt(Interrupt {
            request: key.1,
            options: InterruptOptions {
                mode: Some(mode),
                reason: Some(reason.to_owned()),
                ..Default::default()
            },
        }));
    }
    if mode == CancelMode::Kill {
        p.killed = true;
        return;
    }
    if let Some(p) = dealer.remove_pending(key) {
        let args = if reason == uris::TIMEOUT {
            vec![Value::String("call timed out".into())]
        } else {
            vec![Value::String("call canceled".into())]
        };
        p.caller
            .send(&error(MessageType::Call, p.call_request, reason, args));
    }
}

/// Handles CANCEL.
pub(crate) fn cancel(realm: &Arc<Realm>, caller: &Arc<SessionHandle>, msg: Cancel) {
    let key = lock(&realm.dealer)
        .calls
        .get(&(caller.id, msg.request))
        .copied();
    let Some(key) = key else {
        tracing::debug!(
            session = caller.id,
            request = msg.request,
            "CANCEL for a call not in flight; ignored"
        );
        return;
    };
    // Without a mode, behave as Crossbar does: interrupt and answer now.
    let mode = msg.options.mode.unwrap_or(CancelMode::KillNoWait);
    cancel_pending(realm, key, mode, uris::CANCELED);
}

/// Handles YIELD.
pub(crate) fn yield_(realm: &Arc<Realm>, callee: &Arc<SessionHandle>, msg: Yield) {
    let key = (callee.id, msg.request);
    let mut dealer = lock(&realm.dealer);
    let Some(p) = dealer.pending.get(&key) else {
        tracing::debug!(
            session = callee.id,
            request = msg.request,
            "YIELD for an invocation not in flight (canceled or timed out); discarded"
        );
        return;
    };
    if msg.options.progress == Some(true) {
        if p.receive_progress && !p.killed {
            let details = ResultDetails {
                progress: Some(true),
                enc_algo: msg.options.enc_algo,
                enc_key: msg.options.enc_key,
                enc_serializer: msg.options.enc_serializer,
                ..Default::default()
            };
            p.caller.send(&Message::Result(ResultMessage {
                request: p.call_request,
                details,
                payload: msg.payload,
            }));
        }
        return;
    }
    let Some(p) = dealer.remove_pending(key) else {
        return;
    };
    drop(dealer);
    if p.killed {
        p.caller.send(&error(
            MessageType::Call,
            p.call_request,
            uris::CANCELED,
            vec![Value::String("call canceled".into())],
        ));
        return;
    }
    let details = ResultDetails {
        enc_algo: msg.options.enc_algo,
        enc_key: msg.options.enc_key,
        enc_serializer: msg.options.enc_serializer,
        ..Default::default()
    };
    p.caller.send(&Message::Result(ResultMessage {
        request: p.call_request,
        details,
        payload: msg.payload,
    }));
}

/// Handles ERROR for an INVOCATION: the caller gets it as the call's error.
pub(crate) fn invocation_error(realm: &Arc<Realm>, callee: &Arc<SessionHandle>, msg: ErrorMessage) {
    let p = lock(&realm.dealer).remove_pending((callee.id, msg.request));
    let Some(p) = p else {
        tracing::debug!(
            session = callee.id,
            request = msg.request,
            "ERROR for an invocation not in flight; discarded"
        );
        return;
    };
    let (error_uri, payload) = if p.killed {
        (Uri::from_trusted(uris::CANCELED), Payload::empty())
    } else {
        (msg.error, msg.payload)
    };
    p.caller.send(&Message::Error(ErrorMessage {
        request_type: MessageType::Call,
        request: p.call_request,
        details: msg.details,
        error: error_uri,
        payload,
    }));
}
