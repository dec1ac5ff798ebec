//! The broker: subscriptions, routing PUBLISH → EVENT (one EVENT per
//! subscription, encoded once per serializer by the shell), publisher
//! exclusion, black/white listing, publisher disclosure, retained events and
//! event history; as tables and handlers with no I/O.

mod deliver;
mod history;
mod publish;
mod publisher;
mod retained;
mod subscribe;
mod subscriptions;
mod tables;

pub(crate) use history::History;
pub(crate) use publish::publication_id;
pub(crate) use subscriptions::Subscription;
pub(crate) use tables::Broker;
