//! Publishing: PUBLISH, waiting for PUBLISHED only when acknowledged, and
//! the subscribers' acknowledgements of events published with
//! acknowledged delivery.

use serde::Serialize;
use tokio::sync::{broadcast, oneshot};

use super::handle::{Pending, Session};
use super::outbox::encode_args;
use crate::client::error::Error;
use crate::client::options::PublishOptions;
use crate::client::trace_context;
use crate::protocol::{Id, Message, Payload, Publish, Uri};

impl Session {
    /// The acknowledgements of events published with
    /// [`PublishOptions::acknowledged_delivery`]: the publication ID (as
    /// returned by [`Session::publish_with`]) once per subscriber that
    /// processed the event, from the time of this call on. Needs a router
    /// that announces `x_acknowledged_event_delivery` (ours does; Crossbar.io
    /// does not). At most 1024 unread acknowledgements are kept per session;
    /// a receiver that falls further behind gets
    /// [`broadcast::error::RecvError::Lagged`] and the newest ones.
    pub fn event_acknowledgements(&self) -> broadcast::Receiver<Id> {
        self.shared.acks.subscribe()
    }

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
        let span = trace_context::publish_span(&topic);
        trace_context::inject(&span, &mut wire.extra);
        let (payload, enc) = self.seal(true, topic.as_str(), payload)?;
        wire.enc_algo = enc.algo;
        wire.enc_key = enc.key;
        wire.enc_serializer = enc.serializer;
        let publish = Publish {
            request: 0,
            options: wire,
            topic,
            payload,
        };
        if options.acknowledge {
            // Boxed: its state would make every publish's future larger
            // (and slower to move), acknowledged or not.
            return Box::pin(self.publish_acknowledged(publish)).await;
        }
        // Unacknowledged: the ID is still sequential but nothing waits for it.
        let frame = self.publish_frame(publish)?;
        self.queue(frame).await?;
        Ok(None)
    }

    /// Sends an acknowledged PUBLISH (its request ID set here) and waits for
    /// PUBLISHED.
    async fn publish_acknowledged(&self, publish: Publish) -> Result<Option<Id>, Error> {
        let (tx, rx) = oneshot::channel();
        self.request(Pending::Publish(tx), |request| {
            Message::Publish(Publish { request, ..publish })
        })
        .await?;
        rx.await.unwrap_or_else(|_| Err(Error::transport_lost()))
    }

    /// The frame of an unacknowledged PUBLISH, with its request ID.
    fn publish_frame(&self, publish: Publish) -> Result<bytes::Bytes, Error> {
        let mut core = self.lock();
        let Some(request) = core.proto.request_untracked() else {
            return Err(self.not_established());
        };
        self.encode(&Message::Publish(Publish { request, ..publish }))
    }
}
