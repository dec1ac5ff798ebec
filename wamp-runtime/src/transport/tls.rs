//! rustls helpers for `wss://` and `rss://`: client and server configurations,
//! TLS connect and accept, and the `tls-exporter` channel binding.
//!
//! Every configuration built here uses the *ring* crypto provider explicitly; the
//! process-wide default provider is never consulted or installed.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::{ClientConfig, RootCertStore, ServerConfig};
use tokio_rustls::{TlsAcceptor, TlsConnector};

use sha2::Digest as _;

use super::TransportError;
use super::io::ByteStream;

/// RFC 9266 label of the `tls-exporter` channel binding.
const EXPORTER_LABEL: &[u8] = b"EXPORTER-Channel-Binding";

/// The ring crypto provider used by every configuration of this module.
pub fn provider() -> Arc<CryptoProvider> {
    static PROVIDER: OnceLock<Arc<CryptoProvider>> = OnceLock::new();
    PROVIDER
        .get_or_init(|| Arc::new(rustls::crypto::ring::default_provider()))
        .clone()
}

fn tls_err(what: &str, e: impl std::fmt::Display) -> TransportError {
    TransportError::Tls(format!("{what}: {e}"))
}

/// A client configuration trusting exactly the certificates in `roots`.
pub fn client_config_with_roots(roots: RootCertStore) -> Result<Arc<ClientConfig>, TransportError> {
    let config = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| tls_err("TLS client configuration", e))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// A client configuration trusting the Mozilla roots bundled in `webpki-roots`.
///
/// It is built once and shared.
pub fn webpki_client_config() -> Result<Arc<ClientConfig>, TransportError> {
    static CONFIG: OnceLock<Arc<ClientConfig>> = OnceLock::new();
    if let Some(config) = CONFIG.get() {
        return Ok(config.clone());
    }
    let roots = RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    let config = client_config_with_roots(roots)?;
    Ok(CONFIG.get_or_init(|| config).clone())
}

/// A client configuration trusting only the given DER certificates (e.g. a
/// self-signed test certificate or a private CA).
pub fn client_config_trusting(
    certs: impl IntoIterator<Item = CertificateDer<'static>>,
) -> Result<Arc<ClientConfig>, TransportError> {
    let mut roots = RootCertStore::empty();
    for cert in certs {
        roots
            .add(cert)
            .map_err(|e| tls_err("unusable root certificate", e))?;
    }
    client_config_with_roots(roots)
}

/// A client configuration trusting only the certificates of a PEM file.
pub fn client_config_trusting_pem_file(
    path: impl AsRef<Path>,
) -> Result<Arc<ClientConfig>, TransportError> {
    let path = path.as_ref();
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| tls_err(&format!("reading {}", path.display()), e))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| tls_err(&format!("parsing {}", path.display()), e))?;
    if certs.is_empty() {
        return Err(TransportError::Tls(format!(
            "no certificate in {}",
            path.display()
        )));
    }
    client_config_trusting(certs)
}

/// A server configuration from a DER certificate chain (leaf first) and its key.
pub fn server_config_from_der(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> Result<Arc<ServerConfig>, TransportError> {
    let config = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| tls_err("TLS server configuration", e))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| tls_err("TLS server certificate or key", e))?;
    Ok(Arc::new(config))
}

/// A server configuration from PEM files: a certificate chain (leaf first) and
/// a private key (PKCS#8, PKCS#1 or SEC1).
pub fn server_config_from_pem_files(
    cert_path: impl AsRef<Path>,
    key_path: impl AsRef<Path>,
) -> Result<Arc<ServerConfig>, TransportError> {
    let (cert_path, key_path) = (cert_path.as_ref(), key_path.as_ref());
    let chain = CertificateDer::pem_file_iter(cert_path)
        .map_err(|e| tls_err(&format!("reading {}", cert_path.display()), e))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| tls_err(&format!("parsing {}", cert_path.display()), e))?;
    if chain.is_empty() {
        return Err(TransportError::Tls(format!(
            "no certificate in {}",
            cert_path.display()
        )));
    }
    let key = PrivateKeyDer::from_pem_file(key_path)
        .map_err(|e| tls_err(&format!("reading private key {}", key_path.display()), e))?;
    server_config_from_der(chain, key)
}

