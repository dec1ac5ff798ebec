//! The dealer's table of registrations: one URI pattern and invocation policy
//! each, with one or more callees, indexed by URI; and the choice of callee
//! for a call.

use rand::Rng;
use rand::rngs::StdRng;

use crate::protocol::id::Id;
use crate::protocol::options::{InvokePolicy, MatchPolicy};
use crate::protocol::{Dict, Value};
use crate::router::core::hash::HashMap;

use super::super::meta_event::MetaEvent;
use super::super::uri_index::UriIndex;

/// A registered callee of a registration.
#[derive(Debug, Clone)]
pub(crate) struct Callee {
    /// The callee's session.
    pub(crate) session: Id,
    /// Most invocations at once (0: no limit).
    pub(crate) concurrency: u64,
    /// Invocations running now.
    pub(crate) in_flight: u64,
    /// The callee asked for callers to be disclosed.
    pub(crate) disclose_caller: bool,
    /// The callee wants the call timeout forwarded.
    pub(crate) forward_timeout: bool,
}

impl Callee {
    fn is_free(&self) -> bool {
        self.concurrency == 0 || self.in_flight < self.concurrency
    }
}

/// A registration: one URI pattern, one invocation policy, one or more callees.
#[derive(Debug)]
pub(crate) struct Registration {
    /// Registration ID.
    pub(crate) id: Id,
    /// URI or pattern.
    pub(crate) uri: String,
    /// Match policy.
    pub(crate) policy: MatchPolicy,
    /// Invocation policy.
    pub(crate) invoke: InvokePolicy,
    /// Callees, in registration order.
    pub(crate) callees: Vec<Callee>,
    /// When it was created (ISO 8601).
    pub(crate) created: String,
    /// The schema a callee sent with its REGISTER (`x_schema`), for the
    /// reflection API; the first one sent is kept.
    pub(crate) schema: Option<Value>,
    /// Round-robin position.
    next: usize,
}

impl Registration {
    /// Describes the registration for the meta API.
    pub(crate) fn describe(&self) -> Value {
        let mut d = Dict::new();
        d.insert("id".into(), Value::UInt(self.id));
        d.insert("created".into(), Value::String(self.created.clone()));
        d.insert("uri".into(), Value::String(self.uri.clone()));
        d.insert("match".into(), Value::String(self.policy.as_str().into()));
        d.insert("invoke".into(), Value::String(self.invoke.as_str().into()));
        Value::Dict(d)
    }

    /// Whether a session is one of the callees.
    pub(crate) fn has_callee(&self, session: Id) -> bool {
        self.callees.iter().any(|c| c.session == session)
    }

    /// Picks the callee for one call, or `None` when every callee is at its
    /// concurrency limit.
    pub(crate) fn pick(&mut self, rng: &mut StdRng) -> Option<usize> {
        let n = self.callees.len();
        let free = |i: &usize| self.callees[*i].is_free();
        match self.invoke {
            InvokePolicy::Single | InvokePolicy::First => (0..n).find(free),
            InvokePolicy::Last => (0..n).rev().find(free),
            InvokePolicy::RoundRobin => {
                let start = self.next % n.max(1);
                let i = (0..n).map(|k| (start + k) % n).find(free)?;
                self.next = i + 1;
                Some(i)
            }
            InvokePolicy::Random => {
                let free_ones: Vec<usize> = (0..n).filter(free).collect();
                if free_ones.is_empty() {
                    None
                } else {
                    Some(free_ones[rng.random_range(0..free_ones.len())])
                }
            }
        }
    }
}

/// Every registration of a realm.
#[derive(Debug, Default)]
pub(crate) struct Registrations {
    by_id: HashMap<Id, Registration>,
    index: UriIndex,
    next_id: Id,
    /// How many registrations each session is a callee of.
    per_session: HashMap<Id, usize>,
}

impl Registrations {
    /// One registration.
    pub(crate) fn get(&self, id: Id) -> Option<&Registration> {
        self.by_id.get(&id)
    }

