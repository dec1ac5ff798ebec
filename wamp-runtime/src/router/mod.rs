//! The embedded WAMP router: broker and dealer, realms, authentication and
//! authorization, the meta API; in-process (in-memory transports) or on
//! sockets (WebSocket and RawSocket on one port, with optional TLS).
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use wamp::router::{Router, RealmConfig};
//!
//! let router = Router::builder().realm(RealmConfig::open("realm1")).build();
//! let addr = router.listen("127.0.0.1:8080").await?;
//! println!("WAMP router on ws://{addr}/ws and rs://{addr}");
//! # Ok(()) }
//! ```

mod auth;
mod broker;
mod config;
mod dealer;
mod docs_http;
mod handle;
mod matching;
mod meta;
mod realm;
mod reflection;
mod session;
mod uris;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, RwLock};

use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

pub use auth::{AuthFuture, AuthRequest, AuthStep, Authenticator};
pub use config::{
    AnonymousConfig, AuthConfig, CraPrincipal, CryptosignPrincipal, Permission, RealmConfig,
    RoleConfig, RouterConfig, TicketPrincipal,
};
pub use handle::Identity;

use crate::protocol::roles::{Role, RoleDetails, Roles, feature};
use crate::serializer::SerializerKind;
use crate::transport::{Acceptor, ServerOptions, Transport, memory};
use realm::Realm;

/// The agent string the router announces in WELCOME.
pub(crate) const AGENT: &str = concat!("wamp-rs-router/", env!("CARGO_PKG_VERSION"));

/// The roles and features the router announces: only what it implements.
pub(crate) fn router_roles() -> Roles {
    let broker = RoleDetails::with_features([
        feature::PUBLISHER_IDENTIFICATION,
        feature::PUBLISHER_EXCLUSION,
        feature::SUBSCRIBER_BLACKWHITE_LISTING,
        feature::PATTERN_BASED_SUBSCRIPTION,
        feature::EVENT_RETENTION,
        feature::SUBSCRIPTION_REVOCATION,
        feature::SUBSCRIPTION_META_API,
        feature::SESSION_META_API,
        feature::PAYLOAD_TRANSPARENCY,
    ]);
    let dealer = RoleDetails::with_features([
        feature::PROGRESSIVE_CALL_RESULTS,
        feature::PROGRESSIVE_CALL_INVOCATIONS,
        feature::CALL_TIMEOUT,
        feature::CALL_CANCELING,
        feature::CALLER_IDENTIFICATION,
        feature::PATTERN_BASED_REGISTRATION,
        feature::SHARED_REGISTRATION,
        feature::REGISTRATION_REVOCATION,
        feature::REGISTRATION_META_API,
        feature::SESSION_META_API,
        feature::PAYLOAD_TRANSPARENCY,
    ]);
    Roles::default()
        .with(Role::Broker, broker)
        .with(Role::Dealer, dealer)
}

/// State shared by every connection of one router.
pub(crate) struct RouterInner {
    pub(crate) config: RouterConfig,
    realms: RwLock<HashMap<String, Arc<Realm>>>,
    pub(crate) authenticators: Vec<Arc<dyn Authenticator>>,
    pub(crate) shutdown: CancellationToken,
}

impl RouterInner {
    /// The realm of that name, created on the fly when the config allows it.
    pub(crate) fn realm(&self, name: &str) -> Option<Arc<Realm>> {
        if let Some(r) = self
            .realms
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(name)
        {
            return Some(r.clone());
        }
        if !self.config.auto_create_realms || !crate::protocol::uri::is_valid_realm(name) {
            return None;
        }
        let mut realms = self.realms.write().unwrap_or_else(|p| p.into_inner());
        let realm = realms
            .entry(name.to_owned())
            .or_insert_with(|| {
                tracing::info!(realm = name, "realm created on demand");
                Arc::new(Realm::new(RealmConfig::open(name)))
            })
            .clone();
        Some(realm)
    }
}

/// Builds a [`Router`].
#[derive(Default)]
pub struct RouterBuilder {
    config: RouterConfig,
    authenticators: Vec<Arc<dyn Authenticator>>,
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

    /// Frames queued per session; a full queue holds back whoever routes to it.
    pub fn outbox_capacity(mut self, frames: usize) -> Self {
        self.config.outbox_capacity = frames;
        self
    }

    /// How long a session's queue may stay full before it is disconnected as a
    /// stalled consumer.
    pub fn slow_consumer_timeout(mut self, timeout: std::time::Duration) -> Self {
        self.config.slow_consumer_timeout_ms = timeout.as_millis() as u64;
        self
    }

    /// Adds a user-supplied authenticator, asked before the static configuration.
    pub fn authenticator(mut self, authenticator: impl Authenticator) -> Self {
        self.authenticators.push(Arc::new(authenticator));
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
        let realms = self
            .config
            .realms
            .iter()
            .map(|r| (r.name.clone(), Arc::new(Realm::new(r.clone()))))
            .collect();
        Router {
            inner: Arc::new(RouterInner {
                config: self.config,
                realms: RwLock::new(realms),
                authenticators: self.authenticators,
                shutdown: CancellationToken::new(),
            }),
        }
    }
}

/// A running WAMP router. Cheap to clone; every clone is the same router.
#[derive(Clone)]
pub struct Router {
    inner: Arc<RouterInner>,
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
    pub async fn listen_with(&self, addr: &str, acceptor: Acceptor) -> std::io::Result<SocketAddr> {
        let listener = TcpListener::bind(addr).await?;
        let local = listener.local_addr()?;
        let router = self.clone();
        let acceptor = Arc::new(acceptor);
        tokio::spawn(async move {
            loop {
                let accepted = tokio::select! {
                    a = listener.accept() => a,
                    _ = router.inner.shutdown.cancelled() => break,
                };
                let (tcp, peer) = match accepted {
                    Ok(a) => a,
                    Err(e) => {
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let router = router.clone();
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    match acceptor.accept_tcp(tcp).await {
                        Ok(transport) => router.serve(transport).await,
                        Err(e) => tracing::debug!(%peer, error = %e, "transport handshake failed"),
                    }
                });
            }
        });
        tracing::info!(%local, "WAMP router listening (WebSocket and RawSocket)");
        Ok(local)
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

    /// Serves one connected transport until it closes.
    pub async fn serve(&self, transport: Transport) {
        session::serve(self.inner.clone(), transport).await;
    }

    /// Connects an in-process client: returns the client's end of an in-memory
    /// transport whose other end this router serves.
    pub fn connect_memory(&self, serializer: SerializerKind) -> Transport {
        let (client, server) = memory::pair(serializer, 1024);
        let router = self.clone();
        tokio::spawn(async move { router.serve(server).await });
        client
    }

    /// Says GOODBYE (`wamp.close.system_shutdown`) to every session and stops
    /// accepting connections.
    pub fn shutdown(&self) {
        self.inner.shutdown.cancel();
    }
}
