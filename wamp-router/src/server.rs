//! Runs the router on the configured listeners and shuts it down gracefully.
//!
//! The accept loops are the binary's own (rather than [`Router::listen_with`])
//! so that every connection is a tracked task: on shutdown the binary can wait
//! until each session has been sent its GOODBYE and its transport is closed.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use wamp::router::Router;
use wamp::transport::Acceptor;

use crate::config::{ConfigError, FileConfig};

/// A router serving its listeners.
pub(crate) struct Server {
    router: Router,
    stop_accepting: CancellationToken,
    connections: TaskTracker,
    /// The bound addresses, in the order of the config's listeners, with
    /// whether they run TLS.
    pub(crate) bound: Vec<(SocketAddr, bool)>,
}

/// Why the server could not start.
#[derive(Debug)]
pub(crate) enum StartError {
    /// A listener's settings are unusable.
    Config(ConfigError),
    /// A listener could not bind.
    Bind {
        address: String,
        error: std::io::Error,
    },
}

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StartError::Config(e) => e.fmt(f),
            StartError::Bind { address, error } => write!(f, "cannot listen on {address}: {error}"),
        }
    }
}

impl std::error::Error for StartError {}

impl Server {
    /// Builds the router and binds every listener.
    pub(crate) async fn start(config: FileConfig) -> Result<Server, StartError> {
        let mut acceptors = Vec::new();
        for listener in &config.listeners {
            acceptors.push(listener.acceptor().map_err(StartError::Config)?);
        }
        let router = Router::builder().config(config.router).build();
        let stop_accepting = CancellationToken::new();
        let connections = TaskTracker::new();
        let mut bound = Vec::new();
        for (listener, acceptor) in config.listeners.iter().zip(acceptors) {
            let tcp = TcpListener::bind(&listener.address)
                .await
                .map_err(|error| StartError::Bind {
                    address: listener.address.clone(),
                    error,
                })?;
            let local = tcp.local_addr().map_err(|error| StartError::Bind {
                address: listener.address.clone(),
                error,
            })?;
            bound.push((local, listener.is_tls()));
            tokio::spawn(accept_loop(
                tcp,
                Arc::new(acceptor),
                router.clone(),
                stop_accepting.clone(),
                connections.clone(),
            ));
        }
        Ok(Server {
            router,
            stop_accepting,
            connections,
            bound,
        })
    }

    /// Stops accepting, says GOODBYE (`wamp.close.system_shutdown`) to every
    /// session, and waits (at most `grace`) until every connection has written
    /// what it had queued and closed. Returns whether all closed in time.
    pub(crate) async fn shutdown(self, grace: Duration) -> bool {
        self.stop_accepting.cancel();
        self.router.shutdown();
        self.connections.close();
        let open = self.connections.len();
        tracing::info!(
            connections = open,
            "shutting down: GOODBYE sent to every session"
        );
        tokio::time::timeout(grace, self.connections.wait())
            .await
            .is_ok()
    }
}

async fn accept_loop(
    listener: TcpListener,
    acceptor: Arc<Acceptor>,
    router: Router,
    stop: CancellationToken,
    connections: TaskTracker,
) {
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = stop.cancelled() => return,
        };
        let (tcp, peer) = match accepted {
            Ok(a) => a,
            Err(e) => {
                // Typically out of file descriptors: back off instead of spinning.
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let router = router.clone();
        let acceptor = acceptor.clone();
        let stop = stop.clone();
        connections.spawn(async move {
            let transport = tokio::select! {
                t = acceptor.accept_tcp(tcp) => t,
                _ = stop.cancelled() => return,
            };
            match transport {
                Ok(transport) => {
                    tracing::debug!(%peer, serializer = %transport.serializer, kind = ?transport.details.kind, "connection");
                    router.serve(transport).await;
                    tracing::debug!(%peer, "connection closed");
                }
                Err(e) => tracing::debug!(%peer, error = %e, "transport handshake failed"),
            }
        });
    }
}