/// [`server_config_with_client_auth`] from PEM files: the server's chain and
/// key, and the CA certificates client certificates must be signed by.
pub fn server_config_with_client_auth_from_pem_files(
    cert_path: impl AsRef<Path>,
    key_path: impl AsRef<Path>,
    client_ca_path: impl AsRef<Path>,
    required: bool,
) -> Result<Arc<ServerConfig>, TransportError> {
    let read = |path: &Path| -> Result<Vec<CertificateDer<'static>>, TransportError> {
        let certs = CertificateDer::pem_file_iter(path)
            .map_err(|e| tls_err(&format!("reading {}", path.display()), e))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| tls_err(&format!("parsing {}", path.display()), e))?;
        if certs.is_empty() {
            return Err(TransportError::Tls(format!(
                "no certificate in {}",
                path.display()
            )));
        }
        Ok(certs)
    };
    let (cert_path, key_path) = (cert_path.as_ref(), key_path.as_ref());
    let chain = read(cert_path)?;
    let cas = read(client_ca_path.as_ref())?;
    let key = PrivateKeyDer::from_pem_file(key_path)
        .map_err(|e| tls_err(&format!("reading private key {}", key_path.display()), e))?;
    server_config_with_client_auth(chain, key, cas, required)
}

/// Runs the TLS client handshake on `stream`, checking the server's
/// certificate against `server_name` (a DNS name or an IP address).
pub(crate) async fn connect<S: ByteStream>(
    stream: S,
    config: Arc<ClientConfig>,
    server_name: &str,
) -> Result<tokio_rustls::client::TlsStream<S>, TransportError> {
    let name = ServerName::try_from(server_name.to_owned())
        .map_err(|e| tls_err(&format!("invalid TLS server name `{server_name}`"), e))?;
    TlsConnector::from(config)
        .connect(name, stream)
        .await
        .map_err(|e| tls_err("TLS handshake", e))
}

/// Runs the TLS server handshake on `stream`. A client certificate the
/// client presented is remembered for the connection's lifetime (see
/// [`client_certificate_sha256`]).
pub(crate) async fn accept<S: ByteStream>(
    stream: S,
    config: Arc<ServerConfig>,
) -> Result<ServerTlsStream<S>, TransportError> {
    let inner = TlsAcceptor::from(config)
        .accept(stream)
        .await
        .map_err(|e| tls_err("TLS handshake", e))?;
    let conn = inner.get_ref().1;
    let registered = match (
        conn.peer_certificates().and_then(|c| c.first()),
        exporter_binding(conn),
    ) {
        (Some(leaf), Some(binding)) => {
            let fingerprint = hex::encode(sha2::Sha256::digest(leaf.as_ref()));
            client_certs().insert(binding.clone(), fingerprint);
            Some(binding)
        }
        _ => None,
    };
    Ok(ServerTlsStream { inner, registered })
}

/// The client certificates of the live server-side TLS connections, by
/// their `tls-exporter` channel binding (unique per connection).
fn client_certs() -> std::sync::MutexGuard<'static, std::collections::HashMap<Bytes, String>> {
    static CERTS: OnceLock<std::sync::Mutex<std::collections::HashMap<Bytes, String>>> =
        OnceLock::new();
    CERTS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner())
}

/// The SHA-256 fingerprint (lowercase hex of the DER) of the client
/// certificate presented on the server-side TLS connection with this
/// `tls-exporter` channel binding, while the connection lives.
pub fn client_certificate_sha256(channel_binding: &[u8]) -> Option<String> {
    client_certs().get(channel_binding).cloned()
}

/// A server-side TLS stream; forgets its client certificate when dropped.
pub(crate) struct ServerTlsStream<S> {
    inner: tokio_rustls::server::TlsStream<S>,
    registered: Option<Bytes>,
}

