//! The broker: subscriptions, routing PUBLISH → EVENT (one EVENT per
//! subscription, encoded once per serializer by the shell), publisher
//! exclusion, black/white listing, publisher disclosure, retained events and
//! event history, acknowledged event delivery; as tables and handlers with no I/O.

mod acks;
mod deliver;
mod history;
mod publish;
mod publisher;
mod retained;
mod subscribe;
mod subscriptions;
mod tables;

#[cfg(test)]
pub(crate) use acks::{MAX_WAITING_PER_PUBLISHER, OPTION as ACK_OPTION};
pub(crate) use history::History;
pub(crate) use publish::publication_id;
pub(crate) use subscriptions::Subscription;
pub(crate) use tables::Broker;
