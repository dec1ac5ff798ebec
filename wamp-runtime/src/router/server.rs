//! The router's public face: [`RouterBuilder`] and [`Router`], which listen on
//! sockets, serve transports and shut down.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;

use super::admin::{self, AdminConfig};
use super::admission::{self, Admission, Admit};
use super::auth::AuthProvider;
use super::config::{RealmConfig, RouterConfig};
use super::keepalive::KeepaliveConfig;
use super::limits::Limits;
use super::state::RouterState;
use super::{connection, docs_http};
use crate::serializer::SerializerKind;
#[cfg(unix)]
use crate::transport::DEFAULT_SOCKET_MODE;
use crate::transport::{Acceptor, ByteStream, Keepalive, ServerOptions, Transport, memory};

/// Builds a [`Router`].
#[derive(Default)]
pub struct RouterBuilder {
    config: RouterConfig,
    auth_providers: Vec<Arc<dyn AuthProvider>>,
}

impl RouterBuilder {
    /// Starts from a whole configuration (e.g. read from TOML).
    pub fn config(mut self, config: RouterConfig) -> Self {
        self.config = config;
        self
    }

    /// Adds a realm.
    pub fn realm(mut self, realm: RealmConfig) -> Self {
        self.config.realms.push(realm);
        self
    }

    /// Creates open realms on demand when clients ask for unknown ones.
    pub fn auto_create_realms(mut self, yes: bool) -> Self {
        self.config.auto_create_realms = yes;
        self
    }

    /// Bytes queued per session; a full queue holds back whoever routes to it.
    pub fn outbox_bytes(mut self, bytes: usize) -> Self {
        self.config.limits.outbox_bytes = bytes;
        self
    }

    /// Keepalive of accepted connections: `Some` pings a connection silent
    /// for `interval` and drops it if nothing arrives within `timeout` after
    /// that; `None` switches it off. On by default (30 s, 10 s), see
    /// [`KeepaliveConfig`](crate::router::KeepaliveConfig). An [`Acceptor`] whose options set a keepalive
    /// keeps its own.
    pub fn keepalive(mut self, keepalive: Option<Keepalive>) -> Self {
        self.config.keepalive = keepalive.into();
        self
    }

    /// Keepalive with every setting (`[keepalive]` of the TOML), e.g. to
    /// ping RawSocket peers that never pinged.
    pub fn keepalive_config(mut self, keepalive: KeepaliveConfig) -> Self {
        self.config.keepalive = keepalive;
        self
    }

    /// Sets every resource limit at once.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.config.limits = limits;
        self
    }

    /// How long a session's queue may stay full before it is disconnected as a
    /// stalled consumer.
    pub fn slow_consumer_timeout(mut self, timeout: std::time::Duration) -> Self {
        self.config.limits.slow_consumer_timeout_ms = timeout.as_millis() as u64;
        self
    }

    /// Adds a user-supplied auth provider (a database of users, an external service...), asked before the static configuration.
    pub fn auth_provider(mut self, provider: impl AuthProvider) -> Self {
        self.auth_providers.push(Arc::new(provider));
        self
    }

    /// Builds the router and serves WebSocket and RawSocket on `addr` (port 0
    /// picks a free port): the one line for examples and tests.
    ///
    /// ```no_run
    /// # async fn demo() -> std::io::Result<()> {
    /// use wamp::router::{RealmConfig, Router};
    /// let (router, addr) = Router::builder().realm(RealmConfig::open("realm1")).start("127.0.0.1:0").await?;
    /// # let _ = (router, addr); Ok(()) }
    /// ```
    pub async fn start(self, addr: &str) -> std::io::Result<(Router, SocketAddr)> {
        let router = self.build();
        let local = router.listen(addr).await?;
        Ok((router, local))
    }

    /// Builds the router. It serves nothing until given listeners or transports.
    pub fn build(self) -> Router {
        Router {
            inner: Arc::new(RouterState::new(self.config, self.auth_providers)),
        }
    }
}

/// A listening socket the router accepts connections on.
trait Listening: Send + 'static {
    /// The accepted connections.
    type Stream: ByteStream;
    /// The next connection and how to name its peer in logs.
    fn accept(
        &self,
    ) -> impl std::future::Future<Output = std::io::Result<(Self::Stream, String)>> + Send;
}

impl Listening for TcpListener {
    type Stream = tokio::net::TcpStream;
    async fn accept(&self) -> std::io::Result<(Self::Stream, String)> {
        let (tcp, peer) = TcpListener::accept(self).await?;
        tcp.set_nodelay(true)?;
        Ok((tcp, peer.to_string()))
    }
}

