//! The broker's table of subscriptions: one topic pattern each, shared by its
//! subscribers, indexed by URI.

use crate::protocol::id::Id;
use crate::protocol::options::MatchPolicy;
use crate::protocol::{Dict, Value};
use crate::router::core::hash::HashMap;

use super::super::meta_event::MetaEvent;
use super::super::uri_index::UriIndex;

/// A subscription: one topic pattern shared by all its subscribers.
#[derive(Debug)]
pub(crate) struct Subscription {
    /// Subscription ID.
    pub(crate) id: Id,
    /// Topic or pattern.
    pub(crate) uri: String,
    /// Match policy.
    pub(crate) policy: MatchPolicy,
    /// Subscribed sessions, in order.
    pub(crate) subscribers: Vec<Id>,
    /// When it was created (ISO 8601).
    pub(crate) created: String,
    /// The schema a subscriber sent with its SUBSCRIBE (`x_schema`), for the
    /// reflection API; the first one sent is kept.
    pub(crate) schema: Option<Value>,
}

impl Subscription {
    /// Describes the subscription for the meta API.
    pub(crate) fn describe(&self) -> Value {
        let mut d = Dict::new();
        d.insert("id".into(), Value::UInt(self.id));
        d.insert("created".into(), Value::String(self.created.clone()));
        d.insert("uri".into(), Value::String(self.uri.clone()));
        d.insert("match".into(), Value::String(self.policy.as_str().into()));
        Value::Dict(d)
    }
}

/// Every subscription of a realm.
#[derive(Debug, Default)]
pub(crate) struct Subscriptions {
    by_id: HashMap<Id, Subscription>,
    index: UriIndex,
    next_id: Id,
    /// How many subscriptions each session is a subscriber of.
    per_session: HashMap<Id, usize>,
}

impl Subscriptions {
    /// One subscription.
    pub(crate) fn get(&self, id: Id) -> Option<&Subscription> {
        self.by_id.get(&id)
    }

    /// One subscription, to change.
    pub(crate) fn get_mut(&mut self, id: Id) -> Option<&mut Subscription> {
        self.by_id.get_mut(&id)
    }

    /// Every subscription.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &Subscription> {
        self.by_id.values()
    }

    #[cfg(test)]
    /// Number of subscriptions.
    pub(crate) fn len(&self) -> usize {
        self.by_id.len()
    }

    /// The subscription with exactly this URI and match policy.
    pub(crate) fn find(&self, uri: &str, policy: MatchPolicy) -> Option<Id> {
        self.index.find(uri, policy)
    }

    /// The subscriptions an event on `topic` is delivered to.
    pub(crate) fn matching<'a>(
        &'a self,
        topic: &'a str,
    ) -> impl Iterator<Item = &'a Subscription> + 'a {
        self.index
            .matching(topic)
            .filter_map(|id| self.by_id.get(&id))
    }

    /// How many subscriptions a session is a subscriber of.
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

    /// Adds a subscriber to an existing subscription; whether it was added
    /// (false when it already was a subscriber).
    pub(crate) fn add_subscriber(&mut self, id: Id, session: Id) -> bool {
        let Some(sub) = self.by_id.get_mut(&id) else {
            return false;
        };
        if sub.subscribers.contains(&session) {
            return false;
        }
        sub.subscribers.push(session);
        self.counted_in(session);
        true
    }

    /// Creates a subscription with its first subscriber.
    pub(crate) fn create(
        &mut self,
        uri: &str,
        policy: MatchPolicy,
        subscriber: Id,
        schema: Option<Value>,
        created: String,
    ) -> &Subscription {
        self.next_id += 1;
        let id = self.next_id;
        self.index.insert(uri, policy, id);
        self.counted_in(subscriber);
        let sub = Subscription {
            id,
            uri: uri.to_owned(),
            policy,
            subscribers: vec![subscriber],
            created,
            schema,
        };
        self.by_id.entry(id).insert_entry(sub).into_mut()
    }

    /// Removes a subscriber, deleting the subscription when it was the last
    /// one, and reports the meta events. Whether it was a subscriber.
    pub(crate) fn remove_subscriber(
        &mut self,
        id: Id,
        session: Id,
        meta: &mut Vec<MetaEvent>,
    ) -> bool {
        let Some(sub) = self.by_id.get_mut(&id) else {
            return false;
        };
        let before = sub.subscribers.len();
        sub.subscribers.retain(|s| *s != session);
        if sub.subscribers.len() == before {
            return false;
        }
        let now_empty = sub.subscribers.is_empty();
        self.counted_out(session);
        let ids = vec![Value::UInt(session), Value::UInt(id)];
        meta.push(MetaEvent::new(
            "wamp.subscription.on_unsubscribe",
            ids.clone(),
        ));
        if now_empty && let Some(sub) = self.by_id.remove(&id) {
            self.index.remove(&sub.uri, sub.policy, id);
            meta.push(MetaEvent::new("wamp.subscription.on_delete", ids));
        }
        true
    }

    /// The subscriptions a session is a subscriber of.
    pub(crate) fn of_session(&self, session: Id) -> Vec<Id> {
        self.by_id
            .values()
            .filter(|s| s.subscribers.contains(&session))
            .map(|s| s.id)
            .collect()
    }
}
