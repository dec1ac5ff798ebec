//! [`PublishStub`]: the state of a typed publication being configured, kept
//! by the type `#[wamp::subscribe]` generates.

use futures_util::FutureExt as _;
use futures_util::future::BoxFuture;
use serde::Serialize;

use super::pattern;
use super::slots::ArgSlots;
use crate::client::error::Error;
use crate::client::options::{MatchPolicy, PublishOptions};
use crate::client::session::Session;
use crate::protocol::Id;

/// What awaiting a typed publication gives: the publication ID when
/// acknowledged, `None` otherwise.
pub type PublishFuture = BoxFuture<'static, Result<Option<Id>, Error>>;

/// A typed publication being configured: the session, the topic, the
/// arguments (as values) and the publish options.
#[derive(Debug)]
pub struct PublishStub {
    session: Session,
    topic: String,
    slots: ArgSlots,
    options: PublishOptions,
}

impl PublishStub {
    /// A publication to `topic` with `positional` positional parameters.
    pub fn new(session: &Session, topic: &str, positional: usize) -> Self {
        PublishStub {
            session: session.clone(),
            topic: topic.to_owned(),
            slots: ArgSlots::new(positional),
            options: PublishOptions::default(),
        }
    }

    /// A publication to `topic`, a concrete URI that must match `pattern`
    /// under `policy` (a prefix or wildcard subscription).
    pub fn matching(
        session: &Session,
        pattern: &str,
        policy: MatchPolicy,
        topic: &str,
        positional: usize,
    ) -> Self {
        let mut stub = PublishStub::new(session, topic, positional);
        if let Err(e) = pattern::check(pattern, policy, topic) {
            stub.slots.fail(e);
        }
        stub
    }

    /// Sets positional argument `index` (parameter `name`).
    pub fn arg<T: Serialize + ?Sized>(&mut self, index: usize, name: &str, value: &T) {
        self.slots.arg(index, name, value);
    }

    /// Sets keyword argument `name`.
    pub fn kwarg<T: Serialize + ?Sized>(&mut self, name: &str, value: &T) {
        self.slots.kwarg(name, value);
    }

    /// Sets all keyword arguments from a value serializing as a dict.
    pub fn kwargs<T: Serialize + ?Sized>(&mut self, name: &str, value: &T) {
        self.slots.kwargs(name, value);
    }

    /// Asks the router to acknowledge (the future then gives the publication ID).
    pub fn acknowledge(&mut self) {
        self.options.acknowledge = true;
    }

    /// Sets `exclude_me` (the router's default is to exclude the publisher).
    pub fn exclude_me(&mut self, exclude: bool) {
        self.options.exclude_me = Some(exclude);
    }

    /// Sets all publish options.
    pub fn options(&mut self, options: PublishOptions) {
        self.options = options;
    }

    /// Publishes when awaited.
    pub fn finish(self) -> PublishFuture {
        let PublishStub {
            session,
            topic,
            slots,
            options,
        } = self;
        async move {
            let payload = slots.into_payload()?;
            session.publish_with(&topic, payload, options).await
        }
        .boxed()
    }
}
