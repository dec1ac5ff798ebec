//! Router configuration: realms, roles with URI permissions, authentication
//! principals and limits. Deserializable from TOML for the standalone router.

use serde::Deserialize;

use super::keepalive::KeepaliveConfig;
use super::limits::Limits;
use crate::protocol::options::MatchPolicy;

/// The whole router configuration.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouterConfig {
    /// Realms served.
    #[serde(default, rename = "realm")]
    pub realms: Vec<RealmConfig>,
    /// Create a realm (open, anonymous) when a client asks for an unknown one.
    #[serde(default)]
    pub auto_create_realms: bool,
    /// Resource limits (`[limits]` in TOML).
    #[serde(default)]
    pub limits: Limits,
    /// Keepalive pings of every accepted connection (`[keepalive]` in TOML;
    /// on by default).
    #[serde(default)]
    pub keepalive: KeepaliveConfig,
}

/// One realm: its roles (authorization) and who may join (authentication).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RealmConfig {
    /// The realm name.
    pub name: String,
    /// Roles and their permissions. A realm without roles lets every session do
    /// everything.
    #[serde(default, rename = "role")]
    pub roles: Vec<RoleConfig>,
    /// Authentication methods and principals. Without any, anonymous joins are
    /// allowed with the role `anonymous`.
    #[serde(default)]
    pub auth: AuthConfig,
    /// The realm's event store (`[realm.store]` in TOML, Crossbar's `store`):
    /// which topics keep an event history for `wamp.subscription.get_events`.
    #[serde(default)]
    pub store: StoreConfig,
}

impl RealmConfig {
    /// An open realm: anyone may join anonymously and do everything.
    pub fn open(name: impl Into<String>) -> Self {
        RealmConfig {
            name: name.into(),
            roles: Vec::new(),
            auth: AuthConfig::default(),
            store: StoreConfig::default(),
        }
    }
}

/// Most events one topic's history may keep: a larger `limit` is lowered to
/// this (and logged), so that memory stays bounded.
pub const MAX_EVENT_HISTORY_LIMIT: usize = 10_000;

/// The event store of a realm, as Crossbar's `store` of type `memory`: events
/// published to the listed topics are kept, the newest `limit` per topic, in
/// memory, whether or not anyone is subscribed.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreConfig {
    /// Store type: only `memory` (the default) exists.
    #[serde(default = "memory", rename = "type")]
    pub kind: String,
    /// How many events a topic keeps when its entry gives no `limit`
    /// (default 100, as Crossbar).
    #[serde(default = "default_history_limit")]
    pub limit: usize,
    /// The topics with a history (`event-history` in Crossbar's config).
    #[serde(default, rename = "event_history", alias = "event-history")]
    pub event_history: Vec<EventHistoryConfig>,
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            kind: memory(),
            limit: default_history_limit(),
            event_history: Vec::new(),
        }
    }
}

fn memory() -> String {
    "memory".into()
}

fn default_history_limit() -> usize {
    100
}

/// One topic (or pattern) whose events are kept for `wamp.subscription.get_events`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventHistoryConfig {
    /// The topic URI or pattern; a subscription with the same URI and match
    /// policy reads this history.
    pub uri: String,
    /// How `uri` matches (default exact).
    #[serde(default = "exact", rename = "match")]
    pub match_: MatchPolicy,
    /// How many events are kept, newest first (default: the store's `limit`;
    /// at most [`MAX_EVENT_HISTORY_LIMIT`]).
    #[serde(default)]
    pub limit: Option<usize>,
}

impl EventHistoryConfig {
    /// The history of an exact topic keeping `limit` events.
    pub fn exact(uri: impl Into<String>, limit: usize) -> Self {
        EventHistoryConfig {
            uri: uri.into(),
            match_: MatchPolicy::Exact,
            limit: Some(limit),
        }
    }
}

/// A role and what its sessions may do.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleConfig {
    /// Role name (the `authrole`).
    pub name: String,
    /// Permissions; the best-matching URI pattern decides.
    #[serde(default, rename = "permission")]
    pub permissions: Vec<Permission>,
}

/// What a role may do on URIs matching a pattern.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Permission {
    /// URI pattern (an empty string with `match = "prefix"` covers everything).
    pub uri: String,
    /// How `uri` matches.
    #[serde(default = "exact", rename = "match")]
    pub match_: MatchPolicy,
    /// May call.
    #[serde(default)]
    pub call: bool,
    /// May register.
    #[serde(default)]
    pub register: bool,
    /// May publish.
    #[serde(default)]
    pub publish: bool,
    /// May subscribe.
    #[serde(default)]
    pub subscribe: bool,
    /// Disclose the caller's identity to callees, whatever the caller asks.
    #[serde(default)]
    pub disclose_caller: bool,
    /// Disclose the publisher's identity to subscribers, whatever it asks.
    #[serde(default)]
    pub disclose_publisher: bool,
}

