//! The config file: the router's [`RouterConfig`] at the top level (realms,
//! roles, authentication, limits) plus the `[[listener]]` tables of this binary.
//!
//! Unknown keys anywhere are errors that name the file and the key's path.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use wamp::SerializerKind;
use wamp::router::RouterConfig;
use wamp::transport::{Acceptor, DEFAULT_MAX_MESSAGE_SIZE, ServerOptions, tls};

use crate::admin::AdminFileConfig;

/// The default listener when the file has none: every transport and serializer
/// on the usual Crossbar port, loopback only.
const DEFAULT_ADDRESS: &str = "127.0.0.1:8080";

/// One listening socket: WebSocket and RawSocket on the same port, or on the
/// same Unix socket file (`path`, with its `mode`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ListenerConfig {
    /// `host:port` to bind, e.g. `127.0.0.1:8080` (port 0: any free port).
    /// Empty when `path` is set.
    #[serde(default)]
    pub(crate) address: String,
    /// A Unix domain socket file to serve on instead of `address` (Unix
    /// only): clients connect with `rs+unix:///path` or `ws+unix:///path`.
    #[serde(default)]
    pub(crate) path: Option<PathBuf>,
    /// Permission bits of the socket file at `path`, which decide who may
    /// connect, e.g. `mode = 0o660` for the file's group too (default
    /// `0o600`: the router's user only).
    #[serde(default)]
    pub(crate) mode: Option<u32>,
    /// PEM certificate chain (leaf first); with `tls_key`, the listener speaks
    /// `wss://` and `rss://` only.
    #[serde(default)]
    pub(crate) tls_cert: Option<PathBuf>,
    /// PEM private key of `tls_cert`.
    #[serde(default)]
    pub(crate) tls_key: Option<PathBuf>,
    /// PEM CA certificate(s): clients are asked for a certificate signed by
    /// one, for TLS client-certificate authentication (authmethod `tls`,
    /// `[[realm.auth.tls]]`).
    #[serde(default)]
    pub(crate) tls_client_ca: Option<PathBuf>,
    /// Refuse the TLS handshake of a client without such a certificate
    /// (default: such clients are served, and may use other methods).
    #[serde(default)]
    pub(crate) tls_client_required: bool,
    /// Largest message accepted or sent, in bytes (default 16 MiB).
    #[serde(default = "default_max_message_size")]
    pub(crate) max_message_size: usize,
    /// Serializers spoken: any of `json`, `msgpack`, `cbor` (default: all).
    #[serde(default = "default_serializers")]
    pub(crate) serializers: Vec<String>,
}

fn default_max_message_size() -> usize {
    DEFAULT_MAX_MESSAGE_SIZE
}

fn default_serializers() -> Vec<String> {
    SerializerKind::ALL
        .iter()
        .map(|k| k.name().to_owned())
        .collect()
}

impl ListenerConfig {
    /// A listener on `address` with every default.
    pub(crate) fn plain(address: impl Into<String>) -> Self {
        ListenerConfig {
            address: address.into(),
            path: None,
            mode: None,
            tls_cert: None,
            tls_key: None,
            tls_client_ca: None,
            tls_client_required: false,
            max_message_size: default_max_message_size(),
            serializers: default_serializers(),
        }
    }

    /// Whether this listener runs TLS.
    pub(crate) fn is_tls(&self) -> bool {
        self.tls_cert.is_some()
    }

    /// How messages name this listener: its address, or `unix:` and its path.
    pub(crate) fn name(&self) -> String {
        match &self.path {
            Some(path) => format!("unix:{}", path.display()),
            None => self.address.clone(),
        }
    }

    /// Checks that the listener is either TCP (`address`, optional TLS) or a
    /// Unix socket (`path`, optional `mode`, no TLS).
    fn check_kind(&self) -> Result<(), ConfigError> {
        let problem = match (&self.path, self.address.is_empty()) {
            (Some(_), false) => Some("set either `address` or `path`, not both"),
            (None, true) => Some("needs an `address` (host:port) or a Unix socket `path`"),
            (None, false) if self.mode.is_some() => Some("`mode` is only for a Unix socket `path`"),
            (Some(_), true) if self.tls_cert.is_some() || self.tls_key.is_some() => {
                Some("TLS is not supported on a Unix socket listener")
            }
            (Some(_), true) if !cfg!(unix) => {
                Some("Unix domain sockets are not available on this platform")
            }
            _ => None,
        };
        match self.mode {
            Some(mode) if mode > 0o777 => {
                return Err(ConfigError::listener(
                    &self.name(),
                    format!("`mode` {mode:#o} is not a permission mode (0o000 to 0o777)"),
                ));
            }
            _ => {}
        }
        match problem {
            Some(message) => Err(ConfigError::listener(&self.name(), message)),
            None => Ok(()),
        }
    }

