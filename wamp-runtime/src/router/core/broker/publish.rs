//! PUBLISH, and the router's own meta events.

use rand::Rng;
use rand::rngs::StdRng;

use crate::protocol::id::{Id, MAX_ID};
use crate::protocol::options::WirePublishOptions;
use crate::protocol::uris;
use crate::protocol::{Message, MessageType, Payload, Publish, Published, Uri, Value};
use crate::serializer::SerializerKind;

use super::super::env::Env;
use super::super::errors::error_reply;
use super::super::output::Output;
use super::super::permissions::Action;
use super::super::session::Members;
use super::acks;
use super::deliver::Publication;
use super::publisher::Publisher;
use super::retained::Retained;
use super::tables::Broker;

/// Bytes of a payload as received (encoded arguments, or transparent bytes);
/// 0 for local values.
fn payload_len(payload: &Payload) -> usize {
    payload.raw_args().map_or(0, |b| b.len())
        + payload.raw_kwargs().map_or(0, |b| b.len())
        + payload.transparent_bytes().map_or(0, |b| b.len())
}

/// The size of a retained event: its PUBLISH encoded in the publisher's
/// serializer; `None` when it cannot be encoded.
fn retained_size(serializer: SerializerKind, topic: Uri, event: &Retained) -> Option<usize> {
    let publish = Message::Publish(Publish {
        request: 1,
        options: event.options.clone(),
        topic,
        payload: event.payload.clone(),
    });
    serializer.encode(&publish).ok().map(|frame| frame.len())
}

/// A fresh publication ID (global scope: random).
pub(crate) fn publication_id(rng: &mut StdRng) -> Id {
    rng.random_range(1..=MAX_ID)
}

impl Broker {
    /// Handles PUBLISH.
    pub(crate) fn publish(&mut self, env: &mut Env<'_>, session: Id, msg: Publish) {
        let topic = msg.topic.as_str();
        let acknowledge = msg.options.acknowledge == Some(true);
        let Some(member) = env.members.get(session) else {
            return;
        };
        let refusal = if !env
            .permissions
            .allows(&member.identity.authrole, Action::Publish, topic)
        {
            Some((
                uris::NOT_AUTHORIZED,
                format!("session is not authorized to publish to topic '{topic}'"),
            ))
        } else if topic.starts_with("wamp.") {
            Some((
                uris::INVALID_URI,
                format!("publish to restricted topic '{topic}'"),
            ))
        } else {
            None
        };
        if let Some((error, text)) = refusal {
            if acknowledge {
                env.out.send(
                    session,
                    error_reply(MessageType::Publish, msg.request, error, text),
                );
            }
            return;
        }
        let publisher = Publisher {
            session,
            authid: member.identity.authid.clone(),
            authrole: member.identity.authrole.clone(),
        };
        let disclose = msg.options.disclose_me == Some(true)
            || env
                .permissions
                .discloses_publisher(&member.identity.authrole, topic);
        let id = publication_id(env.rng);
        let acknowledged = acks::asked(&msg.options)
            && {
                let announced = member.features.acknowledged_event_delivery;
                if !announced {
                    tracing::debug!(
                        session,
                        "x_acknowledged_delivery ignored: the publisher did not announce x_acknowledged_event_delivery"
                    );
                }
                announced
            };
        let receivers = self.deliver(
            env.members,
            env.out,
            &Publication {
                topic,
                id,
                publisher: Some(&publisher),
                disclose,
                options: &msg.options,
                payload: &msg.payload,
                acknowledged,
            },
        );
        if acknowledged {
            self.acks.expect(id, session, receivers);
        }
        if self.history.wants(topic) {
            self.history.record(
                id,
                topic,
                &msg.payload,
                (session, &publisher.authid, &publisher.authrole),
            );
        }
        if acknowledge {
            env.out.send(
                session,
                Message::Published(Published {
                    request: msg.request,
                    publication: id,
                }),
            );
        }
        if msg.options.retain == Some(true) {
            let event = Retained {
                publication: id,
                publisher: Some(publisher),
                disclose,
                options: msg.options,
                payload: msg.payload,
            };
            self.retain(env, session, msg.topic, event);
        }
    }

    /// Keeps the retained event of a topic within the realm's limits: an
    /// event larger than `retained_event_bytes` is not kept (and the topic's
    /// previous retained event is dropped, being older than what was
    /// published); otherwise it replaces the previous one and the oldest
    /// events are evicted while more than `retained_events_per_realm` or
    /// `retained_bytes_per_realm` are kept.
    fn retain(&mut self, env: &mut Env<'_>, session: Id, topic: Uri, event: Retained) {
        let limits = env.limits;
        let serializer = env
            .members
            .get(session)
            .map_or(SerializerKind::Json, |m| m.serializer);
        let payload_bytes = payload_len(&event.payload);
        let bytes = if payload_bytes > limits.retained_event_bytes {
            None
        } else {
            retained_size(serializer, topic.clone(), &event)
        };
        let topic = topic.as_str();
        match bytes {
            Some(bytes) if bytes <= limits.retained_event_bytes => {
                let stored = self.retained.store(
                    topic,
                    event,
                    bytes,
                    limits.retained_events_per_realm,
                    limits.retained_bytes_per_realm,
                );
                if !stored.evicted.is_empty() {
                    tracing::debug!(
                        evicted = stored.evicted.len(),
                        kept = self.retained.len(),
                        bytes = self.retained.bytes(),
                        "retained events evicted, oldest first, to stay within the realm's limits"
                    );
                }
            }
            _ => {
                self.retained.remove(topic);
                tracing::info!(
                    session,
                    topic,
                    limit = limits.retained_event_bytes,
                    "event published but not retained: larger than retained_event_bytes"
                );
            }
        }
    }

    /// Publishes an event from the router itself (meta events).
    pub(crate) fn publish_internal(
        &self,
        members: &Members,
        out: &mut Output,
        rng: &mut StdRng,
        topic: &str,
        args: Vec<Value>,
    ) {
        if self.subscriptions.matching(topic).next().is_none() {
            return;
        }
        let payload = Payload::from_values(args, Default::default());
        let options = WirePublishOptions::default();
        self.deliver(
            members,
            out,
            &Publication {
                topic,
                id: publication_id(rng),
                publisher: None,
                disclose: false,
                options: &options,
                payload: &payload,
                acknowledged: false,
            },
        );
    }
}
