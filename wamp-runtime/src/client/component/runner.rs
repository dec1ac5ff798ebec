//! [`Component`]: the run loop (connect, join, set up, serve, retry) and
//! its [`StopHandle`].

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use super::inner::Inner;
use super::setup::Setup;
use super::status::{ComponentError, ComponentStatus, Stage};
use super::transport::TransportConfig;

use crate::client::collect::check_duplicates;
use crate::client::error::Error;
use crate::client::session::{CloseReason, Session};
use crate::protocol::uris;

/// A WAMP application piece that keeps itself joined: it connects, joins,
/// registers and subscribes everything, runs `on_join` hooks, and after a lost
/// transport or a failed join reconnects with backoff and does it all again.
/// Cheap to clone.
///
/// **Retry policy.** A failed connection or join, and a session that ends,
/// are retried over the transports in turn, each after its
/// [`TransportConfig::retry`] delay (default 1.5 s growing ×1.5 to 3 s,
/// forever). A registration or subscription the router refuses (say
/// `wamp.error.procedure_already_exists`, while another instance holds the
/// procedure) does not end the session: everything else is served, and only
/// the refused ones are retried, every [`ComponentBuilder::register_retry`](super::ComponentBuilder::register_retry)
/// delay (default 1 s growing to at most 10 s, forever). A policy with
/// `max_retries` makes the component give up: it stops, logs at error level
/// and [`Component::run`] returns the error.
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

/// How often a joined component looks for registrations and subscriptions
/// the router revoked.
const REVOCATION_CHECK: Duration = Duration::from_secs(1);

/// How one connection ended.
enum Outcome {
    /// Stopped with the stop handle.
    Stopped,
    /// Connecting, joining or the session failed: try again.
    Failed(Stage, Error),
    /// A registration or subscription ran out of retries: give up.
    GaveUp(ComponentError),
}

impl Component {
    pub(super) fn new(inner: Arc<Inner>) -> Self {
        Component { inner }
    }