#[cfg(unix)]
impl Listening for tokio::net::UnixListener {
    type Stream = tokio::net::UnixStream;
    async fn accept(&self) -> std::io::Result<(Self::Stream, String)> {
        let (stream, _) = tokio::net::UnixListener::accept(self).await?;
        Ok((stream, "unix".to_owned()))
    }
}

/// A running WAMP router. Cheap to clone; every clone is the same router.
#[derive(Clone)]
pub struct Router {
    inner: Arc<RouterState>,
}

impl Router {
    /// A builder.
    pub fn builder() -> RouterBuilder {
        RouterBuilder::default()
    }

    /// Serves WebSocket and RawSocket (every serializer) on `addr`. Returns the
    /// bound address (useful with port 0).
    pub async fn listen(&self, addr: &str) -> std::io::Result<SocketAddr> {
        self.listen_with(
            addr,
            Acceptor::new(ServerOptions::with_serializers(SerializerKind::ALL)),
        )
        .await
    }

    /// Serves on `addr` with a configured acceptor (TLS, limits, serializers).
    /// The router's keepalive applies unless the acceptor's options set one;
    /// at most `connections_per_listener` connections are served at once
    /// (see [`Limits`]): one more gets ABORT `wamp.error.limit_exceeded` if it
    /// sends HELLO within 2 s, and is closed otherwise.
    pub async fn listen_with(&self, addr: &str, acceptor: Acceptor) -> std::io::Result<SocketAddr> {
        let listener = TcpListener::bind(addr).await?;
        let local = listener.local_addr()?;
        self.spawn_listener(listener, acceptor, ());
        tracing::info!(%local, "WAMP router listening (WebSocket and RawSocket)");
        Ok(local)
    }

    /// Serves WebSocket and RawSocket (every serializer) on a Unix domain
    /// socket created at `path` with mode [`DEFAULT_SOCKET_MODE`] (`0o600`:
    /// only the router's user may connect). Clients use `rs+unix:///path`
    /// or `ws+unix:///path`. See [`Router::listen_unix_with`].
    #[cfg(unix)]
    pub async fn listen_unix(&self, path: impl AsRef<std::path::Path>) -> std::io::Result<()> {
        self.listen_unix_with(
            path,
            DEFAULT_SOCKET_MODE,
            Acceptor::new(ServerOptions::with_serializers(SerializerKind::ALL)),
        )
        .await
    }

    /// Serves on a Unix domain socket at `path` whose file gets the
    /// permission bits `mode` (e.g. `0o660` to let the file's group connect):
    /// file permissions are the access control. The socket never exists at
    /// `path` with other permissions (it is bound under a temporary name,
    /// given its mode, then renamed). A stale socket file at `path` is
    /// replaced; any other kind of file is left alone and the call fails
    /// with [`std::io::ErrorKind::AlreadyExists`]. The file is removed when
    /// the router shuts down.
    ///
    /// `connections_per_listener` applies to the socket as to a TCP listener;
    /// Unix peers have no address, so they are one local peer to the limits
    /// and [`TransportDetails::peer`](crate::transport::TransportDetails::peer)
    /// is `None` (the meta API reports `peer: "unix"`). Note that root
    /// ignores file permissions.
    #[cfg(unix)]
    pub async fn listen_unix_with(
        &self,
        path: impl AsRef<std::path::Path>,
        mode: u32,
        acceptor: Acceptor,
    ) -> std::io::Result<()> {
        let path = path.as_ref();
        let (listener, file) = crate::transport::unix::bind(path, mode)?;
        self.spawn_listener(listener, acceptor, file);
        tracing::info!(path = %path.display(), mode = format_args!("{mode:o}"), "WAMP router listening on a Unix socket (WebSocket and RawSocket)");
        Ok(())
    }