/// The methods a dynamic authenticator can serve.
pub(crate) const DYNAMIC_METHODS: [&str; 5] = ["ticket", "wampcra", "cryptosign", "scram", "tls"];

/// The role of the router's own sessions (calling dynamic authenticators
/// and authorizers): every action is allowed to it, as to Crossbar.io's
/// `trusted` service sessions, unless the realm defines such a role.
pub(crate) const TRUSTED_ROLE: &str = "trusted";

fn exact() -> MatchPolicy {
    MatchPolicy::Exact
}

impl Permission {
    /// Everything allowed on every URI.
    pub fn all() -> Self {
        Permission {
            uri: String::new(),
            match_: MatchPolicy::Prefix,
            call: true,
            register: true,
            publish: true,
            subscribe: true,
            disclose_caller: false,
            disclose_publisher: false,
        }
    }
}

/// Authentication settings of a realm.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthConfig {
    /// Anonymous joins, with the role given (absent: allowed as `anonymous`
    /// only when no other method is configured).
    #[serde(default)]
    pub anonymous: Option<AnonymousConfig>,
    /// Ticket principals.
    #[serde(default)]
    pub ticket: Vec<TicketPrincipal>,
    /// WAMP-CRA principals (plain or salted secrets).
    #[serde(default)]
    pub wampcra: Vec<CraPrincipal>,
    /// Cryptosign principals (Ed25519 public keys).
    #[serde(default)]
    pub cryptosign: Vec<CryptosignPrincipal>,
    /// TLS client-certificate principals (authmethod `tls`): the SHA-256
    /// fingerprint of a certificate the client presented on a `wss://` or
    /// `rss://` connection, mapped to an authid and role.
    #[serde(default)]
    pub tls: Vec<TlsPrincipal>,
    /// WAMP-SCRAM principals (stored keys derived from the password, never
    /// the password).
    #[serde(default)]
    pub scram: Vec<ScramPrincipal>,
    /// Dynamic authenticators, by method (`ticket`, `wampcra`, `cryptosign`,
    /// `scram`): a WAMP procedure the router calls to authenticate
    /// (`[realm.auth.dynamic.ticket]` in TOML), as Crossbar.io's
    /// `"type": "dynamic"`. A method configured here is not looked up among
    /// the static principals.
    #[serde(default)]
    pub dynamic: std::collections::BTreeMap<String, DynamicAuthenticator>,
    /// Dynamic authorizers, by role (`[realm.auth.authorizer.user]` in
    /// TOML): the sessions of such a role are authorized by a WAMP
    /// procedure instead of the role's permissions.
    #[serde(default)]
    pub authorizer: std::collections::BTreeMap<String, DynamicAuthorizer>,
}

/// A dynamic authorizer: a procedure called as Crossbar.io's
/// `authorize(session, uri, action, options)` (action: `call`, `register`,
/// `publish`, `subscribe`) that returns `true`/`false` or
/// `{allow, disclose, cache}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DynamicAuthorizer {
    /// The authorizer procedure's URI.
    pub authorizer: String,
    /// The realm the procedure is registered on (absent: the session's).
    #[serde(default, rename = "authorizer-realm", alias = "authorizer_realm")]
    pub authorizer_realm: Option<String>,
    /// How long a request waits for the authorizer, in milliseconds
    /// (default 10000); past it the request gets ERROR
    /// `wamp.error.authorization_failed`.
    #[serde(
        default = "default_authenticator_timeout",
        rename = "timeout-ms",
        alias = "timeout_ms"
    )]
    pub timeout_ms: u64,
}

impl DynamicAuthorizer {
    /// An authorizer procedure on the session's realm.
    pub fn new(authorizer: impl Into<String>) -> Self {
        DynamicAuthorizer {
            authorizer: authorizer.into(),
            authorizer_realm: None,
            timeout_ms: default_authenticator_timeout(),
        }
    }
}

/// A dynamic authenticator: a procedure called as
/// `authenticate(realm, authid, details)` that returns a role (string) or a
/// principal (dict: `role`, `authid`, `extra` and the method's secrets), or
/// raises to refuse.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DynamicAuthenticator {
    /// The authenticator procedure's URI.
    pub authenticator: String,
    /// The realm the procedure is registered on (absent: the realm being
    /// joined), as Crossbar's `authenticator-realm`.
    #[serde(default, rename = "authenticator-realm", alias = "authenticator_realm")]
    pub authenticator_realm: Option<String>,
    /// How long the router waits for the authenticator, in milliseconds
    /// (default 10000); past it the client gets ABORT
    /// `wamp.error.authentication_failed`.
    #[serde(
        default = "default_authenticator_timeout",
        rename = "timeout-ms",
        alias = "timeout_ms"
    )]
    pub timeout_ms: u64,
}