    /// The component's name (see [`ComponentBuilder::name`](super::ComponentBuilder::name)).
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// Follows what the component is doing: connecting, joined (with the
    /// procedures and topics still missing), waiting to retry after an
    /// error, stopped.
    ///
    /// ```no_run
    /// # async fn demo(component: wamp::Component) {
    /// let mut status = component.watch();
    /// let _ = status.wait_for(|s| s.is_serving_all()).await;
    /// # }
    /// ```
    pub fn watch(&self) -> watch::Receiver<ComponentStatus> {
        self.inner.status.subscribe()
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
                .map(|p| (p.uri.as_str(), &p.options, &p.source)),
        )
    }

    /// Runs until `stop` is used (then `Ok`) or the component gives up (then
    /// `Err`, logged at error level): every transport ran out of retries, or
    /// a refused registration or subscription did. Fails at once, before
    /// connecting, when [`Component::check`] fails.
    pub async fn run(&self, stop: StopHandle) -> Result<(), Error> {
        let result = self.run_until_stopped(&stop).await;
        match &result {
            Ok(()) => self
                .inner
                .set_status(ComponentStatus::Stopped { error: None }),
            Err(e) => {
                self.inner.report(e);
                self.inner.set_status(ComponentStatus::Stopped {
                    error: Some(e.clone()),
                });
            }
        }
        result.map_err(|e| match e.stage {
            Stage::Check => e.error,
            _ => {
                let uri = e.error.uri().to_owned();
                Error::wrap(&uri, e)
            }
        })
    }

    async fn run_until_stopped(&self, stop: &StopHandle) -> Result<(), ComponentError> {
        let inner = &self.inner;
        let give_up = |stage, error| ComponentError {
            component: inner.name.clone(),
            stage,
            error,
            retry_in: None,
        };
        if let Err(e) = self.check() {
            return Err(give_up(Stage::Check, e));
        }
        if inner.transports.is_empty() {
            let e = Error::message(uris::TRANSPORT_LOST, "the component has no transport");
            return Err(give_up(Stage::Check, e));
        }
        let count = inner.transports.len();
        let mut delays: Vec<Option<Duration>> = vec![None; count];
        let mut failures: Vec<u32> = vec![0; count];
        let mut index = 0usize;
        let mut wait: Option<Duration> = None;
        loop {
            if let Some(delay) = wait {
                tokio::select! {
                    () = tokio::time::sleep(delay) => {}
                    () = stop.0.cancelled() => return Ok(()),
                }
            }
            let config = &inner.transports[index];
            inner.set_status(ComponentStatus::Connecting {
                transport: config.name.clone(),
                attempt: failures[index] + 1,
            });
            let (stage, error) = match self.connect_and_serve(config, stop).await {
                Outcome::Stopped => return Ok(()),
                Outcome::GaveUp(e) => return Err(e),
                Outcome::Failed(stage, error) => (stage, error),
            };
            if let Stage::Lost { .. } = stage {
                // It was joined: start over with short delays.
                failures[index] = 0;
                delays[index] = None;
            } else {
                failures[index] += 1;
            }
            // The next live transport after this one (round robin).
            let live = |i: usize| !inner.transports[i].retry.exhausted(failures[i]);
            let Some(next) = (1..=count).map(|k| (index + k) % count).find(|&i| live(i)) else {
                let error = Error::message(
                    error.uri().to_owned(),
                    format!("every transport ran out of retries; last error: {error}"),
                );
                return Err(give_up(stage, error));
            };
            index = next;
            let delay = inner.transports[index].retry.next_delay(delays[index]);
            delays[index] = Some(delay);
            let report = ComponentError {
                component: inner.name.clone(),
                stage,
                error,
                retry_in: Some(delay),
            };
            inner.report(&report);
            inner.set_status(ComponentStatus::Retrying {
                after: delay,
                error: report,
            });
            wait = Some(delay);
        }
    }

    /// Connects, joins, sets everything up and serves until the session ends.
    async fn connect_and_serve(&self, config: &TransportConfig, stop: &StopHandle) -> Outcome {
        let inner = &self.inner;
        let transport = config.name.clone();
        let joined = tokio::select! {
            joined = async {
                let t = config.connect().await.map_err(|e| {
                    (Stage::Connect { transport: transport.clone() }, Error::from(e))
                })?;
                Session::join(t, inner.join.clone())
                    .await
                    .map_err(|e| (Stage::Join { transport: transport.clone() }, e))
            } => joined,
            () = stop.0.cancelled() => return Outcome::Stopped,
        };
        let session = match joined {
            Ok(session) => session,
            Err((stage, error)) => return Outcome::Failed(stage, error),
        };
        let id = session.id();
        tracing::info!(component = %inner.name, %transport, session = id, realm = %inner.join.realm, "joined");
        let setup = tokio::select! {
            s = Setup::first_pass(inner, &session) => s,
            () = stop.0.cancelled() => return self.leave(&session).await,
        };
        let mut setup = match setup {
            Ok(setup) => setup,
            Err(e) => return self.give_up(&session, e).await,
        };
        // A session lost during the setup goes straight to the loop below.
        if !session.is_closed() {
            inner.set_status(ComponentStatus::Joined {
                session: id,
                missing: setup.missing(inner),
                revoked: Vec::new(),
            });
            for hook in &inner.on_join {
                hook(session.clone()).await;
            }
        }
        loop {
            let due = setup.next_due();
            tokio::select! {
                reason = session.closed() => {
                    self.left(reason.clone()).await;
                    let error = Error::message(
                        reason.reason.clone(),
                        reason.message.unwrap_or_else(|| "the session ended".into()),
                    );
                    return Outcome::Failed(Stage::Lost { session: id }, error);
                }
                () = stop.0.cancelled() => return self.leave(&session).await,
                () = sleep_until(due) => {
                    let retried = tokio::select! {
                        r = setup.retry_due(inner, &session) => r,
                        () = stop.0.cancelled() => return self.leave(&session).await,
                    };
                    if let Err(e) = retried {
                        return self.give_up(&session, e).await;
                    }
                    if !session.is_closed() {
                        inner.set_status(ComponentStatus::Joined {
                            session: id,
                            missing: setup.missing(inner),
                            revoked: setup.revoked(),
                        });
                    }
                }
                () = tokio::time::sleep(REVOCATION_CHECK), if setup.holds_any() => {
                    if setup.take_revoked(inner, &session) {
                        inner.set_status(ComponentStatus::Joined {
                            session: id,
                            missing: setup.missing(inner),
                            revoked: setup.revoked(),
                        });
                    }
                }
            }
        }
    }

    async fn leave(&self, session: &Session) -> Outcome {
        let reason = session.leave().await;
        self.left(reason).await;
        Outcome::Stopped
    }

    async fn give_up(&self, session: &Session, e: ComponentError) -> Outcome {
        let reason = session
            .leave_with(uris::CLOSE_NORMAL, Some(format!("giving up: {e}")))
            .await;
        self.left(reason).await;
        Outcome::GaveUp(e)
    }

    async fn left(&self, reason: CloseReason) {
        tracing::info!(component = %self.inner.name, reason = %reason.reason, detail = reason.message.as_deref().unwrap_or(""), "session ended");
        for hook in &self.inner.on_leave {
            hook(reason.clone()).await;
        }
    }
}

/// Sleeps until `due`; forever when there is nothing due.
async fn sleep_until(due: Option<tokio::time::Instant>) {
    match due {
        Some(due) => tokio::time::sleep_until(due).await,
        None => std::future::pending().await,
    }
}
