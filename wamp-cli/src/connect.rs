//! The connection options every command shares, and joining a session with
//! them: errors that say what to do (router unreachable, unknown realm, not
//! authorized).

use std::io::ErrorKind as IoKind;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, ValueEnum};
use wamp::auth::{Anonymous, CryptoSign, Ticket, WampCra, cryptosign};
use wamp::client::JoinConfig;
use wamp::transport::{ClientOptions, TransportError};
use wamp::{SerializerKind, Session};

use crate::error::{CliError, EXIT_CONNECT, EXIT_USAGE};

/// The serializer to speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Serializer {
    /// JSON (binary as `"\u0000"` + base64).
    Json,
    /// MessagePack.
    Msgpack,
    /// CBOR.
    Cbor,
}

impl From<Serializer> for SerializerKind {
    fn from(s: Serializer) -> Self {
        match s {
            Serializer::Json => SerializerKind::Json,
            Serializer::Msgpack => SerializerKind::MsgPack,
            Serializer::Cbor => SerializerKind::Cbor,
        }
    }
}

/// Where to connect and who to be. Secrets are best given through the
/// environment variables, which keep them off the command line.
#[derive(Debug, Clone, Args)]
pub(crate) struct ConnectOpts {
    /// Router URL: ws://, wss://, rs:// (RawSocket) or rss://.
    #[arg(
        long,
        env = "WAMP_URL",
        default_value = "ws://127.0.0.1:8080/ws",
        global = true
    )]
    pub(crate) url: String,
    /// Realm to join.
    #[arg(long, env = "WAMP_REALM", default_value = "realm1", global = true)]
    pub(crate) realm: String,
    /// Serializer.
    #[arg(
        long,
        env = "WAMP_SERIALIZER",
        value_enum,
        default_value = "json",
        global = true
    )]
    pub(crate) serializer: Serializer,
    /// Authentication ID (needed with --ticket and --wampcra-secret).
    #[arg(long, env = "WAMP_AUTHID", global = true)]
    pub(crate) authid: Option<String>,
    /// Authentication role to ask for.
    #[arg(long, env = "WAMP_AUTHROLE", global = true)]
    pub(crate) authrole: Option<String>,
    /// Ticket authentication (prefer WAMP_TICKET).
    #[arg(long, env = "WAMP_TICKET", hide_env_values = true, global = true)]
    pub(crate) ticket: Option<String>,
    /// WAMP-CRA secret (prefer WAMP_WAMPCRA_SECRET).
    #[arg(
        long,
        env = "WAMP_WAMPCRA_SECRET",
        hide_env_values = true,
        global = true
    )]
    pub(crate) wampcra_secret: Option<String>,
    /// Cryptosign private key: the 32-byte seed as 64 hex digits (prefer WAMP_CRYPTOSIGN_KEY).
    #[arg(
        long,
        env = "WAMP_CRYPTOSIGN_KEY",
        hide_env_values = true,
        global = true
    )]
    pub(crate) cryptosign_key: Option<String>,
    /// PEM file of the CA certificates to trust for wss:// and rss://
    /// (default: the public web roots).
    #[arg(long, env = "WAMP_CA_FILE", global = true)]
    pub(crate) ca_file: Option<PathBuf>,
    /// Seconds to wait for the connection and the join.
    #[arg(
        long,
        env = "WAMP_CONNECT_TIMEOUT",
        default_value_t = 10.0,
        global = true
    )]
    pub(crate) connect_timeout: f64,
}

const CREDENTIALS_HINT: &str = "give credentials: --authid with --ticket (or WAMP_TICKET), \
     --wampcra-secret (or WAMP_WAMPCRA_SECRET) or --cryptosign-key (or WAMP_CRYPTOSIGN_KEY)";

impl ConnectOpts {
    fn join_config(&self) -> Result<JoinConfig, CliError> {
        let config = JoinConfig::new(self.realm.clone());
        let need_authid = |method: &str| {
            self.authid.clone().ok_or_else(|| {
                CliError::new(EXIT_USAGE, format!("{method} needs an authentication ID"))
                    .hint("add --authid ID (or set WAMP_AUTHID)")
            })
        };
        let methods = [
            self.ticket.is_some(),
            self.wampcra_secret.is_some(),
            self.cryptosign_key.is_some(),
        ];
        if methods.iter().filter(|m| **m).count() > 1 {
            return Err(CliError::new(
                EXIT_USAGE,
                "give one authentication method: --ticket, --wampcra-secret or --cryptosign-key",
            ));
        }
        let config = if let Some(ticket) = &self.ticket {
            let mut auth = Ticket::new(need_authid("--ticket")?, ticket.clone());
            if let Some(role) = &self.authrole {
                auth = auth.with_authrole(role.clone());
            }
            config.auth(auth)
        } else if let Some(secret) = &self.wampcra_secret {
            let mut auth = WampCra::new(need_authid("--wampcra-secret")?, secret.clone());
            if let Some(role) = &self.authrole {
                auth = auth.with_authrole(role.clone());
            }
            config.auth(auth)
        } else if let Some(key) = &self.cryptosign_key {
            let key = cryptosign::SigningKey::from_hex(key.trim()).map_err(|e| {
                CliError::new(EXIT_USAGE, format!("unusable --cryptosign-key: {e}"))
                    .hint("the key is the 32-byte Ed25519 seed as 64 hex digits")
            })?;
            let mut auth = CryptoSign::new(key);
            if let Some(id) = &self.authid {
                auth = auth.with_authid(id.clone());
            }
            if let Some(role) = &self.authrole {
                auth = auth.with_authrole(role.clone());
            }
            config.auth(auth)
        } else if self.authid.is_some() {
            config.auth(Anonymous::new(self.authid.clone()))
        } else {
            config
        };
        Ok(config)
    }