impl<S> Drop for ServerTlsStream<S> {
    fn drop(&mut self) {
        if let Some(binding) = self.registered.take() {
            client_certs().remove(&binding);
        }
    }
}

impl<S: ByteStream> tokio::io::AsyncRead for ServerTlsStream<S> {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: ByteStream> tokio::io::AsyncWrite for ServerTlsStream<S> {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        std::pin::Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> std::task::Poll<std::io::Result<usize>> {
        std::pin::Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

impl<S: ByteStream> ByteStream for ServerTlsStream<S> {
    fn peer_addr(&self) -> Option<SocketAddr> {
        self.inner.peer_addr()
    }

    fn is_tls(&self) -> bool {
        true
    }

    fn channel_binding(&self) -> Option<Bytes> {
        self.inner.channel_binding()
    }
}

/// A server configuration that asks clients for a certificate signed by
/// one of `client_roots` (a private CA): a client without one is still
/// served unless `required` (then its TLS handshake fails), and TLS
/// client-certificate authentication (authmethod `tls`) maps the
/// certificate's SHA-256 fingerprint to a principal.
pub fn server_config_with_client_auth(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
    client_roots: impl IntoIterator<Item = CertificateDer<'static>>,
    required: bool,
) -> Result<Arc<ServerConfig>, TransportError> {
    let mut roots = RootCertStore::empty();
    for cert in client_roots {
        roots
            .add(cert)
            .map_err(|e| tls_err("unusable client root certificate", e))?;
    }
    let builder =
        rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider());
    let builder = if required {
        builder
    } else {
        builder.allow_unauthenticated()
    };
    let verifier = builder
        .build()
        .map_err(|e| tls_err("TLS client certificate verifier", e))?;
    let config = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| tls_err("TLS server configuration", e))?
        .with_client_cert_verifier(verifier)
        .with_single_cert(chain, key)
        .map_err(|e| tls_err("TLS server certificate or key", e))?;
    Ok(Arc::new(config))
}

/// A client configuration trusting only `roots` that presents a client
/// certificate chain (leaf first) with its key, for TLS client-certificate
/// authentication; put it in [`ClientOptions::tls`](super::ClientOptions).
pub fn client_config_with_certificate(
    roots: impl IntoIterator<Item = CertificateDer<'static>>,
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> Result<Arc<ClientConfig>, TransportError> {
    let mut store = RootCertStore::empty();
    for cert in roots {
        store
            .add(cert)
            .map_err(|e| tls_err("unusable root certificate", e))?;
    }
    let config = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| tls_err("TLS client configuration", e))?
        .with_root_certificates(store)
        .with_client_auth_cert(chain, key)
        .map_err(|e| tls_err("TLS client certificate or key", e))?;
    Ok(Arc::new(config))
}

/// The RFC 9266 `tls-exporter` channel binding of an established connection.
fn exporter_binding<D>(conn: &rustls::ConnectionCommon<D>) -> Option<Bytes> {
    conn.export_keying_material([0u8; 32], EXPORTER_LABEL, None)
        .ok()
        .map(|out| Bytes::copy_from_slice(&out))
}

impl<S: ByteStream> ByteStream for tokio_rustls::client::TlsStream<S> {
    fn peer_addr(&self) -> Option<SocketAddr> {
        self.get_ref().0.peer_addr()
    }

    fn is_tls(&self) -> bool {
        true
    }

    fn channel_binding(&self) -> Option<Bytes> {
        exporter_binding(self.get_ref().1)
    }
}

impl<S: ByteStream> ByteStream for tokio_rustls::server::TlsStream<S> {
    fn peer_addr(&self) -> Option<SocketAddr> {
        self.get_ref().0.peer_addr()
    }

    fn is_tls(&self) -> bool {
        true
    }

    fn channel_binding(&self) -> Option<Bytes> {
        exporter_binding(self.get_ref().1)
    }
}
