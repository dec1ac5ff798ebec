//! The broker: subscriptions, routing PUBLISH → EVENT with one encoding per
//! subscription and serializer, publisher exclusion, black/white listing,
//! publisher disclosure and retained events.

use std::collections::HashMap;
use std::sync::Arc;

use bytes::Bytes;

use super::handle::SessionHandle;
use super::matching::matches;
use super::realm::{Action, Realm, lock};
use super::uris;
use crate::protocol::id::{Id, random_id};
use crate::protocol::options::*;
use crate::protocol::*;
use crate::serializer::SerializerKind;

/// A subscription: one topic pattern shared by all its subscribers.
#[derive(Debug)]
pub(crate) struct Subscription {
    pub(crate) id: Id,
    pub(crate) uri: String,
    pub(crate) policy: MatchPolicy,
    pub(crate) subscribers: Vec<Arc<SessionHandle>>,
    pub(crate) created: String,
    /// The schema a subscriber sent with its SUBSCRIBE (`x_schema`), for the
    /// reflection API; the first one sent is kept.
    pub(crate) schema: Option<Value>,
}

/// Who published an event, for disclosure and exclusion.
#[derive(Debug, Clone)]
struct Publisher {
    session: Id,
    authid: String,
    authrole: String,
}

/// The last retained event of a topic.
#[derive(Debug, Clone)]
struct Retained {
    publication: Id,
    publisher: Option<Publisher>,
    disclose: bool,
    options: PublishOptions,
    payload: Payload,
}

/// The broker's state for one realm.
#[derive(Debug, Default)]
pub(crate) struct Broker {
    pub(crate) subscriptions: HashMap<Id, Subscription>,
    exact: HashMap<String, Id>,
    patterns: Vec<Id>,
    retained: HashMap<String, Retained>,
    next_subscription: Id,
}

