//! Publishing: PUBLISH, waiting for PUBLISHED only when acknowledged.

use serde::Serialize;
use tokio::sync::oneshot;

use super::handle::{Pending, Session};
use super::outbox::encode_args;
use crate::client::error::Error;
use crate::client::options::PublishOptions;
use crate::protocol::{Id, Message, Payload, Publish, Uri};

impl Session {
    /// Publishes an event with positional arguments and default options.
    pub async fn publish<A: Serialize + ?Sized>(
        &self,
        topic: &str,
        args: &A,
    ) -> Result<Option<Id>, Error> {
        let payload = encode_args(self.serializer(), args)?;
        self.publish_with(topic, payload, PublishOptions::default())
            .await
    }

    /// Publishes an event; with `acknowledge` it waits for PUBLISHED and returns the publication ID.
    pub async fn publish_with(
        &self,
        topic: &str,
        payload: Payload,
        options: PublishOptions,
    ) -> Result<Option<Id>, Error> {
        let topic = Uri::new(topic)?;
        let mut wire = options.to_wire();
        let (payload, enc) = self.seal(true, topic.as_str(), payload)?;
        wire.enc_algo = enc.algo;
        wire.enc_key = enc.key;
        wire.enc_serializer = enc.serializer;
        let build = |request| {
            Message::Publish(Publish {
                request,
                options: wire,
                topic,
                payload,
            })
        };
        if options.acknowledge {
            let (tx, rx) = oneshot::channel();
            self.request(Pending::Publish(tx), build).await?;
            rx.await.unwrap_or_else(|_| Err(Error::transport_lost()))
        } else {
            // Unacknowledged: the ID is still sequential but nothing waits for it.
            let frame = {
                let mut core = self.lock();
                let Some(id) = core.proto.request_untracked() else {
                    return Err(self.not_established());
                };
                self.encode(&build(id))?
            };
            self.queue(frame).await?;
            Ok(None)
        }
    }
}
