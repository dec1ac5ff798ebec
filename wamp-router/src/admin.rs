//! The `[admin]` table of the config file: the router's admin listener
//! (`/metrics`, `/healthz`, `/readyz`, the live page at `/`), off by
//! default, on loopback by default.

use serde::Deserialize;
use wamp::router::AdminConfig;

/// Where the admin listener listens unless told otherwise: loopback only.
pub(crate) const DEFAULT_ADMIN_LISTEN: &str = "127.0.0.1:8090";

/// `[admin]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AdminFileConfig {
    /// Serve the admin endpoints (default false).
    #[serde(default)]
    pub(crate) enabled: bool,
    /// `host:port` to bind (default `127.0.0.1:8090`; port 0: any free port).
    #[serde(default = "default_listen")]
    pub(crate) listen: String,
    /// A bearer token every request must carry (`Authorization: Bearer
    /// <token>` or `?token=<token>`); none by default.
    #[serde(default)]
    pub(crate) token: Option<String>,
    /// Most sessions, registrations and subscriptions per realm on the
    /// live page (default 500).
    #[serde(default)]
    pub(crate) max_entries: Option<usize>,
}

fn default_listen() -> String {
    DEFAULT_ADMIN_LISTEN.to_owned()
}

impl Default for AdminFileConfig {
    fn default() -> Self {
        AdminFileConfig {
            enabled: false,
            listen: default_listen(),
            token: None,
            max_entries: None,
        }
    }
}

impl AdminFileConfig {
    /// The router's settings of the admin listener.
    pub(crate) fn settings(&self) -> AdminConfig {
        let mut config = AdminConfig::default();
        if let Some(token) = &self.token {
            config = config.token(token.clone());
        }
        if let Some(max) = self.max_entries {
            config = config.max_entries(max);
        }
        config
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::config::parse;

    #[test]
    fn admin_is_off_by_default_and_on_loopback() {
        let c = parse("", Path::new("t.toml")).unwrap();
        assert!(!c.admin.enabled);
        assert_eq!(c.admin.listen, "127.0.0.1:8090");
        let c = parse(
            "[admin]\nenabled = true\ntoken = \"t\"\n",
            Path::new("t.toml"),
        )
        .unwrap();
        assert!(c.admin.enabled);
        assert_eq!(c.admin.settings().token.as_deref(), Some("t"));
    }

    #[test]
    fn unknown_admin_key_is_named() {
        let err = parse("[admin]\nenable = true\n", Path::new("t.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("admin") && err.contains("enable"), "{err}");
    }
}
