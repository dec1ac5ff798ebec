//! Runs the router on the configured listeners and shuts it down gracefully:
//! every listener is the router's own ([`Router::listen_with`]), so the
//! router's keepalive and `connections_per_listener` apply, and on shutdown
//! the binary waits ([`Router::closed`]) until each session has been sent its
//! GOODBYE and its transport is closed.

use std::net::SocketAddr;
use std::time::Duration;

use wamp::router::Router;

use crate::config::{ConfigError, FileConfig};

/// Serves on the Unix socket file `path` with `mode` (default 0o600).
#[cfg(unix)]
async fn listen_unix(
    router: &Router,
    path: &std::path::Path,
    mode: Option<u32>,
    acceptor: wamp::transport::Acceptor,
) -> std::io::Result<()> {
    let mode = mode.unwrap_or(wamp::transport::DEFAULT_SOCKET_MODE);
    router.listen_unix_with(path, mode, acceptor).await
}

/// Unix sockets are refused by the config check on other platforms.
#[cfg(not(unix))]
async fn listen_unix(
    _router: &Router,
    _path: &std::path::Path,
    _mode: Option<u32>,
    _acceptor: wamp::transport::Acceptor,
) -> std::io::Result<()> {
    Err(std::io::Error::new(
        std::io::ErrorKind::Unsupported,
        "Unix domain sockets are not available on this platform",
    ))
}

/// A router serving its listeners.
pub(crate) struct Server {
    router: Router,
    /// The bound addresses, in the order of the config's listeners, with
    /// whether they run TLS.
    pub(crate) bound: Vec<(SocketAddr, bool)>,
    /// The Unix socket files served, in the order of the config's listeners.
    pub(crate) unix: Vec<std::path::PathBuf>,
    /// The admin listener's address, when `[admin]` is enabled.
    pub(crate) admin: Option<SocketAddr>,
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
        // Before the listeners: `/readyz` says 503 until they are bound.
        let admin = match config.admin.enabled {
            true => Some(
                router
                    .serve_admin(&config.admin.listen, config.admin.settings())
                    .await
                    .map_err(|error| StartError::Bind {
                        address: format!("admin {}", config.admin.listen),
                        error,
                    })?,
            ),
            false => None,
        };
        let mut bound = Vec::new();
        let mut unix = Vec::new();
        for (listener, acceptor) in config.listeners.iter().zip(acceptors) {
            if let Some(path) = &listener.path {
                listen_unix(&router, path, listener.mode, acceptor)
                    .await
                    .map_err(|error| StartError::Bind {
                        address: listener.name(),
                        error,
                    })?;
                unix.push(path.clone());
                continue;
            }
            let local = router
                .listen_with(&listener.address, acceptor)
                .await
                .map_err(|error| StartError::Bind {
                    address: listener.address.clone(),
                    error,
                })?;
            bound.push((local, listener.is_tls()));
        }
        Ok(Server {
            router,
            bound,
            unix,
            admin,
        })
    }

    /// Stops accepting, says GOODBYE (`wamp.close.system_shutdown`) to every
    /// session, and waits (at most `grace`) until every connection has written
    /// what it had queued and closed. Returns whether all closed in time.
    pub(crate) async fn shutdown(self, grace: Duration) -> bool {
        self.router.shutdown();
        tracing::info!("shutting down: GOODBYE sent to every session");
        tokio::time::timeout(grace, self.router.closed())
            .await
            .is_ok()
    }
}
