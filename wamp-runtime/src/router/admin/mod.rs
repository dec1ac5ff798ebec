//! The router's admin listener over HTTP/1.1 (hyper), read-only:
//! `/metrics` (Prometheus text), `/healthz` (the process is up), `/readyz`
//! (listeners bound and realms loaded), `/` (the live page),
//! `/api/state` (its JSON feed) and `/docs/<realm>` (the realm's API docs
//! page, the docs listener's rendering). Optionally every request must carry a
//! bearer token (`Authorization: Bearer <token>` or `?token=<token>`).
//!
//! Same limits as the docs listener: one request per connection, the head
//! within [`HEADER_READ_TIMEOUT`] and [`MAX_HEAD`] bytes, no body, at most
//! [`CONNECTION_TIMEOUT`] per connection and [`MAX_CONNECTIONS`] at once.

mod config;
mod readiness;
mod routes;
mod state_json;

pub use config::AdminConfig;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};

use super::state::RouterState;
use config::Admin;

/// Time allowed for the whole request head.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(5);

/// Time a connection may stay open, request and response included.
const CONNECTION_TIMEOUT: Duration = Duration::from_secs(30);

/// Largest request head (request line and headers).
const MAX_HEAD: usize = 8 * 1024;

/// Most headers in one request.
const MAX_HEADERS: usize = 32;

/// Connections served at once; more are closed at once.
const MAX_CONNECTIONS: usize = 64;

/// Time open connections get to finish when the router shuts down.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(1);

/// Serves one connection within the limits, until it closes or the router
/// shuts down.
async fn connection(admin: Arc<Admin>, tcp: TcpStream, peer: SocketAddr) {
    let shutdown = admin.router.shutdown.clone();
    let service = service_fn(move |request| {
        let reply = routes::handle(&admin, &request);
        async move { Ok::<_, Infallible>(reply) }
    });
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT)
        .max_buf_size(MAX_HEAD)
        .max_headers(MAX_HEADERS)
        .keep_alive(false);
    let conn = builder.serve_connection(TokioIo::new(tcp), service);
    tokio::pin!(conn);
    let outcome = tokio::select! {
        r = conn.as_mut() => r,
        () = tokio::time::sleep(CONNECTION_TIMEOUT) => {
            tracing::debug!(%peer, "admin connection cut after {CONNECTION_TIMEOUT:?}");
            return;
        }
        () = shutdown.cancelled() => {
            conn.as_mut().graceful_shutdown();
            match tokio::time::timeout(SHUTDOWN_GRACE, conn).await {
                Ok(r) => r,
                Err(_) => return,
            }
        }
    };
    if let Err(e) = outcome {
        tracing::debug!(%peer, error = %e, "admin request failed");
    }
}

/// Binds `addr` and serves the admin endpoints until the router shuts down.
pub(super) async fn serve(
    router: Arc<RouterState>,
    addr: &str,
    config: AdminConfig,
) -> std::io::Result<SocketAddr> {
    super::metrics::install();
    let listener = TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    let admin = Arc::new(Admin::new(router, config));
    let open = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    tokio::spawn(async move {
        loop {
            let accepted = tokio::select! {
                a = listener.accept() => a,
                () = admin.router.shutdown.cancelled() => break,
            };
            match accepted {
                Ok((tcp, peer)) => {
                    let Ok(place) = open.clone().try_acquire_owned() else {
                        tracing::debug!(%peer, "admin connection closed at once: {MAX_CONNECTIONS} already open");
                        drop(tcp);
                        continue;
                    };
                    let admin = admin.clone();
                    tokio::spawn(async move {
                        connection(admin, tcp, peer).await;
                        drop(place);
                    });
                }
                Err(e) => {
                    tracing::warn!(error = %e, "admin accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }
    });
    tracing::info!(%local, "admin endpoints served over HTTP (/metrics, /healthz, /readyz, /)");
    Ok(local)
}