    /// Accepts connections on `listener` until shutdown, with the router's
    /// keepalive and admission; `guard` is dropped when the loop ends.
    fn spawn_listener<L: Listening, G: Send + 'static>(
        &self,
        listener: L,
        acceptor: Acceptor,
        guard: G,
    ) {
        let router = self.clone();
        let keepalive = &self.inner.config.keepalive;
        let acceptor = Arc::new(acceptor.or_keepalive(keepalive.settings(), keepalive.rawsocket));
        let admission = Admission::new(self.inner.config.limits.connections_per_listener);
        self.inner.listener_bound();
        tokio::spawn(async move {
            let _guard = guard;
            loop {
                let accepted = tokio::select! {
                    a = listener.accept() => a,
                    _ = router.inner.shutdown.cancelled() => break,
                };
                let (stream, peer) = match accepted {
                    Ok(a) => a,
                    Err(e) => {
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let place = match admission.admit() {
                    Admit::Serve(place) => place,
                    Admit::Refuse(refusing) => {
                        let limit = admission.limit();
                        tracing::warn!(%peer, limit, "connection refused: connections_per_listener reached");
                        let acceptor = acceptor.clone();
                        tokio::spawn(async move {
                            admission::refuse(&acceptor, stream, limit).await;
                            drop(refusing);
                        });
                        continue;
                    }
                    Admit::Close => {
                        tracing::debug!(%peer, "connection closed at once: connections_per_listener reached and refusals busy");
                        drop(stream);
                        continue;
                    }
                };
                let router = router.clone();
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    // Boxed: the handshakes' state (tens of KiB, TLS and
                    // WebSocket) is freed once done instead of staying in
                    // the task of every connection for its whole life.
                    let accept = Box::pin(acceptor.accept(stream));
                    let transport = tokio::select! {
                        t = accept => t,
                        _ = router.inner.shutdown.cancelled() => return,
                    };
                    match transport {
                        Ok(transport) => {
                            tracing::debug!(%peer, serializer = %transport.serializer, kind = ?transport.details.kind, "connection");
                            router.serve(transport).await;
                            tracing::debug!(%peer, "connection closed");
                        }
                        Err(e) => tracing::debug!(%peer, error = %e, "transport handshake failed"),
                    }
                    drop(place);
                });
            }
        });
    }

    /// Serves the live API docs of every realm over plain HTTP on `addr`
    /// (its own port; returns the bound address): `GET /<realm>/` is the HTML
    /// page of what the realm's sessions registered and subscribed, built from
    /// the schemas components send with REGISTER/SUBSCRIBE;
    /// `/<realm>/catalog.json`, `/<realm>/catalog.md` and
    /// `/<realm>/asyncapi.json` the other formats. Stops with [`Router::shutdown`].
    pub async fn serve_docs(&self, addr: &str) -> std::io::Result<SocketAddr> {
        docs_http::serve(self.inner.clone(), addr).await
    }

    /// Serves the read-only admin endpoints over plain HTTP on `addr` (its
    /// own port, loopback is wise; returns the bound address): `/metrics`
    /// (Prometheus text of every `wamp_router_*` and `wamp_client_*`
    /// metric), `/healthz` (200 while the process runs), `/readyz` (200
    /// once a listener is bound and realms are loaded, 503 before and
    /// during shutdown), `/` (a live page of realms, sessions,
    /// registrations, subscriptions and rates) and `/api/state` (its JSON
    /// feed). With [`AdminConfig::token`] every request needs
    /// `Authorization: Bearer <token>` or `?token=<token>` (401 otherwise).
    ///
    /// The first call in a process installs the Prometheus recorder as the
    /// `metrics` facade's global recorder (unless the application installed
    /// one before; then that one gets the metrics and `/metrics` answers
    /// 503). Call it before serving connections: those opened before the
    /// recorder was installed do not count their bytes. Stops with
    /// [`Router::shutdown`].
    pub async fn serve_admin(
        &self,
        addr: &str,
        config: AdminConfig,
    ) -> std::io::Result<SocketAddr> {
        admin::serve(self.inner.clone(), addr, config).await
    }

    /// Serves one connected transport until it closes.
    pub async fn serve(&self, transport: Transport) {
        let connection = connection::serve(self.inner.clone(), transport);
        self.inner.connections.track_future(connection).await;
    }

    /// Connects an in-process client: returns the client's end of an in-memory
    /// transport whose other end this router serves.
    pub fn connect_memory(&self, serializer: SerializerKind) -> Transport {
        let (client, server) = memory::pair(serializer, 1024);
        let router = self.clone();
        tokio::spawn(async move { router.serve(server).await });
        client
    }

    /// How many EVENTs of realm `realm` could not be delivered to one of
    /// their subscribers (not encodable in its serializer, or larger than it
    /// accepts) since the realm started; `None` for an unknown realm. The
    /// other subscribers still get such an event, and each miss is logged.
    pub fn undelivered_events(&self, realm: &str) -> Option<u64> {
        self.inner
            .existing_realm(realm)
            .map(|r| r.undelivered_events())
    }

    /// Says GOODBYE (`wamp.close.system_shutdown`) to every session and stops
    /// accepting connections.
    pub fn shutdown(&self) {
        self.inner.shutdown.cancel();
    }

    /// Resolves once the router has been shut down and every connection it
    /// served has written what it had queued (the GOODBYEs) and closed.
    pub async fn closed(&self) {
        self.inner.shutdown.cancelled().await;
        self.inner.connections.close();
        self.inner.connections.wait().await;
    }
}