    fn client_options(&self) -> Result<ClientOptions, CliError> {
        let mut options = ClientOptions::with_serializers([self.serializer.into()]);
        if let Some(ca) = &self.ca_file {
            let tls = wamp::transport::tls::client_config_trusting_pem_file(ca).map_err(|e| {
                CliError::new(EXIT_USAGE, format!("--ca-file {}: {e}", ca.display()))
            })?;
            options.tls = Some(tls);
        }
        Ok(options)
    }

    fn timeout(&self) -> Duration {
        Duration::try_from_secs_f64(self.connect_timeout).unwrap_or(Duration::from_secs(10))
    }

    /// Connects and joins the realm.
    pub(crate) async fn join(&self) -> Result<Session, CliError> {
        let config = self.join_config()?;
        let options = self.client_options()?;
        let url = &self.url;
        let transport =
            match tokio::time::timeout(self.timeout(), wamp::transport::connect(url, &options))
                .await
            {
                Err(_) => {
                    return Err(CliError::new(
                        EXIT_CONNECT,
                        format!(
                            "cannot reach the router at {url}: no answer within {:?}",
                            self.timeout()
                        ),
                    )
                    .hint("is the router running and reachable? check --url (or WAMP_URL)"));
                }
                Ok(Err(e)) => return Err(transport_error(url, e)),
                Ok(Ok(t)) => t,
            };
        match tokio::time::timeout(self.timeout(), Session::join(transport, config)).await {
            Err(_) => Err(CliError::new(
                EXIT_CONNECT,
                format!(
                    "the router at {url} did not let us join within {:?}",
                    self.timeout()
                ),
            )),
            Ok(Err(e)) => Err(self.join_error(&e)),
            Ok(Ok(session)) => Ok(session),
        }
    }

    fn join_error(&self, e: &wamp::Error) -> CliError {
        let text = crate::error::error_text(e);
        let realm = &self.realm;
        let url = &self.url;
        match e.uri() {
            "wamp.error.no_such_realm" => CliError::new(
                EXIT_CONNECT,
                format!("the router at {url} has no realm \"{realm}\" ({text})"),
            )
            .hint("check --realm (or WAMP_REALM); the router's configuration lists its realms"),
            "wamp.error.not_authorized"
            | "wamp.error.authentication_failed"
            | "wamp.error.authorization_failed"
            | "wamp.error.no_auth_method"
            | "wamp.error.no_such_role"
            | "wamp.error.no_such_principal" => {
                let who = match &self.authid {
                    Some(id) => format!("as \"{id}\""),
                    None => "anonymously".to_owned(),
                };
                let hint = if self.ticket.is_none()
                    && self.wampcra_secret.is_none()
                    && self.cryptosign_key.is_none()
                {
                    CREDENTIALS_HINT.to_owned()
                } else {
                    "check the authentication ID and the secret (and --authrole, if given)"
                        .to_owned()
                };
                CliError::new(
                    EXIT_CONNECT,
                    format!("not allowed to join realm \"{realm}\" {who} ({text})"),
                )
                .hint(hint)
            }
            _ => CliError::new(
                EXIT_CONNECT,
                format!("joining realm \"{realm}\" at {url} failed: {text}"),
            ),
        }
    }
}

fn transport_error(url: &str, e: TransportError) -> CliError {
    let check_url =
        "check --url (or WAMP_URL): ws://HOST:PORT/PATH, wss://..., rs://HOST:PORT or rss://...";
    match &e {
        TransportError::Io(io) if matches!(io.kind(), IoKind::ConnectionRefused) => CliError::new(
            EXIT_CONNECT,
            format!("cannot reach the router at {url}: connection refused"),
        )
        .hint(format!("is the router running on that port? {check_url}")),
        TransportError::Io(io) => CliError::new(
            EXIT_CONNECT,
            format!("cannot reach the router at {url}: {io}"),
        )
        .hint(check_url),
        TransportError::InvalidUrl { .. } => {
            CliError::new(EXIT_USAGE, e.to_string()).hint(check_url)
        }
        TransportError::Handshake(_) => CliError::new(
            EXIT_CONNECT,
            format!("{url} answered, but not as a WAMP endpoint: {e}"),
        )
        .hint("check the URL's scheme and path (a WebSocket endpoint is often at /ws)"),
        TransportError::SerializerRefused(_) => {
            CliError::new(EXIT_CONNECT, format!("{url}: {e}")).hint("try another --serializer")
        }
        TransportError::Tls(_) => CliError::new(EXIT_CONNECT, format!("{url}: {e}"))
            .hint("for a private CA or a self-signed certificate give --ca-file (or WAMP_CA_FILE)"),
        _ => CliError::new(EXIT_CONNECT, format!("{url}: {e}")),
    }
}
