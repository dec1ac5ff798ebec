//! What every connection of one router shares: the configuration, the
//! realms (created on demand when allowed), user auth_providers, shutdown.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};

use tokio_util::task::TaskTracker;

use super::auth::AuthProvider;
use super::config::{RealmConfig, RouterConfig};
use super::realm::Realm;
use super::switch::Switch;

/// State shared by every connection of one router.
pub(crate) struct RouterState {
    /// The configuration.
    pub(crate) config: RouterConfig,
    realms: RwLock<HashMap<String, Arc<Realm>>>,
    /// User auth_providers, asked before the static configuration.
    pub(crate) auth_providers: Vec<Arc<dyn AuthProvider>>,
    /// Fires when the router shuts down.
    pub(crate) shutdown: Switch,
    /// Every connection being served, to wait for after shutdown.
    pub(crate) connections: TaskTracker,
    /// Listeners bound so far (for readiness).
    listeners: AtomicUsize,
}

impl RouterState {
    /// The router's state with the configured realms.
    pub(crate) fn new(config: RouterConfig, auth_providers: Vec<Arc<dyn AuthProvider>>) -> Self {
        let realms = config
            .realms
            .iter()
            .map(|r| (r.name.clone(), Realm::new(r.clone(), &config.limits)))
            .collect();
        RouterState {
            config,
            realms: RwLock::new(realms),
            auth_providers,
            shutdown: Switch::new(),
            connections: TaskTracker::new(),
            listeners: AtomicUsize::new(0),
        }
    }

    /// A listener was bound.
    pub(crate) fn listener_bound(&self) {
        self.listeners.fetch_add(1, Ordering::AcqRel);
    }

    /// How many listeners were bound.
    pub(crate) fn listeners(&self) -> usize {
        self.listeners.load(Ordering::Acquire)
    }

    /// Every realm now.
    pub(crate) fn realm_list(&self) -> Vec<Arc<Realm>> {
        let realms = self.realms.read().unwrap_or_else(|p| p.into_inner());
        realms.values().cloned().collect()
    }

    /// An existing realm.
    pub(crate) fn existing_realm(&self, name: &str) -> Option<Arc<Realm>> {
        self.realms
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(name)
            .cloned()
    }

    /// The realm of that name, created on the fly when the config allows it.
    pub(crate) fn realm(&self, name: &str) -> Option<Arc<Realm>> {
        if let Some(r) = self.existing_realm(name) {
            return Some(r);
        }
        if !self.config.auto_create_realms || !crate::protocol::uri::is_valid_realm(name) {
            return None;
        }
        let mut realms = self.realms.write().unwrap_or_else(|p| p.into_inner());
        let realm = realms
            .entry(name.to_owned())
            .or_insert_with(|| {
                tracing::info!(realm = name, "realm created on demand");
                Realm::new(RealmConfig::open(name), &self.config.limits)
            })
            .clone();
        Some(realm)
    }
}
