//! [`Component`]: keeps a session joined (connect, join, register and subscribe
//! everything, reconnect with backoff), as Autobahn's `Component` does.
//!
//! ```no_run
//! use wamp::{Component, RegisterOptions, State};
//! use wamp::client::typed_procedure;
//!
//! struct Config { greeting: String }
//!
//! # async fn demo() -> Result<(), wamp::Error> {
//! let component = Component::builder("realm1")
//!     .transport("ws://127.0.0.1:8080/ws")
//!     .state(Config { greeting: "hello".into() })
//!     .procedure("com.example.greet", RegisterOptions::default(), wamp::client::procedure(|inv| async move {
//!         let config: State<Config> = inv.state().expect("state");
//!         let (name,): (String,) = inv.payload.args()?;
//!         Ok(wamp::CallResult::value(&format!("{} {name}", config.greeting))?)
//!     }))
//!     .on_join(|session| async move { tracing::info!(id = session.id(), "joined") })
//!     .build();
//! wamp::run(vec![component]).await
//! # }
//! ```

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use futures_util::FutureExt as _;
use futures_util::future::BoxFuture;
use tokio_util::sync::CancellationToken;

use super::collect::{Collected, Handler, Source, all, check_duplicates};
use super::error::Error;
use super::join::JoinConfig;
use super::options::{RegisterOptions, SubscribeOptions};
use super::session::{CloseReason, EventHandler, ProcedureHandler, Session};
use crate::auth::Authenticator;
use crate::protocol::uris;
use crate::transport::{self, ClientOptions, Transport, TransportError};

/// How long to wait between connection attempts (Autobahn's defaults).
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Delay before the first retry (1.5 s).
    pub initial_delay: Duration,
    /// Factor applied to the delay after each failure (1.5).
    pub growth: f64,
    /// Largest delay (300 s).
    pub max_delay: Duration,
    /// Relative standard deviation of the random jitter (0.1).
    pub jitter: f64,
    /// Retries before the transport is given up (`None`: forever).
    pub max_retries: Option<u32>,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            initial_delay: Duration::from_millis(1500),
            growth: 1.5,
            max_delay: Duration::from_secs(300),
            jitter: 0.1,
            max_retries: None,
        }
    }
}

impl RetryPolicy {
    /// The delay after `previous` (the initial delay when there was none),
    /// with jitter, capped at the maximum.
    pub fn next_delay(&self, previous: Option<Duration>) -> Duration {
        let base = match previous {
            None => self.initial_delay.as_secs_f64(),
            Some(d) => d.as_secs_f64() * self.growth,
        };
        // Normal jitter (Box-Muller) as Autobahn's `normalvariate`.
        let u1: f64 = rand::random::<f64>().max(f64::MIN_POSITIVE);
        let u2: f64 = rand::random();
        let z = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
        let jittered = (base + z * base * self.jitter).max(0.0);
        Duration::from_secs_f64(jittered.min(self.max_delay.as_secs_f64()))
    }
}

type ConnectFn =
    Arc<dyn Fn() -> BoxFuture<'static, Result<Transport, TransportError>> + Send + Sync>;

/// One way to reach the router, with its retry policy.
#[derive(Clone)]
pub struct TransportConfig {
    name: String,
    connect: ConnectFn,
    /// When and how often to retry.
    pub retry: RetryPolicy,
}

impl std::fmt::Debug for TransportConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TransportConfig")
            .field("name", &self.name)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl TransportConfig {
    /// A `ws://`, `wss://`, `rs://` or `rss://` URL with transport options.
    pub fn url(url: impl Into<String>, options: ClientOptions) -> Self {
        let url = url.into();
        let name = url.clone();
        let options = Arc::new(options);
        TransportConfig {
            name,
            connect: Arc::new(move || {
                let url = url.clone();
                let options = options.clone();
                async move { transport::connect(&url, &options).await }.boxed()
            }),
            retry: RetryPolicy::default(),
        }
    }

    /// Any way of making a transport (an in-memory pair, a custom stream).
    pub fn custom<F, Fut>(name: impl Into<String>, connect: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Transport, TransportError>> + Send + 'static,
    {
        TransportConfig {
            name: name.into(),
            connect: Arc::new(move || connect().boxed()),
            retry: RetryPolicy::default(),
        }
    }

    /// Sets the retry policy.
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }
}