impl DynamicAuthenticator {
    /// An authenticator procedure on the realm being joined.
    pub fn new(authenticator: impl Into<String>) -> Self {
        DynamicAuthenticator {
            authenticator: authenticator.into(),
            authenticator_realm: None,
            timeout_ms: default_authenticator_timeout(),
        }
    }
}

fn default_authenticator_timeout() -> u64 {
    10_000
}

impl AuthConfig {
    /// Whether the dynamic authenticators and SCRAM principals can be used:
    /// a dynamic method is one of `ticket`, `wampcra`, `cryptosign`,
    /// `scram` with a valid procedure URI, a SCRAM principal's keys are hex
    /// of the right length and its KDF is known. Otherwise what is wrong.
    pub fn validate(&self) -> Result<(), String> {
        for (method, d) in &self.dynamic {
            if !DYNAMIC_METHODS.contains(&method.as_str()) {
                return Err(format!(
                    "dynamic authentication for method '{method}' is not supported (supported: {})",
                    DYNAMIC_METHODS.join(", ")
                ));
            }
            if crate::protocol::Uri::new(d.authenticator.as_str()).is_err() {
                return Err(format!(
                    "dynamic {method} authenticator '{}' is not a valid URI",
                    d.authenticator
                ));
            }
        }
        for (role, a) in &self.authorizer {
            if crate::protocol::Uri::new(a.authorizer.as_str()).is_err() {
                return Err(format!(
                    "authorizer '{}' of role '{role}' is not a valid URI",
                    a.authorizer
                ));
            }
        }
        for p in &self.scram {
            p.credential()
                .map_err(|e| format!("scram principal '{}': {e}", p.authid))?;
        }
        Ok(())
    }

    /// Whether no method is configured.
    pub fn is_empty(&self) -> bool {
        self.anonymous.is_none()
            && self.ticket.is_empty()
            && self.wampcra.is_empty()
            && self.cryptosign.is_empty()
            && self.scram.is_empty()
            && self.tls.is_empty()
            && self.dynamic.is_empty()
    }
}

/// Anonymous authentication.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnonymousConfig {
    /// Role given to anonymous sessions.
    #[serde(default = "anonymous_role")]
    pub role: String,
}

fn anonymous_role() -> String {
    "anonymous".into()
}

/// A principal authenticating with a ticket, configured with exactly one of
/// the plain `ticket` or its salted `ticket_hash`.
#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "TicketPrincipalToml")]
pub struct TicketPrincipal {
    /// Its authid.
    pub authid: String,
    /// The ticket it must present, in plain text.
    pub ticket: Option<String>,
    /// A salted hash of the ticket: a PHC string of PBKDF2-HMAC-SHA256, as
    /// [`hash_ticket`](super::hash_ticket) (`wamp-router hash-ticket`) makes.
    pub ticket_hash: Option<String>,
    /// Its role.
    pub role: String,
}

impl TicketPrincipal {
    /// A principal with a plain ticket.
    pub fn new(
        authid: impl Into<String>,
        ticket: impl Into<String>,
        role: impl Into<String>,
    ) -> Self {
        TicketPrincipal {
            authid: authid.into(),
            ticket: Some(ticket.into()),
            ticket_hash: None,
            role: role.into(),
        }
    }

    /// A principal with a salted ticket hash (a PHC string).
    pub fn hashed(
        authid: impl Into<String>,
        ticket_hash: impl Into<String>,
        role: impl Into<String>,
    ) -> Self {
        TicketPrincipal {
            authid: authid.into(),
            ticket: None,
            ticket_hash: Some(ticket_hash.into()),
            role: role.into(),
        }
    }

    /// Whether exactly one of `ticket` and `ticket_hash` is set, and the hash
    /// can be read; otherwise what is wrong.
    pub fn validate(&self) -> Result<(), String> {
        let authid = &self.authid;
        match (&self.ticket, &self.ticket_hash) {
            (Some(_), None) => Ok(()),
            (None, Some(hash)) => super::secrets::check_ticket_hash(hash)
                .map_err(|e| format!("ticket principal '{authid}': ticket_hash is {e}")),
            (Some(_), Some(_)) => Err(format!(
                "ticket principal '{authid}' has both ticket and ticket_hash; set exactly one"
            )),
            (None, None) => Err(format!(
                "ticket principal '{authid}' has neither ticket nor ticket_hash; set exactly one"
            )),
        }
    }
}

/// A ticket principal as written in TOML, checked into [`TicketPrincipal`].
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TicketPrincipalToml {
    authid: String,
    #[serde(default)]
    ticket: Option<String>,
    #[serde(default)]
    ticket_hash: Option<String>,
    role: String,
}

impl TryFrom<TicketPrincipalToml> for TicketPrincipal {
    type Error = String;

