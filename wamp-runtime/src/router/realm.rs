//! A realm: its joined sessions, its broker and dealer, and its permissions.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use super::broker::Broker;
use super::config::{Permission, RealmConfig};
use super::dealer::Dealer;
use super::handle::SessionHandle;
use super::matching::{compare_wildcards, matches};
use crate::protocol::id::{Id, random_id};
use crate::protocol::options::MatchPolicy;
use crate::protocol::{Payload, Value};

/// An action that needs permission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    Call,
    Register,
    Publish,
    Subscribe,
}

/// One realm of the router.
pub(crate) struct Realm {
    pub(crate) name: String,
    pub(crate) config: RealmConfig,
    sessions: RwLock<HashMap<Id, Arc<SessionHandle>>>,
    pub(crate) broker: Mutex<Broker>,
    pub(crate) dealer: Mutex<Dealer>,
}

/// Locks a mutex, recovering the data if a panicking thread poisoned it.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Realm {
    pub(crate) fn new(config: RealmConfig) -> Self {
        Realm {
            name: config.name.clone(),
            config,
            sessions: RwLock::new(HashMap::new()),
            broker: Mutex::new(Broker::default()),
            dealer: Mutex::new(Dealer::default()),
        }
    }

    /// A fresh session ID not used in this realm.
    pub(crate) fn new_session_id(&self) -> Id {
        let sessions = self.sessions.read().unwrap_or_else(|p| p.into_inner());
        loop {
            let id = random_id();
            if !sessions.contains_key(&id) {
                return id;
            }
        }
    }

    pub(crate) fn add_session(&self, session: Arc<SessionHandle>) {
        let mut sessions = self.sessions.write().unwrap_or_else(|p| p.into_inner());
        sessions.insert(session.id, session);
    }

    pub(crate) fn session(&self, id: Id) -> Option<Arc<SessionHandle>> {
        self.sessions
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(&id)
            .cloned()
    }

    pub(crate) fn sessions(&self) -> Vec<Arc<SessionHandle>> {
        self.sessions
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .cloned()
            .collect()
    }

    /// Removes a session and everything it owned: registrations,
    /// subscriptions, calls in flight (callers get `wamp.error.canceled`,
    /// callees an INTERRUPT), and tells the meta API.
    pub(crate) fn remove_session(self: &Arc<Self>, session: &Arc<SessionHandle>) {
        let removed = self
            .sessions
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&session.id)
            .is_some();
        if !removed {
            return;
        }
        let meta = lock(&self.dealer).remove_session(session);
        self.publish_meta_events(meta);
        let meta = lock(&self.broker).remove_session(session.id);
        self.publish_meta_events(meta);
        let mut info = crate::protocol::Dict::new();
        info.insert("session".into(), Value::UInt(session.id));
        info.insert(
            "authid".into(),
            Value::String(session.identity.authid.clone()),
        );
        info.insert(
            "authrole".into(),
            Value::String(session.identity.authrole.clone()),
        );
        self.publish_meta("wamp.session.on_leave", vec![Value::Dict(info)]);
    }

    /// The permission that decides for `uri`: exact, then the longest prefix,
    /// then the best wildcard.
    fn permission(&self, authrole: &str, uri: &str) -> Option<&Permission> {
        let role = self.config.roles.iter().find(|r| r.name == authrole)?;
        let candidates = role
            .permissions
            .iter()
            .filter(|p| matches(p.match_, &p.uri, uri));
        candidates.max_by(|a, b| {
            let rank = |p: &Permission| match p.match_ {
                MatchPolicy::Exact => 2,
                MatchPolicy::Prefix => 1,
                MatchPolicy::Wildcard => 0,
            };
            rank(a).cmp(&rank(b)).then_with(|| match a.match_ {
                MatchPolicy::Prefix => a.uri.len().cmp(&b.uri.len()),
                MatchPolicy::Wildcard => compare_wildcards(&a.uri, &b.uri),
                MatchPolicy::Exact => std::cmp::Ordering::Equal,
            })
        })
    }

    /// Whether a session may do `action` on `uri`. A realm without roles is open.
    pub(crate) fn authorize(&self, session: &SessionHandle, action: Action, uri: &str) -> bool {
        if self.config.roles.is_empty() {
            return true;
        }
        self.permission(&session.identity.authrole, uri)
            .is_some_and(|p| match action {
                Action::Call => p.call,
                Action::Register => p.register,
                Action::Publish => p.publish,
                Action::Subscribe => p.subscribe,
            })
    }

    /// Whether the realm's policy discloses callers of `uri` to callees.
    pub(crate) fn discloses_caller(&self, session: &SessionHandle, uri: &str) -> bool {
        self.permission(&session.identity.authrole, uri)
            .is_some_and(|p| p.disclose_caller)
    }

    /// Whether the realm's policy discloses publishers of `uri` to subscribers.
    pub(crate) fn discloses_publisher(&self, session: &SessionHandle, uri: &str) -> bool {
        self.permission(&session.identity.authrole, uri)
            .is_some_and(|p| p.disclose_publisher)
    }

    /// Publishes a meta event (`wamp.session.on_join`, ...) from the router itself.
    pub(crate) fn publish_meta(&self, topic: &str, args: Vec<Value>) {
        let payload = Payload::from_values(args, crate::protocol::Dict::new());
        lock(&self.broker).publish_internal(topic, payload);
    }

    pub(crate) fn publish_meta_events(&self, events: Vec<(&'static str, Vec<Value>)>) {
        for (topic, args) in events {
            self.publish_meta(topic, args);
        }
    }
}