type MetaEvents = Vec<(&'static str, Vec<Value>)>;

fn error(request_type: MessageType, request: Id, uri: &str, message: String) -> Message {
    uris::error_reply(request_type, request, uri, vec![Value::String(message)])
}

/// Whether a session may receive an event published with `options`.
fn eligible(
    session: &SessionHandle,
    publisher: Option<&Publisher>,
    options: &PublishOptions,
) -> bool {
    if let Some(p) = publisher
        && p.session == session.id
        && options.exclude_me != Some(false)
    {
        return false;
    }
    let authid = &session.identity.authid;
    let authrole = &session.identity.authrole;
    if options
        .exclude
        .as_ref()
        .is_some_and(|l| l.contains(&session.id))
        || options
            .exclude_authid
            .as_ref()
            .is_some_and(|l| l.contains(authid))
        || options
            .exclude_authrole
            .as_ref()
            .is_some_and(|l| l.contains(authrole))
    {
        return false;
    }
    options
        .eligible
        .as_ref()
        .is_none_or(|l| l.contains(&session.id))
        && options
            .eligible_authid
            .as_ref()
            .is_none_or(|l| l.contains(authid))
        && options
            .eligible_authrole
            .as_ref()
            .is_none_or(|l| l.contains(authrole))
}

fn event_details(
    sub: &Subscription,
    topic: &str,
    publisher: Option<&Publisher>,
    disclose: bool,
    retained: bool,
    options: &PublishOptions,
) -> EventDetails {
    let mut details = EventDetails::default();
    if sub.policy != MatchPolicy::Exact {
        details.topic = Some(topic.to_owned());
    }
    if disclose && let Some(p) = publisher {
        details.publisher = Some(p.session);
        details.publisher_authid = Some(p.authid.clone());
        details.publisher_authrole = Some(p.authrole.clone());
    }
    if retained {
        details.retained = Some(true);
    }
    details.enc_algo = options.enc_algo.clone();
    details.enc_key = options.enc_key.clone();
    details.enc_serializer = options.enc_serializer.clone();
    details.transaction_hash = options.transaction_hash.clone();
    details
}

fn slot(kind: SerializerKind) -> usize {
    match kind {
        SerializerKind::Json => 0,
        SerializerKind::MsgPack => 1,
        SerializerKind::Cbor => 2,
    }
}

impl Broker {
    fn matching(&self, topic: &str) -> impl Iterator<Item = &Subscription> {
        let exact = self
            .exact
            .get(topic)
            .and_then(|id| self.subscriptions.get(id));
        let patterns = self
            .patterns
            .iter()
            .filter_map(|id| self.subscriptions.get(id))
            .filter(move |s| matches(s.policy, &s.uri, topic));
        exact.into_iter().chain(patterns)
    }

    /// Delivers one publication to every matching subscription: the EVENT of a
    /// subscription is encoded once per serializer and the same bytes go to
    /// every subscriber.
    fn deliver(
        &self,
        topic: &str,
        publication: Id,
        publisher: Option<&Publisher>,
        disclose: bool,
        options: &PublishOptions,
        payload: &Payload,
    ) {
        for sub in self.matching(topic) {
            let mut frames: [Option<Bytes>; 3] = [None, None, None];
            let mut message: Option<Message> = None;
            for session in &sub.subscribers {
                if !eligible(session, publisher, options) {
                    continue;
                }
                let frame = &mut frames[slot(session.serializer)];
                if frame.is_none() {
                    let msg = message.get_or_insert_with(|| {
                        Message::Event(Event {
                            subscription: sub.id,
                            publication,
                            details: event_details(sub, topic, publisher, disclose, false, options),
                            payload: payload.clone(),
                        })
                    });
                    match session.serializer.encode(msg) {
                        Ok(bytes) => *frame = Some(bytes),
                        Err(e) => {
                            tracing::warn!(topic, error = %e, "cannot encode EVENT");
                            continue;
                        }
                    }
                }
                if let Some(bytes) = frame {
                    session.send_frame(bytes.clone());
                }
            }
        }
    }

    /// Publishes an event from the router itself (meta events).
    pub(crate) fn publish_internal(&mut self, topic: &str, payload: Payload) {
        let options = PublishOptions::default();
        self.deliver(topic, random_id(), None, false, &options, &payload);
    }

    /// Forgets a session's subscriptions.
    pub(crate) fn remove_session(&mut self, session: Id) -> MetaEvents {
        let mut events = Vec::new();
        let ids: Vec<Id> = self
            .subscriptions
            .values()
            .filter(|s| s.subscribers.iter().any(|x| x.id == session))
            .map(|s| s.id)
            .collect();
        for id in ids {
            self.remove_subscriber(id, session, &mut events);
        }
        events
    }

    pub(crate) fn remove_subscriber(
        &mut self,
        id: Id,
        session: Id,
        events: &mut MetaEvents,
    ) -> bool {
        let Some(sub) = self.subscriptions.get_mut(&id) else {
            return false;
        };
        let before = sub.subscribers.len();
        sub.subscribers.retain(|s| s.id != session);
        if sub.subscribers.len() == before {
            return false;
        }
        events.push((
            "wamp.subscription.on_unsubscribe",
            vec![Value::UInt(session), Value::UInt(id)],
        ));
        if sub.subscribers.is_empty() {
            if let Some(sub) = self.subscriptions.remove(&id) {
                if sub.policy == MatchPolicy::Exact {
                    self.exact.remove(&sub.uri);
                } else {
                    self.patterns.retain(|p| *p != id);
                }
            }
            events.push((
                "wamp.subscription.on_delete",
                vec![Value::UInt(session), Value::UInt(id)],
            ));
        }
        true
    }

    /// The subscription with exactly this URI and match policy.
    pub(crate) fn find(&self, uri: &str, policy: MatchPolicy) -> Option<Id> {
        match policy {
            MatchPolicy::Exact => self.exact.get(uri).copied(),
            _ => self.patterns.iter().copied().find(|id| {
                self.subscriptions
                    .get(id)
                    .is_some_and(|s| s.uri == uri && s.policy == policy)
            }),
        }
    }

    /// The subscriptions an event on `topic` would be delivered to.
    pub(crate) fn matching_ids(&self, topic: &str) -> Vec<Id> {
        self.matching(topic).map(|s| s.id).collect()
    }
}

/// Describes a subscription for the meta API.
pub(crate) fn describe(sub: &Subscription) -> Value {
    let mut d = Dict::new();
    d.insert("id".into(), Value::UInt(sub.id));
    d.insert("created".into(), Value::String(sub.created.clone()));
    d.insert("uri".into(), Value::String(sub.uri.clone()));
    d.insert("match".into(), Value::String(sub.policy.as_str().into()));
    Value::Dict(d)
}

/// Handles SUBSCRIBE.
pub(crate) fn subscribe(realm: &Arc<Realm>, session: &Arc<SessionHandle>, msg: Subscribe) {
    let uri = msg.topic.as_str();
    let policy = msg.options.match_.unwrap_or(MatchPolicy::Exact);
    if policy == MatchPolicy::Exact
        && !crate::protocol::uri::is_valid_uri(
            uri,
            crate::protocol::uri::UriRule::Loose,
            crate::protocol::uri::UriKind::Concrete,
        )
    {
        session.send(&error(
            MessageType::Subscribe,
            msg.request,
            uris::INVALID_URI,
            format!("invalid topic URI '{uri}'"),
        ));
        return;
    }
    if !realm.authorize(session, Action::Subscribe, uri) {
        session.send(&error(
            MessageType::Subscribe,
            msg.request,
            uris::NOT_AUTHORIZED,
            format!("session is not authorized to subscribe to topic '{uri}'"),
        ));
        return;
    }
    let mut events = Vec::new();
    let mut broker = lock(&realm.broker);
    let id = match broker.find(uri, policy) {
        Some(id) => {
            let sub = broker
                .subscriptions
                .get_mut(&id)
                .expect("indexed subscription exists");
            if sub.schema.is_none() {
                sub.schema = msg.options.extra.get(crate::docs::SCHEMA_OPTION).cloned();
            }
            if !sub.subscribers.iter().any(|s| s.id == session.id) {
                sub.subscribers.push(session.clone());
                events.push((
                    "wamp.subscription.on_subscribe",
                    vec![Value::UInt(session.id), Value::UInt(id)],
                ));
            }
            id
        }
        None => {
            broker.next_subscription += 1;
            let id = broker.next_subscription;
            let sub = Subscription {
                id,
                uri: uri.to_owned(),
                policy,
                subscribers: vec![session.clone()],
                created: uris::now_iso8601(),
                schema: msg.options.extra.get(crate::docs::SCHEMA_OPTION).cloned(),
            };
            events.push((
                "wamp.subscription.on_create",
                vec![Value::UInt(session.id), describe(&sub)],
            ));
            events.push((
                "wamp.subscription.on_subscribe",
                vec![Value::UInt(session.id), Value::UInt(id)],
            ));
            if policy == MatchPolicy::Exact {
                broker.exact.insert(uri.to_owned(), id);
            } else {
                broker.patterns.push(id);
            }
            broker.subscriptions.insert(id, sub);
            id
        }
    };
    session.send(&Message::Subscribed(Subscribed {
        request: msg.request,
        subscription: id,
    }));
    if msg.options.get_retained == Some(true) {
        let sub = &broker.subscriptions[&id];
        for (topic, retained) in broker
            .retained
            .iter()
            .filter(|(t, _)| matches(policy, uri, t))
        {
            if !eligible(session, None, &retained.options) {
                continue;
            }
            session.send(&Message::Event(Event {
                subscription: id,
                publication: retained.publication,
                details: event_details(
                    sub,
                    topic,
                    retained.publisher.as_ref(),
                    retained.disclose,
                    true,
                    &retained.options,
                ),
                payload: retained.payload.clone(),
            }));
        }
    }
    drop(broker);
    realm.publish_meta_events(events);
}

/// Handles UNSUBSCRIBE.
pub(crate) fn unsubscribe(realm: &Arc<Realm>, session: &Arc<SessionHandle>, msg: Unsubscribe) {
    let mut events = Vec::new();
    let removed = lock(&realm.broker).remove_subscriber(msg.subscription, session.id, &mut events);
    if removed {
        session.send(&Message::Unsubscribed(Unsubscribed {
            request: msg.request,
            details: None,
        }));
    } else {
        session.send(&error(
            MessageType::Unsubscribe,
            msg.request,
            uris::NO_SUCH_SUBSCRIPTION,
            format!(
                "session is not subscribed to subscription {}",
                msg.subscription
            ),
        ));
    }
    realm.publish_meta_events(events);
}

/// Handles PUBLISH.
pub(crate) fn publish(realm: &Arc<Realm>, session: &Arc<SessionHandle>, msg: Publish) {
    let topic = msg.topic.as_str();
    let acknowledge = msg.options.acknowledge == Some(true);
    if !realm.authorize(session, Action::Publish, topic) {
        if acknowledge {
            session.send(&error(
                MessageType::Publish,
                msg.request,
                uris::NOT_AUTHORIZED,
                format!("session is not authorized to publish to topic '{topic}'"),
            ));
        }
        return;
    }
    if topic.starts_with("wamp.") {
        if acknowledge {
            session.send(&error(
                MessageType::Publish,
                msg.request,
                uris::INVALID_URI,
                format!("publish to restricted topic '{topic}'"),
            ));
        }
        return;
    }
    let publication = random_id();
    let publisher = Publisher {
        session: session.id,
        authid: session.identity.authid.clone(),
        authrole: session.identity.authrole.clone(),
    };
    let disclose =
        msg.options.disclose_me == Some(true) || realm.discloses_publisher(session, topic);
    {
        let mut broker = lock(&realm.broker);
        broker.deliver(
            topic,
            publication,
            Some(&publisher),
            disclose,
            &msg.options,
            &msg.payload,
        );
        if msg.options.retain == Some(true) {
            broker.retained.insert(
                topic.to_owned(),
                Retained {
                    publication,
                    publisher: Some(publisher),
                    disclose,
                    options: msg.options,
                    payload: msg.payload,
                },
            );
        }
    }
    if acknowledge {
        session.send(&Message::Published(Published {
            request: msg.request,
            publication,
        }));
    }
}
