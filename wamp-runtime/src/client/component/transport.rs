//! How a component reaches the router ([`TransportConfig`]) and how it waits
//! between attempts ([`RetryPolicy`]).

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use futures_util::FutureExt as _;
use futures_util::future::BoxFuture;

use crate::transport::{self, ClientOptions, Transport, TransportError};

/// How long to wait between attempts, growing after each failure.
///
/// The default ([`RetryPolicy::default`]) for connections: 1.5 s, then ×1.5
/// after each failure up to 3 s, ±10 % jitter, forever. Autobahn grows to
/// 300 s; the short cap brings a component back within seconds of its
/// router's return (raise `max_delay` for fleets of thousands of components).
/// Refused registrations and subscriptions use
/// [`RetryPolicy::registration`] instead: 1 s, ×1.5, at most 10 s.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Delay before the first retry.
    pub initial_delay: Duration,
    /// Factor applied to the delay after each failure.
    pub growth: f64,
    /// Largest delay.
    pub max_delay: Duration,
    /// Relative standard deviation of the random jitter.
    pub jitter: f64,
    /// Retries before giving up (`None`: forever). For a transport, the
    /// component moves on to its other transports and fails when all gave
    /// up; for a registration or subscription, the component leaves and
    /// fails.
    pub max_retries: Option<u32>,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            initial_delay: Duration::from_millis(1500),
            growth: 1.5,
            max_delay: Duration::from_secs(3),
            jitter: 0.1,
            max_retries: None,
        }
    }
}

impl RetryPolicy {
    /// The default for refused registrations and subscriptions: 1 s, ×1.5
    /// up to 10 s, ±10 % jitter, forever. A replacement instance therefore
    /// takes over a procedure at most about 11 s after the old registration
    /// disappears.
    pub fn registration() -> Self {
        RetryPolicy {
            initial_delay: Duration::from_secs(1),
            growth: 1.5,
            max_delay: Duration::from_secs(10),
            jitter: 0.1,
            max_retries: None,
        }
    }

    /// A fixed delay (no growth, no jitter), retried forever.
    pub fn fixed(delay: Duration) -> Self {
        RetryPolicy {
            initial_delay: delay,
            growth: 1.0,
            max_delay: delay,
            jitter: 0.0,
            max_retries: None,
        }
    }

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

    /// Whether `failures` failures in a row exhaust the retries.
    pub(super) fn exhausted(&self, failures: u32) -> bool {
        self.max_retries.is_some_and(|m| failures > m)
    }
}

type ConnectFn =
    Arc<dyn Fn() -> BoxFuture<'static, Result<Transport, TransportError>> + Send + Sync>;

/// One way to reach the router, with its retry policy.
#[derive(Clone)]
pub struct TransportConfig {
    pub(super) name: String,
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
    /// A `ws://`, `wss://`, `rs://` or `rss://` URL with transport options
    /// (keepalive included: on by default, see [`ClientOptions::keepalive`]).
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

    /// The name used in logs and statuses (the URL for [`TransportConfig::url`]).
    pub fn name(&self) -> &str {
        &self.name
    }

    pub(super) async fn connect(&self) -> Result<Transport, TransportError> {
        (self.connect)().await
    }
}