type JoinHook = Arc<dyn Fn(Session) -> BoxFuture<'static, ()> + Send + Sync>;
type LeaveHook = Arc<dyn Fn(CloseReason) -> BoxFuture<'static, ()> + Send + Sync>;

struct Inner {
    name: String,
    transports: Vec<TransportConfig>,
    join: JoinConfig,
    procedures: Vec<(String, RegisterOptions, ProcedureHandler, Source)>,
    subscriptions: Vec<(String, SubscribeOptions, EventHandler, Source)>,
    on_join: Vec<JoinHook>,
    on_leave: Vec<LeaveHook>,
}

/// A WAMP application piece that keeps itself joined: it connects, joins,
/// registers and subscribes everything, runs `on_join` hooks, and after a lost
/// transport or a failed join reconnects with backoff and does it all again.
/// Cheap to clone.
#[derive(Clone)]
pub struct Component {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Component {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Component")
            .field("name", &self.inner.name)
            .field("realm", &self.inner.join.realm)
            .finish_non_exhaustive()
    }
}

/// Builds a [`Component`].
pub struct ComponentBuilder {
    inner: Inner,
}

impl std::fmt::Debug for ComponentBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ComponentBuilder")
            .field("realm", &self.inner.join.realm)
            .finish_non_exhaustive()
    }
}

impl ComponentBuilder {
    /// Names the component (for logs).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.inner.name = name.into();
        self
    }

    /// Adds a transport by URL with default options (all serializers offered).
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

    /// Adds a procedure, registered on every new session.
    pub fn procedure(
        mut self,
        uri: &str,
        options: RegisterOptions,
        handler: ProcedureHandler,
    ) -> Self {
        self.inner
            .procedures
            .push((uri.to_owned(), options, handler, Source(None)));
        self
    }

    /// Adds one collected procedure or topic.
    pub fn collected_entry(self, entry: &'static Collected) -> Self {
        let uri = entry.uri.to_owned();
        self.collected_entry_as(entry, uri)
    }

    fn collected_entry_as(mut self, entry: &'static Collected, uri: String) -> Self {
        match entry.handler {
            Handler::Procedure { options, handler } => {
                self.inner
                    .procedures
                    .push((uri, options(), handler(), Source(Some(entry))))
            }
            Handler::Topic { options, handler } => {
                self.inner
                    .subscriptions
                    .push((uri, options(), handler(), Source(Some(entry))))
            }
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
        self.inner
            .subscriptions
            .push((topic.to_owned(), options, handler, Source(None)));
        self
    }

    /// Runs `hook` after each join, once everything is registered and subscribed.
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

    /// Finishes the component.
    pub fn build(self) -> Component {
        Component {
            inner: Arc::new(self.inner),
        }
    }
}

/// Stops a running component: it leaves cleanly and does not reconnect.
#[derive(Debug, Clone, Default)]
pub struct StopHandle(CancellationToken);

impl StopHandle {
    /// A handle not yet used.
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks the component to leave and stop.
    pub fn stop(&self) {
        self.0.cancel();
    }

    /// Whether a stop was asked for.
    pub fn is_stopped(&self) -> bool {
        self.0.is_cancelled()
    }
}

impl Component {
    /// A builder for a component joining `realm`.
    pub fn builder(realm: impl Into<String>) -> ComponentBuilder {
        ComponentBuilder {
            inner: Inner {
                name: "component".into(),
                transports: Vec::new(),
                join: JoinConfig::new(realm),
                procedures: Vec::new(),
                subscriptions: Vec::new(),
                on_join: Vec::new(),
                on_leave: Vec::new(),
            },
        }
    }

    /// Spawns the component; returns its stop handle and task.
    pub fn start(&self) -> (StopHandle, tokio::task::JoinHandle<Result<(), Error>>) {
        let stop = StopHandle::new();
        let this = self.clone();
        let s = stop.clone();
        (stop, tokio::spawn(async move { this.run(s).await }))
    }

