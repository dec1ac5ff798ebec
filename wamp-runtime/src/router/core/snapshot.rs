//! Read-only views of a realm for the router's metrics and its live admin
//! page: which registration a call goes to, which URI a subscription has,
//! and a bounded snapshot of sessions, registrations and subscriptions.
//! Nothing here changes the realm.

use serde_json::Value as Json;

use crate::protocol::id::Id;
use crate::serializer::SerializerKind;
use crate::transport::TransportKind;

use super::realm::RealmCore;

/// One session of a [`CoreSnapshot`].
#[derive(Debug, Clone)]
pub(crate) struct SessionInfo {
    /// Session ID.
    pub(crate) id: Id,
    /// Its authid.
    pub(crate) authid: String,
    /// Its authrole.
    pub(crate) authrole: String,
    /// How it authenticated.
    pub(crate) authmethod: String,
    /// Its transport.
    pub(crate) transport: TransportKind,
    /// Its serializer.
    pub(crate) serializer: SerializerKind,
}

/// One registration or subscription of a [`CoreSnapshot`].
#[derive(Debug, Clone)]
pub(crate) struct EntryInfo {
    /// Its URI or pattern.
    pub(crate) uri: String,
    /// Match policy.
    pub(crate) policy: &'static str,
    /// Invocation policy (registrations only).
    pub(crate) invoke: Option<&'static str>,
    /// Callees or subscribers.
    pub(crate) peers: usize,
    /// The schema sent with REGISTER/SUBSCRIBE, as JSON.
    pub(crate) schema: Option<Json>,
}

/// A bounded view of one realm at one moment.
#[derive(Debug, Clone, Default)]
pub(crate) struct CoreSnapshot {
    /// How many sessions there are (all of them).
    pub(crate) session_count: usize,
    /// At most the requested number of sessions, by ID.
    pub(crate) sessions: Vec<SessionInfo>,
    /// How many registrations there are.
    pub(crate) registration_count: usize,
    /// At most the requested number, by URI.
    pub(crate) registrations: Vec<EntryInfo>,
    /// How many subscriptions there are.
    pub(crate) subscription_count: usize,
    /// At most the requested number, by URI.
    pub(crate) subscriptions: Vec<EntryInfo>,
}

fn schema(v: Option<&crate::protocol::Value>) -> Option<Json> {
    v.and_then(|v| serde_json::to_value(v).ok())
}

impl RealmCore {
    /// The URI (pattern) of the registration a call of `procedure` goes to.
    pub(crate) fn registration_of(&self, procedure: &str) -> Option<&str> {
        let (_, dealer, _) = self.parts();
        let id = dealer.registrations.lookup(procedure)?;
        dealer.registrations.get(id).map(|r| r.uri.as_str())
    }

    /// The URI (pattern) of a subscription.
    pub(crate) fn subscription_uri(&self, subscription: Id) -> Option<&str> {
        let (_, _, broker) = self.parts();
        broker
            .subscriptions
            .get(subscription)
            .map(|s| s.uri.as_str())
    }

    /// Sessions, registrations and subscriptions, at most `max` of each
    /// (sorted, so the same ones are shown from one snapshot to the next).
    pub(crate) fn snapshot(&self, max: usize) -> CoreSnapshot {
        let (members, dealer, broker) = self.parts();
        let mut ids: Vec<Id> = members.iter().map(|m| m.id).collect();
        ids.sort_unstable();
        let sessions = ids
            .iter()
            .take(max)
            .filter_map(|id| members.get(*id))
            .map(|m| SessionInfo {
                id: m.id,
                authid: m.identity.authid.clone(),
                authrole: m.identity.authrole.clone(),
                authmethod: m.identity.authmethod.clone(),
                transport: m.transport(),
                serializer: m.serializer,
            })
            .collect();
        let mut registrations: Vec<&_> = dealer.registrations.iter().collect();
        registrations.sort_unstable_by(|a, b| a.uri.cmp(&b.uri));
        let mut subscriptions: Vec<&_> = broker.subscriptions.iter().collect();
        subscriptions.sort_unstable_by(|a, b| a.uri.cmp(&b.uri));
        CoreSnapshot {
            session_count: ids.len(),
            sessions,
            registration_count: registrations.len(),
            registrations: registrations
                .iter()
                .take(max)
                .map(|r| EntryInfo {
                    uri: r.uri.clone(),
                    policy: r.policy.as_str(),
                    invoke: Some(r.invoke.as_str()),
                    peers: r.callees.len(),
                    schema: schema(r.schema.as_ref()),
                })
                .collect(),
            subscription_count: subscriptions.len(),
            subscriptions: subscriptions
                .iter()
                .take(max)
                .map(|s| EntryInfo {
                    uri: s.uri.clone(),
                    policy: s.policy.as_str(),
                    invoke: None,
                    peers: s.subscribers.len(),
                    schema: schema(s.schema.as_ref()),
                })
                .collect(),
        }
    }
}
