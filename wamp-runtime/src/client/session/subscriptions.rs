//! Subscribing: SUBSCRIBE with the handler (several local handlers may share
//! one subscription), the [`Subscription`] it gives, and UNSUBSCRIBE when its
//! last handler goes.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::sync::oneshot;

use super::handle::{EventHandler, Pending, Session};
use super::limits::HandlerLoad;
use crate::client::error::Error;
use crate::client::options::SubscribeOptions;
use crate::protocol::uri::UriKind;
use crate::protocol::{Dict, Id, Message, Subscribe, Unsubscribe, Uri};

/// A subscription made by [`Session::subscribe`].
#[derive(Debug, Clone)]
pub struct Subscription {
    session: Session,
    id: Id,
    local: u64,
    active: Arc<AtomicBool>,
    own: Arc<AtomicBool>,
    load: Arc<HandlerLoad>,
}

impl Subscription {
    /// The router's subscription ID.
    pub fn id(&self) -> Id {
        self.id
    }

    /// Whether this handler is still subscribed (not unsubscribed nor revoked).
    pub fn is_active(&self) -> bool {
        self.active.load(Ordering::Acquire) && self.own.load(Ordering::Acquire)
    }

    /// Events this handler is handling now (running, or waiting inside its
    /// future); at most [`SessionLimits::max_queued_events`](crate::client::SessionLimits::max_queued_events).
    pub fn queued(&self) -> usize {
        self.load.queued()
    }

    /// Events dropped for this handler because it already had
    /// [`SessionLimits::max_queued_events`](crate::client::SessionLimits::max_queued_events)
    /// in hand (each drop is counted; they are logged at warn, at most once a second).
    pub fn dropped(&self) -> u64 {
        self.load.dropped()
    }

    /// Unsubscribes this handler (UNSUBSCRIBE goes out with the last handler of the subscription).
    pub async fn unsubscribe(self) -> Result<(), Error> {
        self.session.unsubscribe(self.id, self.local).await?;
        self.own.store(false, Ordering::Release);
        Ok(())
    }
}

impl Session {
    /// Subscribes a handler to a topic.
    pub async fn subscribe(
        &self,
        topic: &str,
        options: SubscribeOptions,
        handler: EventHandler,
    ) -> Result<Subscription, Error> {
        self.subscribe_extra(topic, options, handler, Default::default())
            .await
    }

    /// Subscribes with extra (implementation-specific) options.
    pub(crate) async fn subscribe_extra(
        &self,
        topic: &str,
        options: SubscribeOptions,
        handler: EventHandler,
        extra: Dict,
    ) -> Result<Subscription, Error> {
        let uri = Uri::with_kind(topic, UriKind::EmptyComponents)?;
        let (tx, rx) = oneshot::channel();
        let mut wire = options.to_wire();
        wire.extra.extend(extra);
        let load = Arc::new(HandlerLoad::default());
        self.request(
            Pending::Subscribe {
                tx,
                handler,
                topic: topic.to_owned(),
                load: load.clone(),
            },
            |request| {
                Message::Subscribe(Subscribe {
                    request,
                    options: wire,
                    topic: uri,
                })
            },
        )
        .await?;
        let (id, local) = rx.await.unwrap_or_else(|_| Err(Error::transport_lost()))?;
        let active = self
            .lock()
            .subscriptions
            .get(&id)
            .map(|s| s.active.clone())
            .unwrap_or_default();
        Ok(Subscription {
            session: self.clone(),
            id,
            local,
            active,
            own: Arc::new(AtomicBool::new(true)),
            load,
        })
    }

    async fn unsubscribe(&self, subscription: Id, local: u64) -> Result<(), Error> {
        {
            let mut core = self.lock();
            let Some(entry) = core.subscriptions.get_mut(&subscription) else {
                return Ok(());
            };
            Arc::make_mut(&mut entry.handlers).retain(|(l, _, _)| *l != local);
            if !entry.handlers.is_empty() {
                return Ok(());
            }
        }
        let (tx, rx) = oneshot::channel();
        self.request(Pending::Unsubscribe(tx), |request| {
            Message::Unsubscribe(Unsubscribe {
                request,
                subscription,
            })
        })
        .await?;
        rx.await.unwrap_or_else(|_| Err(Error::transport_lost()))?;
        if let Some(entry) = self.lock().subscriptions.remove(&subscription) {
            entry.active.store(false, Ordering::Release);
        }
        Ok(())
    }
}