    fn try_from(t: TicketPrincipalToml) -> Result<Self, String> {
        let principal = TicketPrincipal {
            authid: t.authid,
            ticket: t.ticket,
            ticket_hash: t.ticket_hash,
            role: t.role,
        };
        principal.validate()?;
        Ok(principal)
    }
}

/// A principal authenticating with WAMP-CRA.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CraPrincipal {
    /// Its authid.
    pub authid: String,
    /// The shared secret.
    pub secret: String,
    /// Its role.
    pub role: String,
    /// Salt: when set, the key is PBKDF2(secret, salt, iterations, keylen).
    #[serde(default)]
    pub salt: Option<String>,
    /// PBKDF2 iterations (default 1000).
    #[serde(default = "default_iterations")]
    pub iterations: u32,
    /// Derived key length (default 32).
    #[serde(default = "default_keylen")]
    pub keylen: usize,
}

fn default_iterations() -> u32 {
    1000
}

fn default_keylen() -> usize {
    32
}

/// A principal authenticating with cryptosign.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CryptosignPrincipal {
    /// Its authid.
    pub authid: String,
    /// Its authorized Ed25519 public keys, hex.
    pub authorized_keys: Vec<String>,
    /// Its role.
    pub role: String,
}

/// A principal authenticating with WAMP-SCRAM (`[[realm.auth.scram]]`), in
/// Crossbar.io's shape: what [`ScramPrincipal::from_password`] (or
/// Autobahn's `derive_scram_credential`) derives. The router never sees the
/// password.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScramPrincipal {
    /// Its authid.
    pub authid: String,
    /// Its role.
    pub role: String,
    /// `argon2id-13` or `pbkdf2`.
    pub kdf: String,
    /// KDF iterations (Argon2 time cost).
    pub iterations: u64,
    /// Argon2 memory cost in KiB (`argon2id-13` only).
    #[serde(default)]
    pub memory: Option<u64>,
    /// The salt, hex.
    pub salt: String,
    /// `StoredKey`, hex.
    #[serde(rename = "stored-key", alias = "stored_key")]
    pub stored_key: String,
    /// `ServerKey`, hex.
    #[serde(rename = "server-key", alias = "server_key")]
    pub server_key: String,
}

impl ScramPrincipal {
    /// The stored credential, or what is wrong with it.
    pub fn credential(&self) -> Result<crate::auth::scram::ScramCredential, String> {
        let hex_of = |what: &str, v: &str| hex::decode(v).map_err(|_| format!("{what} is not hex"));
        let kdf = crate::auth::scram::Kdf::parse(&self.kdf, self.iterations, self.memory)
            .map_err(|e| e.0)?;
        let credential = crate::auth::scram::ScramCredential {
            kdf,
            salt: hex_of("salt", &self.salt)?,
            stored_key: hex_of("stored_key", &self.stored_key)?,
            server_key: hex_of("server_key", &self.server_key)?,
        };
        if credential.stored_key.len() != 32 || credential.server_key.len() != 32 {
            return Err("stored_key and server_key must be 32 bytes (64 hex digits)".into());
        }
        Ok(credential)
    }

    /// A principal whose keys are derived here from `password` with a random
    /// 16-byte salt and the given KDF (e.g. Argon2id with 4096 iterations and
    /// 512 KiB as Autobahn's `derive_scram_credential`).
    pub fn from_password(
        authid: impl Into<String>,
        password: &str,
        role: impl Into<String>,
        kdf: crate::auth::scram::Kdf,
    ) -> Result<Self, crate::auth::AuthError> {
        let salt = rand::random::<[u8; 16]>();
        let c = crate::auth::scram::derive_credential(password, &salt, kdf)?;
        Ok(ScramPrincipal {
            authid: authid.into(),
            role: role.into(),
            kdf: kdf.name().into(),
            iterations: u64::from(kdf.iterations()),
            memory: kdf.memory().map(u64::from),
            salt: hex::encode(&c.salt),
            stored_key: hex::encode(&c.stored_key),
            server_key: hex::encode(&c.server_key),
        })
    }
}

/// A principal authenticating with its TLS client certificate
/// (`[[realm.auth.tls]]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsPrincipal {
    /// Its authid.
    pub authid: String,
    /// Its role.
    pub role: String,
    /// SHA-256 fingerprint of the certificate's DER, hex (case and `:`
    /// separators ignored), e.g. `openssl x509 -noout -fingerprint -sha256`.
    pub fingerprint: String,
}

impl TlsPrincipal {
    /// Whether `fingerprint` (lowercase hex) is this principal's.
    pub(crate) fn matches(&self, fingerprint: &str) -> bool {
        let mine: String = self
            .fingerprint
            .chars()
            .filter(|c| *c != ':')
            .map(|c| c.to_ascii_lowercase())
            .collect();
        mine == fingerprint
    }
}
