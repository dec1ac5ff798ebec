//! SUBSCRIBE (with retained events) and UNSUBSCRIBE, and a session's leaving.

use crate::protocol::id::Id;
use crate::protocol::options::{MatchPolicy, UnsubscribedDetails};
use crate::protocol::uri::{UriKind, UriRule, is_valid_uri};
use crate::protocol::uris;
use crate::protocol::{
    Message, MessageType, Subscribe, Subscribed, Unsubscribe, Unsubscribed, Value,
};
use crate::router::clock::now_iso8601;

use super::super::env::Env;
use super::super::errors::error_reply;
use super::super::meta_event::MetaEvent;
use super::super::permissions::Action;
use super::super::uri_index::matches;
use super::deliver::{Publication, eligible, event};
use super::tables::Broker;

impl Broker {
    /// Handles SUBSCRIBE.
    pub(crate) fn subscribe(&mut self, env: &mut Env<'_>, session: Id, msg: Subscribe) {
        let uri = msg.topic.as_str();
        let policy = msg.options.match_.unwrap_or(MatchPolicy::Exact);
        let reply = |error: &str, text: String| {
            error_reply(MessageType::Subscribe, msg.request, error, text)
        };
        let Some(member) = env.members.get(session) else {
            return;
        };
        if policy == MatchPolicy::Exact && !is_valid_uri(uri, UriRule::Loose, UriKind::Concrete) {
            env.out.send(
                session,
                reply(uris::INVALID_URI, format!("invalid topic URI '{uri}'")),
            );
            return;
        }
        if !env
            .permissions
            .allows(&member.identity.authrole, Action::Subscribe, uri)
        {
            let text = format!("session is not authorized to subscribe to topic '{uri}'");
            env.out.send(session, reply(uris::NOT_AUTHORIZED, text));
            return;
        }
        let existing = self.subscriptions.find(uri, policy);
        let already = existing
            .and_then(|id| self.subscriptions.get(id))
            .is_some_and(|sub| sub.subscribers.contains(&session));
        let limit = env.limits.subscriptions_per_session;
        if !already && self.subscriptions.count_of(session) >= limit {
            tracing::info!(
                session,
                limit,
                "SUBSCRIBE refused: subscriptions_per_session limit reached"
            );
            let text = format!("subscriptions_per_session limit ({limit}) reached");
            env.out.send(session, reply(uris::LIMIT_EXCEEDED, text));
            return;
        }
        let schema = msg.options.extra.get(crate::docs::SCHEMA_OPTION).cloned();
        let id = match existing {
            Some(id) => {
                let sub = self
                    .subscriptions
                    .get_mut(id)
                    .expect("indexed subscription exists");
                if sub.schema.is_none() {
                    sub.schema = schema;
                }
                if self.subscriptions.add_subscriber(id, session) {
                    env.meta.push(MetaEvent::new(
                        "wamp.subscription.on_subscribe",
                        vec![Value::UInt(session), Value::UInt(id)],
                    ));
                }
                id
            }
            None => {
                let created = now_iso8601();
                let sub = self
                    .subscriptions
                    .create(uri, policy, session, schema, created);
                env.meta.push(MetaEvent::new(
                    "wamp.subscription.on_create",
                    vec![Value::UInt(session), sub.describe()],
                ));
                env.meta.push(MetaEvent::new(
                    "wamp.subscription.on_subscribe",
                    vec![Value::UInt(session), Value::UInt(sub.id)],
                ));
                sub.id
            }
        };
        env.out.send(
            session,
            Message::Subscribed(Subscribed {
                request: msg.request,
                subscription: id,
            }),
        );
        if msg.options.get_retained == Some(true) {
            self.send_retained(env, session, id);
        }
    }

    /// Sends a new subscriber the retained events its subscription matches.
    fn send_retained(&self, env: &mut Env<'_>, session: Id, id: Id) {
        let Some(sub) = self.subscriptions.get(id) else {
            return;
        };
        for (topic, retained) in self.retained.iter() {
            if !matches(sub.policy, &sub.uri, topic)
                || !eligible(env.members, session, None, &retained.options)
            {
                continue;
            }
            let publication = Publication {
                topic,
                id: retained.publication,
                publisher: retained.publisher.as_ref(),
                disclose: retained.disclose,
                options: &retained.options,
                payload: &retained.payload,
                acknowledged: false,
            };
            env.out.send(session, event(sub, &publication, true));
        }
    }

    /// Handles UNSUBSCRIBE.
    pub(crate) fn unsubscribe(&mut self, env: &mut Env<'_>, session: Id, msg: Unsubscribe) {
        let removed = self
            .subscriptions
            .remove_subscriber(msg.subscription, session, env.meta);
        let answer = if removed {
            Message::Unsubscribed(Unsubscribed {
                request: msg.request,
                details: None,
            })
        } else {
            error_reply(
                MessageType::Unsubscribe,
                msg.request,
                uris::NO_SUCH_SUBSCRIPTION,
                format!(
                    "session is not subscribed to subscription {}",
                    msg.subscription
                ),
            )
        };
        env.out.send(session, answer);
    }

    /// Removes a subscriber by the meta API; one that announced subscription
    /// revocation is told. Whether it was a subscriber.
    pub(crate) fn revoke(
        &mut self,
        env: &mut Env<'_>,
        id: Id,
        subscriber: Id,
        reason: Option<String>,
    ) -> bool {
        if !self
            .subscriptions
            .remove_subscriber(id, subscriber, env.meta)
        {
            return false;
        }
        if env.members.features(subscriber).subscription_revocation {
            env.out.send(
                subscriber,
                Message::Unsubscribed(Unsubscribed {
                    request: 0,
                    details: Some(UnsubscribedDetails {
                        subscription: Some(id),
                        reason,
                        ..Default::default()
                    }),
                }),
            );
        }
        true
    }

    /// Forgets a session's subscriptions.
    pub(crate) fn remove_session(&mut self, env: &mut Env<'_>, session: Id) {
        for id in self.subscriptions.of_session(session) {
            self.subscriptions.remove_subscriber(id, session, env.meta);
        }
        self.acks.remove_session(session);
    }
}
