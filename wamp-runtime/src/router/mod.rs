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
//!
//! Inside, a sans-I/O core (`core/`: one `RealmCore` per realm with its
//! dealer, broker and meta API) takes one input at a time and returns what to
//! send to whom; a thin shell around it (`connection`, `realm`, `outbox`,
//! `writer`, `server`) owns the sockets, tasks, outboxes and timers.
//!
//! Besides the basic and advanced profile features, the router implements
//! Crossbar.io's session testaments (`wamp.session.add_testament`,
//! `wamp.session.flush_testaments`), event history
//! (`wamp.subscription.get_events` for the topics in
//! [`RealmConfig::store`]), acknowledged event delivery
//! (`x_acknowledged_event_delivery`) and call re-routing on
//! `wamp.error.unavailable` (`call_reroute`).

mod admin;
mod admission;
mod auth;
mod clock;
mod config;
mod connection;
mod core;
mod docs_http;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzz_entry;
mod http_server;
mod identity;
mod keepalive;
mod limits;
mod metrics;
mod outbox;
mod realm;
mod returns;
mod roles;
mod secrets;
mod server;
mod state;
mod switch;
mod trace;
mod writer;

pub use admin::AdminConfig;
pub use auth::{AuthFuture, AuthProvider, AuthRequest, AuthStep};
pub use config::{
    AnonymousConfig, AuthConfig, CraPrincipal, CryptosignPrincipal, DynamicAuthenticator,
    DynamicAuthorizer, EventHistoryConfig, MAX_EVENT_HISTORY_LIMIT, Permission, RealmConfig,
    RoleConfig, RouterConfig, ScramPrincipal, StoreConfig, TicketPrincipal, TlsPrincipal,
};
pub use identity::Identity;
pub use keepalive::KeepaliveConfig;
pub use limits::Limits;
pub use secrets::hash_ticket;
pub use server::{Router, RouterBuilder};
