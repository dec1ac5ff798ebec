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
        let wire = options.to_wire();
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
