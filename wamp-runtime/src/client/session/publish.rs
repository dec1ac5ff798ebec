//! Publishing: PUBLISH, waiting for PUBLISHED only when acknowledged, and
//! the subscribers' acknowledgements of events published with
//! acknowledged delivery.

use serde::Serialize;
use tokio::sync::{broadcast, oneshot};

use super::handle::{Pending, Session};
use super::outbox::encode_args;
use crate::client::error::Error;
use crate::client::options::PublishOptions;
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
        if options.acknowledge {
            // Boxed: its state would make every publish's future larger
            // (and slower to move), acknowledged or not.
            return Box::pin(self.publish_acknowledged(topic, payload, &options)).await;
        }
        // Unacknowledged: the ID is still sequential but nothing waits for it.
        let frame = self.publish_frame(topic, payload, &options)?;
        self.queue(frame).await?;
        Ok(None)
    }

    /// Sends an acknowledged PUBLISH and waits for PUBLISHED.
    async fn publish_acknowledged(
        &self,
        topic: Uri,
        payload: Payload,
        options: &PublishOptions,
    ) -> Result<Option<Id>, Error> {
        let options = options.to_wire();
        let (tx, rx) = oneshot::channel();
        self.request(Pending::Publish(tx), |request| {
            Message::Publish(Publish {
                request,
                options,
                topic,
                payload,
            })
        })
        .await?;
        rx.await.unwrap_or_else(|_| Err(Error::transport_lost()))
    }

    /// The frame of an unacknowledged PUBLISH, with its request ID.
    fn publish_frame(
        &self,
        topic: Uri,
        payload: Payload,
        options: &PublishOptions,
    ) -> Result<bytes::Bytes, Error> {
        let mut core = self.lock();
        let Some(request) = core.proto.request_untracked() else {
            return Err(self.not_established());
        };
        self.encode(&Message::Publish(Publish {
            request,
            options: options.to_wire(),
            topic,
            payload,
        }))
    }
}
