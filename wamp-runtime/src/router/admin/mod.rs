//! The router's admin listener over HTTP/1.1 (hyper), read-only:
//! `/metrics` (Prometheus text), `/healthz` (the process is up), `/readyz`
//! (listeners bound and realms loaded), `/` (the live page),
//! `/api/state` (its JSON feed) and `/docs/<realm>` (the realm's API docs
//! page, the docs listener's rendering). Optionally every request must carry a
//! bearer token (`Authorization: Bearer <token>` or `?token=<token>`).
//!
//! Same limits as the docs listener ([`super::http_server`]): one request per
//! connection, a bounded head, no body, bounded connection time and count.

mod config;
mod readiness;
mod routes;
mod state_json;

pub use config::AdminConfig;

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;

use super::http_server;
use super::state::RouterState;
use config::Admin;

/// Binds `addr` and serves the admin endpoints until the router shuts down.
pub(super) async fn serve(
    router: Arc<RouterState>,
    addr: &str,
    config: AdminConfig,
) -> std::io::Result<SocketAddr> {
    super::metrics::install();
    let listener = TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    let shutdown = router.shutdown.clone();
    let admin = Admin::new(router, config);
    http_server::spawn(listener, shutdown, "admin", move |request| {
        routes::handle(&admin, request)
    });
    tracing::info!(%local, "admin endpoints served over HTTP (/metrics, /healthz, /readyz, /)");
    Ok(local)
}
