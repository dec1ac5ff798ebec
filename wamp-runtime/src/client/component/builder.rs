//! [`ComponentBuilder`]: what a component serves, where and how it reconnects.

use std::future::Future;
use std::sync::Arc;

use futures_util::FutureExt as _;

use super::inner::{Inner, ProcedureEntry, TopicEntry};
use super::runner::Component;
use super::status::ComponentError;
use super::transport::{RetryPolicy, TransportConfig};
use crate::auth::Authenticator;
use crate::client::collect::{Collected, Handler, Source, all};
use crate::client::options::{RegisterOptions, SubscribeOptions};
use crate::client::session::{CloseReason, EventHandler, ProcedureHandler, Session};
use crate::transport::ClientOptions;

/// Builds a [`Component`].
pub struct ComponentBuilder {
    inner: Inner,
}

impl Component {
    /// A builder for a component joining `realm`.
    pub fn builder(realm: impl Into<String>) -> ComponentBuilder {
        ComponentBuilder {
            inner: Inner::new(realm.into()),
        }
    }
}

impl std::fmt::Debug for ComponentBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ComponentBuilder")
            .field("realm", &self.inner.join.realm)
            .finish_non_exhaustive()
    }
}

impl ComponentBuilder {
    /// Names the component (for logs, statuses and errors).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.inner.name = name.into();
        self
    }

    /// Adds a transport by URL with default options (all serializers offered,
    /// keepalive on: see [`ClientOptions::DEFAULT_KEEPALIVE`]).
    pub fn transport(self, url: &str) -> Self {
        self.transport_config(TransportConfig::url(url, ClientOptions::default()))
    }

    /// Adds a transport; they are tried in turn.
    pub fn transport_config(mut self, transport: TransportConfig) -> Self {
        self.inner.transports.push(transport);
        self
    }

    /// Adds an authentication method (offered in the order added).
    pub fn auth(mut self, authenticator: impl Authenticator + 'static) -> Self {
        self.inner.join.authenticators.push(Arc::new(authenticator));
        self
    }

    /// Adds shared state reachable from handlers as `State<T>`.
    pub fn state<T: Send + Sync + 'static>(mut self, value: T) -> Self {
        self.inner.join.extensions.insert(value);
        self
    }

    /// Sets the bounds of every session's client-side queues (see
    /// [`SessionLimits`](crate::client::SessionLimits); defaults otherwise).
    pub fn session_limits(mut self, limits: crate::client::SessionLimits) -> Self {
        self.inner.join.limits = limits;
        self
    }

    /// Adds a procedure, registered on every new session.
    pub fn procedure(
        mut self,
        uri: &str,
        options: RegisterOptions,
        handler: ProcedureHandler,
    ) -> Self {
        self.inner.procedures.push(ProcedureEntry {
            uri: uri.to_owned(),
            options,
            handler,
            source: Source(None),
        });
        self
    }

    /// Asks for `force_reregister` on every procedure of the component (on
    /// top of those whose own options ask for it): a new instance takes
    /// each procedure over from the current callees at once, instead of being
    /// refused with `wamp.error.procedure_already_exists`.
    ///
    /// The router (this crate's and Crossbar) only honours it when **every
    /// current callee has the same authid** as the new session. Anonymous
    /// sessions get random authids, so use an authentication method
    /// ([`ComponentBuilder::auth`]) giving all instances of a service the
    /// same authid. The instance that loses a procedure is told by the
    /// router (UNREGISTERED): it logs a warn, lists the procedure in
    /// [`ComponentStatus::Joined`](super::ComponentStatus::Joined)'s
    /// `revoked`, and does not register it again.
    pub fn force_reregister(mut self, force: bool) -> Self {
        self.inner.force_reregister = force;
        self
    }

    /// How refused registrations and subscriptions (e.g.
    /// `wamp.error.procedure_already_exists` while another instance holds
    /// the procedure) are retried: the session stays joined and serves
    /// everything else, and only the refused ones are tried again after
    /// each delay. Default: [`RetryPolicy::registration`] (1 s growing to
    /// at most 10 s, forever). With `max_retries`, the component leaves and
    /// fails once one of them ran out of retries.
    pub fn register_retry(mut self, retry: RetryPolicy) -> Self {
        self.inner.register_retry = retry;
        self
    }

    /// Adds one collected procedure or topic.
    pub fn collected_entry(self, entry: &'static Collected) -> Self {
        let uri = entry.uri.to_owned();
        self.collected_entry_as(entry, uri)
    }

    fn collected_entry_as(mut self, entry: &'static Collected, uri: String) -> Self {
        match entry.handler {
            Handler::Procedure { options, handler } => self.inner.procedures.push(ProcedureEntry {
                uri,
                options: options(),
                handler: handler(),
                source: Source(Some(entry)),
            }),
            Handler::Topic { options, handler } => self.inner.subscriptions.push(TopicEntry {
                uri,
                options: options(),
                handler: handler(),
                source: Source(Some(entry)),
            }),
        }
        self
    }

    /// Adds the collected procedures and topics whose URI starts with `from`,
    /// each registered or subscribed with `from` replaced by `to` (like
    /// Autobahn's `register(obj, prefix=...)`): one set of annotated functions
    /// can serve under several URI prefixes.
    ///
    /// ```no_run
    /// # fn demo() {
    /// // `#[wamp::register("api.add")]` is served as `com.tenant1.add`.
    /// let component = wamp::Component::builder("realm1")
    ///     .transport("ws://127.0.0.1:8080/ws")
    ///     .collected_renamed("api.", "com.tenant1.")
    ///     .build();
    /// # let _ = component; }
    /// ```
    pub fn collected_renamed(mut self, from: &str, to: &str) -> Self {
        for entry in all() {
            if let Some(rest) = entry.uri.strip_prefix(from) {
                self = self.collected_entry_as(entry, format!("{to}{rest}"));
            }
        }
        self
    }

    fn collected_where(mut self, keep: impl Fn(&Collected) -> bool) -> Self {
        for entry in all() {
            if keep(entry) {
                self = self.collected_entry(entry);
            }
        }
        self
    }

    /// Adds every `#[wamp::register]` procedure and `#[wamp::subscribe]` topic
    /// of the binary.
    pub fn collected(self) -> Self {
        self.collected_where(|_| true)
    }

    /// Adds the collected procedures and topics of one named component
    /// (`component = "name"` in the attribute).
    pub fn collected_component(self, name: &str) -> Self {
        self.collected_where(|c| c.component == Some(name))
    }

    /// Adds the collected procedures and topics whose URI starts with `prefix`.
    pub fn collected_prefix(self, prefix: &str) -> Self {
        self.collected_where(|c| c.uri.starts_with(prefix))
    }

    /// Adds a subscription, made on every new session.
    pub fn subscription(
        mut self,
        topic: &str,
        options: SubscribeOptions,
        handler: EventHandler,
    ) -> Self {
        self.inner.subscriptions.push(TopicEntry {
            uri: topic.to_owned(),
            options,
            handler,
            source: Source(None),
        });
        self
    }

    /// Runs `hook` after each join, once every procedure and topic was
    /// registered or subscribed, or refused (refused ones are retried in the
    /// background, see [`ComponentBuilder::register_retry`]).
    pub fn on_join<F, Fut>(mut self, hook: F) -> Self
    where
        F: Fn(Session) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.inner.on_join.push(Arc::new(move |s| hook(s).boxed()));
        self
    }

    /// Runs `hook` after each session ends.
    pub fn on_leave<F, Fut>(mut self, hook: F) -> Self
    where
        F: Fn(CloseReason) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.inner.on_leave.push(Arc::new(move |r| hook(r).boxed()));
        self
    }

    /// Calls `hook` on every failure: a connection or join that failed, a
    /// registration or subscription the router refused, a session that
    /// ended. The [`ComponentError`] names the stage, the error and when the
    /// next attempt is. Every failure is also logged through `tracing`
    /// (warn, or error when the component gives up). The hook runs on the
    /// component's task: keep it short.
    ///
    /// ```no_run
    /// # fn demo() {
    /// let component = wamp::Component::builder("realm1")
    ///     .transport("ws://127.0.0.1:8080/ws")
    ///     .on_error(|e| eprintln!("{e}"))
    ///     .build();
    /// # let _ = component; }
    /// ```
    pub fn on_error<F>(mut self, hook: F) -> Self
    where
        F: Fn(&ComponentError) + Send + Sync + 'static,
    {
        self.inner.on_error.push(Arc::new(hook));
        self
    }

    /// Finishes the component.
    pub fn build(self) -> Component {
        Component::new(Arc::new(self.inner))
    }
}