    /// The acceptor for this listener: serializers, size limits, TLS.
    pub(crate) fn acceptor(&self) -> Result<Acceptor, ConfigError> {
        self.check_kind()?;
        let mut serializers = Vec::new();
        for name in &self.serializers {
            let kind: SerializerKind = name
                .parse()
                .map_err(|e| ConfigError::listener(&self.name(), format!("{e}")))?;
            serializers.push(kind);
        }
        if serializers.is_empty() {
            return Err(ConfigError::listener(
                &self.name(),
                "`serializers` must name at least one serializer",
            ));
        }
        let options = ServerOptions {
            max_incoming: self.max_message_size,
            max_outgoing: self.max_message_size,
            ..ServerOptions::with_serializers(serializers)
        };
        let acceptor = Acceptor::new(options);
        match (&self.tls_cert, &self.tls_key) {
            (None, None) if self.tls_client_ca.is_some() => Err(ConfigError::listener(
                &self.name(),
                "`tls_client_ca` needs `tls_cert` and `tls_key`",
            )),
            (None, None) => Ok(acceptor),
            (Some(cert), Some(key)) => {
                let config = match &self.tls_client_ca {
                    None => tls::server_config_from_pem_files(cert, key),
                    Some(ca) => tls::server_config_with_client_auth_from_pem_files(
                        cert,
                        key,
                        ca,
                        self.tls_client_required,
                    ),
                }
                .map_err(|e| ConfigError::listener(&self.name(), e.to_string()))?;
                Ok(acceptor.with_tls(config))
            }
            _ => Err(ConfigError::listener(
                &self.name(),
                "`tls_cert` and `tls_key` go together",
            )),
        }
    }
}

/// The whole config file.
#[derive(Debug, Clone)]
pub(crate) struct FileConfig {
    /// Realms, roles, authentication and limits.
    pub(crate) router: RouterConfig,
    /// Where to listen.
    pub(crate) listeners: Vec<ListenerConfig>,
    /// The admin listener (`[admin]`).
    pub(crate) admin: AdminFileConfig,
}

/// Why a config file was refused.
#[derive(Debug)]
pub(crate) enum ConfigError {
    /// The file could not be read.
    Read {
        path: PathBuf,
        error: std::io::Error,
    },
    /// The file is not TOML, or a key is unknown or has the wrong type.
    Invalid { path: PathBuf, message: String },
    /// A listener cannot be set up.
    Listener { address: String, message: String },
}

impl ConfigError {
    fn listener(address: &str, message: impl Into<String>) -> Self {
        ConfigError::Listener {
            address: address.to_owned(),
            message: message.into(),
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Read { path, error } => {
                write!(f, "cannot read config file {}: {error}", path.display())
            }
            ConfigError::Invalid { path, message } => {
                write!(f, "invalid config file {}: {message}", path.display())
            }
            ConfigError::Listener { address, message } => {
                write!(f, "listener {address}: {message}")
            }
        }
    }
}

impl std::error::Error for ConfigError {}

/// Deserializes `value`, naming the path of the offending key on error.
fn deserialize_at<T: serde::de::DeserializeOwned>(
    value: toml::Value,
    prefix: &str,
) -> Result<T, String> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let at = match (prefix, path.as_str()) {
            (p, ".") => p.to_owned(),
            ("", p) => p.to_owned(),
            (pre, p) if p.starts_with('[') => format!("{pre}{p}"),
            (pre, p) => format!("{pre}.{p}"),
        };
        if at.is_empty() || at == "." {
            e.into_inner().to_string()
        } else {
            format!("at `{at}`: {}", e.into_inner())
        }
    })
}

