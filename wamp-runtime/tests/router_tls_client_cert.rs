//! TLS client-certificate authentication (authmethod `tls`) between our
//! client and our router over real wss:// and rss:// connections, with
//! certificates made here (a private CA signing the client certificates):
//! the certificate's SHA-256 fingerprint maps to a principal; no
//! certificate, an unknown one, and a plain TCP connection are refused with
//! clear ABORTs.

#![cfg(all(feature = "client", feature = "router", feature = "tls"))]

use std::sync::Arc;
use std::time::Duration;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, ExtendedKeyUsagePurpose, IsCa, KeyPair,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use sha2::Digest;
use wamp::auth::TlsCertificate;
use wamp::client::JoinConfig;
use wamp::router::{AuthConfig, Permission, RealmConfig, RoleConfig, Router, TlsPrincipal};
use wamp::transport::{Acceptor, ClientOptions, ServerOptions, connect, tls};
use wamp::{Error, SerializerKind, Session};

const WAIT: Duration = Duration::from_secs(10);

/// A client certificate signed by `ca`, with its key.
fn client_cert(
    ca: &CertifiedIssuer<'_, KeyPair>,
    name: &str,
) -> (CertificateDer<'static>, PrivateKeyDer<'static>) {
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(vec![name.to_owned()]).unwrap();
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    let cert = params.signed_by(&key, ca).unwrap();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    (cert.der().clone(), key)
}

fn fingerprint_with_colons(cert: &CertificateDer<'_>) -> String {
    sha2::Sha256::digest(cert.as_ref())
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

async fn join(url: &str, tls: Arc<rustls::ClientConfig>) -> Result<Session, Error> {
    let options = ClientOptions {
        tls: Some(tls),
        ..ClientOptions::with_serializers([SerializerKind::Cbor])
    };
    let transport = tokio::time::timeout(WAIT, connect(url, &options))
        .await
        .unwrap()
        .unwrap();
    tokio::time::timeout(
        WAIT,
        Session::join(
            transport,
            JoinConfig::new("secure").auth(TlsCertificate::new(None)),
        ),
    )
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_certificates_map_to_principals_over_wss_and_rss() {
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let (alice_cert, alice_key) = client_cert(&ca, "alice");
    let (bob_cert, bob_key) = client_cert(&ca, "bob");

    let realm = RealmConfig {
        name: "secure".into(),
        roles: vec![RoleConfig {
            name: "user".into(),
            permissions: vec![Permission::all()],
        }],
        auth: AuthConfig {
            tls: vec![TlsPrincipal {
                authid: "alice".into(),
                role: "user".into(),
                fingerprint: fingerprint_with_colons(&alice_cert),
            }],
            ..AuthConfig::default()
        },
        store: Default::default(),
    };
    let router = Router::builder().realm(realm).build();
    let certified =
        rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()]).unwrap();
    let server_cert = certified.cert.der().clone();
    let server_key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
        certified.signing_key.serialize_der(),
    ));
    let server_tls = tls::server_config_with_client_auth(
        vec![server_cert.clone()],
        server_key,
        [ca.der().clone()],
        false,
    )
    .unwrap();
    let acceptor =
        Acceptor::new(ServerOptions::with_serializers(SerializerKind::ALL)).with_tls(server_tls);
    let addr = router.listen_with("127.0.0.1:0", acceptor).await.unwrap();
    let plain = router.listen("127.0.0.1:0").await.unwrap();

    let alice =
        tls::client_config_with_certificate([server_cert.clone()], vec![alice_cert], alice_key)
            .unwrap();
    let bob = tls::client_config_with_certificate([server_cert.clone()], vec![bob_cert], bob_key)
        .unwrap();
    let anonymous = tls::client_config_trusting([server_cert]).unwrap();
    for url in [
        format!("wss://127.0.0.1:{}/ws", addr.port()),
        format!("rss://127.0.0.1:{}", addr.port()),
    ] {
        let session = join(&url, alice.clone()).await.unwrap();
        let d = session.details();
        assert_eq!(d.authid.as_deref(), Some("alice"), "{url}");
        assert_eq!(d.authrole.as_deref(), Some("user"));
        assert_eq!(d.authmethod.as_deref(), Some("tls"));
        session.leave().await;

        let e = join(&url, bob.clone()).await.unwrap_err();
        assert!(e.is("wamp.error.no_such_principal"), "{url}: {e:?}");
        assert!(e.to_string().contains("SHA-256 fingerprint"), "{e}");
        let e = join(&url, anonymous.clone()).await.unwrap_err();
        assert!(e.is("wamp.error.authentication_failed"), "{url}: {e:?}");
        assert!(e.to_string().contains("presented no certificate"), "{e}");
    }
    let transport = connect(&format!("ws://{plain}/ws"), &ClientOptions::default())
        .await
        .unwrap();
    let e = Session::join(
        transport,
        JoinConfig::new("secure").auth(TlsCertificate::new(None)),
    )
    .await
    .unwrap_err();
    assert!(e.to_string().contains("needs a TLS transport"), "{e}");
}