    /// One registration, to change.
    pub(crate) fn get_mut(&mut self, id: Id) -> Option<&mut Registration> {
        self.by_id.get_mut(&id)
    }

    /// Every registration.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &Registration> {
        self.by_id.values()
    }

    #[cfg(test)]
    /// Number of registrations.
    pub(crate) fn len(&self) -> usize {
        self.by_id.len()
    }

    /// The registration with exactly this URI and match policy.
    pub(crate) fn find(&self, uri: &str, policy: MatchPolicy) -> Option<Id> {
        self.index.find(uri, policy)
    }

    /// The registration a call of `uri` goes to: exact, then the longest
    /// prefix, then the best wildcard.
    pub(crate) fn lookup(&self, uri: &str) -> Option<Id> {
        self.index.best(uri)
    }

    /// How many registrations a session is a callee of.
    pub(crate) fn count_of(&self, session: Id) -> usize {
        self.per_session.get(&session).copied().unwrap_or(0)
    }

    fn counted_in(&mut self, session: Id) {
        *self.per_session.entry(session).or_default() += 1;
    }

    fn counted_out(&mut self, session: Id) {
        if let Some(n) = self.per_session.get_mut(&session) {
            *n -= 1;
            if *n == 0 {
                self.per_session.remove(&session);
            }
        }
    }

    /// Adds a callee to an existing registration.
    pub(crate) fn add_callee(&mut self, registration: Id, callee: Callee) -> Option<&Registration> {
        let session = callee.session;
        self.by_id.get_mut(&registration)?.callees.push(callee);
        self.counted_in(session);
        self.by_id.get(&registration)
    }

    /// Creates a registration with its first callee.
    pub(crate) fn create(
        &mut self,
        uri: &str,
        policy: MatchPolicy,
        invoke: InvokePolicy,
        callee: Callee,
        schema: Option<Value>,
        created: String,
    ) -> &Registration {
        self.next_id += 1;
        let id = self.next_id;
        self.index.insert(uri, policy, id);
        self.counted_in(callee.session);
        let reg = Registration {
            id,
            uri: uri.to_owned(),
            policy,
            invoke,
            callees: vec![callee],
            created,
            schema,
            next: 0,
        };
        self.by_id.entry(id).insert_entry(reg).into_mut()
    }

    /// Removes a callee from a registration, deleting the registration when it
    /// was the last one, and reports the meta events. Whether it was a callee.
    pub(crate) fn remove_callee(
        &mut self,
        registration: Id,
        session: Id,
        meta: &mut Vec<MetaEvent>,
    ) -> bool {
        let Some(reg) = self.by_id.get_mut(&registration) else {
            return false;
        };
        let before = reg.callees.len();
        reg.callees.retain(|c| c.session != session);
        if reg.callees.len() == before {
            return false;
        }
        let now_empty = reg.callees.is_empty();
        self.counted_out(session);
        let ids = vec![Value::UInt(session), Value::UInt(registration)];
        meta.push(MetaEvent::new(
            "wamp.registration.on_unregister",
            ids.clone(),
        ));
        if now_empty && let Some(reg) = self.by_id.remove(&registration) {
            self.index.remove(&reg.uri, reg.policy, registration);
            meta.push(MetaEvent::new("wamp.registration.on_delete", ids));
        }
        true
    }

    /// The registrations a session is a callee of.
    pub(crate) fn of_session(&self, session: Id) -> Vec<Id> {
        self.by_id
            .values()
            .filter(|r| r.has_callee(session))
            .map(|r| r.id)
            .collect()
    }

    /// Counts an invocation of a callee as finished.
    pub(crate) fn finished(&mut self, registration: Id, session: Id) {
        if let Some(reg) = self.by_id.get_mut(&registration)
            && let Some(c) = reg.callees.iter_mut().find(|c| c.session == session)
        {
            c.in_flight = c.in_flight.saturating_sub(1);
        }
    }
}
