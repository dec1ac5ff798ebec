//! Cryptosign bound to the TLS channel (`tls-exporter`, RFC 9266) between our
//! client and our router over real wss:// and rss:// connections: the
//! router offers the binding in CHALLENGE and checks the signature over
//! `challenge XOR binding`; a wrong binding, a binding asked for over plain
//! TCP, and `tls-unique` are refused with clear ABORTs; unbound cryptosign
//! keeps working.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use wamp::auth::cryptosign::SigningKey;
use wamp::auth::{AuthError, Authenticator, CryptoSign};
use wamp::client::JoinConfig;
use wamp::protocol::uris;
use wamp::protocol::{Authenticate, Challenge, Dict, Value};
use wamp::router::{AuthConfig, CryptosignPrincipal, Permission, RealmConfig, RoleConfig, Router};
use wamp::transport::{Acceptor, ClientOptions, ServerOptions, TransportKind, connect, tls};
use wamp::{Error, SerializerKind, Session};

const WAIT: Duration = Duration::from_secs(10);

struct Setup {
    _router: Router,
    tls_addr: SocketAddr,
    plain_addr: SocketAddr,
    client_tls: Arc<rustls::ClientConfig>,
    key: SigningKey,
}

/// A router with one cryptosign principal, serving TLS on one port
/// (WebSocket and RawSocket) and plain TCP on another.
async fn setup() -> Setup {
    let key = SigningKey::generate();
    let realm = RealmConfig {
        name: "secure".into(),
        roles: vec![RoleConfig {
            name: "user".into(),
            permissions: vec![Permission::all()],
        }],
        auth: AuthConfig {
            cryptosign: vec![CryptosignPrincipal {
                authid: "cris".into(),
                authorized_keys: vec![key.public_key_hex()],
                role: "user".into(),
            }],
            ..AuthConfig::default()
        },
        store: Default::default(),
    };
    let router = Router::builder().realm(realm).build();
    let certified =
        rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()]).unwrap();
    let cert = certified.cert.der().clone();
    let server_key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
        certified.signing_key.serialize_der(),
    ));
    let server_tls = tls::server_config_from_der(vec![cert.clone()], server_key).unwrap();
    let acceptor =
        Acceptor::new(ServerOptions::with_serializers(SerializerKind::ALL)).with_tls(server_tls);
    let tls_addr = router.listen_with("127.0.0.1:0", acceptor).await.unwrap();
    let plain_addr = router.listen("127.0.0.1:0").await.unwrap();
    Setup {
        _router: router,
        tls_addr,
        plain_addr,
        client_tls: tls::client_config_trusting([cert]).unwrap(),
        key,
    }
}

impl Setup {
    async fn join(
        &self,
        url: &str,
        serializer: SerializerKind,
        auth: impl Authenticator + 'static,
    ) -> Result<Session, Error> {
        let options = ClientOptions {
            tls: Some(self.client_tls.clone()),
            ..ClientOptions::with_serializers([serializer])
        };
        let transport = tokio::time::timeout(WAIT, connect(url, &options))
            .await
            .unwrap()
            .unwrap();
        tokio::time::timeout(
            WAIT,
            Session::join(transport, JoinConfig::new("secure").auth(auth)),
        )
        .await
        .unwrap()
    }

    fn tls_urls(&self) -> [(String, TransportKind); 2] {
        let port = self.tls_addr.port();
        [
            (
                format!("wss://127.0.0.1:{port}/ws"),
                TransportKind::SecureWebSocket,
            ),
            (
                format!("rss://127.0.0.1:{port}"),
                TransportKind::SecureRawSocket,
            ),
        ]
    }

    fn plain_urls(&self) -> [String; 2] {
        let port = self.plain_addr.port();
        [
            format!("ws://127.0.0.1:{port}/ws"),
            format!("rs://127.0.0.1:{port}"),
        ]
    }
}

/// Cryptosign that records the `channel_binding` of the CHALLENGE it gets,
/// and may ask for another binding type in HELLO.
struct Recording {
    inner: CryptoSign,
    ask: Option<&'static str>,
    seen: Arc<Mutex<Option<Value>>>,
}

impl Recording {
    fn new(inner: CryptoSign) -> (Self, Arc<Mutex<Option<Value>>>) {
        let seen = Arc::new(Mutex::new(None));
        let me = Self {
            inner,
            ask: None,
            seen: seen.clone(),
        };
        (me, seen)
    }
}

impl Authenticator for Recording {
    fn method(&self) -> &str {
        self.inner.method()
    }

