//! PUBLISH, and the router's own meta events.

use rand::Rng;
use rand::rngs::StdRng;

use crate::protocol::id::{Id, MAX_ID};
use crate::protocol::options::WirePublishOptions;
use crate::protocol::uris;
use crate::protocol::{Message, MessageType, Payload, Publish, Published, Value};

use super::super::env::Env;
use super::super::errors::error_reply;
use super::super::output::Output;
use super::super::permissions::Action;
use super::super::session::Members;
use super::deliver::Publication;
use super::tables::{Broker, Publisher, Retained};

/// A fresh publication ID (global scope: random).
fn publication_id(rng: &mut StdRng) -> Id {
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
        self.deliver(
            env.members,
            env.out,
            &Publication {
                topic,
                id,
                publisher: Some(&publisher),
                disclose,
                options: &msg.options,
                payload: &msg.payload,
            },
        );
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
            self.retained.insert(
                topic.to_owned(),
                Retained {
                    publication: id,
                    publisher: Some(publisher),
                    disclose,
                    options: msg.options,
                    payload: msg.payload,
                },
            );
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
            },
        );
    }
}
