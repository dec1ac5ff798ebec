//! A realm's authorization: roles with URI-pattern permissions, decided by the
//! best matching pattern (exact, longest prefix, best wildcard).

use std::collections::HashMap;

use crate::protocol::id::Id;
use crate::router::config::{Permission, RealmConfig, TRUSTED_ROLE};

use super::uri_index::UriIndex;

/// An action that needs permission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    /// CALL.
    Call,
    /// REGISTER.
    Register,
    /// PUBLISH.
    Publish,
    /// SUBSCRIBE.
    Subscribe,
}

/// One role's permissions, indexed by URI pattern.
#[derive(Debug, Default)]
struct RolePermissions {
    index: UriIndex,
    permissions: Vec<Permission>,
}

/// The permissions of every role of a realm. A realm without roles is open.
#[derive(Debug, Default)]
pub(crate) struct Permissions {
    roles: HashMap<String, RolePermissions>,
    open: bool,
    /// Roles with a dynamic authorizer: the realm's shell asked it before
    /// the request reached the core.
    dynamic: std::collections::HashSet<String>,
}

impl Permissions {
    /// The permissions a realm's configuration grants.
    pub(crate) fn new(config: &RealmConfig) -> Self {
        let mut roles: HashMap<String, RolePermissions> = HashMap::new();
        for role in &config.roles {
            let entry = roles.entry(role.name.clone()).or_default();
            for permission in &role.permissions {
                // Later duplicates of one pattern win, as they did before.
                if let Some(old) = entry.index.find(&permission.uri, permission.match_) {
                    entry.index.remove(&permission.uri, permission.match_, old);
                }
                let id = entry.permissions.len() as Id;
                entry.index.insert(&permission.uri, permission.match_, id);
                entry.permissions.push(permission.clone());
            }
        }
        Permissions {
            open: config.roles.is_empty() && config.auth.authorizer.is_empty(),
            roles,
            dynamic: config.auth.authorizer.keys().cloned().collect(),
        }
    }

    /// The permission that decides for `uri`.
    fn permission(&self, authrole: &str, uri: &str) -> Option<&Permission> {
        let role = self.roles.get(authrole)?;
        let id = role.index.best(uri)?;
        role.permissions.get(id as usize)
    }

    /// Whether `authrole` may do `action` on `uri`.
    pub(crate) fn allows(&self, authrole: &str, action: Action, uri: &str) -> bool {
        // The router's own sessions (`trusted`, as Crossbar.io's service
        // sessions) may do everything unless the realm defines the role.
        if self.open
            || (authrole == TRUSTED_ROLE && !self.roles.contains_key(TRUSTED_ROLE))
            || self.dynamic.contains(authrole)
        {
            return true;
        }
        self.permission(authrole, uri)
            .is_some_and(|p| match action {
                Action::Call => p.call,
                Action::Register => p.register,
                Action::Publish => p.publish,
                Action::Subscribe => p.subscribe,
            })
    }

    /// Whether the realm's policy discloses callers of `uri` to callees.
    pub(crate) fn discloses_caller(&self, authrole: &str, uri: &str) -> bool {
        self.permission(authrole, uri)
            .is_some_and(|p| p.disclose_caller)
    }

    /// Whether the realm's policy discloses publishers of `uri` to subscribers.
    pub(crate) fn discloses_publisher(&self, authrole: &str, uri: &str) -> bool {
        self.permission(authrole, uri)
            .is_some_and(|p| p.disclose_publisher)
    }
}