    fn authextra(&self) -> Dict {
        let mut extra = self.inner.authextra();
        if let Some(kind) = self.ask {
            extra.insert("channel_binding".into(), Value::String(kind.into()));
        }
        extra
    }

    fn on_challenge(&self, challenge: &Challenge) -> Result<Authenticate, AuthError> {
        self.on_challenge_bound(challenge, None)
    }

    fn on_challenge_bound(
        &self,
        challenge: &Challenge,
        channel_binding: Option<&[u8]>,
    ) -> Result<Authenticate, AuthError> {
        let asked = challenge
            .extra
            .extra
            .get("channel_binding")
            .cloned()
            .unwrap_or(Value::String("absent".into()));
        *self.seen.lock().unwrap() = Some(asked);
        self.inner.on_challenge_bound(challenge, channel_binding)
    }
}

fn seen(cell: &Mutex<Option<Value>>) -> Option<Value> {
    cell.lock().unwrap().clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bound_cryptosign_joins_over_wss_and_rss() {
    let s = setup().await;
    for (url, kind) in s.tls_urls() {
        for serializer in [SerializerKind::Json, SerializerKind::Cbor] {
            let bound = CryptoSign::new(s.key.clone()).with_transport_channel_binding();
            let (auth, challenge) = Recording::new(bound);
            let session = s
                .join(&url, serializer, auth)
                .await
                .unwrap_or_else(|e| panic!("{url} {serializer}: bound join failed: {e}"));
            assert_eq!(session.details().authid.as_deref(), Some("cris"));
            assert_eq!(session.details().authmethod.as_deref(), Some("cryptosign"));
            assert_eq!(session.details().transport.kind, kind);
            assert_eq!(
                seen(&challenge),
                Some(Value::String("tls-exporter".into())),
                "{url}: CHALLENGE offers tls-exporter"
            );
            session.leave().await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unbound_cryptosign_still_joins_over_tls_and_tcp() {
    let s = setup().await;
    let urls = s
        .tls_urls()
        .map(|(url, _)| url)
        .into_iter()
        .chain(s.plain_urls());
    for url in urls {
        let (auth, challenge) = Recording::new(CryptoSign::new(s.key.clone()));
        let session = s.join(&url, SerializerKind::MsgPack, auth).await.unwrap();
        assert_eq!(session.details().authid.as_deref(), Some("cris"));
        assert_eq!(seen(&challenge), Some(Value::Null), "{url}: no binding");
        session.leave().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signature_over_another_binding_is_refused() {
    let s = setup().await;
    for (url, _) in s.tls_urls() {
        // Asks for tls-exporter, but signs with a binding of another channel
        // (what a man in the middle relaying the challenge would have).
        let wrong = CryptoSign::new(s.key.clone()).with_channel_binding([7u8; 32]);
        let e = s
            .join(&url, SerializerKind::Json, wrong)
            .await
            .expect_err("a wrong binding must not join");
        assert!(e.is(uris::NOT_AUTHORIZED), "{url}: {e}");
        assert!(
            e.text()
                .unwrap_or_default()
                .contains("signature is invalid"),
            "{url}: {e}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binding_over_plain_tcp_is_refused_clearly() {
    let s = setup().await;
    for url in s.plain_urls() {
        let bound = CryptoSign::new(s.key.clone()).with_transport_channel_binding();
        let e = s
            .join(&url, SerializerKind::Json, bound)
            .await
            .expect_err("binding without TLS must not join");
        assert!(e.is(uris::AUTHENTICATION_FAILED), "{url}: {e}");
        let text = e.text().unwrap_or_default();
        assert!(
            text.contains("tls-exporter") && text.contains("no TLS"),
            "{url}: {text}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_unique_is_refused_with_the_reason() {
    // What Crossbar.io and Autobahn ask for.
    let s = setup().await;
    for (url, _) in s.tls_urls() {
        let (mut auth, challenge) = Recording::new(CryptoSign::new(s.key.clone()));
        auth.ask = Some("tls-unique");
        let e = s
            .join(&url, SerializerKind::Json, auth)
            .await
            .expect_err("tls-unique cannot be provided");
        assert!(e.is(uris::AUTHENTICATION_FAILED), "{url}: {e}");
        let text = e.text().unwrap_or_default();
        assert!(
            text.contains("tls-unique")
                && text.contains("TLS 1.3")
                && text.contains("tls-exporter"),
            "{url}: {text}"
        );
        assert_eq!(seen(&challenge), None, "refused on HELLO, no CHALLENGE");
    }
}
