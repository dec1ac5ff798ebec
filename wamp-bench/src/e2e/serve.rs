//! The user-facing set-up of the end-to-end cases: a [`Component`] serving
//! collected `#[wamp::register]`/`#[wamp::subscribe]` functions, and a plain
//! [`Session`] joined over a transport, as the README shows.

use std::time::Duration;

use tokio::task::JoinHandle;
use wamp::client::{JoinConfig, StopHandle, TransportConfig};
use wamp::transport::ClientOptions;
use wamp::{Component, SerializerKind, Session};

use crate::peer::{BenchError, RECV_TIMEOUT};
use crate::router_thread::REALM;

/// A running component: its stop handle and task.
pub(crate) struct Running {
    stop: StopHandle,
    task: JoinHandle<Result<(), wamp::Error>>,
}

/// The options of every end-to-end connection: one serializer, the rest default.
fn options(kind: SerializerKind) -> ClientOptions {
    ClientOptions::with_serializers([kind])
}

/// A component on `url` that serves the collected functions whose URI starts
/// with `from`, each under `to` instead (a fresh URI per run), with `state`.
pub(crate) fn component<T: Send + Sync + 'static>(
    url: &str,
    kind: SerializerKind,
    from: &str,
    to: &str,
    state: T,
) -> Component {
    Component::builder(REALM)
        .name(format!("bench {to}"))
        .transport_config(TransportConfig::url(url, options(kind)))
        .state(state)
        .collected_renamed(from, to)
        .build()
}

/// Starts `component` and waits until it serves everything it has.
pub(crate) async fn start(component: Component) -> Result<Running, BenchError> {
    let mut status = component.watch();
    let (stop, task) = component.start();
    let serving = tokio::time::timeout(RECV_TIMEOUT, status.wait_for(|s| s.is_serving_all()));
    let outcome = serving.await.map(|r| r.is_ok());
    match outcome {
        Ok(true) => Ok(Running { stop, task }),
        Ok(false) => Err("the component ended before serving".into()),
        Err(_) => Err(format!(
            "the component was not serving within {RECV_TIMEOUT:?}: {:?}",
            *status.borrow()
        )),
    }
}

impl Running {
    /// Stops the component (it leaves its session) and checks how it ended.
    pub(crate) async fn stop(self) -> Result<(), BenchError> {
        self.stop.stop();
        match tokio::time::timeout(Duration::from_secs(10), self.task).await {
            Ok(Ok(Ok(()))) => Ok(()),
            Ok(Ok(Err(e))) => Err(format!("the component failed: {e}")),
            Ok(Err(e)) => Err(format!("the component's task: {e}")),
            Err(_) => Err("the component did not stop within 10 s".into()),
        }
    }
}

/// A session joined to the benchmark realm over `url` with one serializer.
pub(crate) async fn join(url: &str, kind: SerializerKind) -> Result<Session, BenchError> {
    let transport = wamp::transport::connect(url, &options(kind))
        .await
        .map_err(|e| format!("connecting to {url}: {e}"))?;
    Session::join(transport, JoinConfig::new(REALM))
        .await
        .map_err(|e| format!("joining: {e}"))
}
