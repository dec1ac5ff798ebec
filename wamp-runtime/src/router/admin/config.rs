//! The admin listener's settings ([`AdminConfig`]) and what its
//! connections share.

use std::sync::Arc;

use super::super::state::RouterState;

/// Settings of the admin listener ([`Router::serve_admin`](crate::router::Router::serve_admin)).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct AdminConfig {
    /// When set, every request must carry it (`Authorization: Bearer
    /// <token>` or `?token=<token>`); others get 401.
    pub token: Option<String>,
    /// Most sessions, registrations and subscriptions listed per realm on
    /// the live page (the counts are always complete). Default 500.
    pub max_entries: usize,
}

impl Default for AdminConfig {
    fn default() -> Self {
        AdminConfig {
            token: None,
            max_entries: 500,
        }
    }
}

impl AdminConfig {
    /// Requires `token` on every request.
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// Lists at most `max` sessions, registrations and subscriptions per realm.
    pub fn max_entries(mut self, max: usize) -> Self {
        self.max_entries = max;
        self
    }
}

/// What every admin connection shares.
pub(super) struct Admin {
    /// The router served.
    pub(super) router: Arc<RouterState>,
    /// The settings.
    pub(super) config: AdminConfig,
    /// When the listener started.
    pub(super) started: std::time::Instant,
}

impl Admin {
    /// The shared state of an admin listener starting now.
    pub(super) fn new(router: Arc<RouterState>, config: AdminConfig) -> Self {
        Admin {
            router,
            config,
            started: std::time::Instant::now(),
        }
    }
}