/// Parses a config document; `path` is only used in messages.
pub(crate) fn parse(text: &str, path: &Path) -> Result<FileConfig, ConfigError> {
    let invalid = |message: String| ConfigError::Invalid {
        path: path.to_owned(),
        message,
    };
    let mut table: toml::Table =
        toml::from_str(text).map_err(|e| invalid(e.to_string().trim_end().to_owned()))?;
    let listeners = match table.remove("listener") {
        Some(value) => deserialize_at::<Vec<ListenerConfig>>(value, "listener").map_err(invalid)?,
        None => Vec::new(),
    };
    let admin = match table.remove("admin") {
        Some(value) => deserialize_at::<AdminFileConfig>(value, "admin").map_err(invalid)?,
        None => AdminFileConfig::default(),
    };
    let router = deserialize_at::<RouterConfig>(toml::Value::Table(table), "").map_err(invalid)?;
    for (i, realm) in router.realms.iter().enumerate() {
        realm
            .auth
            .validate()
            .map_err(|e| invalid(format!("at `realm[{i}].auth`: {e}")))?;
        for d in realm.auth.dynamic.values() {
            if let Some(on) = &d.authenticator_realm
                && !router.auto_create_realms
                && !router.realms.iter().any(|r| &r.name == on)
            {
                return Err(invalid(format!(
                    "at `realm[{i}].auth.dynamic`: authenticator-realm '{on}' is not a configured realm"
                )));
            }
        }
    }
    Ok(FileConfig {
        router,
        listeners,
        admin,
    })
}

/// Reads and parses a config file.
pub(crate) fn load(path: &Path) -> Result<FileConfig, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|error| ConfigError::Read {
        path: path.to_owned(),
        error,
    })?;
    parse(&text, path)
}