    /// Checks what the router would refuse, before connecting: two procedures
    /// with the same URI and match policy, one of them with single invocation.
    /// The error names both source locations.
    pub fn check(&self) -> Result<(), Error> {
        check_duplicates(
            self.inner
                .procedures
                .iter()
                .map(|(uri, options, _, source)| (uri.as_str(), options, source)),
        )
    }

    /// Runs until `stop` is used (then `Ok`) or every transport ran out of retries (then `Err`).
    /// Fails at once, before connecting, when [`Component::check`] fails.
    pub async fn run(&self, stop: StopHandle) -> Result<(), Error> {
        self.check()?;
        let inner = &self.inner;
        if inner.transports.is_empty() {
            return Err(Error::message(
                uris::TRANSPORT_LOST,
                "the component has no transport",
            ));
        }
        let mut delays: Vec<Option<Duration>> = vec![None; inner.transports.len()];
        let mut failures: Vec<u32> = vec![0; inner.transports.len()];
        let mut next = 0usize;
        let mut first = true;
        loop {
            let live: Vec<usize> = (0..inner.transports.len())
                .filter(|&i| {
                    inner.transports[i]
                        .retry
                        .max_retries
                        .is_none_or(|m| failures[i] <= m)
                })
                .collect();
            let Some(&index) = live.iter().find(|&&i| i >= next).or(live.first()) else {
                return Err(Error::message(
                    uris::TRANSPORT_LOST,
                    "every transport ran out of retries",
                ));
            };
            next = index + 1;
            let config = &inner.transports[index];
            if !first {
                let delay = config.retry.next_delay(delays[index]);
                delays[index] = Some(delay);
                tracing::info!(component = %inner.name, transport = %config.name, ?delay, "reconnecting");
                tokio::select! {
                    () = tokio::time::sleep(delay) => {}
                    () = stop.0.cancelled() => return Ok(()),
                }
            }
            first = false;
            let session = tokio::select! {
                s = self.connect_and_join(config) => s,
                () = stop.0.cancelled() => return Ok(()),
            };
            let session = match session {
                Ok(s) => s,
                Err(e) => {
                    tracing::warn!(component = %inner.name, transport = %config.name, error = %e, "connect or join failed");
                    failures[index] += 1;
                    continue;
                }
            };
            failures[index] = 0;
            delays[index] = None;
            let reason = tokio::select! {
                r = session.closed() => r,
                () = stop.0.cancelled() => {
                    let r = session.leave().await;
                    self.left(r).await;
                    return Ok(());
                }
            };
            self.left(reason).await;
            if stop.is_stopped() {
                return Ok(());
            }
        }
    }

    async fn left(&self, reason: CloseReason) {
        tracing::info!(component = %self.inner.name, reason = %reason.reason, "session ended");
        for hook in &self.inner.on_leave {
            hook(reason.clone()).await;
        }
    }

    async fn connect_and_join(&self, config: &TransportConfig) -> Result<Session, Error> {
        let transport = (config.connect)().await?;
        let session = Session::join(transport, self.inner.join.clone()).await?;
        for (uri, options, handler, source) in &self.inner.procedures {
            if let Err(e) = session
                .register_extra(
                    uri,
                    options.clone(),
                    handler.clone(),
                    source.schema_option(uri),
                )
                .await
            {
                tracing::error!(component = %self.inner.name, procedure = %uri, error = %e, "register failed");
                session
                    .leave_with(uris::CLOSE_NORMAL, Some("setup failed".into()))
                    .await;
                return Err(e);
            }
        }
        for (topic, options, handler, source) in &self.inner.subscriptions {
            if let Err(e) = session
                .subscribe_extra(
                    topic,
                    options.clone(),
                    handler.clone(),
                    source.schema_option(topic),
                )
                .await
            {
                tracing::error!(component = %self.inner.name, %topic, error = %e, "subscribe failed");
                session
                    .leave_with(uris::CLOSE_NORMAL, Some("setup failed".into()))
                    .await;
                return Err(e);
            }
        }
        for hook in &self.inner.on_join {
            hook(session.clone()).await;
        }
        Ok(session)
    }
}
