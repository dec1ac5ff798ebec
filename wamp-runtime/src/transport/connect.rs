//! The client's entry point: [`connect`] dispatches on the URL scheme.

use tokio::net::TcpStream;
use url::{Host, Url};

use super::io::{ByteStream, with_timeout};
use super::{ClientOptions, Transport, TransportError, rawsocket, websocket};

/// Which protocol a URL scheme selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scheme {
    WebSocket { tls: bool },
    RawSocket { tls: bool },
}

fn invalid(url: &str, reason: impl Into<String>) -> TransportError {
    TransportError::InvalidUrl {
        url: url.to_owned(),
        reason: reason.into(),
    }
}

/// Connects to `url` and runs the transport's opening handshake.
///
/// Schemes: `ws`, `wss` (WebSocket; default ports 80 and 443), `rs`, `tcp`
/// (RawSocket) and `rss`, `tcps` (RawSocket over TLS); RawSocket URLs need a
/// port. The whole connection, TLS included, must finish within
/// [`ClientOptions::handshake_timeout`]. TCP_NODELAY is set.
///
/// Unix domain sockets (on Unix): `rs+unix:///path/to.sock` (or
/// `unix:///path/to.sock`) for RawSocket and `ws+unix:///path/to.sock` for
/// WebSocket (whose HTTP request then says `Host: localhost`, path `/`); the
/// path after `://` must be absolute. Autobahn|Python's forms
/// `rs://unix:/path/to.sock` and `ws://unix:/path/to.sock` work too. The
/// socket file's permissions decide who may connect.
pub async fn connect(url: &str, options: &ClientOptions) -> Result<Transport, TransportError> {
    if let Some((scheme, rest)) = unix_scheme(url) {
        return connect_unix(url, scheme, rest, options).await;
    }
    let parsed = Url::parse(url).map_err(|e| invalid(url, e.to_string()))?;
    let scheme = match parsed.scheme() {
        "ws" => Scheme::WebSocket { tls: false },
        "wss" => Scheme::WebSocket { tls: true },
        "rs" | "tcp" => Scheme::RawSocket { tls: false },
        "rss" | "tcps" => Scheme::RawSocket { tls: true },
        other => {
            return Err(invalid(
                url,
                format!(
                    "unsupported scheme `{other}` (expected ws, wss, rs, tcp, rss, tcps, rs+unix, unix or ws+unix)"
                ),
            ));
        }
    };
    let host = match parsed.host() {
        Some(Host::Domain(d)) => d.to_owned(),
        Some(Host::Ipv4(a)) => a.to_string(),
        Some(Host::Ipv6(a)) => a.to_string(),
        None => return Err(invalid(url, "missing host")),
    };
    let port = parsed
        .port_or_known_default()
        .ok_or_else(|| invalid(url, "missing port"))?;

    with_timeout(options.handshake_timeout, "connecting", async {
        let tcp = TcpStream::connect((host.as_str(), port)).await?;
        tcp.set_nodelay(true)?;
        let tls_on = matches!(
            scheme,
            Scheme::WebSocket { tls: true } | Scheme::RawSocket { tls: true }
        );
        if tls_on {
            secure_handshake(tcp, &host, scheme, url, options).await
        } else {
            handshake(tcp, scheme, url, options).await
        }
    })
    .await
}

/// The protocol and socket path of a Unix socket URL, if `url` is one:
/// `rs+unix:///p`, `unix:///p`, `ws+unix:///p`, or Autobahn|Python's
/// `rs://unix:/p`, `tcp://unix:/p`, `ws://unix:/p`.
fn unix_scheme(url: &str) -> Option<(Scheme, &str)> {
    let (scheme, rest) = url.split_once("://")?;
    let autobahn = rest.strip_prefix("unix:");
    match (scheme.to_ascii_lowercase().as_str(), autobahn) {
        ("rs+unix" | "unix", _) => Some((Scheme::RawSocket { tls: false }, rest)),
        ("ws+unix", _) => Some((Scheme::WebSocket { tls: false }, rest)),
        ("rs" | "tcp", Some(path)) => Some((Scheme::RawSocket { tls: false }, path)),
        ("ws", Some(path)) => Some((Scheme::WebSocket { tls: false }, path)),
        _ => None,
    }
}

/// Connects to the Unix socket at `rest` and runs the transport's handshake.
#[cfg(unix)]
async fn connect_unix(
    url: &str,
    scheme: Scheme,
    rest: &str,
    options: &ClientOptions,
) -> Result<Transport, TransportError> {
    let path = super::unix::url_path(rest).ok_or_else(|| {
        invalid(
            url,
            "a Unix socket URL needs an absolute path, e.g. rs+unix:///run/wamp.sock",
        )
    })?;
    with_timeout(options.handshake_timeout, "connecting", async {
        let stream = tokio::net::UnixStream::connect(&path).await?;
        handshake(stream, scheme, "ws://localhost/", options).await
    })
    .await
}

/// Without Unix domain sockets, `unix` URLs cannot be reached.
#[cfg(not(unix))]
async fn connect_unix(
    url: &str,
    _scheme: Scheme,
    _rest: &str,
    _options: &ClientOptions,
) -> Result<Transport, TransportError> {
    Err(invalid(
        url,
        "Unix domain sockets are not available on this platform",
    ))
}

/// The TLS handshake (with [`ClientOptions::tls`], or the webpki roots), then
/// the transport's.
#[cfg(feature = "tls")]
async fn secure_handshake(
    tcp: TcpStream,
    host: &str,
    scheme: Scheme,
    url: &str,
    options: &ClientOptions,
) -> Result<Transport, TransportError> {
    use super::tls;
    let config = match &options.tls {
        Some(config) => config.clone(),
        None => tls::webpki_client_config()?,
    };
    let name = options.tls_server_name.as_deref().unwrap_or(host);
    let stream = tls::connect(tcp, config, name).await?;
    handshake(stream, scheme, url, options).await
}

/// Without the `tls` feature, `wss://` and `rss://` cannot be reached.
#[cfg(not(feature = "tls"))]
async fn secure_handshake(
    _tcp: TcpStream,
    _host: &str,
    _scheme: Scheme,
    url: &str,
    _options: &ClientOptions,
) -> Result<Transport, TransportError> {
    Err(invalid(
        url,
        "TLS support is not compiled in (feature `tls` of wamp-runtime)",
    ))
}

async fn handshake<S: ByteStream>(
    stream: S,
    scheme: Scheme,
    url: &str,
    options: &ClientOptions,
) -> Result<Transport, TransportError> {
    match scheme {
        Scheme::WebSocket { .. } => websocket::client(stream, url, options).await,
        Scheme::RawSocket { .. } => rawsocket::client(stream, options).await,
    }
}