impl FileConfig {
    /// Applies the `--listen` override: the first TCP listener gets that
    /// address (one plain listener is created when the file has none; Unix
    /// socket listeners are kept as they are). Without any listener at all,
    /// listens on [`DEFAULT_ADDRESS`].
    pub(crate) fn override_listen(&mut self, listen: Option<SocketAddr>) {
        let any = !self.listeners.is_empty();
        let first_tcp = self.listeners.iter_mut().find(|l| l.path.is_none());
        match (listen, first_tcp) {
            (Some(addr), Some(first)) => first.address = addr.to_string(),
            (Some(addr), None) => self.listeners.push(ListenerConfig::plain(addr.to_string())),
            (None, Some(_)) => {}
            (None, None) if any => {}
            (None, None) => self.listeners.push(ListenerConfig::plain(DEFAULT_ADDRESS)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> Result<FileConfig, ConfigError> {
        parse(text, Path::new("test.toml"))
    }

    #[test]
    fn sample_config_parses() {
        let text = include_str!("../router.toml");
        let config = parse_str(text).unwrap();
        assert_eq!(config.router.realms[0].name, "realm1");
        assert_eq!(config.listeners.len(), 1);
        config.listeners[0].acceptor().unwrap();
        assert_eq!(config.router.keepalive, Default::default());
        assert_eq!(config.router.limits, Default::default());
    }

    #[test]
    fn keepalive_table_sets_and_switches_off() {
        let c = parse_str("[keepalive]\ninterval_secs = 5\ntimeout_secs = 2.5\n").unwrap();
        let k = c.router.keepalive.settings().unwrap();
        assert_eq!(k.interval, std::time::Duration::from_secs(5));
        assert_eq!(k.timeout, std::time::Duration::from_millis(2500));
        let c = parse_str("[keepalive]\nenabled = false\n").unwrap();
        assert_eq!(c.router.keepalive.settings(), None);
        let err = parse_str("[keepalive]\ntimeout_secs = -1\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("positive number of seconds"), "{err}");
    }

    #[test]
    fn commented_secure_realm_parses_when_uncommented() {
        // The commented example of the sample file must stay valid.
        let text = include_str!("../router.toml");
        let uncommented: String = text
            .lines()
            .map(|l| l.strip_prefix("# ").unwrap_or(l))
            .filter(|l| !l.starts_with('#'))
            .collect::<Vec<_>>()
            .join("\n");
        let config = parse_str(&uncommented).unwrap();
        let secure = &config.router.realms[1];
        assert_eq!(secure.name, "secure");
        assert_eq!(secure.auth.ticket.len(), 2);
        assert!(secure.auth.ticket[1].ticket_hash.is_some());
        assert!(!secure.roles[0].permissions.is_empty());
    }

    #[test]
    fn a_ticket_principal_needs_exactly_one_of_ticket_and_ticket_hash() {
        let principal = |keys: &str| {
            format!(
                "[[realm]]\nname = \"r1\"\n[[realm.auth.ticket]]\nauthid = \"a\"\nrole = \"r\"\n{keys}\n"
            )
        };
        let hash = "$pbkdf2-sha256$i=1000,l=32$MDEyMzQ1Njc4OWFiY2RlZg$UkaxCmSgzP/MRP+PS0ZsHxIVRJSVU+KmrHhfgP6gFio";
        parse_str(&principal("ticket = \"t\"")).unwrap();
        parse_str(&principal(&format!("ticket_hash = \"{hash}\""))).unwrap();
        let both = parse_str(&principal(&format!(
            "ticket = \"t\"\nticket_hash = \"{hash}\""
        )))
        .unwrap_err()
        .to_string();
        assert!(both.contains("both ticket and ticket_hash"), "{both}");
        let neither = parse_str(&principal("")).unwrap_err().to_string();
        assert!(
            neither.contains("neither ticket nor ticket_hash"),
            "{neither}"
        );
        let bad = parse_str(&principal("ticket_hash = \"plain-text\""))
            .unwrap_err()
            .to_string();
        assert!(bad.contains("ticket_hash is not a PHC string"), "{bad}");
    }

    #[test]
    fn realm_store_lists_topics_with_event_history() {
        for key in ["event_history", "event-history"] {
            let text = format!(
                "[[realm]]\nname = \"r1\"\n[realm.store]\nlimit = 20\n\
                 [[realm.store.{key}]]\nuri = \"com.example.history\"\nlimit = 5\n\
                 [[realm.store.{key}]]\nuri = \"com.example.\"\nmatch = \"prefix\"\n"
            );
            let config = parse_str(&text).unwrap();
            let store = &config.router.realms[0].store;
            assert_eq!(store.limit, 20);
            assert_eq!(store.event_history.len(), 2, "{key}");
            assert_eq!(store.event_history[0].limit, Some(5));
            assert_eq!(store.event_history[1].limit, None);
            assert_eq!(
                store.event_history[1].match_,
                wamp::protocol::options::MatchPolicy::Prefix
            );
        }
        let err = parse_str("[[realm]]\nname = \"r1\"\n[realm.store]\nhistory = []\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("history"), "{err}");
    }

    #[test]
    fn unknown_top_level_key_is_named() {
        let err = parse_str("outbox_capacty = 5\n").unwrap_err().to_string();
        assert!(err.contains("test.toml"), "{err}");
        assert!(err.contains("outbox_capacty"), "{err}");
    }

    #[test]
    fn unknown_nested_key_is_named_with_its_path() {
        let text = "[[realm]]\nname = \"r\"\n[[realm.role]]\nname = \"x\"\n[[realm.role.permission]]\nuri = \"\"\ncal = true\n";
        let err = parse_str(text).unwrap_err().to_string();
        assert!(err.contains("cal"), "{err}");
        assert!(err.contains("realm[0].role[0].permission[0]"), "{err}");
    }

    #[test]
    fn unknown_listener_key_is_named() {
        let text = "[[listener]]\naddress = \"127.0.0.1:0\"\ntls_certificate = \"x\"\n";
        let err = parse_str(text).unwrap_err().to_string();
        assert!(err.contains("listener[0]"), "{err}");
        assert!(err.contains("tls_certificate"), "{err}");
    }

    #[test]
    fn bad_serializer_and_half_tls_are_refused() {
        let mut l = ListenerConfig::plain("127.0.0.1:0");
        l.serializers = vec!["xml".into()];
        assert!(l.acceptor().unwrap_err().to_string().contains("xml"));
        let mut l = ListenerConfig::plain("127.0.0.1:0");
        l.tls_cert = Some("cert.pem".into());
        assert!(l.acceptor().unwrap_err().to_string().contains("tls_key"));
        let mut l = ListenerConfig::plain("127.0.0.1:0");
        l.tls_client_ca = Some("ca.pem".into());
        let err = l.acceptor().unwrap_err().to_string();
        assert!(err.contains("`tls_client_ca` needs `tls_cert`"), "{err}");
    }

    #[test]
    fn dynamic_authenticators_and_scram_principals_are_checked() {
        let realm =
            |auth: &str| format!("[[realm]]\nname = \"auth\"\n[[realm]]\nname = \"r1\"\n{auth}\n");
        let ok = parse_str(&realm(
            "[realm.auth.dynamic.ticket]\nauthenticator = \"com.example.authenticate\"\nauthenticator-realm = \"auth\"\ntimeout-ms = 500\n",
        ))
        .unwrap();
        let d = &ok.router.realms[1].auth.dynamic["ticket"];
        assert_eq!(d.authenticator_realm.as_deref(), Some("auth"));
        assert_eq!(d.timeout_ms, 500);
        let err = parse_str(&realm(
            "[realm.auth.dynamic.anonymous]\nauthenticator = \"com.example.a\"\n",
        ))
        .unwrap_err()
        .to_string();
        assert!(err.contains("method 'anonymous' is not supported"), "{err}");
        let err = parse_str(&realm(
            "[realm.auth.dynamic.ticket]\nauthenticator = \"com.example.a\"\nauthenticator-realm = \"nowhere\"\n",
        ))
        .unwrap_err()
        .to_string();
        assert!(err.contains("authenticator-realm 'nowhere'"), "{err}");
        let err = parse_str(&realm(
            "[[realm.auth.scram]]\nauthid = \"a\"\nrole = \"r\"\nkdf = \"md5\"\niterations = 1\nsalt = \"00\"\nstored-key = \"00\"\nserver-key = \"00\"\n",
        ))
        .unwrap_err()
        .to_string();
        assert!(err.contains("unknown SCRAM kdf 'md5'"), "{err}");
    }

    #[test]
    fn listen_override() {
        let mut c = parse_str("").unwrap();
        c.override_listen(None);
        assert_eq!(c.listeners[0].address, DEFAULT_ADDRESS);
        c.override_listen(Some("127.0.0.1:9000".parse().unwrap()));
        assert_eq!(c.listeners[0].address, "127.0.0.1:9000");
    }

    #[test]
    fn unix_listener_is_checked() {
        let c = parse_str("[[listener]]\npath = \"/tmp/w.sock\"\nmode = 0o660\n").unwrap();
        assert_eq!(c.listeners[0].mode, Some(0o660));
        assert_eq!(c.listeners[0].name(), "unix:/tmp/w.sock");
        c.listeners[0].acceptor().unwrap();
        let both = "[[listener]]\npath = \"/tmp/w.sock\"\naddress = \"127.0.0.1:0\"\n";
        let err = parse_str(both).unwrap().listeners[0]
            .acceptor()
            .unwrap_err();
        assert!(err.to_string().contains("not both"), "{err}");
        let none = parse_str("[[listener]]\nmax_message_size = 10\n").unwrap();
        let err = none.listeners[0].acceptor().unwrap_err();
        assert!(err.to_string().contains("`path`"), "{err}");
        let mut l = ListenerConfig::plain("127.0.0.1:0");
        l.mode = Some(0o600);
        assert!(l.acceptor().unwrap_err().to_string().contains("`mode`"));
        let bad_mode = "[[listener]]\npath = \"/tmp/w.sock\"\nmode = 0o7777\n";
        let err = parse_str(bad_mode).unwrap().listeners[0]
            .acceptor()
            .unwrap_err();
        assert!(err.to_string().contains("permission mode"), "{err}");
        let tls = "[[listener]]\npath = \"/tmp/w.sock\"\ntls_cert = \"c\"\ntls_key = \"k\"\n";
        let err = parse_str(tls).unwrap().listeners[0].acceptor().unwrap_err();
        assert!(err.to_string().contains("TLS"), "{err}");
    }

    #[test]
    fn listen_override_keeps_unix_listeners() {
        let mut c = parse_str("[[listener]]\npath = \"/tmp/w.sock\"\n").unwrap();
        c.override_listen(None);
        assert_eq!(c.listeners.len(), 1);
        c.override_listen(Some("127.0.0.1:9000".parse().unwrap()));
        assert_eq!(c.listeners.len(), 2);
        assert!(c.listeners[0].path.is_some());
        assert_eq!(c.listeners[1].address, "127.0.0.1:9000");
    }
}
